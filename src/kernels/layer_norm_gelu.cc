// The LayerNorm forward and backward run on Highway: their row sums were
// serial chains of scalar adds (no reassociation without -ffast-math). The
// tanh GELU is dispatched through Highway because the scalar tanh (expm1)
// cost about 12 % of a GPT-2 prefill. The erf GELU (BERT) has its own
// vector normal CDF, more accurate than the float std::erf form it replaced
// (see NormalTail).
#include "src/kernels/layer_norm_gelu.h"

#include <math.h>
#include <stddef.h>

#include <cmath>

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/layer_norm_gelu.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

constexpr float kSqrt2OverPiF = 0.7978845608028654f;
constexpr float kGeluCubicF = 0.044715f;

// gelu(v) = v/2 (1 + tanh(u)) = v sigmoid(2u) = v / (1 + exp(-2u)), with
// u = sqrt(2/pi) (v + c v^3). One exp and one division: Highway's Tanh (an
// expm1 and a division, plus a polynomial branch) ran ~2x slower, and for
// negative v, 1 + tanh(u) cancels where the sigmoid keeps its relative
// accuracy. Both directions go through e = exp(-2|u|) <= 1 (u has v's
// sign; MulSigmoid, SigmoidAndComplement), so nothing overflows.
template <class D>
HWY_INLINE hn::VFromD<D> GeluTwoU(D d, hn::VFromD<D> v) {
  const auto v2 = hn::Mul(v, v);
  return hn::Mul(hn::Set(d, 2.0f * kSqrt2OverPiF),
                 hn::MulAdd(hn::Mul(hn::Set(d, kGeluCubicF), v2), v, v));
}

template <class D>
HWY_INLINE hn::VFromD<D> GeluTanhVec(D d, hn::VFromD<D> v) {
  return MulSigmoid(d, v, GeluTwoU(d, v));
}

// gelu'(x) = s + x s (1 - s) 2 u' with s = sigmoid(2u) and u' = sqrt(2/pi)
// (1 + 3 c x^2): the tanh form's (1 + t)/2 + x/2 (1 - t^2) u'. Past |x| =
// 10 the second term is below 1e-35 (s (1 - s) < e^-86); clamping x there
// in that term keeps x^2 from overflowing into 0 * inf = NaN for huge
// inputs, and s of the unclamped x is exactly 0 or 1 in the far tails.
template <class D>
HWY_INLINE hn::VFromD<D> GeluTanhGradVec(D d, hn::VFromD<D> x,
                                         hn::VFromD<D> dy) {
  const auto one = hn::Set(d, 1.0f);
  const auto v = hn::Min(hn::Max(x, hn::Set(d, -10.0f)), hn::Set(d, 10.0f));
  hn::VFromD<D> s, one_minus_s;
  SigmoidAndComplement(d, GeluTwoU(d, x), &s, &one_minus_s);
  const auto two_du =
      hn::Mul(hn::Set(d, 2.0f * kSqrt2OverPiF),
              hn::MulAdd(hn::Set(d, 3.0f * kGeluCubicF), hn::Mul(v, v), one));
  const auto grad = hn::MulAdd(hn::Mul(hn::Mul(v, s), one_minus_s), two_du, s);
  return hn::Mul(dy, grad);
}

// erfc(a) = t P(t) exp(-a^2) with t = 2 / (2 + a): P's coefficients (c0
// first) were fitted to erfc(a) exp(a^2) / t on 0 <= a <= 10 by weighted
// least squares iterated towards minimax (numpy, double), relative error
// 2e-8 there, then rounded to float. A polynomial in t rather than in a
// keeps the relative error flat into the far tail, where erfc underflows.
// The clamp below uses it up to a = 10.25, where every result is under
// 1e-42.
constexpr float kErfcPoly[] = {
    2.820644975e-01f,  2.828570306e-01f, 2.386448383e-01f,  2.255418450e-01f,
    -9.831763059e-02f, 4.212742746e-01f, -6.700224876e-01f, 4.289284050e-01f,
    -1.232546866e-01f, 1.228387654e-02f};
