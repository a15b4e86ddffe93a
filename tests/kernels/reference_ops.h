// Plain scalar references for the kernels in src/kernels/ops.h, accumulating
// in double. Slow and obviously correct; the kernel tests compare against
// them, and the backward-pass tests reuse them as the forward model.
#ifndef WISP_TESTS_KERNELS_REFERENCE_OPS_H_
#define WISP_TESTS_KERNELS_REFERENCE_OPS_H_

#include <cmath>
#include <cstddef>
#include <vector>

namespace wisp::reference {

// y[m, n] = x[m, k] w[n, k]^T + bias[n] (bias may be null). When abs_sum is
// not null it receives sum_p |x[i, p] w[j, p]| + |bias[j]| per output: the
// scale of the rounding error a float implementation may make.
inline void MatMul(const float* x, const float* w, const float* bias, double* y,
                   size_t m, size_t k, size_t n, double* abs_sum = nullptr) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double sum = bias ? bias[j] : 0.0;
      double abs = bias ? std::fabs(bias[j]) : 0.0;
      for (size_t p = 0; p < k; ++p) {
        const double term = static_cast<double>(x[i * k + p]) * w[j * k + p];
        sum += term;
        abs += std::fabs(term);
      }
      y[i * n + j] = sum;
      if (abs_sum) abs_sum[i * n + j] = abs;
    }
  }
}

inline double Dot(const float* a, const float* b, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

inline void RmsNorm(const float* x, const float* weight, double eps, double* y,
                    size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const double mean_square = Dot(x + r * n, x + r * n, n) / n;
    const double scale = 1.0 / std::sqrt(mean_square + eps);
    for (size_t i = 0; i < n; ++i) {
      y[r * n + i] = x[r * n + i] * scale * weight[i];
    }
  }
}

inline void Softmax(const float* x, double* y, size_t n) {
  if (n == 0) return;
  double max = x[0];
  for (size_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max);
    sum += y[i];
  }
  for (size_t i = 0; i < n; ++i) y[i] /= sum;
}

inline double Silu(double g) { return g / (1.0 + std::exp(-g)); }

inline void SwiGLU(const float* gate, const float* up, double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = Silu(gate[i]) * up[i];
}

