#include "src/model/blocks.h"

#include <cstring>

#include "src/kernels/bf16.h"
#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/ops.h"
#include "src/kernels/training_ops.h"

namespace wisp {

void EmbedTokens(const ModelConfig& c, const ModelWeights& w,
                 const int32_t* tokens, const int32_t* positions, size_t n,
                 float* x, const ModelWeightsBf16* bf16) {
  const size_t dim = c.dim;
  for (size_t i = 0; i < n; ++i) {
    const size_t row = size_t(tokens[i]) * dim;
    if (w.token_embedding != nullptr) {
      std::memcpy(x + i * dim, w.token_embedding + row, dim * sizeof(float));
    } else {
      for (size_t j = 0; j < dim; ++j) {
        x[i * dim + j] = kernels::Bf16ToF32(bf16->token_embedding[row + j]);
      }
    }
    if (w.position_embedding != nullptr) {
      kernels::AddInPlace(
          x + i * dim, w.position_embedding + size_t(positions[i]) * dim, dim);
    }
  }
}

namespace {

void NormRows(const ModelConfig& c, const float* weight, const float* bias,
              const float* x, float* y, float* mean, float* rstd, size_t rows) {
  if (c.norm == NormKind::kLayerNorm) {
    kernels::LayerNormForward(x, weight, bias, c.norm_eps, y, mean, rstd, rows,
                              c.dim);
  } else if (rstd != nullptr) {
    kernels::RmsNormForward(x, weight, c.norm_eps, y, rstd, rows, c.dim);
  } else {
    kernels::RmsNorm(x, weight, c.norm_eps, y, rows, c.dim);
  }
}

// A thread's share of a norm is at least this many floats: a fork-join
// costs microseconds, as much as normalising ~16k values.
constexpr size_t kNormParallelMinFloats = size_t{1} << 14;
// ... in whole rows of width dim.
size_t NormMinRows(size_t dim) {
  return (kNormParallelMinFloats + dim - 1) / dim;
}

}  // namespace

void ApplyNorm(const ModelConfig& c, const float* weight, const float* bias,
               const float* x, float* y, float* mean, float* rstd, size_t rows,
               ThreadPool* pool) {
  if (pool == nullptr) {
    NormRows(c, weight, bias, x, y, mean, rstd, rows);
    return;
  }
  pool->ParallelFor(
      rows, NormMinRows(c.dim), [&](size_t begin, size_t end, size_t) {
        NormRows(c, weight, bias, x + begin * c.dim, y + begin * c.dim,
                 mean != nullptr ? mean + begin : nullptr,
                 rstd != nullptr ? rstd + begin : nullptr, end - begin);
      });
}

void AddThenNorm(const ModelConfig& c, const float* weight, const float* bias,
                 float* x, const float* delta, float* y, size_t rows,
                 ThreadPool* pool) {
  // 16 rows of GPT-2 are 48 KiB: the sums are still in L1 (or L2 on
  // smaller cores) when the norm reads them back.
  constexpr size_t kRowsPerStep = 16;
  const size_t dim = c.dim;
  const auto rows_of = [&](size_t begin, size_t end, size_t) {
    for (size_t r = begin; r < end; r += kRowsPerStep) {
      const size_t count = end - r < kRowsPerStep ? end - r : kRowsPerStep;
      kernels::AddInPlace(x + r * dim, delta + r * dim, count * dim);
      NormRows(c, weight, bias, x + r * dim, y + r * dim, nullptr, nullptr,
               count);
    }
  };
  if (pool == nullptr) {
    rows_of(0, rows, 0);
    return;
  }
  pool->ParallelFor(rows, NormMinRows(dim), rows_of);
}

kernels::GeluKind GeluKindOf(const ModelConfig& c) {
  return c.mlp == MlpKind::kGeluTanh ? kernels::GeluKind::kTanh
                                     : kernels::GeluKind::kErf;
}

void Linear(const float* x, const float* w, const uint16_t* w_bf16,
            const float* bias, float* y, size_t rows, size_t in, size_t out,
            ThreadPool* pool, kernels::Bf16Products products) {
  if (w != nullptr) {
    kernels::MatMul(x, w, bias, y, rows, in, out, pool);
  } else {
    kernels::MatMulBf16(x, w_bf16, bias, y, rows, in, out, pool, products);
  }
}

void MlpForward(const ModelConfig& c, const LayerWeights& lw, const float* x,
                size_t rows, float* gate, float* up, float* hidden, float* out,
                ThreadPool* pool, const LayerWeightsBf16* bf16,
                kernels::Bf16Products products) {
  const size_t dim = c.dim, h = c.hidden_dim;
  const LayerWeightsBf16 none;
  const LayerWeightsBf16& lb = bf16 != nullptr ? *bf16 : none;
  if (c.mlp == MlpKind::kSwiGLU) {
    const kernels::SharedProduct gate_up[] = {
        {lw.w1, lb.w1, lw.w1_bias, gate, h}, {lw.w3, lb.w3, lw.w3_bias, up, h}};
    kernels::MatMulShared(x, rows, dim, gate_up, 2, pool, products);
    kernels::SwiGLU(gate, up, hidden, rows * h);
  } else {
    Linear(x, lw.w1, lb.w1, lw.w1_bias, gate, rows, dim, h, pool, products);
    // One vector pass (tanh or erf form), split over the pool: each value
    // is independent, so the split cannot change a result.
    const kernels::GeluKind kind = GeluKindOf(c);
    auto gelu = [&](size_t begin, size_t end, size_t) {
      kernels::Gelu(kind, gate + begin * h, hidden + begin * h,
                    (end - begin) * h);
    };
    if (pool) {
      pool->ParallelFor(rows, 4, gelu);
    } else {
      gelu(0, rows, 0);
    }
  }
  Linear(hidden, lw.w2, lb.w2, lw.w2_bias, out, rows, h, dim, pool, products);
}

const float* HeadForward(const ModelConfig& c, const ModelWeights& w,
                         const float* x, size_t rows, const HeadBuffers& b,
                         float* logits, ThreadPool* pool,
                         const ModelWeightsBf16* bf16,
                         kernels::Bf16Products products) {
  const ModelWeightsBf16 none;
  const ModelWeightsBf16& wb = bf16 != nullptr ? *bf16 : none;
  const float* h = x;
  if (c.final_norm) {
    ApplyNorm(c, w.final_norm, w.final_norm_bias, h, b.final_out, b.final_mean,
              b.final_rstd, rows, pool);
    h = b.final_out;
  }
  if (c.mlm_head) {
    // BERT's prediction head: dense, the model's GELU, LayerNorm.
    Linear(h, w.mlm_dense, wb.mlm_dense, w.mlm_dense_bias, b.mlm_pre, rows,
           c.dim, c.dim, pool, products);
    kernels::Gelu(GeluKindOf(c), b.mlm_pre, b.mlm_act, rows * c.dim);
    ApplyNorm(c, w.mlm_norm, w.mlm_norm_bias, b.mlm_act, b.mlm_out, b.mlm_mean,
              b.mlm_rstd, rows, pool);
    h = b.mlm_out;
  }
  Linear(h, w.output, wb.output, w.output_bias, logits, rows, c.dim,
         c.vocab_size, pool, products);
  return h;
}

}  // namespace wisp