constexpr float kInvSqrt2F = 0.7071067811865476f;
constexpr float kInvSqrt2PiF = 0.3989422804014327f;
// Past |x| = 14.5, Phi(x) is 0 or 1 in float and exp(-x^2 / 2) is 0 (its
// argument stays inside Exp's range and x^2 cannot overflow).
constexpr float kNormalCdfCut = 14.5f;

// x clamped to [-kNormalCdfCut, kNormalCdfCut]; NaN may come out as either
// bound (Highway leaves Min/Max of NaN open), so callers keep NaN from x.
template <class D>
HWY_INLINE hn::VFromD<D> ClampToNormalCut(D d, hn::VFromD<D> x) {
  return hn::Min(hn::Max(x, hn::Set(d, -kNormalCdfCut)),
                 hn::Set(d, kNormalCdfCut));
}

// x * x = square + error exactly (barring overflow, which the clamp above
// rules out). With FMA the error is one MulSub; without, Veltkamp's split
// into 12-bit halves whose products are exact (Dekker's TwoProduct).
template <class D>
HWY_INLINE hn::VFromD<D> SquareError(D d, hn::VFromD<D> x,
                                     hn::VFromD<D> square) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulSub(x, x, square);
#else
  const auto scaled = hn::Mul(x, hn::Set(d, 4097.0f));
  const auto hi = hn::Sub(scaled, hn::Sub(scaled, x));
  const auto lo = hn::Sub(x, hi);
  const auto two_hi_lo = hn::Mul(hn::Add(hi, hi), lo);
  return hn::Add(hn::Add(hn::Sub(hn::Mul(hi, hi), square), two_hi_lo),
                 hn::Mul(lo, lo));
#endif
}

// For the normal CDF Phi of a clamped xc (ClampToNormalCut): returns s and
// sets *gauss = exp(-xc^2 / 2) such that Phi(-|xc|) = s * gauss and
// Phi(|xc|) = 1 - s * gauss. For x < 0, Phi is this product, never
// 1 - something, so it keeps its relative accuracy (the tests bound it at
// 8e-7) down to where it underflows, whereas float std::erf in
// 0.5 (1 + erf(x / sqrt 2)) cancels there: 4 % off at x = -5, zero (every
// digit lost) from x = -6. Callers multiply by gauss last, so that a result
// below the smallest normal float is rounded into the denormal range once;
// from x = -13.2 on, gauss is itself denormal and brings its own rounding.
// exp(-x^2 / 2) takes x^2 split into its float value and exact rounding
// error, since rounding x^2 (up to 210) alone would move the result by up to
// 2^-18 = 3.8e-6 relative.
template <class D>
HWY_INLINE hn::VFromD<D> NormalTail(D d, hn::VFromD<D> xc,
                                    hn::VFromD<D>* gauss) {
  const auto half = hn::Set(d, 0.5f);
  const auto two = hn::Set(d, 2.0f);
  const auto a = hn::Mul(hn::Abs(xc), hn::Set(d, kInvSqrt2F));
  const auto t = hn::Div(two, hn::Add(two, a));
  auto poly = hn::Set(d, kErfcPoly[9]);
  for (int i = 8; i >= 0; --i) {
    poly = hn::MulAdd(poly, t, hn::Set(d, kErfcPoly[i]));
  }
  const auto square = hn::Mul(xc, xc);
  const auto error = SquareError(d, xc, square);
  // exp(-(square + error) / 2), with exp(-error / 2) = 1 - error / 2 to
  // 1e-11 (|error| <= 2^-17 here).
  *gauss = hn::Mul(ExpOfNonPositive(d, hn::Mul(hn::Neg(half), square)),
                   hn::NegMulAdd(half, error, hn::Set(d, 1.0f)));
  return hn::Mul(hn::Mul(half, t), poly);
}

