#include "src/train/train_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "src/kernels/ops.h"
#include "src/kernels/training_ops.h"

namespace wisp {
namespace {

template <class Fn>
void ParallelRows(ThreadPool* pool, size_t rows, size_t min_chunk,
                  const Fn& fn) {
  if (pool) {
    pool->ParallelFor(rows, min_chunk,
                      [&](size_t b, size_t e, size_t) { fn(b, e); });
  } else {
    fn(0, rows);
  }
}

}  // namespace

void TrainGraph::Reserve(size_t batch, size_t seq) {
  if (batch == batch_ && seq == seq_) return;
  batch_ = batch;
  seq_ = seq;
  const ModelConfig& c = model_.config();
  const size_t rows = batch * seq, L = c.n_layers, D = c.dim;
  const size_t kv = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  residual_.assign((L + 1) * rows * D, 0.0f);
  for (auto* v : {&xn1_, &q_, &att_, &xmid_, &xn2_}) v->assign(L * rows * D, 0);
  for (auto* v : {&rstd1_, &rstd2_}) v->assign(L * rows, 0);
  for (auto* v : {&k_, &v_}) v->assign(L * rows * kv, 0);
  for (auto* v : {&gate_, &up_, &hidden_}) v->assign(L * rows * H, 0);
  probs_.assign(L * batch * c.n_heads * seq * seq, 0.0f);
  xnf_.assign(rows * D, 0);
  rstdf_.assign(rows, 0);
  logits_.assign(rows * V, 0);
  losses_.assign(rows, 0);
  for (auto* v : {&dres_, &dxmid_, &dx_, &dq_, &datt_}) v->assign(rows * D, 0);
  for (auto* v : {&dk_, &dv_}) v->assign(rows * kv, 0);
  for (auto* v : {&dhidden_, &dgate_, &dup_}) v->assign(rows * H, 0);
  dlogits_.assign(rows * V, 0);
  dp_.assign(seq * c.n_heads * batch, 0);
}

void TrainGraph::Rope(float* x, size_t rows, size_t seq, size_t heads,
                      bool inverse) {
  const size_t head_dim = model_.config().head_dim();
  const size_t stride = heads * head_dim;
  std::vector<float> negated(head_dim / 2);
  for (size_t r = 0; r < rows; ++r) {
    const size_t pos = r % seq;
    const float* sin = model_.rope_sin(pos);
    if (inverse) {
      // The rotation's inverse is the rotation by the opposite angle.
      for (size_t i = 0; i < negated.size(); ++i) negated[i] = -sin[i];
      sin = negated.data();
    }
    kernels::RopePairs(x + r * stride, heads, head_dim, model_.rope_cos(pos),
                       sin);
  }
}

void TrainGraph::Attention(size_t l, size_t batch, size_t seq,
                           ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t rows = batch * seq, D = c.dim, kv = c.kv_dim();
  const size_t hd = c.head_dim(), H = c.n_heads, group = H / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* q = q_.data() + l * rows * D;
  const float* k = k_.data() + l * rows * kv;
  const float* v = v_.data() + l * rows * kv;
  float* probs = probs_.data() + l * batch * H * seq * seq;
  float* out = att_.data() + l * rows * D;
  auto attend = [&](size_t task, size_t) {
    const size_t b = task / (H * seq), h = (task / seq) % H, t = task % seq;
    const size_t kv_offset = b * seq * kv + (h / group) * hd;
    kernels::AttentionQuery(q + (b * seq + t) * D + h * hd, k + kv_offset,
                            v + kv_offset, t + 1, hd, kv, scale,
                            probs + ((b * H + h) * seq + t) * seq,
                            out + (b * seq + t) * D + h * hd);
  };
  const size_t tasks = batch * H * seq;
  if (pool) {
    pool->Run(tasks, attend);
  } else {
    for (size_t t = 0; t < tasks; ++t) attend(t, 0);
  }
}

void TrainGraph::AttentionBackward(size_t l, size_t batch, size_t seq,
                                   ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t rows = batch * seq, D = c.dim, kv = c.kv_dim();
  const size_t hd = c.head_dim(), H = c.n_heads, KVH = c.n_kv_heads;
  const size_t group = H / KVH;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* q = q_.data() + l * rows * D;
  const float* k = k_.data() + l * rows * kv;
  const float* v = v_.data() + l * rows * kv;
  const float* probs = probs_.data() + l * batch * H * seq * seq;
  std::fill(dq_.begin(), dq_.end(), 0.0f);
  std::fill(dk_.begin(), dk_.end(), 0.0f);
  std::fill(dv_.begin(), dv_.end(), 0.0f);
  // One task per (sequence, KV head): it alone writes that head's dK and dV
  // rows and its query heads' dQ rows, so no two tasks touch the same memory.
  auto backward = [&](size_t task, size_t) {
    const size_t b = task / KVH, kvh = task % KVH;
    const size_t kv_offset = b * seq * kv + kvh * hd;
    float* dp = dp_.data() + task * seq;
    for (size_t h = kvh * group; h < (kvh + 1) * group; ++h) {
      for (size_t t = 0; t < seq; ++t) {
        const size_t row = (b * seq + t) * D + h * hd;
        kernels::AttentionQueryBackward(
            datt_.data() + row, q + row, k + kv_offset, v + kv_offset,
            probs + ((b * H + h) * seq + t) * seq, t + 1, hd, kv, scale, dp,
            dq_.data() + row, dk_.data() + kv_offset, dv_.data() + kv_offset);
      }
    }
  };
  const size_t tasks = batch * KVH;
  if (pool) {
    pool->Run(tasks, backward);
  } else {
    for (size_t t = 0; t < tasks; ++t) backward(t, 0);
  }
}

void TrainGraph::MatMulBackward(const float* dy, const float* x, const float* w,
                                float* dx, bool accumulate_dx, float* dw,
                                size_t m, size_t k, size_t n,
                                ThreadPool* pool) {
  // Both products go through the tuned forward GEMM on transposed operands:
  // the transposes cost O(mn + nk + mk), the products O(mnk).
  transposed_a_.resize(std::max(k * n, n * m));
  transposed_b_.resize(k * m);
  product_.resize(std::max(m * k, n * k));
  if (dx != nullptr) {
    kernels::Transpose(w, transposed_a_.data(), n, k);  // [k, n]
    float* target = accumulate_dx ? product_.data() : dx;
    kernels::MatMul(dy, transposed_a_.data(), nullptr, target, m, n, k, pool);
    if (accumulate_dx) kernels::AddInPlace(dx, product_.data(), m * k);
  }
  kernels::Transpose(dy, transposed_a_.data(), m, n);  // [n, m]
  kernels::Transpose(x, transposed_b_.data(), m, k);   // [k, m]
  kernels::MatMul(transposed_a_.data(), transposed_b_.data(), nullptr,
                  product_.data(), n, m, k, pool);
  kernels::AddInPlace(dw, product_.data(), n * k);
}

LossSum TrainGraph::Forward(const ModelWeights& w, const TrainBatch& batch,
                            ThreadPool* pool) {
  Reserve(batch.batch, batch.seq);
  const ModelConfig& c = model_.config();
  const size_t B = batch.batch, T = batch.seq, rows = B * T;
  const size_t D = c.dim, kv = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  for (size_t i = 0; i < rows; ++i) {
    std::memcpy(residual_.data() + i * D,
                w.token_embedding + size_t(batch.inputs[i]) * D,
                D * sizeof(float));
  }
  for (size_t l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = w.layers[l];
    const float* x = residual_.data() + l * rows * D;
    float* xn1 = xn1_.data() + l * rows * D;
    float* q = q_.data() + l * rows * D;
    float* k = k_.data() + l * rows * kv;
    float* v = v_.data() + l * rows * kv;
    kernels::RmsNormForward(x, lw.attention_norm, c.norm_eps, xn1,
                            rstd1_.data() + l * rows, rows, D);
    kernels::MatMul(xn1, lw.wq, nullptr, q, rows, D, D, pool);
    kernels::MatMul(xn1, lw.wk, nullptr, k, rows, D, kv, pool);
    kernels::MatMul(xn1, lw.wv, nullptr, v, rows, D, kv, pool);
    Rope(q, rows, T, c.n_heads, false);
    Rope(k, rows, T, c.n_kv_heads, false);
    Attention(l, B, T, pool);
    float* xmid = xmid_.data() + l * rows * D;
    kernels::MatMul(att_.data() + l * rows * D, lw.wo, nullptr, xmid, rows, D,
                    D, pool);
    kernels::AddInPlace(xmid, x, rows * D);
    float* xn2 = xn2_.data() + l * rows * D;
    kernels::RmsNormForward(xmid, lw.ffn_norm, c.norm_eps, xn2,
                            rstd2_.data() + l * rows, rows, D);
    float* gate = gate_.data() + l * rows * H;
    float* up = up_.data() + l * rows * H;
    float* hidden = hidden_.data() + l * rows * H;
    kernels::MatMul(xn2, lw.w1, nullptr, gate, rows, D, H, pool);
    kernels::MatMul(xn2, lw.w3, nullptr, up, rows, D, H, pool);
    kernels::SwiGLU(gate, up, hidden, rows * H);
    float* next = residual_.data() + (l + 1) * rows * D;
    kernels::MatMul(hidden, lw.w2, nullptr, next, rows, H, D, pool);
    kernels::AddInPlace(next, xmid, rows * D);
  }
  kernels::RmsNormForward(residual_.data() + c.n_layers * rows * D,
                          w.final_norm, c.norm_eps, xnf_.data(), rstdf_.data(),
                          rows, D);
  kernels::MatMul(xnf_.data(), w.output, nullptr, logits_.data(), rows, D, V,
                  pool);
  ParallelRows(pool, rows, 16, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const int32_t target = batch.targets[i];
      losses_[i] =
          target == kIgnoreTarget
              ? 0.0f
              : kernels::CrossEntropy(logits_.data() + i * V, target, V);
    }
  });
  LossSum loss;
  for (size_t i = 0; i < rows; ++i) {
    if (batch.targets[i] == kIgnoreTarget) continue;
    loss.sum += losses_[i];
    ++loss.count;
  }
  return loss;
}

