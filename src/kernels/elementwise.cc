// Row-wise and element-wise kernels: RMSNorm, softmax, SwiGLU, residual add,
// dot product and rotary embedding. One dispatched file for all of them keeps
// the per-target code size down.
#include <math.h>
#include <stddef.h>

#include "src/kernels/ops.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

void RmsNormImpl(const float* x, const float* weight, float eps, float* y,
                 size_t rows, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;  // may alias xr
    const float sum_squares = DotVec(d, xr, xr, n);
    const float scale = 1.0f / sqrtf(sum_squares / static_cast<float>(n) + eps);
    const auto scale_v = hn::Set(d, scale);
    size_t i = 0;
    for (; i + N <= n; i += N) {
      const auto v = hn::Mul(hn::LoadU(d, xr + i), scale_v);
      hn::StoreU(hn::Mul(v, hn::LoadU(d, weight + i)), d, yr + i);
    }
    if (i < n) {
      const size_t count = n - i;
      const auto v = hn::Mul(LoadTail(d, xr + i, count), scale_v);
      StoreTail(d, hn::Mul(v, LoadTail(d, weight + i, count)), yr + i, count);
    }
  }
}

void SoftmaxImpl(float* x, size_t n) { SoftmaxVec(DF(), x, n); }

void ExpOfNonPositiveImpl(const float* x, float* y, size_t n) {
  const DF d;
  ForEachVector(d, n, [&](size_t i, size_t count) {
    StorePart(d, ExpOfNonPositive(d, LoadPart(d, x + i, count)), y + i, count);
  });
}

template <class D>
HWY_INLINE hn::VFromD<D> SwiGLUVec(D d, hn::VFromD<D> g, hn::VFromD<D> u) {
  // silu(g) = g sigmoid(g).
  return hn::Mul(MulSigmoid(d, g, g), u);
}

void SwiGLUImpl(const float* gate, const float* up, float* out, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(SwiGLUVec(d, hn::LoadU(d, gate + i), hn::LoadU(d, up + i)), d,
               out + i);
  }
  if (i < n) {
    const size_t count = n - i;
    StoreTail(
        d,
        SwiGLUVec(d, LoadTail(d, gate + i, count), LoadTail(d, up + i, count)),
        out + i, count);
  }
}

void AddInPlaceImpl(float* y, const float* x, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::LoadU(d, x + i)), d, y + i);
  }
  if (i < n) {
    const size_t count = n - i;
    StoreTail(d, hn::Add(LoadTail(d, y + i, count), LoadTail(d, x + i, count)),
              y + i, count);
  }
}

float DotImpl(const float* a, const float* b, size_t n) {
  return DotVec(DF(), a, b, n);
}

void RopePairsScalar(float* x, size_t num_heads, size_t head_dim,
                     const float* cos, const float* sin) {
  for (size_t h = 0; h < num_heads; ++h) {
    float* xh = x + h * head_dim;
    for (size_t i = 0; i < head_dim / 2; ++i) {
      const float x0 = xh[2 * i], x1 = xh[2 * i + 1];
      xh[2 * i] = x0 * cos[i] - x1 * sin[i];
      xh[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

void RopePairsImpl(float* x, size_t num_heads, size_t head_dim,
                   const float* cos, const float* sin) {
#if HWY_TARGET == HWY_SCALAR
  RopePairsScalar(x, num_heads, head_dim, cos, sin);
#else
  // With the angles spread over lanes as cos_pairs = (c0, c0, c1, c1, ...)
  // and sin_pairs = (-s0, s0, -s1, s1, ...), one pair rotation is
  // x * cos_pairs + swap_pairs(x) * sin_pairs. The heads lie end to end, so
  // the lane pattern repeats every head: heads that fill whole vectors step
  // through their own pattern, heads that divide a vector (stories260K's 8
  // in 16 lanes) repeat theirs across it and the row runs as one array.
  // Real head sizes are at most a few hundred; larger ones (never seen in
  // practice) and ones that fit neither way take the scalar path rather
  // than a heap allocation.
  constexpr size_t kMaxHeadDim = 512;
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t period = head_dim % N == 0 ? head_dim : N;
  if (head_dim < 2 || head_dim % 2 != 0 || head_dim > kMaxHeadDim ||
      period % head_dim != 0) {
    RopePairsScalar(x, num_heads, head_dim, cos, sin);
    return;
  }
  HWY_ALIGN float cos_pairs[kMaxHeadDim];
  HWY_ALIGN float sin_pairs[kMaxHeadDim];
  for (size_t i = 0; i < head_dim / 2; ++i) {
    cos_pairs[2 * i] = cos[i];
    cos_pairs[2 * i + 1] = cos[i];
    sin_pairs[2 * i] = -sin[i];
    sin_pairs[2 * i + 1] = sin[i];
  }
  for (size_t j = head_dim; j < period; ++j) {
    cos_pairs[j] = cos_pairs[j - head_dim];
    sin_pairs[j] = sin_pairs[j - head_dim];
  }
  if (period == head_dim) {
    for (size_t h = 0; h < num_heads; ++h) {
      float* xh = x + h * head_dim;
      for (size_t i = 0; i < head_dim; i += N) {
        const auto v = hn::LoadU(d, xh + i);
        const auto rotated =
            hn::MulAdd(v, hn::Load(d, cos_pairs + i),
                       hn::Mul(hn::Shuffle2301(v), hn::Load(d, sin_pairs + i)));
        hn::StoreU(rotated, d, xh + i);
      }
    }
    return;
  }
  const auto cos_v = hn::Load(d, cos_pairs), sin_v = hn::Load(d, sin_pairs);
  ForEachVector(d, num_heads * head_dim, [&](size_t i, size_t count) {
    const auto v = LoadPart(d, x + i, count);
    StorePart(d, hn::MulAdd(v, cos_v, hn::Mul(hn::Shuffle2301(v), sin_v)),
              x + i, count);
  });
#endif
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(RmsNormImpl);
HWY_EXPORT(SoftmaxImpl);
HWY_EXPORT(ExpOfNonPositiveImpl);
HWY_EXPORT(SwiGLUImpl);
HWY_EXPORT(AddInPlaceImpl);
HWY_EXPORT(DotImpl);
HWY_EXPORT(RopePairsImpl);

void RmsNorm(const float* x, const float* weight, float eps, float* y,
             size_t rows, size_t n) {
  HWY_DYNAMIC_DISPATCH(RmsNormImpl)(x, weight, eps, y, rows, n);
}

void Softmax(float* x, size_t n) { HWY_DYNAMIC_DISPATCH(SoftmaxImpl)(x, n); }

void ExpOfNonPositive(const float* x, float* y, size_t n) {
  HWY_DYNAMIC_DISPATCH(ExpOfNonPositiveImpl)(x, y, n);
}

void SwiGLU(const float* gate, const float* up, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(SwiGLUImpl)(gate, up, out, n);
}

void AddInPlace(float* y, const float* x, size_t n) {
  HWY_DYNAMIC_DISPATCH(AddInPlaceImpl)(y, x, n);
}

float Dot(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(DotImpl)(a, b, n);
}

void RopePairs(float* x, size_t num_heads, size_t head_dim, const float* cos,
               const float* sin) {
  HWY_DYNAMIC_DISPATCH(RopePairsImpl)(x, num_heads, head_dim, cos, sin);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
