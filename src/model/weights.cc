#include "src/model/weights.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/model/tensor_names.h"

namespace wisp {
namespace {

class Binder {
 public:
  Binder(const TensorLookup& lookup, const std::string& where)
      : lookup_(lookup), where_(where) {}

  // Sets *out to the f32 data of `name` if it has exactly `shape`.
  void Bind(const std::string& name, std::vector<uint64_t> shape,
            const float** out) {
    if (!status_.ok()) return;
    const TensorView* t = lookup_(name);
    if (t == nullptr) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat(where_, ": missing tensor '", name, "'"));
    } else if (t->shape != shape) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat(where_, ": tensor '", name, "' has shape [",
                       absl::StrJoin(t->shape, ", "), "], the config needs [",
                       absl::StrJoin(shape, ", "), "]"));
    } else if (t->dtype != DType::kF32) {
      status_ = absl::UnimplementedError(
          absl::StrCat(where_, ": tensor '", name, "' is ",
                       DTypeName(t->dtype), "; this build runs f32 weights"));
    } else if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0) {
      status_ = absl::DataLossError(
          absl::StrCat(where_, ": tensor '", name, "' is misaligned"));
    } else {
      *out = t->f32();
    }
  }
  const absl::Status& status() const { return status_; }

 private:
  const TensorLookup& lookup_;
  const std::string& where_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<ModelWeights> BindWeights(const ModelConfig& c,
                                         const TensorLookup& lookup,
                                         const std::string& where) {
  if (c.norm != NormKind::kRmsNorm || c.positions != PositionKind::kRotary ||
      c.mlp != MlpKind::kSwiGLU || c.mask != MaskKind::kCausal) {
    return absl::UnimplementedError(
        absl::StrCat(where,
                     ": this build runs the LLaMA family (rmsnorm, rotary, "
                     "swiglu, causal); the file asks for ",
                     NormKindName(c.norm), ", ", PositionKindName(c.positions),
                     ", ", MlpKindName(c.mlp), ", ", MaskKindName(c.mask)));
  }
  const uint64_t dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim();
  ModelWeights w;
  Binder b(lookup, where);
  b.Bind(TensorNames::TokenEmbedding(), {c.vocab_size, dim},
         &w.token_embedding);
  w.layers.resize(c.n_layers);
  for (uint32_t l = 0; l < c.n_layers; ++l) {
    LayerWeights& lw = w.layers[l];
    b.Bind(TensorNames::AttentionNorm(l), {dim}, &lw.attention_norm);
    b.Bind(TensorNames::Wq(l), {dim, dim}, &lw.wq);
    b.Bind(TensorNames::Wk(l), {kv_dim, dim}, &lw.wk);
    b.Bind(TensorNames::Wv(l), {kv_dim, dim}, &lw.wv);
    b.Bind(TensorNames::Wo(l), {dim, dim}, &lw.wo);
    b.Bind(TensorNames::FfnNorm(l), {dim}, &lw.ffn_norm);
    b.Bind(TensorNames::W1(l), {hidden, dim}, &lw.w1);
    b.Bind(TensorNames::W2(l), {dim, hidden}, &lw.w2);
    b.Bind(TensorNames::W3(l), {hidden, dim}, &lw.w3);
  }
  b.Bind(TensorNames::FinalNorm(), {dim}, &w.final_norm);
  if (c.tied_embeddings) {
    w.output = w.token_embedding;
  } else {
    b.Bind(TensorNames::Output(), {c.vocab_size, dim}, &w.output);
  }
  if (!b.status().ok()) return b.status();
  return w;
}

}  // namespace wisp
