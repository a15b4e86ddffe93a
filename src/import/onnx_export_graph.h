// The ONNX graph of a wisp model: the transformer of src/model/forward.cc
// written out as ONNX opset 17 nodes over the model's weights. Split from
// onnx_export.cc (which loads, checks and writes) so that each stays short;
// only these two files of the exporter see protobuf.
#ifndef WISP_IMPORT_ONNX_EXPORT_GRAPH_H_
#define WISP_IMPORT_ONNX_EXPORT_GRAPH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "src/import/onnx_export.h"
#include "src/model/model.h"

namespace onnx {
class GraphProto;
}  // namespace onnx

namespace wisp {

// Fills `graph` (inputs, outputs, nodes, initializers with raw_data) with
// the forward pass of `model`, naming its weights after `naming_used` (a
// value of ChooseOnnxNaming, onnx_export_names.h). `notes` receives remarks for
// the user.
absl::Status BuildOnnxGraph(const Model& model, const std::string& naming_used,
                            onnx::GraphProto* graph,
                            std::vector<std::string>* notes);

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_EXPORT_GRAPH_H_
