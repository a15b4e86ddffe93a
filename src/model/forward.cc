#include "src/model/forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "src/kernels/attention_heads.h"
#include "src/kernels/ops.h"
#include "src/model/blocks.h"

namespace wisp {

void ForwardScratch::Reserve(const ModelConfig& c, size_t max_tokens,
                             size_t num_threads) {
  attention_per_thread_ = kernels::AttentionHeadsScratchPerThread(
      c.head_dim(), c.n_heads / c.n_kv_heads);
  if (attention_.size() < num_threads * attention_per_thread_) {
    attention_.resize(num_threads * attention_per_thread_);
  }
  if (max_tokens <= max_tokens_) return;
  max_tokens_ = max_tokens;
  x_.resize(max_tokens * c.dim);
  xb_.resize(max_tokens * c.dim);
  q_.resize(max_tokens * c.dim);
  att_.resize(max_tokens * c.dim);
  hb_.resize(max_tokens * c.hidden_dim);
  hb2_.resize(max_tokens * c.hidden_dim);
  head_.resize(3 * max_tokens * c.dim);
  positions_.resize(max_tokens);
  visible_.resize(max_tokens);
}

namespace {

// Attention for tokens [0, n) over the cache of one layer; token i sees
// the keys [0, visible[i]).
void Attention(const ModelConfig& c, const float* q, const float* keys,
               const float* values, size_t n, const uint32_t* visible,
               ThreadPool* pool, float* scratch, size_t scratch_per_thread,
               float* out) {
  kernels::AttentionHeads heads;
  heads.q = q;
  heads.q_stride = c.dim;
  heads.n_queries = n;
  heads.n_heads = c.n_heads;
  heads.n_kv_heads = c.n_kv_heads;
  heads.head_dim = c.head_dim();
  heads.keys = keys;
  heads.values = values;
  heads.kv_stride = c.kv_dim();
  heads.visible = visible;
  heads.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim()));
  heads.out = out;
  heads.out_stride = c.dim;
  kernels::AttentionForwardHeads(heads, pool, scratch, scratch_per_thread);
}

}  // namespace