// gelu(x) = x Phi(x), with the limits at infinity: gelu(-inf) = -0 (the
// clamped x times Phi = 0), gelu(inf) = inf. NaN stays NaN (only the
// positive branch takes it, as x times something).
template <class D>
HWY_INLINE hn::VFromD<D> GeluErfVec(D d, hn::VFromD<D> x) {
  const auto xc = ClampToNormalCut(d, x);
  hn::VFromD<D> gauss;
  const auto s = NormalTail(d, xc, &gauss);
  const auto negative = hn::Mul(hn::Mul(xc, s), gauss);
  const auto positive = hn::Mul(x, hn::NegMulAdd(s, gauss, hn::Set(d, 1.0f)));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), negative, positive);
}

// gelu'(x) = Phi(x) + x phi(x) = Phi(x) + x exp(-x^2 / 2) / sqrt(2 pi); for
// x < 0 that is (s + x / sqrt(2 pi)) gauss. The clamped x in the x phi term
// gives the limits 0 and 1 at -inf and inf (x * 0 would be NaN there); NaN
// is put back explicitly, as the clamp may have dropped it.
template <class D>
HWY_INLINE hn::VFromD<D> GeluErfGradVec(D d, hn::VFromD<D> x,
                                        hn::VFromD<D> dy) {
  const auto xc = ClampToNormalCut(d, x);
  hn::VFromD<D> gauss;
  const auto s = NormalTail(d, xc, &gauss);
  const auto inv_sqrt_2pi = hn::Set(d, kInvSqrt2PiF);
  const auto negative = hn::Mul(hn::MulAdd(xc, inv_sqrt_2pi, s), gauss);
  const auto positive = hn::MulAdd(hn::Mul(xc, inv_sqrt_2pi), gauss,
                                   hn::NegMulAdd(s, gauss, hn::Set(d, 1.0f)));
  const auto grad = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), negative, positive);
  return hn::Mul(dy, hn::IfThenElse(hn::IsNaN(x), x, grad));
}

void LayerNormForwardImpl(const float* x, const float* weight,
                          const float* bias, float eps, float* y, float* mean,
                          float* rstd, size_t rows, size_t n) {
  const DF d;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    // Two passes (mean, then centred squares) avoid the cancellation of
    // E[x^2] - E[x]^2 on rows with a large mean.
    using V = hn::VFromD<DF>;
    const float m =
        SumOfSteps(d, n,
                   [&](V acc, size_t i, size_t count) {
                     return hn::Add(acc, LoadPart(d, xr + i, count));
                   }) /
        static_cast<float>(n);
    const auto m_v = hn::Set(d, m);
    const float var = SumOfSteps(d, n, [&](V acc, size_t i, size_t count) {
      const auto centred = hn::Sub(LoadPart(d, xr + i, count), m_v);
      auto squares = hn::Mul(centred, centred);
      // Past the row, LoadPart's zeros would add m^2 per lane.
      if (count < hn::Lanes(d)) {
        squares = hn::IfThenElseZero(hn::FirstN(d, count), squares);
      }
      return hn::Add(acc, squares);
    });
    const float s = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = s;
    const auto s_v = hn::Set(d, s);
    float* yr = y + r * n;
    ForEachVector(d, n, [&](size_t i, size_t count) {
      const auto xhat = hn::Mul(hn::Sub(LoadPart(d, xr + i, count), m_v), s_v);
      const auto b = bias ? LoadPart(d, bias + i, count) : hn::Zero(d);
      StorePart(d, hn::MulAdd(xhat, LoadPart(d, weight + i, count), b), yr + i,
                count);
    });
  }
}

