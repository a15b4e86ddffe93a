#include "src/train/train_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "src/kernels/attention.h"
#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/matmul_backward.h"
#include "src/kernels/ops.h"
#include "src/kernels/training_ops.h"
#include "src/model/blocks.h"

namespace wisp {
namespace {

// fn(begin, end) over contiguous pieces of [0, n) (rows, columns or
// elements) on the pool.
template <class Fn>
void ParallelRange(ThreadPool* pool, size_t n, size_t min_chunk, const Fn& fn) {
  if (pool) {
    pool->ParallelFor(n, min_chunk,
                      [&](size_t b, size_t e, size_t) { fn(b, e); });
  } else {
    fn(0, n);
  }
}

template <class Fn>
void RunTasks(ThreadPool* pool, size_t tasks, const Fn& fn) {
  if (pool) {
    pool->Run(tasks, fn);
  } else {
    for (size_t t = 0; t < tasks; ++t) fn(t, 0);
  }
}

// Columns per task of the parameter-gradient sums, which read every row.
constexpr size_t kMinColumnChunk = 64;

// What MlpForward and HeadForward are told about bf16 products: training's
// weights are all f32 (a bf16 model is widened first) and no bf16 matrix is
// passed, so the choice reaches no MatMulBf16.
constexpr kernels::Bf16Products kF32Weights =
    kernels::Bf16Products::kDotProductsAllowed;

// y += x over n floats in chunks on the pool: each sum is one rounding, so
// the split cannot change the result.
void AddParallel(float* y, const float* x, size_t n, ThreadPool* pool) {
  ParallelRange(pool, n, 1 << 14, [&](size_t begin, size_t end) {
    kernels::AddInPlace(y + begin, x + begin, end - begin);
  });
}

}  // namespace

void TrainGraph::Reserve(size_t batch, size_t seq) {
  if (batch == batch_ && seq == seq_) return;
  batch_ = batch;
  seq_ = seq;
  const ModelConfig& c = model_.config();
  const size_t rows = batch * seq, L = c.n_layers, D = c.dim;
  const size_t kv = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  const bool post = c.norm_position == NormPosition::kPost;
  const bool ln = c.norm == NormKind::kLayerNorm;
  auto size = [](LargeVector<float>* v, size_t n) { v->assign(n, 0.0f); };
  positions_.assign(rows, 0);
  residual_.assign((L + 1) * rows * D, 0.0f);
  for (auto* v : {&q_, &att_, &xmid_}) size(v, L * rows * D);
  // Pre-norm keeps the norms' outputs; post-norm their inputs (the sums).
  for (auto* v : {&xn1_, &xn2_}) size(v, post ? 0 : L * rows * D);
  for (auto* v : {&s1_, &s2_}) size(v, post ? L * rows * D : 0);
  for (auto* v : {&rstd1_, &rstd2_}) size(v, L * rows);
  for (auto* v : {&mean1_, &mean2_}) size(v, ln ? L * rows : 0);
  for (auto* v : {&k_, &v_}) size(v, L * rows * kv);
  for (auto* v : {&gate_, &hidden_}) size(v, L * rows * H);
  size(&up_, c.mlp == MlpKind::kSwiGLU ? L * rows * H : 0);
  size(&lse_, L * rows * c.n_heads);
  visible_.assign(rows, 0);
  size(&emb_in_, c.embedding_norm ? rows * D : 0);
  for (auto* v : {&emb_mean_, &emb_rstd_}) size(v, c.embedding_norm ? rows : 0);
  size(&final_out_, c.final_norm ? rows * D : 0);
  for (auto* v : {&final_mean_, &final_rstd_}) size(v, c.final_norm ? rows : 0);
  for (auto* v : {&mlm_pre_, &mlm_act_, &mlm_out_}) {
    size(v, c.mlm_head ? rows * D : 0);
  }
  for (auto* v : {&mlm_mean_, &mlm_rstd_}) size(v, c.mlm_head ? rows : 0);
  size(&logits_, rows * V);
  size(&losses_, rows);
  for (auto* v : {&dres_, &dxmid_, &dx_, &dx2_, &dq_, &datt_}) {
    size(v, rows * D);
  }
  for (auto* v : {&dk_, &dv_}) size(v, rows * kv);
  for (auto* v : {&dhidden_, &dgate_, &dup_}) size(v, rows * H);
  size(&gathered_, rows * D);
  head_rows_.reserve(rows);
}

size_t TrainGraph::KeysFor(const TrainBatch& b, size_t seq_index,
                           size_t t) const {
  const size_t length =
      b.lengths ? std::clamp<size_t>(b.lengths[seq_index], 1, b.seq) : b.seq;
  const size_t prefix =
      b.prefix_lengths ? std::min<size_t>(b.prefix_lengths[seq_index], length)
                       : 0;
  // Queries in the end padding still attend (to real keys under
  // bidirectional masks) so that their unused outputs stay finite.
  return std::clamp<size_t>(VisibleKeys(mask_, t, length, prefix), 1, b.seq);
}

void TrainGraph::Rope(float* x, size_t rows, size_t seq, size_t heads,
                      bool inverse, ThreadPool* pool) {
  const size_t head_dim = model_.config().head_dim(), half = head_dim / 2;
  const size_t stride = heads * head_dim;
  if (inverse && negated_sin_.size() < seq * half) {
    // The rotation's inverse is the rotation by the opposite angle.
    negated_sin_.resize(seq * half);
    for (size_t pos = 0; pos < seq; ++pos) {
      const float* sin = model_.rope_sin(pos);
      for (size_t i = 0; i < half; ++i) negated_sin_[pos * half + i] = -sin[i];
    }
  }
  ParallelRange(pool, rows, 64, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const size_t pos = r % seq;
      const float* sin =
          inverse ? negated_sin_.data() + pos * half : model_.rope_sin(pos);
      kernels::RopePairs(x + r * stride, heads, head_dim, model_.rope_cos(pos),
                         sin);
    }
  });
}

