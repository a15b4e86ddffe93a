// Plain loops the compiler vectorises; the hot paths of training are the
// matrix products, which go through MatMul (ops.h).
#include "src/kernels/training_ops.h"

#include <algorithm>
#include <cmath>

namespace wisp::kernels {

void Transpose(const float* a, float* at, size_t rows, size_t cols) {
  // Blocked so that both sides stay in cache for large matrices.
  constexpr size_t kBlock = 32;
  for (size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const size_t r1 = std::min(rows, r0 + kBlock);
    for (size_t c0 = 0; c0 < cols; c0 += kBlock) {
      const size_t c1 = std::min(cols, c0 + kBlock);
      for (size_t r = r0; r < r1; ++r) {
        for (size_t c = c0; c < c1; ++c) at[c * rows + r] = a[r * cols + c];
      }
    }
  }
}

void RmsNormForward(const float* x, const float* weight, float eps, float* y,
                    float* rstd, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float ss = 0.0f;
    for (size_t i = 0; i < n; ++i) ss += xr[i] * xr[i];
    const float s = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
    rstd[r] = s;
    float* yr = y + r * n;
    for (size_t i = 0; i < n; ++i) yr[i] = xr[i] * s * weight[i];
  }
}

void RmsNormBackward(const float* dy, const float* x, const float* weight,
                     const float* rstd, float* dx, float* dweight, size_t rows,
                     size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * n;
    const float* xr = x + r * n;
    const float s = rstd[r];
    // d/dx of x * s * w: the direct term s * w * dy, and the term through s,
    // whose derivative is -s^3 / n * x.
    float dot = 0.0f;
    for (size_t i = 0; i < n; ++i) dot += dyr[i] * weight[i] * xr[i];
    const float coeff = dot * s * s * s / static_cast<float>(n);
    float* dxr = dx + r * n;
    for (size_t i = 0; i < n; ++i) {
      dxr[i] += s * weight[i] * dyr[i] - coeff * xr[i];
      dweight[i] += dyr[i] * xr[i] * s;
    }
  }
}

void SwiGLUBackward(const float* dh, const float* gate, const float* up,
                    float* dgate, float* dup, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float g = gate[i];
    const float sigmoid = 1.0f / (1.0f + std::exp(-g));
    const float silu = g * sigmoid;
    dup[i] = dh[i] * silu;
    dgate[i] = dh[i] * up[i] * sigmoid * (1.0f + g * (1.0f - sigmoid));
  }
}

void AttentionQueryBackward(const float* dout, const float* q,
                            const float* keys, const float* values,
                            const float* p, size_t n_keys, size_t head_dim,
                            size_t kv_stride, float scale, float* dp, float* dq,
                            float* dkeys, float* dvalues) {
  float weighted = 0.0f;
  for (size_t j = 0; j < n_keys; ++j) {
    const float* v = values + j * kv_stride;
    float* dv = dvalues + j * kv_stride;
    float d = 0.0f;
    for (size_t i = 0; i < head_dim; ++i) {
      d += dout[i] * v[i];
      dv[i] += p[j] * dout[i];
    }
    dp[j] = d;
    weighted += p[j] * d;
  }
  for (size_t j = 0; j < n_keys; ++j) {
    const float ds = p[j] * (dp[j] - weighted) * scale;
    const float* k = keys + j * kv_stride;
    float* dk = dkeys + j * kv_stride;
    for (size_t i = 0; i < head_dim; ++i) {
      dq[i] += ds * k[i];
      dk[i] += ds * q[i];
    }
  }
}

float CrossEntropyForwardBackward(const float* logits, int32_t target,
                                  size_t vocab, float grad_scale,
                                  float* dlogits) {
  const float max_logit = *std::max_element(logits, logits + vocab);
  double total = 0.0;
  for (size_t i = 0; i < vocab; ++i) {
    const float e = std::exp(logits[i] - max_logit);
    dlogits[i] = e;
    total += e;
  }
  const float inv_total = static_cast<float>(1.0 / total);
  for (size_t i = 0; i < vocab; ++i) dlogits[i] *= inv_total * grad_scale;
  dlogits[target] -= grad_scale;
  return static_cast<float>(std::log(total)) + max_logit - logits[target];
}

float CrossEntropy(const float* logits, int32_t target, size_t vocab) {
  const float max_logit = *std::max_element(logits, logits + vocab);
  double total = 0.0;
  for (size_t i = 0; i < vocab; ++i) total += std::exp(logits[i] - max_logit);
  return static_cast<float>(std::log(total)) + max_logit - logits[target];
}

void AdamWUpdate(float* p, const float* g, float* m, float* v, size_t n,
                 float lr, float beta1, float beta2, float eps,
                 float weight_decay, float bias1, float bias2,
                 float grad_scale) {
  const float decay = 1.0f - lr * weight_decay;
  const float step_size = lr / bias1;
  const float inv_sqrt_bias2 = 1.0f / std::sqrt(bias2);
  for (size_t i = 0; i < n; ++i) {
    const float grad = g[i] * grad_scale;
    m[i] = beta1 * m[i] + (1.0f - beta1) * grad;
    v[i] = beta2 * v[i] + (1.0f - beta2) * grad * grad;
    const float denom = std::sqrt(v[i]) * inv_sqrt_bias2 + eps;
    p[i] = p[i] * decay - step_size * m[i] / denom;
  }
}

double SumOfSquares(const float* x, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += double(x[i]) * x[i];
  return sum;
}

}  // namespace wisp::kernels
