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
          absl::StrCat(where_, ": tensor '", name, "' is ", DTypeName(t->dtype),
                       "; this build runs f32 weights"));
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
  const uint64_t dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim();
  const bool layer_norm = c.norm == NormKind::kLayerNorm;
  const bool swiglu = c.mlp == MlpKind::kSwiGLU;
  ModelWeights w;
  Binder b(lookup, where);
  // A norm: its weight, and its shift when it is a LayerNorm.
  auto bind_norm = [&](const std::string& name, const float** weight,
                       const float** bias) {
    b.Bind(name, {dim}, weight);
    if (layer_norm) b.Bind(TensorNames::Bias(name), {dim}, bias);
  };
  // A linear layer [out, in] and, with linear_bias, its bias [out].
  auto bind_linear = [&](const std::string& name, uint64_t out, uint64_t in,
                         const float** weight, const float** bias) {
    b.Bind(name, {out, in}, weight);
    if (c.linear_bias) b.Bind(TensorNames::Bias(name), {out}, bias);
  };
  b.Bind(TensorNames::TokenEmbedding(), {c.vocab_size, dim},
         &w.token_embedding);
  if (c.positions == PositionKind::kLearned) {
    b.Bind(TensorNames::PositionEmbedding(), {c.max_seq_len, dim},
           &w.position_embedding);
  }
  if (c.embedding_norm) {
    bind_norm(TensorNames::EmbeddingNorm(), &w.embedding_norm,
              &w.embedding_norm_bias);
  }
  w.layers.resize(c.n_layers);
  for (uint32_t l = 0; l < c.n_layers; ++l) {
    LayerWeights& lw = w.layers[l];
    bind_norm(TensorNames::AttentionNorm(l), &lw.attention_norm,
              &lw.attention_norm_bias);
    bind_linear(TensorNames::Wq(l), dim, dim, &lw.wq, &lw.wq_bias);
    bind_linear(TensorNames::Wk(l), kv_dim, dim, &lw.wk, &lw.wk_bias);
    bind_linear(TensorNames::Wv(l), kv_dim, dim, &lw.wv, &lw.wv_bias);
    bind_linear(TensorNames::Wo(l), dim, dim, &lw.wo, &lw.wo_bias);
    bind_norm(TensorNames::FfnNorm(l), &lw.ffn_norm, &lw.ffn_norm_bias);
    bind_linear(TensorNames::W1(l), hidden, dim, &lw.w1, &lw.w1_bias);
    bind_linear(TensorNames::W2(l), dim, hidden, &lw.w2, &lw.w2_bias);
    if (swiglu)
      bind_linear(TensorNames::W3(l), hidden, dim, &lw.w3, &lw.w3_bias);
  }
  if (c.final_norm) {
    bind_norm(TensorNames::FinalNorm(), &w.final_norm, &w.final_norm_bias);
  }
  if (c.mlm_head) {
    bind_linear(TensorNames::MlmDense(), dim, dim, &w.mlm_dense,
                &w.mlm_dense_bias);
    bind_norm(TensorNames::MlmNorm(), &w.mlm_norm, &w.mlm_norm_bias);
  }
  if (c.tied_embeddings) {
    w.output = w.token_embedding;
  } else {
    b.Bind(TensorNames::Output(), {c.vocab_size, dim}, &w.output);
  }
  // The decoder bias is optional in every family (BERT has one).
  if (lookup(TensorNames::Bias(TensorNames::Output()))) {
    b.Bind(TensorNames::Bias(TensorNames::Output()), {c.vocab_size},
           &w.output_bias);
  }
  if (!b.status().ok()) return b.status();
  return w;
}

}  // namespace wisp