kernels::AttentionHead TrainGraph::AttentionHeadOf(size_t l, size_t b,
                                                   size_t kv_head) {
  const ModelConfig& c = model_.config();
  const size_t T = seq_, rows = batch_ * T;
  const size_t D = c.dim, kv = c.kv_dim(), hd = c.head_dim();
  const size_t group = c.n_heads / c.n_kv_heads;
  kernels::AttentionHead head;
  head.q = q_.data() + l * rows * D + b * T * D + kv_head * group * hd;
  head.q_stride = D;
  head.n_queries = T;
  head.group = group;
  head.keys = k_.data() + l * rows * kv + b * T * kv + kv_head * hd;
  head.values = v_.data() + l * rows * kv + b * T * kv + kv_head * hd;
  head.kv_stride = kv;
  head.visible = visible_.data() + b * T;
  head.head_dim = hd;
  head.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  head.out = att_.data() + l * rows * D + b * T * D + kv_head * group * hd;
  head.out_stride = D;
  return head;
}

float* TrainGraph::LseOf(size_t l, size_t b, size_t kv_head) {
  const ModelConfig& c = model_.config();
  const size_t T = seq_;
  return lse_.data() + ((l * batch_ + b) * c.n_kv_heads + kv_head) * T *
                           (c.n_heads / c.n_kv_heads);
}

float* TrainGraph::AttentionScratch(ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t group = c.n_heads / c.n_kv_heads;
  attention_per_thread_ =
      std::max(kernels::AttentionForwardScratch(c.head_dim(),
                                                kAttentionQueryBlock * group),
               kernels::AttentionBackwardScratch(c.head_dim(), seq_ * group));
  const size_t threads = ComputeThreads(pool);
  if (attention_scratch_.size() < threads * attention_per_thread_) {
    attention_scratch_.resize(threads * attention_per_thread_);
  }
  return attention_scratch_.data();
}

