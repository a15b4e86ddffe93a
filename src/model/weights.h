// A model's weights as typed pointers into the (mmap'd) weight file, bound
// once at load time after every tensor's presence and shape were checked, so
// the forward pass never looks anything up by name.
#ifndef WISP_MODEL_WEIGHTS_H_
#define WISP_MODEL_WEIGHTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/format/wisp_file.h"

namespace wisp {

// The tensors of one layer. T is `const float` for weights and `float` for
// gradients, which have exactly the same structure.
template <class T>
struct LayerTensors {
  T* attention_norm = nullptr;       // [dim]
  T* attention_norm_bias = nullptr;  // [dim], LayerNorm only
  T* wq = nullptr;                   // [dim, dim]
  T* wk = nullptr;                   // [kv_dim, dim]
  T* wv = nullptr;                   // [kv_dim, dim]
  T* wo = nullptr;                   // [dim, dim]
  T* wq_bias = nullptr;   // [dim]; the linear biases exist when linear_bias
  T* wk_bias = nullptr;   // [kv_dim]
  T* wv_bias = nullptr;   // [kv_dim]
  T* wo_bias = nullptr;   // [dim]
  T* ffn_norm = nullptr;  // [dim]
  T* ffn_norm_bias = nullptr;  // [dim], LayerNorm only
  T* w1 = nullptr;             // [hidden, dim]: SwiGLU gate or GELU MLP input
  T* w2 = nullptr;             // [dim, hidden]: down projection
  T* w3 = nullptr;             // [hidden, dim]: SwiGLU up; null for GELU
  T* w1_bias = nullptr;        // [hidden]
  T* w2_bias = nullptr;        // [dim]
  T* w3_bias = nullptr;        // [hidden]
};

template <class T>
struct ModelTensors {
  T* token_embedding = nullptr;     // [vocab, dim]
  T* position_embedding = nullptr;  // [max_seq_len, dim], learned positions
  T* embedding_norm = nullptr;      // [dim], BERT
  T* embedding_norm_bias = nullptr;
  std::vector<LayerTensors<T>> layers;
  T* final_norm = nullptr;  // [dim], when final_norm
  T* final_norm_bias = nullptr;
  T* mlm_dense = nullptr;  // [dim, dim], the masked-LM head
  T* mlm_dense_bias = nullptr;
  T* mlm_norm = nullptr;  // [dim]
  T* mlm_norm_bias = nullptr;
  // [vocab, dim]; the same pointer as token_embedding when the classifier is
  // tied (so its gradient lands in the embedding's).
  T* output = nullptr;
  T* output_bias = nullptr;  // [vocab], BERT's decoder bias
};

using LayerWeights = LayerTensors<const float>;
using ModelWeights = ModelTensors<const float>;
using ModelGradients = ModelTensors<float>;
// The weight matrices a file stores as bf16 (raw bits, see
// src/kernels/bf16.h): linear layers, token embedding and classifier. Only
// those fields are ever set, and a matrix is either here or in ModelWeights,
// never both; norms, biases and position embeddings are always f32.
using LayerWeightsBf16 = LayerTensors<const uint16_t>;
using ModelWeightsBf16 = ModelTensors<const uint16_t>;

// Finds a tensor by name (null if absent): a file's directory or a set of
// trainable parameters.
using TensorLookup = std::function<const TensorView*(const std::string& name)>;

// Binds the tensors a model of `config` needs. InvalidArgument names the first
// missing tensor or wrong shape (prefixed by `where`, e.g. the file path);
// Unimplemented for an unsupported architecture or dtype. With `bf16`, weight
// matrices stored as bf16 are bound there (its layers sized to the model's)
// and left null in the result; without it, bf16 tensors are Unimplemented.
absl::StatusOr<ModelWeights> BindWeights(const ModelConfig& config,
                                         const TensorLookup& lookup,
                                         const std::string& where,
                                         ModelWeightsBf16* bf16 = nullptr);

}  // namespace wisp

#endif  // WISP_MODEL_WEIGHTS_H_
