// What an exported graph says about a model's configuration beyond the
// shapes of its weights: the attention head size, the norm epsilon, the
// rotary tables and the activation. Exporters bake these into constants
// (torch.onnx.export writes the attention scale, the epsilon of a
// decomposed RMSNorm and precomputed cos/sin tables as Constant nodes), so
// the importer reads them back instead of asking the user.
#ifndef WISP_IMPORT_ONNX_GRAPH_FACTS_H_
#define WISP_IMPORT_ONNX_GRAPH_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "src/import/onnx_graph.h"

namespace wisp {

// The attention head size: from the score scale between the QK MatMul and
// the Softmax (Div by sqrt(hd) or Mul by 1/sqrt(hd)), else from scales of
// hd^-1/4 applied to both q and k, else from the constant head count in a
// Reshape to [batch, seq, heads, hd] (`dim` = heads * hd). `how` says which.
std::optional<uint32_t> FindHeadDim(const OnnxGraph& graph, uint32_t dim,
                                    std::string* how);

// The epsilon of the first normalisation: a LayerNormalization-like node's
// `epsilon` attribute, or the scalar added to a ReduceMean's output (a
// decomposed RMSNorm or LayerNorm).
std::optional<float> FindNormEps(const OnnxGraph& graph);

struct RotaryFacts {
  std::optional<uint32_t> positions;  // rows of a cos/sin table
  std::optional<float> theta;
};

// Looks for precomputed rotary tables ([positions, hd/2] or [positions, hd],
// possibly with leading 1 dimensions; cos has a first row of ones, sin of
// zeros) or an inverse-frequency vector [hd/2] starting at 1, and recovers
// theta from the frequency of pair 1: theta^(-2/hd).
RotaryFacts FindRotary(const OnnxGraph& graph, uint32_t head_dim);

enum class GeluFlavor { kUnknown, kTanh, kErf };
// Tanh-approximated or exact GELU, from the ops the graph uses.
GeluFlavor FindGelu(const OnnxGraph& graph);

// The weight the classifier multiplies by, found from the graph's first
// output back through Add / Reshape to a MatMul or Gemm.
struct ClassifierFacts {
  std::string weight;       // resolved tensor name, "" if not found
  bool transposed = false;  // stored [dim, vocab] instead of [vocab, dim]
};
ClassifierFacts FindClassifier(const OnnxGraph& graph);

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_GRAPH_FACTS_H_