void TrainGraph::Attention(size_t l, ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t KVH = c.n_kv_heads, group = c.n_heads / KVH;
  const size_t blocks =
      (seq_ + kAttentionQueryBlock - 1) / kAttentionQueryBlock;
  float* scratch = AttentionScratch(pool);
  // Tasks are (sequence, KV head, block of queries), in contiguous ranges,
  // one per thread: each writes its own output rows and log-sum-exps.
  auto attend = [&](size_t begin, size_t end, size_t thread) {
    for (size_t task = begin; task < end; ++task) {
      const size_t b = task / (KVH * blocks), kvh = (task / blocks) % KVH;
      const size_t t0 = (task % blocks) * kAttentionQueryBlock;
      kernels::AttentionHead head = AttentionHeadOf(l, b, kvh);
      head.q += t0 * head.q_stride;
      head.out += t0 * head.out_stride;
      head.visible += t0;
      head.n_queries = std::min(kAttentionQueryBlock, seq_ - t0);
      kernels::AttentionHeadForward(head, LseOf(l, b, kvh) + t0 * group,
                                    scratch + thread * attention_per_thread_);
    }
  };
  const size_t tasks = batch_ * KVH * blocks;
  if (pool) {
    pool->ParallelFor(tasks, 1, attend);
  } else {
    attend(0, tasks, 0);
  }
}

void TrainGraph::AttentionBackward(size_t l, ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t KVH = c.n_kv_heads, T = seq_, D = c.dim, kv = c.kv_dim();
  const size_t hd = c.head_dim(), group = c.n_heads / KVH;
  float* scratch = AttentionScratch(pool);
  // The kernel accumulates into dQ, dK and dV: zeroed here whole, rather
  // than by each task its head's span of every row (with stories260K's heads
  // of 8, 120k calls to memset of 32-64 bytes a step, which perf put at 4 %
  // of the step; steps ran as fast either way, within this host's noise).
  ParallelRange(pool, batch_ * T, 64, [&](size_t begin, size_t end) {
    std::fill(dq_.data() + begin * D, dq_.data() + end * D, 0.0f);
    std::fill(dk_.data() + begin * kv, dk_.data() + end * kv, 0.0f);
    std::fill(dv_.data() + begin * kv, dv_.data() + end * kv, 0.0f);
  });
  // One task per (sequence, KV head): it alone writes that head's dK and dV
  // rows and its query heads' dQ rows, so no two tasks touch the same memory.
  RunTasks(pool, batch_ * KVH, [&](size_t task, size_t thread) {
    const size_t b = task / KVH, kvh = task % KVH;
    const size_t q_offset = b * T * D + kvh * group * hd;
    const size_t kv_offset = b * T * kv + kvh * hd;
    kernels::AttentionHeadBackward(
        AttentionHeadOf(l, b, kvh), LseOf(l, b, kvh), datt_.data() + q_offset,
        dq_.data() + q_offset, dk_.data() + kv_offset, dv_.data() + kv_offset,
        scratch + thread * attention_per_thread_);
  });
}

void TrainGraph::MatMulBackward(const float* dy, const float* x, const float* w,
                                float* dx, bool accumulate_dx, float* dw,
                                float* dbias, size_t m, size_t k, size_t n,
                                ThreadPool* pool) {
  // Both products read the operands as stored and accumulate in place: no
  // transposed copies, no separate product to add.
  if (dx != nullptr) {
    kernels::MatMulBackwardInput(dy, w, dx, m, n, k, accumulate_dx, pool);
  }
  kernels::MatMulBackwardWeight(dy, x, dw, m, n, k, pool);
  if (dbias != nullptr) {
    ParallelRange(pool, n, kMinColumnChunk, [&](size_t begin, size_t end) {
      kernels::BiasBackward(dy, dbias, m, n, begin, end);
    });
  }
}

