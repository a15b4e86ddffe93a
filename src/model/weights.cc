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
    BindMatrix(name, std::move(shape), out, nullptr);
  }

  // Bind for a weight matrix, which may also be bf16: then *bf16 (when
  // given) receives it and *f32 stays null.
  void BindMatrix(const std::string& name, std::vector<uint64_t> shape,
                  const float** f32, const uint16_t** bf16) {
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
    } else if (t->dtype == DType::kBF16 && bf16 != nullptr) {
      if (reinterpret_cast<uintptr_t>(t->data) % alignof(uint16_t) != 0) {
        status_ = Misaligned(name);
      } else {
        *bf16 = reinterpret_cast<const uint16_t*>(t->data);
      }
    } else if (t->dtype != DType::kF32) {
      status_ = absl::UnimplementedError(absl::StrCat(
          where_, ": tensor '", name, "' is ", DTypeName(t->dtype),
          t->dtype == DType::kBF16
              ? "; only weight matrices of a loaded model may be bf16"
              : "; wisp runs f32 and bf16 weights"));
    } else if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0) {
      status_ = Misaligned(name);
    } else {
      *f32 = t->f32();
    }
  }
  const absl::Status& status() const { return status_; }

 private:
  absl::Status Misaligned(const std::string& name) const {
    return absl::DataLossError(
        absl::StrCat(where_, ": tensor '", name, "' is misaligned"));
  }

  const TensorLookup& lookup_;
  const std::string& where_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<ModelWeights> BindWeights(const ModelConfig& c,
                                         const TensorLookup& lookup,
                                         const std::string& where,
                                         ModelWeightsBf16* bf16) {
  const uint64_t dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim();
  const bool layer_norm = c.norm == NormKind::kLayerNorm;
  const bool swiglu = c.mlp == MlpKind::kSwiGLU;
  ModelWeights w;
  // Without a bf16 destination the bf16 slots point into a local copy, and
  // BindMatrix is told (by a null slot) to refuse bf16 tensors.
  ModelWeightsBf16 local;
  ModelWeightsBf16& wb = bf16 != nullptr ? *bf16 : local;
  wb = ModelWeightsBf16();
  wb.layers.resize(c.n_layers);
  const bool allow_bf16 = bf16 != nullptr;
  Binder b(lookup, where);
  auto bind_matrix = [&](const std::string& name, uint64_t rows, uint64_t cols,
                         const float** f32, const uint16_t** half) {
    b.BindMatrix(name, {rows, cols}, f32, allow_bf16 ? half : nullptr);
  };
  // A norm: its weight, and its shift when it is a LayerNorm.
  auto bind_norm = [&](const std::string& name, const float** weight,
                       const float** bias) {
    b.Bind(name, {dim}, weight);
    if (layer_norm) b.Bind(TensorNames::Bias(name), {dim}, bias);
  };
  // A linear layer [out, in] and, with linear_bias, its bias [out].
  auto bind_linear = [&](const std::string& name, uint64_t out, uint64_t in,
                         const float** weight, const uint16_t** weight_bf16,
                         const float** bias) {
    bind_matrix(name, out, in, weight, weight_bf16);
    if (c.linear_bias) b.Bind(TensorNames::Bias(name), {out}, bias);
  };
  bind_matrix(TensorNames::TokenEmbedding(), c.vocab_size, dim,
              &w.token_embedding, &wb.token_embedding);
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
    LayerWeightsBf16& lb = wb.layers[l];
    bind_norm(TensorNames::AttentionNorm(l), &lw.attention_norm,
              &lw.attention_norm_bias);
    bind_linear(TensorNames::Wq(l), dim, dim, &lw.wq, &lb.wq, &lw.wq_bias);
    bind_linear(TensorNames::Wk(l), kv_dim, dim, &lw.wk, &lb.wk, &lw.wk_bias);
    bind_linear(TensorNames::Wv(l), kv_dim, dim, &lw.wv, &lb.wv, &lw.wv_bias);
    bind_linear(TensorNames::Wo(l), dim, dim, &lw.wo, &lb.wo, &lw.wo_bias);
    bind_norm(TensorNames::FfnNorm(l), &lw.ffn_norm, &lw.ffn_norm_bias);
    bind_linear(TensorNames::W1(l), hidden, dim, &lw.w1, &lb.w1, &lw.w1_bias);
    bind_linear(TensorNames::W2(l), dim, hidden, &lw.w2, &lb.w2, &lw.w2_bias);
    if (swiglu) {
      bind_linear(TensorNames::W3(l), hidden, dim, &lw.w3, &lb.w3, &lw.w3_bias);
    }
  }
  if (c.final_norm) {
    bind_norm(TensorNames::FinalNorm(), &w.final_norm, &w.final_norm_bias);
  }
  if (c.mlm_head) {
    bind_linear(TensorNames::MlmDense(), dim, dim, &w.mlm_dense, &wb.mlm_dense,
                &w.mlm_dense_bias);
    bind_norm(TensorNames::MlmNorm(), &w.mlm_norm, &w.mlm_norm_bias);
  }
  if (c.tied_embeddings) {
    w.output = w.token_embedding;
    wb.output = wb.token_embedding;
  } else {
    bind_matrix(TensorNames::Output(), c.vocab_size, dim, &w.output,
                &wb.output);
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
