// Plain loops the compiler vectorises; these ops are memory-bound and small
// next to the matrix products around them.
#include "src/kernels/layer_norm_gelu.h"

#include <cmath>

namespace wisp::kernels {
namespace {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kGeluCubic = 0.044715f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

}  // namespace

void LayerNormForward(const float* x, const float* weight, const float* bias,
                      float eps, float* y, float* mean, float* rstd,
                      size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    // Two passes (mean, then centred squares) avoid the cancellation of
    // E[x^2] - E[x]^2 on rows with a large mean.
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += xr[i];
    const float m = sum / static_cast<float>(n);
    float var = 0.0f;
    for (size_t i = 0; i < n; ++i) var += (xr[i] - m) * (xr[i] - m);
    const float s = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = s;
    float* yr = y + r * n;
    for (size_t i = 0; i < n; ++i) {
      yr[i] = (xr[i] - m) * s * weight[i] + (bias ? bias[i] : 0.0f);
    }
  }
}

void LayerNormBackward(const float* dy, const float* x, const float* weight,
                       const float* mean, const float* rstd, float* dx,
                       float* dweight, float* dbias, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * n;
    const float* xr = x + r * n;
    const float m = mean[r], s = rstd[r];
    // With xhat = (x - m) s and g = dy * w:
    //   dx = s * (g - mean(g) - xhat * mean(g * xhat)).
    float g_mean = 0.0f, gx_mean = 0.0f;
    for (size_t i = 0; i < n; ++i) {
      const float g = dyr[i] * weight[i];
      g_mean += g;
      gx_mean += g * (xr[i] - m) * s;
    }
    g_mean /= static_cast<float>(n);
    gx_mean /= static_cast<float>(n);
    float* dxr = dx + r * n;
    for (size_t i = 0; i < n; ++i) {
      const float xhat = (xr[i] - m) * s;
      dxr[i] += s * (dyr[i] * weight[i] - g_mean - xhat * gx_mean);
      dweight[i] += dyr[i] * xhat;
      if (dbias) dbias[i] += dyr[i];
    }
  }
}

void Gelu(GeluKind kind, const float* x, float* y, size_t n) {
  if (kind == GeluKind::kTanh) {
    for (size_t i = 0; i < n; ++i) {
      const float v = x[i];
      y[i] = 0.5f * v *
             (1.0f + std::tanh(kSqrt2OverPi * (v + kGeluCubic * v * v * v)));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
    }
  }
}

void GeluBackward(GeluKind kind, const float* x, const float* dy, float* dx,
                  size_t n) {
  if (kind == GeluKind::kTanh) {
    for (size_t i = 0; i < n; ++i) {
      const float v = x[i];
      const float inner = kSqrt2OverPi * (v + kGeluCubic * v * v * v);
      const float t = std::tanh(inner);
      const float d_inner = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * v * v);
      dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * d_inner);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const float v = x[i];
      const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
      const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
      dx[i] = dy[i] * (cdf + v * pdf);
    }
  }
}

void BiasBackward(const float* dy, float* dbias, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * n;
    for (size_t i = 0; i < n; ++i) dbias[i] += dyr[i];
  }
}

}  // namespace wisp::kernels