void TrainGraph::NormBackward(const float* dy, const float* x,
                              const float* weight, const float* mean,
                              const float* rstd, float* dx, float* dweight,
                              float* dbias, size_t rows, ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t D = c.dim;
  const bool ln = c.norm == NormKind::kLayerNorm;
  // dx row by row, then the parameter gradients column by column: each
  // column sums its rows in order, so neither split changes a bit.
  ParallelRange(pool, rows, 16, [&](size_t begin, size_t end) {
    const size_t offset = begin * D;
    if (ln) {
      kernels::LayerNormBackwardInput(dy + offset, x + offset, weight,
                                      mean + begin, rstd + begin, dx + offset,
                                      end - begin, D);
    } else {
      kernels::RmsNormBackwardInput(dy + offset, x + offset, weight,
                                    rstd + begin, dx + offset, end - begin, D);
    }
  });
  ParallelRange(pool, D, kMinColumnChunk, [&](size_t begin, size_t end) {
    if (ln) {
      kernels::LayerNormBackwardParams(dy, x, mean, rstd, dweight, dbias, rows,
                                       D, begin, end);
    } else {
      kernels::RmsNormBackwardWeight(dy, x, rstd, dweight, rows, D, begin, end);
    }
  });
}

void TrainGraph::MlpBackward(size_t l, const float* dout, const float* in,
                             const LayerWeights& lw, LayerTensors<float>& lg,
                             float* dx, ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t rows = batch_ * seq_, D = c.dim, H = c.hidden_dim;
  const float* gate = gate_.data() + l * rows * H;
  MatMulBackward(dout, hidden_.data() + l * rows * H, lw.w2, dhidden_.data(),
                 false, lg.w2, lg.w2_bias, rows, H, D, pool);
  if (c.mlp == MlpKind::kSwiGLU) {
    // Element-wise, and independent of where a range is split.
    const float* up = up_.data() + l * rows * H;
    ParallelRange(pool, rows, 16, [&](size_t begin, size_t end) {
      const size_t offset = begin * H;
      kernels::SwiGLUBackward(dhidden_.data() + offset, gate + offset,
                              up + offset, dgate_.data() + offset,
                              dup_.data() + offset, (end - begin) * H);
    });
    MatMulBackward(dgate_.data(), in, lw.w1, dx, false, lg.w1, lg.w1_bias, rows,
                   D, H, pool);
    MatMulBackward(dup_.data(), in, lw.w3, dx, true, lg.w3, lg.w3_bias, rows, D,
                   H, pool);
  } else {
    ParallelRange(pool, rows, 16, [&](size_t begin, size_t end) {
      const size_t offset = begin * H;
      kernels::GeluBackward(GeluKindOf(c), gate + offset,
                            dhidden_.data() + offset, dgate_.data() + offset,
                            (end - begin) * H);
    });
    MatMulBackward(dgate_.data(), in, lw.w1, dx, false, lg.w1, lg.w1_bias, rows,
                   D, H, pool);
  }
}