void LayerNormBackwardInputImpl(const float* dy, const float* x,
                                const float* weight, const float* mean,
                                const float* rstd, float* dx, size_t rows,
                                size_t n) {
  const DF d;
  using V = hn::VFromD<DF>;
  for (size_t r = 0; r < rows; ++r) {
    const float* HWY_RESTRICT dyr = dy + r * n;
    const float* HWY_RESTRICT xr = x + r * n;
    float* HWY_RESTRICT dxr = dx + r * n;
    const auto m_v = hn::Set(d, mean[r]);
    const float s = rstd[r];
    // With xhat = (x - m) s and g = dy * w:
    //   dx = s * (g - mean(g) - xhat * mean(g * xhat)).
    // x is centred before the product (a large mean would cancel), and past
    // the row LoadPart's zero dy makes every term zero.
    const float g_mean = DotVec(d, dyr, weight, n) / static_cast<float>(n);
    const float gx_mean =
        SumOfSteps(d, n,
                   [&](V acc, size_t i, size_t count) {
                     const auto g = hn::Mul(LoadPart(d, dyr + i, count),
                                            LoadPart(d, weight + i, count));
                     return hn::MulAdd(
                         g, hn::Sub(LoadPart(d, xr + i, count), m_v), acc);
                   }) *
        s / static_cast<float>(n);
    const auto s_v = hn::Set(d, s);
    const auto g_mean_v = hn::Set(d, g_mean);
    const auto gx_mean_v = hn::Set(d, gx_mean);
    ForEachVector(d, n, [&](size_t i, size_t count) {
      const auto xhat = hn::Mul(hn::Sub(LoadPart(d, xr + i, count), m_v), s_v);
      const auto g =
          hn::Mul(LoadPart(d, dyr + i, count), LoadPart(d, weight + i, count));
      const auto centred = hn::NegMulAdd(xhat, gx_mean_v, hn::Sub(g, g_mean_v));
      StorePart(d, hn::MulAdd(s_v, centred, LoadPart(d, dxr + i, count)),
                dxr + i, count);
    });
  }
}

void LayerNormBackwardParamsImpl(const float* dy, const float* x,
                                 const float* mean, const float* rstd,
                                 float* dweight, float* dbias, size_t rows,
                                 size_t n, size_t col_begin, size_t col_end) {
  const DF d;
  // Row by row, so each column sums its rows in order whatever the column
  // range.
  for (size_t r = 0; r < rows; ++r) {
    const float* HWY_RESTRICT dyr = dy + r * n + col_begin;
    const float* HWY_RESTRICT xr = x + r * n + col_begin;
    float* HWY_RESTRICT dw = dweight + col_begin;
    float* HWY_RESTRICT db = dbias ? dbias + col_begin : nullptr;
    const auto m_v = hn::Set(d, mean[r]);
    const auto s_v = hn::Set(d, rstd[r]);
    ForEachVector(d, col_end - col_begin, [&](size_t i, size_t count) {
      const auto dyv = LoadPart(d, dyr + i, count);
      const auto xhat = hn::Mul(hn::Sub(LoadPart(d, xr + i, count), m_v), s_v);
      StorePart(d, hn::MulAdd(dyv, xhat, LoadPart(d, dw + i, count)), dw + i,
                count);
      if (db)
        StorePart(d, hn::Add(LoadPart(d, db + i, count), dyv), db + i, count);
    });
  }
}

void BiasBackwardImpl(const float* dy, float* dbias, size_t rows, size_t n,
                      size_t col_begin, size_t col_end) {
  const DF d;
  float* HWY_RESTRICT db = dbias + col_begin;
  for (size_t r = 0; r < rows; ++r) {
    const float* HWY_RESTRICT dyr = dy + r * n + col_begin;
    ForEachVector(d, col_end - col_begin, [&](size_t i, size_t count) {
      StorePart(
          d, hn::Add(LoadPart(d, db + i, count), LoadPart(d, dyr + i, count)),
          db + i, count);
    });
  }
}

// The flavour's vector functions, chosen at compile time, so that one loop
// per direction serves both flavours.
template <GeluKind kKind, class D>
HWY_INLINE hn::VFromD<D> GeluVec(D d, hn::VFromD<D> x) {
  if constexpr (kKind == GeluKind::kTanh) {
    return GeluTanhVec(d, x);
  } else {
    return GeluErfVec(d, x);
  }
}
template <GeluKind kKind, class D>
HWY_INLINE hn::VFromD<D> GeluGradVec(D d, hn::VFromD<D> x, hn::VFromD<D> dy) {
  if constexpr (kKind == GeluKind::kTanh) {
    return GeluTanhGradVec(d, x, dy);
  } else {
    return GeluErfGradVec(d, x, dy);
  }
}