void ForwardBlock(const Model& model, const KvCacheView& cache,
                  const int32_t* tokens, size_t n, size_t start_pos,
                  size_t prefix_len, ThreadPool* pool, ForwardScratch* s,
                  float* logits, bool all_logits) {
  const ModelConfig& c = model.config();
  const ModelWeights& w = model.weights();
  const ModelWeightsBf16& wb = model.bf16_weights();
  const kernels::Bf16Products products =
      model.exact_bf16_products() ? kernels::Bf16Products::kExact
                                  : kernels::Bf16Products::kDotProductsAllowed;
  const size_t dim = c.dim, kv_dim = c.kv_dim(), head_dim = c.head_dim();
  const bool post_norm = c.norm_position == NormPosition::kPost;
  float* x = s->x_.data();
  float* xb = s->xb_.data();
  float* q = s->q_.data();
  float* att = s->att_.data();
  float* hb = s->hb_.data();

  // Positions and visible key counts are the same for every layer.
  for (size_t i = 0; i < n; ++i) {
    s->positions_[i] = static_cast<int32_t>(start_pos + i);
    s->visible_[i] = static_cast<uint32_t>(
        VisibleKeys(c.mask, start_pos + i, start_pos + n, prefix_len));
  }
  EmbedTokens(c, w, tokens, s->positions_.data(), n, x, &wb);
  if (c.embedding_norm) {
    ApplyNorm(c, w.embedding_norm, w.embedding_norm_bias, x, x, nullptr,
              nullptr, n, pool);
  }
  // Only the rows whose logits are wanted go through the head: for a prompt
  // that is just the last one. Every layer's keys and values cover all n
  // tokens (later tokens attend to them), but the rest of the last layer
  // (queries, attention, output projection, MLP) only feeds the head, so it
  // runs for the wanted rows alone: a 7 % shorter 128-token GPT-2 prompt.
  const size_t first = all_logits ? 0 : n - 1;
  // Pre-norm: whether xb already holds the attention norm of x, written by
  // the previous layer together with its residual sum.
  bool attention_normed = false;
  for (size_t l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = w.layers[l];
    const LayerWeightsBf16& lb = wb.layers[l];
    const size_t layer_offset = l * cache.capacity * kv_dim;
    float* k = cache.keys + layer_offset + start_pos * kv_dim;
    float* v = cache.values + layer_offset + start_pos * kv_dim;
    // This layer computes rows [q0, n) of x beyond its keys and values.
    const size_t q0 = l + 1 == c.n_layers ? first : 0;
    const size_t rows = n - q0;
    float* xr = x + q0 * dim;

    // Pre-norm blocks attend over norm(x); post-norm blocks over x itself.
    const float* attn_in = x;
    if (!post_norm) {
      if (!attention_normed) {
        ApplyNorm(c, lw.attention_norm, lw.attention_norm_bias, x, xb, nullptr,
                  nullptr, n, pool);
      }
      attn_in = xb;
    }
    if (q0 == 0) {
      // One call: x packed once, one fork-join for the three.
      const kernels::SharedProduct qkv[] = {
          {lw.wq, lb.wq, lw.wq_bias, q, dim},
          {lw.wk, lb.wk, lw.wk_bias, k, kv_dim},
          {lw.wv, lb.wv, lw.wv_bias, v, kv_dim}};
      kernels::MatMulShared(attn_in, n, dim, qkv, 3, pool, products);
    } else {
      Linear(attn_in + q0 * dim, lw.wq, lb.wq, lw.wq_bias, q, rows, dim, dim,
             pool, products);
      const kernels::SharedProduct kv[] = {
          {lw.wk, lb.wk, lw.wk_bias, k, kv_dim},
          {lw.wv, lb.wv, lw.wv_bias, v, kv_dim}};
      kernels::MatMulShared(attn_in, n, dim, kv, 2, pool, products);
    }
    if (c.positions == PositionKind::kRotary) {
      for (size_t i = 0; i < n; ++i) {
        const float* cos = model.rope_cos(start_pos + i);
        const float* sin = model.rope_sin(start_pos + i);
        if (i >= q0) {
          kernels::RopePairs(q + (i - q0) * dim, c.n_heads, head_dim, cos, sin);
        }
        kernels::RopePairs(k + i * kv_dim, c.n_kv_heads, head_dim, cos, sin);
      }
    }
    Attention(c, q, cache.keys + layer_offset, cache.values + layer_offset,
              rows, s->visible_.data() + q0, pool, s->attention_.data(),
              s->attention_per_thread_, att);
    Linear(att, lw.wo, lb.wo, lw.wo_bias, xb, rows, dim, dim, pool, products);
    // Post-norm: x = norm(x + attention); pre-norm: x += attention, and the
    // MLP reads norm(x), written over the attention output in xb.
    const float* mlp_in = post_norm ? xr : xb;
    if (post_norm) {
      AddThenNorm(c, lw.attention_norm, lw.attention_norm_bias, xr, xb, xr,
                  rows, pool);
    } else {
      AddThenNorm(c, lw.ffn_norm, lw.ffn_norm_bias, xr, xb, xb, rows, pool);
    }
    // hidden may alias gate: both activations allow it.
    MlpForward(c, lw, mlp_in, rows, hb, s->hb2_.data(), hb, q, pool, &lb,
               products);
    if (post_norm) {
      AddThenNorm(c, lw.ffn_norm, lw.ffn_norm_bias, xr, q, xr, rows, pool);
    } else if (l + 1 < c.n_layers) {
      // The residual sum and the next layer's attention norm in one pass
      // on the pool (all n rows: only the last layer skips rows).
      const LayerWeights& next = w.layers[l + 1];
      AddThenNorm(c, next.attention_norm, next.attention_norm_bias, xr, q, xb,
                  rows, pool);
      attention_normed = true;
    } else {
      kernels::AddInPlace(xr, q, rows * dim);
    }
  }
  const size_t rows = n - first;
  float* head = s->head_.data();
  HeadBuffers buffers;
  buffers.final_out = head;
  buffers.mlm_pre = head + rows * dim;
  buffers.mlm_act = head + 2 * rows * dim;
  buffers.mlm_out = head;  // the final norm's output is consumed by then
  HeadForward(c, w, x + first * dim, rows, buffers, logits, pool, &wb,
              products);
}

}  // namespace wisp