LossSum TrainGraph::Forward(const ModelWeights& w, const TrainBatch& batch,
                            ThreadPool* pool, float grad_scale) {
  Reserve(batch.batch, batch.seq);
  const ModelConfig& c = model_.config();
  const size_t B = batch.batch, T = batch.seq, rows = B * T;
  const size_t D = c.dim, kv = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  const bool post = c.norm_position == NormPosition::kPost;
  const bool ln = c.norm == NormKind::kLayerNorm;
  for (size_t i = 0; i < rows; ++i) {
    positions_[i] = static_cast<int32_t>(i % T);
    visible_[i] = static_cast<uint32_t>(KeysFor(batch, i / T, i % T));
  }
  if (c.embedding_norm) {
    EmbedTokens(c, w, batch.inputs, positions_.data(), rows, emb_in_.data());
    ApplyNorm(c, w.embedding_norm, w.embedding_norm_bias, emb_in_.data(),
              residual_.data(), emb_mean_.data(), emb_rstd_.data(), rows, pool);
  } else {
    EmbedTokens(c, w, batch.inputs, positions_.data(), rows, residual_.data());
  }
  for (size_t l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = w.layers[l];
    const float* x = residual_.data() + l * rows * D;
    float* mean1 = ln ? mean1_.data() + l * rows : nullptr;
    float* mean2 = ln ? mean2_.data() + l * rows : nullptr;
    float* rstd1 = rstd1_.data() + l * rows;
    float* rstd2 = rstd2_.data() + l * rows;
    const float* attn_in = x;
    if (!post) {
      float* xn1 = xn1_.data() + l * rows * D;
      ApplyNorm(c, lw.attention_norm, lw.attention_norm_bias, x, xn1, mean1,
                rstd1, rows, pool);
      attn_in = xn1;
    }
    float* q = q_.data() + l * rows * D;
    float* k = k_.data() + l * rows * kv;
    float* v = v_.data() + l * rows * kv;
    const kernels::SharedProduct qkv[] = {{lw.wq, nullptr, lw.wq_bias, q, D},
                                          {lw.wk, nullptr, lw.wk_bias, k, kv},
                                          {lw.wv, nullptr, lw.wv_bias, v, kv}};
    kernels::MatMulShared(attn_in, rows, D, qkv, 3, pool);
    if (c.positions == PositionKind::kRotary) {
      Rope(q, rows, T, c.n_heads, false, pool);
      Rope(k, rows, T, c.n_kv_heads, false, pool);
    }
    Attention(l, pool);
    // sum1 = x + attention output: xmid for pre-norm, LN1's input for post.
    float* xmid = xmid_.data() + l * rows * D;
    float* sum1 = post ? s1_.data() + l * rows * D : xmid;
    kernels::MatMul(att_.data() + l * rows * D, lw.wo, lw.wo_bias, sum1, rows,
                    D, D, pool);
    AddParallel(sum1, x, rows * D, pool);
    const float* mlp_in = xmid;
    if (post) {
      ApplyNorm(c, lw.attention_norm, lw.attention_norm_bias, sum1, xmid, mean1,
                rstd1, rows, pool);
    } else {
      float* xn2 = xn2_.data() + l * rows * D;
      ApplyNorm(c, lw.ffn_norm, lw.ffn_norm_bias, xmid, xn2, mean2, rstd2, rows,
                pool);
      mlp_in = xn2;
    }
    float* next = residual_.data() + (l + 1) * rows * D;
    float* sum2 = post ? s2_.data() + l * rows * D : next;
    MlpForward(c, lw, mlp_in, rows, gate_.data() + l * rows * H,
               up_.empty() ? nullptr : up_.data() + l * rows * H,
               hidden_.data() + l * rows * H, sum2, pool, /*bf16=*/nullptr,
               kF32Weights);
    AddParallel(sum2, xmid, rows * D, pool);
    if (post) {
      ApplyNorm(c, lw.ffn_norm, lw.ffn_norm_bias, sum2, next, mean2, rstd2,
                rows, pool);
    }
  }
  // The head runs only on rows that carry a target (all of them for causal
  // LM, ~15 % for masked LM): their last-layer outputs are gathered first.
  head_rows_.clear();
  for (size_t i = 0; i < rows; ++i) {
    if (batch.targets[i] != kIgnoreTarget) {
      head_rows_.push_back(static_cast<uint32_t>(i));
    }
  }
  const size_t n = head_rows_.size();
  const float* last = residual_.data() + c.n_layers * rows * D;
  head_in_ = last;
  if (n < rows) {
    for (size_t r = 0; r < n; ++r) {
      std::memcpy(gathered_.data() + r * D, last + size_t{head_rows_[r]} * D,
                  D * sizeof(float));
    }
    head_in_ = gathered_.data();
  }
  HeadBuffers head;
  head.final_out = final_out_.data();
  head.final_mean = final_mean_.empty() ? nullptr : final_mean_.data();
  head.final_rstd = final_rstd_.data();
  head.mlm_pre = mlm_pre_.data();
  head.mlm_act = mlm_act_.data();
  head.mlm_out = mlm_out_.data();
  head.mlm_mean = mlm_mean_.empty() ? nullptr : mlm_mean_.data();
  head.mlm_rstd = mlm_rstd_.data();
  LossSum loss;
  if (n == 0) return loss;
  classifier_in_ = HeadForward(c, w, head_in_, n, head, logits_.data(), pool,
                               /*bf16=*/nullptr, kF32Weights);
  has_dlogits_ = grad_scale != 0.0f;
  ParallelRange(pool, n, 16, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      float* logits = logits_.data() + r * V;
      const int32_t target = batch.targets[head_rows_[r]];
      // With a gradient to come, the loss and d loss / d logits in one pass,
      // the gradient overwriting the logits.
      losses_[r] = has_dlogits_ ? kernels::CrossEntropyForwardBackward(
                                      logits, target, V, grad_scale, logits)
                                : kernels::CrossEntropy(logits, target, V);
    }
  });
  for (size_t r = 0; r < n; ++r) loss.sum += losses_[r];
  loss.count = n;
  return loss;
}