void TrainGraph::Backward(const ModelWeights& w, const TrainBatch& batch,
                          float grad_scale, ModelGradients* g,
                          ThreadPool* pool) {
  const ModelConfig& c = model_.config();
  const size_t B = batch.batch, T = batch.seq, rows = B * T;
  const size_t D = c.dim, kv = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  ParallelRows(pool, rows, 16, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      float* dlogits = dlogits_.data() + i * V;
      const int32_t target = batch.targets[i];
      if (target == kIgnoreTarget) {
        std::fill(dlogits, dlogits + V, 0.0f);
      } else {
        kernels::CrossEntropyForwardBackward(logits_.data() + i * V, target, V,
                                             grad_scale, dlogits);
      }
    }
  });
  // Classifier, then the final norm.
  MatMulBackward(dlogits_.data(), xnf_.data(), w.output, dx_.data(), false,
                 g->output, rows, D, V, pool);
  std::fill(dres_.begin(), dres_.end(), 0.0f);
  kernels::RmsNormBackward(dx_.data(), residual_.data() + c.n_layers * rows * D,
                           w.final_norm, rstdf_.data(), dres_.data(),
                           g->final_norm, rows, D);

  for (size_t l = c.n_layers; l-- > 0;) {
    const LayerWeights& lw = w.layers[l];
    LayerTensors<float>& lg = g->layers[l];
    const float* x = residual_.data() + l * rows * D;
    const float* xmid = xmid_.data() + l * rows * D;
    // residual[l + 1] = xmid + swiglu(xn2 W1^T, xn2 W3^T) W2^T
    std::copy(dres_.begin(), dres_.end(), dxmid_.begin());
    MatMulBackward(dres_.data(), hidden_.data() + l * rows * H, lw.w2,
                   dhidden_.data(), false, lg.w2, rows, H, D, pool);
    kernels::SwiGLUBackward(dhidden_.data(), gate_.data() + l * rows * H,
                            up_.data() + l * rows * H, dgate_.data(),
                            dup_.data(), rows * H);
    const float* xn2 = xn2_.data() + l * rows * D;
    MatMulBackward(dgate_.data(), xn2, lw.w1, dx_.data(), false, lg.w1, rows, D,
                   H, pool);
    MatMulBackward(dup_.data(), xn2, lw.w3, dx_.data(), true, lg.w3, rows, D, H,
                   pool);
    kernels::RmsNormBackward(dx_.data(), xmid, lw.ffn_norm,
                             rstd2_.data() + l * rows, dxmid_.data(),
                             lg.ffn_norm, rows, D);
    // xmid = x + attention(rope(xn1 Wq^T), rope(xn1 Wk^T), xn1 Wv^T) Wo^T
    std::copy(dxmid_.begin(), dxmid_.end(), dres_.begin());
    MatMulBackward(dxmid_.data(), att_.data() + l * rows * D, lw.wo,
                   datt_.data(), false, lg.wo, rows, D, D, pool);
    AttentionBackward(l, B, T, pool);
    Rope(dq_.data(), rows, T, c.n_heads, true);
    Rope(dk_.data(), rows, T, c.n_kv_heads, true);
    const float* xn1 = xn1_.data() + l * rows * D;
    MatMulBackward(dq_.data(), xn1, lw.wq, dx_.data(), false, lg.wq, rows, D, D,
                   pool);
    MatMulBackward(dk_.data(), xn1, lw.wk, dx_.data(), true, lg.wk, rows, D, kv,
                   pool);
    MatMulBackward(dv_.data(), xn1, lw.wv, dx_.data(), true, lg.wv, rows, D, kv,
                   pool);
    kernels::RmsNormBackward(dx_.data(), x, lw.attention_norm,
                             rstd1_.data() + l * rows, dres_.data(),
                             lg.attention_norm, rows, D);
  }
  for (size_t i = 0; i < rows; ++i) {
    kernels::AddInPlace(g->token_embedding + size_t(batch.inputs[i]) * D,
                        dres_.data() + i * D, D);
  }
}

}  // namespace wisp