inline void RopePairs(const float* x, size_t num_heads, size_t head_dim,
                      const float* cos, const float* sin, double* y) {
  for (size_t h = 0; h < num_heads; ++h) {
    for (size_t i = 0; i < head_dim / 2; ++i) {
      const double x0 = x[h * head_dim + 2 * i];
      const double x1 = x[h * head_dim + 2 * i + 1];
      y[h * head_dim + 2 * i] = x0 * cos[i] - x1 * sin[i];
      y[h * head_dim + 2 * i + 1] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

// probs receives the n_keys attention probabilities, out head_dim values.
inline void AttentionQuery(const float* q, const float* keys,
                           const float* values, size_t n_keys, size_t head_dim,
                           size_t kv_stride, double scale, double* probs,
                           double* out) {
  double max = -INFINITY;
  std::vector<double> s(n_keys);
  for (size_t j = 0; j < n_keys; ++j) {
    s[j] = scale * Dot(q, keys + j * kv_stride, head_dim);
    max = s[j] > max ? s[j] : max;
  }
  double sum = 0.0;
  for (size_t j = 0; j < n_keys; ++j) {
    probs[j] = std::exp(s[j] - max);
    sum += probs[j];
  }
  for (size_t j = 0; j < n_keys; ++j) probs[j] /= sum;
  for (size_t i = 0; i < head_dim; ++i) {
    double acc = 0.0;
    for (size_t j = 0; j < n_keys; ++j) {
      acc += probs[j] * values[j * kv_stride + i];
    }
    out[i] = acc;
  }
}

// Backward passes and the optimizer (src/kernels/training_ops.h), with the
// kernels' conventions: the *Backward references accumulate into their
// outputs exactly where the kernels do.

// dx += d loss / dx and dweight += d loss / dweight for y = x * rstd * weight,
// taking rstd as given (as the kernel does).
inline void RmsNormBackward(const float* dy, const float* x,
                            const float* weight, const float* rstd, double* dx,
                            double* dweight, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * n;
    const float* xr = x + r * n;
    const double s = rstd[r];
    double dot = 0.0;
    for (size_t i = 0; i < n; ++i) dot += double{dyr[i]} * weight[i] * xr[i];
    const double coeff = dot * s * s * s / n;
    for (size_t i = 0; i < n; ++i) {
      dx[r * n + i] += s * weight[i] * dyr[i] - coeff * xr[i];
      dweight[i] += double{dyr[i]} * xr[i] * s;
    }
  }
}

inline double Sigmoid(double g) { return 1.0 / (1.0 + std::exp(-g)); }

// h = silu(gate) * up: dgate = dh * up * silu'(gate), dup = dh * silu(gate).
inline void SwiGLUBackward(const float* dh, const float* gate, const float* up,
                           double* dgate, double* dup, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double g = gate[i], sigmoid = Sigmoid(g);
    dup[i] = dh[i] * g * sigmoid;
    dgate[i] = double{dh[i]} * up[i] * sigmoid * (1.0 + g * (1.0 - sigmoid));
  }
}

// Accumulates the gradients of one attention query (AttentionQuery above)
// given its probabilities p and the gradient of its output, dout.
inline void AttentionQueryBackward(const float* dout, const float* q,
                                   const float* keys, const float* values,
                                   const double* p, size_t n_keys,
                                   size_t head_dim, size_t kv_stride,
                                   double scale, double* dq, double* dkeys,
                                   double* dvalues) {
  std::vector<double> dp(n_keys);
  double weighted = 0.0;
  for (size_t j = 0; j < n_keys; ++j) {
    dp[j] = Dot(dout, values + j * kv_stride, head_dim);
    weighted += p[j] * dp[j];
    for (size_t i = 0; i < head_dim; ++i) {
      dvalues[j * kv_stride + i] += p[j] * dout[i];
    }
  }
  for (size_t j = 0; j < n_keys; ++j) {
    const double ds = p[j] * (dp[j] - weighted) * scale;
    for (size_t i = 0; i < head_dim; ++i) {
      dq[i] += ds * keys[j * kv_stride + i];
      dkeys[j * kv_stride + i] += ds * q[i];
    }
  }
}

// Returns logsumexp(logits) - logits[target]; when dlogits is not null it
// receives (softmax - onehot(target)) * grad_scale.
inline double CrossEntropy(const float* logits, size_t target, size_t vocab,
                           double grad_scale = 1.0, double* dlogits = nullptr) {
  double max = -INFINITY;
  for (size_t i = 0; i < vocab; ++i) max = logits[i] > max ? logits[i] : max;
  double sum = 0.0;
  for (size_t i = 0; i < vocab; ++i) sum += std::exp(logits[i] - max);
  if (dlogits) {
    for (size_t i = 0; i < vocab; ++i) {
      dlogits[i] = std::exp(logits[i] - max) / sum * grad_scale;
    }
    dlogits[target] -= grad_scale;
  }
  return (max - logits[target]) + std::log(sum);
}

// One AdamW step in double (decoupled decay first, then the bias-corrected
// Adam step; g scaled by grad_scale), updating p, m and v in place.
inline void AdamW(double* p, const float* g, double* m, double* v, size_t n,
                  double lr, double beta1, double beta2, double eps,
                  double weight_decay, double bias1, double bias2,
                  double grad_scale) {
  for (size_t i = 0; i < n; ++i) {
    const double grad = g[i] * grad_scale;
    m[i] = beta1 * m[i] + (1.0 - beta1) * grad;
    v[i] = beta2 * v[i] + (1.0 - beta2) * grad * grad;
    p[i] *= 1.0 - lr * weight_decay;
    p[i] -= lr / bias1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bias2) + eps);
  }
}

}  // namespace wisp::reference

#endif  // WISP_TESTS_KERNELS_REFERENCE_OPS_H_