template <GeluKind kKind>
void GeluVectors(const float* x, float* y, size_t n) {
  const DF d;
  ForEachVector(d, n, [&](size_t i, size_t count) {
    StorePart(d, GeluVec<kKind>(d, LoadPart(d, x + i, count)), y + i, count);
  });
}

template <GeluKind kKind>
void GeluBackwardVectors(const float* x, const float* dy, float* dx, size_t n) {
  const DF d;
  ForEachVector(d, n, [&](size_t i, size_t count) {
    StorePart(d,
              GeluGradVec<kKind>(d, LoadPart(d, x + i, count),
                                 LoadPart(d, dy + i, count)),
              dx + i, count);
  });
}

void GeluImpl(GeluKind kind, const float* x, float* y, size_t n) {
  if (kind == GeluKind::kTanh) {
    GeluVectors<GeluKind::kTanh>(x, y, n);
  } else {
    GeluVectors<GeluKind::kErf>(x, y, n);
  }
}

void GeluBackwardImpl(GeluKind kind, const float* x, const float* dy, float* dx,
                      size_t n) {
  if (kind == GeluKind::kTanh) {
    GeluBackwardVectors<GeluKind::kTanh>(x, dy, dx, n);
  } else {
    GeluBackwardVectors<GeluKind::kErf>(x, dy, dx, n);
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(LayerNormForwardImpl);
HWY_EXPORT(LayerNormBackwardInputImpl);
HWY_EXPORT(LayerNormBackwardParamsImpl);
HWY_EXPORT(BiasBackwardImpl);
HWY_EXPORT(GeluImpl);
HWY_EXPORT(GeluBackwardImpl);

void LayerNormForward(const float* x, const float* weight, const float* bias,
                      float eps, float* y, float* mean, float* rstd,
                      size_t rows, size_t n) {
  HWY_DYNAMIC_DISPATCH(LayerNormForwardImpl)
  (x, weight, bias, eps, y, mean, rstd, rows, n);
}

void LayerNormBackward(const float* dy, const float* x, const float* weight,
                       const float* mean, const float* rstd, float* dx,
                       float* dweight, float* dbias, size_t rows, size_t n) {
  LayerNormBackwardInput(dy, x, weight, mean, rstd, dx, rows, n);
  LayerNormBackwardParams(dy, x, mean, rstd, dweight, dbias, rows, n, 0, n);
}

void LayerNormBackwardInput(const float* dy, const float* x,
                            const float* weight, const float* mean,
                            const float* rstd, float* dx, size_t rows,
                            size_t n) {
  HWY_DYNAMIC_DISPATCH(LayerNormBackwardInputImpl)
  (dy, x, weight, mean, rstd, dx, rows, n);
}

void LayerNormBackwardParams(const float* dy, const float* x, const float* mean,
                             const float* rstd, float* dweight, float* dbias,
                             size_t rows, size_t n, size_t col_begin,
                             size_t col_end) {
  HWY_DYNAMIC_DISPATCH(LayerNormBackwardParamsImpl)
  (dy, x, mean, rstd, dweight, dbias, rows, n, col_begin, col_end);
}

void Gelu(GeluKind kind, const float* x, float* y, size_t n) {
  HWY_DYNAMIC_DISPATCH(GeluImpl)(kind, x, y, n);
}

void GeluBackward(GeluKind kind, const float* x, const float* dy, float* dx,
                  size_t n) {
  HWY_DYNAMIC_DISPATCH(GeluBackwardImpl)(kind, x, dy, dx, n);
}

void BiasBackward(const float* dy, float* dbias, size_t rows, size_t n,
                  size_t col_begin, size_t col_end) {
  HWY_DYNAMIC_DISPATCH(BiasBackwardImpl)
  (dy, dbias, rows, n, col_begin, col_end);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
