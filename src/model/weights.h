// A model's weights as typed pointers into the (mmap'd) weight file, bound
// once at load time after every tensor's presence and shape were checked, so
// the forward pass never looks anything up by name.
#ifndef WISP_MODEL_WEIGHTS_H_
#define WISP_MODEL_WEIGHTS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "src/format/wisp_file.h"

namespace wisp {

struct LayerWeights {
  const float* attention_norm = nullptr;  // [dim]
  const float* wq = nullptr;              // [dim, dim]
  const float* wk = nullptr;              // [kv_dim, dim]
  const float* wv = nullptr;              // [kv_dim, dim]
  const float* wo = nullptr;              // [dim, dim]
  const float* ffn_norm = nullptr;        // [dim]
  const float* w1 = nullptr;              // [hidden, dim] gate
  const float* w2 = nullptr;              // [dim, hidden] down
  const float* w3 = nullptr;              // [hidden, dim] up
};

struct ModelWeights {
  const float* token_embedding = nullptr;  // [vocab, dim]
  std::vector<LayerWeights> layers;
  const float* final_norm = nullptr;  // [dim]
  // [vocab, dim]; points at token_embedding when the classifier is tied.
  const float* output = nullptr;
};

// Binds the tensors a model of `file.config()` needs. InvalidArgument names
// the first missing tensor, wrong shape or unsupported dtype.
absl::StatusOr<ModelWeights> BindWeights(const WispFile& file);

}  // namespace wisp

#endif  // WISP_MODEL_WEIGHTS_H_
