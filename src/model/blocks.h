// The pieces of the transformer shared by the inference forward pass
// (forward.cc) and the training graph (src/train/train_graph.cc): embeddings,
// norms, the MLP, the output head and the attention mask, each selected by
// the config. Activation buffers are the caller's, so training can keep
// what its backward pass needs.
#ifndef WISP_MODEL_BLOCKS_H_
#define WISP_MODEL_BLOCKS_H_

#include <cstddef>
#include <cstdint>

#include "src/core/thread_pool.h"
#include "src/format/model_config.h"
#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/ops.h"
#include "src/model/weights.h"

namespace wisp {

// x[i] = token_embedding[tokens[i]] (+ position_embedding[positions[i]]) for
// i in [0, n). Positions come per row so batches of sequences work too.
// Without an embedding norm this is the block input; with one, the caller
// normalises x (see ApplyNorm) and keeps x as the norm's input.
// A bf16 token embedding (in `bf16`, when given) is widened row by row.
void EmbedTokens(const ModelConfig& config, const ModelWeights& weights,
                 const int32_t* tokens, const int32_t* positions, size_t n,
                 float* x, const ModelWeightsBf16* bf16 = nullptr);

// The GELU flavour of a config's GELU MLP (tanh for kGeluTanh, erf
// otherwise); also the activation of BERT's prediction head.
kernels::GeluKind GeluKindOf(const ModelConfig& config);

// y [rows, out] = x [rows, in] w^T + bias for a linear layer whose weight is
// `w` (f32) or, when that is null, `w_bf16`, multiplied as `products` allows
// (kernels::MatMulBf16; a model's Model::exact_bf16_products()).
void Linear(const float* x, const float* w, const uint16_t* w_bf16,
            const float* bias, float* y, size_t rows, size_t in, size_t out,
            ThreadPool* pool, kernels::Bf16Products products);

// y = norm(x) with the config's kind (RMSNorm ignores bias and mean). mean
// and rstd (may be null) receive per-row statistics for the backward pass.
// Rows are split over `pool` (may be null); each row's bits do not depend
// on the split.
void ApplyNorm(const ModelConfig& config, const float* weight,
               const float* bias, const float* x, float* y, float* mean,
               float* rstd, size_t rows, ThreadPool* pool);

// The residual add and the norm after it: x += delta, then y = norm(x), a
// few rows at a time so that the norm reads the sums from L1, on `pool`
// (may be null). y may alias delta (pre-norm: the branch output's buffer
// takes the next input) or x (post-norm: the stream becomes the norm). Bits
// equal AddInPlace followed by ApplyNorm.
void AddThenNorm(const ModelConfig& config, const float* weight,
                 const float* bias, float* x, const float* delta, float* y,
                 size_t rows, ThreadPool* pool);

// The MLP of one layer on `rows` inputs x [rows, dim], output [rows, dim].
// gate and hidden are [rows, hidden_dim]; up too for SwiGLU (else unused).
// Keeps gate (and up) for the backward pass: hidden = act(gate[, up]).
// `bf16` holds the layer's bf16 matrices of a bf16 model (null for f32
// weights), multiplied as `products` allows (see Linear; no default, so that
// no forward-path caller drops a model's setting).
void MlpForward(const ModelConfig& config, const LayerWeights& layer,
                const float* x, size_t rows, float* gate, float* up,
                float* hidden, float* out, ThreadPool* pool,
                const LayerWeightsBf16* bf16, kernels::Bf16Products products);

// Buffers of the output head for `rows` rows; those a config does not use
// may be null. final_* hold the final norm (final_norm configs); mlm_* the
// masked-LM head: dense output (pre-activation), GELU output, norm output.
struct HeadBuffers {
  float* final_out = nullptr;   // [rows, dim]
  float* final_mean = nullptr;  // [rows]
  float* final_rstd = nullptr;
  float* mlm_pre = nullptr;  // [rows, dim]
  float* mlm_act = nullptr;
  float* mlm_out = nullptr;
  float* mlm_mean = nullptr;  // [rows]
  float* mlm_rstd = nullptr;
};

// logits [rows, vocab] from the last layer's output x [rows, dim]. Returns
// the input of the classifier (the last of final norm / MLM head / x).
// The bf16 matrices in `bf16` (null for f32 weights) are multiplied as
// `products` allows (see MlpForward).
const float* HeadForward(const ModelConfig& config, const ModelWeights& weights,
                         const float* x, size_t rows,
                         const HeadBuffers& buffers, float* logits,
                         ThreadPool* pool, const ModelWeightsBf16* bf16,
                         kernels::Bf16Products products);

// How many keys, always the contiguous range [0, n), a query at `pos` sees:
// causal: pos + 1; bidirectional: `length` (the sequence's real tokens);
// prefix: the whole prefix inside it, causal after.
inline size_t VisibleKeys(MaskKind mask, size_t pos, size_t length,
                          size_t prefix) {
  switch (mask) {
    case MaskKind::kCausal:
      return pos + 1;
    case MaskKind::kBidirectional:
      return length;
    case MaskKind::kPrefix:
      return pos < prefix ? prefix : pos + 1;
  }
  return pos + 1;
}

}  // namespace wisp

#endif  // WISP_MODEL_BLOCKS_H_
