#include "src/model/blocks.h"

#include <cstring>

#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/ops.h"
#include "src/kernels/training_ops.h"

namespace wisp {

void EmbedTokens(const ModelConfig& c, const ModelWeights& w,
                 const int32_t* tokens, const int32_t* positions, size_t n,
                 float* x) {
  const size_t dim = c.dim;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(x + i * dim, w.token_embedding + size_t(tokens[i]) * dim,
                dim * sizeof(float));
    if (w.position_embedding != nullptr) {
      kernels::AddInPlace(
          x + i * dim, w.position_embedding + size_t(positions[i]) * dim, dim);
    }
  }
}

void ApplyNorm(const ModelConfig& c, const float* weight, const float* bias,
               const float* x, float* y, float* mean, float* rstd,
               size_t rows) {
  if (c.norm == NormKind::kLayerNorm) {
    kernels::LayerNormForward(x, weight, bias, c.norm_eps, y, mean, rstd, rows,
                              c.dim);
  } else if (rstd != nullptr) {
    kernels::RmsNormForward(x, weight, c.norm_eps, y, rstd, rows, c.dim);
  } else {
    kernels::RmsNorm(x, weight, c.norm_eps, y, rows, c.dim);
  }
}

void MlpForward(const ModelConfig& c, const LayerWeights& lw, const float* x,
                size_t rows, float* gate, float* up, float* hidden, float* out,
                ThreadPool* pool) {
  const size_t dim = c.dim, h = c.hidden_dim;
  kernels::MatMul(x, lw.w1, lw.w1_bias, gate, rows, dim, h, pool);
  if (c.mlp == MlpKind::kSwiGLU) {
    kernels::MatMul(x, lw.w3, lw.w3_bias, up, rows, dim, h, pool);
    kernels::SwiGLU(gate, up, hidden, rows * h);
  } else {
    kernels::Gelu(c.mlp == MlpKind::kGeluTanh ? kernels::GeluKind::kTanh
                                              : kernels::GeluKind::kErf,
                  gate, hidden, rows * h);
  }
  kernels::MatMul(hidden, lw.w2, lw.w2_bias, out, rows, h, dim, pool);
}

const float* HeadForward(const ModelConfig& c, const ModelWeights& w,
                         const float* x, size_t rows, const HeadBuffers& b,
                         float* logits, ThreadPool* pool) {
  const float* h = x;
  if (c.final_norm) {
    ApplyNorm(c, w.final_norm, w.final_norm_bias, h, b.final_out, b.final_mean,
              b.final_rstd, rows);
    h = b.final_out;
  }
  if (c.mlm_head) {
    // BERT's prediction head: dense, the model's GELU, LayerNorm.
    kernels::MatMul(h, w.mlm_dense, w.mlm_dense_bias, b.mlm_pre, rows, c.dim,
                    c.dim, pool);
    kernels::Gelu(c.mlp == MlpKind::kGeluTanh ? kernels::GeluKind::kTanh
                                              : kernels::GeluKind::kErf,
                  b.mlm_pre, b.mlm_act, rows * c.dim);
    ApplyNorm(c, w.mlm_norm, w.mlm_norm_bias, b.mlm_act, b.mlm_out, b.mlm_mean,
              b.mlm_rstd, rows);
    h = b.mlm_out;
  }
  kernels::MatMul(h, w.output, w.output_bias, logits, rows, c.dim, c.vocab_size,
                  pool);
  return h;
}

}  // namespace wisp
