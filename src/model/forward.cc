#include "src/model/forward.h"

#include <cmath>
#include <cstring>

#include "src/kernels/ops.h"

namespace wisp {

void ForwardScratch::Reserve(const ModelConfig& c, size_t max_tokens,
                             size_t num_threads) {
  if (max_tokens <= max_tokens_ &&
      scores_.size() >= num_threads * c.max_seq_len) {
    return;
  }
  max_tokens_ = max_tokens;
  x_.resize(max_tokens * c.dim);
  xb_.resize(max_tokens * c.dim);
  q_.resize(max_tokens * c.dim);
  att_.resize(max_tokens * c.dim);
  hb_.resize(max_tokens * c.hidden_dim);
  hb2_.resize(max_tokens * c.hidden_dim);
  scores_.resize(num_threads * c.max_seq_len);
}

namespace {

// Causal attention for tokens [0, n) at positions start_pos + i: every
// (token, head) pair is independent, so they are spread over the pool.
void CausalAttention(const ModelConfig& c, const float* q, const float* keys,
                     const float* values, size_t n, size_t start_pos,
                     ThreadPool* pool, float* scores, float* out) {
  const size_t head_dim = c.head_dim(), kv_dim = c.kv_dim();
  const size_t group = c.n_heads / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  auto attend = [&](size_t task, size_t thread) {
    const size_t i = task / c.n_heads, h = task % c.n_heads;
    const size_t kv_offset = (h / group) * head_dim;
    kernels::AttentionQuery(q + i * c.dim + h * head_dim, keys + kv_offset,
                            values + kv_offset, start_pos + i + 1, head_dim,
                            kv_dim, scale, scores + thread * c.max_seq_len,
                            out + i * c.dim + h * head_dim);
  };
  const size_t tasks = n * c.n_heads;
  if (pool) {
    pool->Run(tasks, attend);
  } else {
    for (size_t t = 0; t < tasks; ++t) attend(t, 0);
  }
}

}  // namespace

void ForwardBlock(const Model& model, const KvCacheView& cache,
                  const int32_t* tokens, size_t n, size_t start_pos,
                  ThreadPool* pool, ForwardScratch* s, float* logits,
                  bool all_logits) {
  const ModelConfig& c = model.config();
  const ModelWeights& w = model.weights();
  const size_t dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim();
  const size_t head_dim = c.head_dim();
  float* x = s->x_.data();
  float* xb = s->xb_.data();
  float* q = s->q_.data();
  float* att = s->att_.data();
  float* hb = s->hb_.data();
  float* hb2 = s->hb2_.data();

  for (size_t i = 0; i < n; ++i) {
    std::memcpy(x + i * dim, w.token_embedding + size_t(tokens[i]) * dim,
                dim * sizeof(float));
  }
  for (size_t l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = w.layers[l];
    const size_t layer_offset = l * cache.capacity * kv_dim;
    float* k = cache.keys + layer_offset + start_pos * kv_dim;
    float* v = cache.values + layer_offset + start_pos * kv_dim;

    kernels::RmsNorm(x, lw.attention_norm, c.norm_eps, xb, n, dim);
    kernels::MatMul(xb, lw.wq, nullptr, q, n, dim, dim, pool);
    kernels::MatMul(xb, lw.wk, nullptr, k, n, dim, kv_dim, pool);
    kernels::MatMul(xb, lw.wv, nullptr, v, n, dim, kv_dim, pool);
    for (size_t i = 0; i < n; ++i) {
      const float* cos = model.rope_cos(start_pos + i);
      const float* sin = model.rope_sin(start_pos + i);
      kernels::RopePairs(q + i * dim, c.n_heads, head_dim, cos, sin);
      kernels::RopePairs(k + i * kv_dim, c.n_kv_heads, head_dim, cos, sin);
    }
    CausalAttention(c, q, cache.keys + layer_offset,
                    cache.values + layer_offset, n, start_pos, pool,
                    s->scores_.data(), att);
    kernels::MatMul(att, lw.wo, nullptr, xb, n, dim, dim, pool);
    kernels::AddInPlace(x, xb, n * dim);

    kernels::RmsNorm(x, lw.ffn_norm, c.norm_eps, xb, n, dim);
    kernels::MatMul(xb, lw.w1, nullptr, hb, n, dim, hidden, pool);
    kernels::MatMul(xb, lw.w3, nullptr, hb2, n, dim, hidden, pool);
    kernels::SwiGLU(hb, hb2, hb, n * hidden);
    kernels::MatMul(hb, lw.w2, nullptr, xb, n, hidden, dim, pool);
    kernels::AddInPlace(x, xb, n * dim);
  }
  // Only the rows whose logits are wanted go through the classifier: for a
  // prompt that is just the last one.
  const size_t first = all_logits ? 0 : n - 1;
  const size_t rows = n - first;
  kernels::RmsNorm(x + first * dim, w.final_norm, c.norm_eps, xb, rows, dim);
  kernels::MatMul(xb, w.output, nullptr, logits, rows, dim, c.vocab_size, pool);
}

}  // namespace wisp