void TrainGraph::Backward(const ModelWeights& w, const TrainBatch& batch,
                          ModelGradients* g, ThreadPool* pool) {
  // No target rows, no gradient (and a Forward without grad_scale left none).
  if (head_rows_.empty() || !has_dlogits_) return;
  has_dlogits_ = false;
  const ModelConfig& c = model_.config();
  const size_t B = batch.batch, T = batch.seq, rows = B * T;
  const size_t D = c.dim, kv = c.kv_dim(), V = c.vocab_size;
  const bool post = c.norm_position == NormPosition::kPost;
  const bool ln = c.norm == NormKind::kLayerNorm;
  // The head, from the classifier back to the last layer's output, on the
  // rows that carry a target; their gradient is scattered into dres_.
  const size_t n = head_rows_.size();
  MatMulBackward(logits_.data(), classifier_in_, w.output, dx_.data(), false,
                 g->output, g->output_bias, n, D, V, pool);
  if (c.mlm_head) {
    std::fill(dx2_.begin(), dx2_.begin() + n * D, 0.0f);
    NormBackward(dx_.data(), mlm_act_.data(), w.mlm_norm,
                 mlm_mean_.empty() ? nullptr : mlm_mean_.data(),
                 mlm_rstd_.data(), dx2_.data(), g->mlm_norm, g->mlm_norm_bias,
                 n, pool);
    ParallelRange(pool, n, 16, [&](size_t begin, size_t end) {
      const size_t offset = begin * D;
      kernels::GeluBackward(GeluKindOf(c), mlm_pre_.data() + offset,
                            dx2_.data() + offset, dx2_.data() + offset,
                            (end - begin) * D);
    });
    const float* mlm_in = c.final_norm ? final_out_.data() : head_in_;
    MatMulBackward(dx2_.data(), mlm_in, w.mlm_dense, dx_.data(), false,
                   g->mlm_dense, g->mlm_dense_bias, n, D, D, pool);
  }
  float* dhead = dx_.data();
  if (c.final_norm) {
    std::fill(dx2_.begin(), dx2_.begin() + n * D, 0.0f);
    NormBackward(dx_.data(), head_in_, w.final_norm,
                 final_mean_.empty() ? nullptr : final_mean_.data(),
                 final_rstd_.data(), dx2_.data(), g->final_norm,
                 g->final_norm_bias, n, pool);
    dhead = dx2_.data();
  }
  if (n == rows) {
    std::copy(dhead, dhead + rows * D, dres_.begin());
  } else {
    std::fill(dres_.begin(), dres_.end(), 0.0f);
    for (size_t r = 0; r < n; ++r) {
      std::memcpy(dres_.data() + size_t{head_rows_[r]} * D, dhead + r * D,
                  D * sizeof(float));
    }
  }

  for (size_t l = c.n_layers; l-- > 0;) {
    const LayerWeights& lw = w.layers[l];
    LayerTensors<float>& lg = g->layers[l];
    const float* x = residual_.data() + l * rows * D;
    const float* xmid = xmid_.data() + l * rows * D;
    const float* mean1 = ln ? mean1_.data() + l * rows : nullptr;
    const float* mean2 = ln ? mean2_.data() + l * rows : nullptr;
    const float* rstd1 = rstd1_.data() + l * rows;
    const float* rstd2 = rstd2_.data() + l * rows;
    // dxmid: the gradient reaching xmid, through the residual and the MLP.
    if (post) {
      // residual[l + 1] = LN2(s2), s2 = xmid + mlp(xmid)
      std::fill(dxmid_.begin(), dxmid_.end(), 0.0f);
      NormBackward(dres_.data(), s2_.data() + l * rows * D, lw.ffn_norm, mean2,
                   rstd2, dxmid_.data(), lg.ffn_norm, lg.ffn_norm_bias, rows,
                   pool);
      MlpBackward(l, dxmid_.data(), xmid, lw, lg, dx_.data(), pool);
      AddParallel(dxmid_.data(), dx_.data(), rows * D, pool);
      // xmid = LN1(s1), s1 = x + attention(x)
      std::fill(dres_.begin(), dres_.end(), 0.0f);
      NormBackward(dxmid_.data(), s1_.data() + l * rows * D, lw.attention_norm,
                   mean1, rstd1, dres_.data(), lg.attention_norm,
                   lg.attention_norm_bias, rows, pool);
    } else {
      // residual[l + 1] = xmid + mlp(norm2(xmid)): the residual passes dres_
      // through unchanged, so the MLP's part is added to it in place once
      // the MLP's backward has read it.
      const float* xn2 = xn2_.data() + l * rows * D;
      MlpBackward(l, dres_.data(), xn2, lw, lg, dx_.data(), pool);
      NormBackward(dx_.data(), xmid, lw.ffn_norm, mean2, rstd2, dres_.data(),
                   lg.ffn_norm, lg.ffn_norm_bias, rows, pool);
      // xmid = x + attention(norm1(x))
    }
    // dres_ now holds d(x + attention output), i.e. the gradient of the
    // attention output and (through the residual) of x.
    const float* attn_in = post ? x : xn1_.data() + l * rows * D;
    MatMulBackward(dres_.data(), att_.data() + l * rows * D, lw.wo,
                   datt_.data(), false, lg.wo, lg.wo_bias, rows, D, D, pool);
    AttentionBackward(l, pool);
    if (c.positions == PositionKind::kRotary) {
      Rope(dq_.data(), rows, T, c.n_heads, true, pool);
      Rope(dk_.data(), rows, T, c.n_kv_heads, true, pool);
    }
    MatMulBackward(dq_.data(), attn_in, lw.wq, dx_.data(), false, lg.wq,
                   lg.wq_bias, rows, D, D, pool);
    MatMulBackward(dk_.data(), attn_in, lw.wk, dx_.data(), true, lg.wk,
                   lg.wk_bias, rows, D, kv, pool);
    MatMulBackward(dv_.data(), attn_in, lw.wv, dx_.data(), true, lg.wv,
                   lg.wv_bias, rows, D, kv, pool);
    if (post) {
      AddParallel(dres_.data(), dx_.data(), rows * D, pool);
    } else {
      NormBackward(dx_.data(), x, lw.attention_norm, mean1, rstd1, dres_.data(),
                   lg.attention_norm, lg.attention_norm_bias, rows, pool);
    }
  }
  const float* de = dres_.data();
  if (c.embedding_norm) {
    std::fill(dx_.begin(), dx_.end(), 0.0f);
    NormBackward(dres_.data(), emb_in_.data(), w.embedding_norm,
                 emb_mean_.empty() ? nullptr : emb_mean_.data(),
                 emb_rstd_.data(), dx_.data(), g->embedding_norm,
                 g->embedding_norm_bias, rows, pool);
    de = dx_.data();
  }
  // Rows may share a token (or position), so threads split columns, and
  // every column takes its rows in order.
  ParallelRange(pool, D, kMinColumnChunk, [&](size_t begin, size_t end) {
    for (size_t i = 0; i < rows; ++i) {
      kernels::AddInPlace(
          g->token_embedding + size_t(batch.inputs[i]) * D + begin,
          de + i * D + begin, end - begin);
      if (g->position_embedding != nullptr) {
        kernels::AddInPlace(
            g->position_embedding + size_t(positions_[i]) * D + begin,
            de + i * D + begin, end - begin);
      }
    }
  });
}

}  // namespace wisp
