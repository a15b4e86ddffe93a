// Per-target building blocks shared by the dispatched kernel files: partial
// (tail) loads and stores, reductions and the softmax body. Included once per
// Highway target from files that include hwy/foreach_target.h, hence the
// toggle guard instead of a plain include guard.
#if defined(WISP_KERNELS_VECTOR_OPS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_VECTOR_OPS_INL_H_
#undef WISP_KERNELS_VECTOR_OPS_INL_H_
#else
#define WISP_KERNELS_VECTOR_OPS_INL_H_
#endif

#include <stddef.h>
#include <string.h>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// AVX2 and AVX-512 have true masked loads that never touch the masked-off
// lanes; on the other targets Highway emulates MaskedLoad with a full load,
// which could read past the end of the caller's array. There a copy through
// a small aligned buffer keeps every access in bounds.
#undef WISP_HAVE_SAFE_MASKED_LOAD
#if HWY_ARCH_X86 && (HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || \
                     HWY_TARGET == HWY_AVX3_DL)
#define WISP_HAVE_SAFE_MASKED_LOAD 1
#else
#define WISP_HAVE_SAFE_MASKED_LOAD 0
#endif

// Loads p[0, count) with count < Lanes(d); the remaining lanes are zero.
template <class D>
HWY_INLINE hn::VFromD<D> LoadTail(D d, const float* HWY_RESTRICT p,
                                  size_t count) {
#if WISP_HAVE_SAFE_MASKED_LOAD
  return hn::MaskedLoad(hn::FirstN(d, count), d, p);
#else
  HWY_ALIGN float buffer[hn::MaxLanes(d)] = {};
  memcpy(buffer, p, count * sizeof(float));
  return hn::Load(d, buffer);
#endif
}

// Stores the first count < Lanes(d) lanes of v to p[0, count).
template <class D>
HWY_INLINE void StoreTail(D d, hn::VFromD<D> v, float* HWY_RESTRICT p,
                          size_t count) {
#if WISP_HAVE_SAFE_MASKED_LOAD
  hn::BlendedStore(v, hn::FirstN(d, count), d, p);
#else
  HWY_ALIGN float buffer[hn::MaxLanes(d)];
  hn::Store(v, d, buffer);
  memcpy(p, buffer, count * sizeof(float));
#endif
}

// Loads p[0, count) for count <= Lanes(d): a full vector or a tail.
template <class D>
HWY_INLINE hn::VFromD<D> LoadPart(D d, const float* HWY_RESTRICT p,
                                  size_t count) {
  // MaxLanes == 1 (the scalar target) never has a partial vector; saying so
  // keeps the compiler from warning about LoadTail's buffer.
  if (hn::MaxLanes(d) == 1 || count == hn::Lanes(d)) return hn::LoadU(d, p);
  return LoadTail(d, p, count);
}

// Stores the first count <= Lanes(d) lanes of v to p[0, count).
template <class D>
HWY_INLINE void StorePart(D d, hn::VFromD<D> v, float* HWY_RESTRICT p,
                          size_t count) {
  if (hn::MaxLanes(d) == 1 || count == hn::Lanes(d)) {
    hn::StoreU(v, d, p);
  } else {
    StoreTail(d, v, p, count);
  }
}

// Calls `op(i, count)` for each full vector of n consecutive elements, then
// once for the partial rest (count < Lanes(d), for LoadPart/StorePart).
// Each element sees the same
// operations wherever it lies, so results do not depend on how a caller
// splits a range.
template <class D, class Op>
HWY_INLINE void ForEachVector(D d, size_t n, const Op& op) {
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) op(i, N);
  if (i < n) op(i, n - i);
}

template <class D>
HWY_INLINE float SumLanes(D d, hn::VFromD<D> v) {
  return hn::GetLane(hn::SumOfLanes(d, v));
}

// A sum over n consecutive elements: acc = step(acc, i, count) for the
// vector at i (count == Lanes(d), or count < Lanes(d) once for the partial
// rest, whose lanes past count step must leave unchanged: LoadPart's zeros
// do that for products). Four independent accumulators hide the add or FMA
// latency; they are combined in a fixed order, so the result depends only
// on the inputs, not on where they lie.
template <class D, class Step>
HWY_INLINE float SumOfSteps(D d, size_t n, const Step& step) {
  const size_t N = hn::Lanes(d);
  auto acc0 = hn::Zero(d), acc1 = hn::Zero(d);
  auto acc2 = hn::Zero(d), acc3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    acc0 = step(acc0, i, N);
    acc1 = step(acc1, i + N, N);
    acc2 = step(acc2, i + 2 * N, N);
    acc3 = step(acc3, i + 3 * N, N);
  }
  for (; i + N <= n; i += N) acc0 = step(acc0, i, N);
  if (i < n) acc1 = step(acc1, i, n - i);
  return SumLanes(d, hn::Add(hn::Add(acc0, acc1), hn::Add(acc2, acc3)));
}

// sum_i a[i] b[i].
template <class D>
HWY_INLINE float DotVec(D d, const float* HWY_RESTRICT a,
                        const float* HWY_RESTRICT b, size_t n) {
  return SumOfSteps(d, n, [&](hn::VFromD<D> acc, size_t i, size_t count) {
    return hn::MulAdd(LoadPart(d, a + i, count), LoadPart(d, b + i, count),
                      acc);
  });
}

// exp(x) for x <= 0: the weights of a softmax (scores minus their maximum
// or their log-sum-exp) and sigmoids, in about half the instructions of
// hn::Exp, which mattered where heads are 8 wide and each score costs as
// much in exp as in multiply-adds. No overflow to handle; exp(x) = 2^(n + r)
// with n an integer and r in [-1/2, 1/2]; 2^r is Cephes' exp2f polynomial
// (relative error 1.7e-7) and 2^n is applied exactly. exp(0) is exactly 1
// (online softmax relies on it); results under FLT_MIN are subnormal, as
// exp's, and below -104 they round to 0, as for -inf and NaN (hn::Exp also
// gives 0 for NaN). Small x > 0 (a score a few ulps above a log-sum-exp
// computed elsewhere, in the attention backward) is as accurate, and so is
// everything up to 88 (where exp overflows); above ~177 the values are
// unspecified.
template <class D>
HWY_INLINE hn::VFromD<D> ExpOfNonPositive(D d, hn::VFromD<D> x) {
  // 2^-159 times p < 2 rounds to 0: clamping here keeps n in range.
  // -inf and NaN become -110 too: hn::Max returns its second operand for
  // NaN on x86 and AArch64 (ExpOfNonPositiveEdges checks it per target).
  const auto clamped = hn::Max(x, hn::Set(d, -110.0f));
  const auto n = hn::Round(hn::Mul(clamped, hn::Set(d, 1.44269504088896341f)));
  // Cody and Waite's reduction: ln 2's leading part has 16 bits, so n times
  // it is exact for |n| < 256 with or without FMA (SSE4 has none, and
  // x * log2(e) - n there loses ~|n| * 2^-24 of r).
  auto reduced = hn::NegMulAdd(n, hn::Set(d, 0.693145751953125f), clamped);
  reduced = hn::NegMulAdd(n, hn::Set(d, 1.428606765330187045e-6f), reduced);
  const auto r = hn::Mul(reduced, hn::Set(d, 1.44269504088896341f));
  auto p = hn::Set(d, 1.535336188319500e-4f);
  p = hn::MulAdd(p, r, hn::Set(d, 1.339887440266574e-3f));
  p = hn::MulAdd(p, r, hn::Set(d, 9.618437357674640e-3f));
  p = hn::MulAdd(p, r, hn::Set(d, 5.550332471162809e-2f));
  p = hn::MulAdd(p, r, hn::Set(d, 2.402264791363012e-1f));
  p = hn::MulAdd(p, r, hn::Set(d, 6.931472028550421e-1f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // vscalefps multiplies by 2^n with one IEEE rounding, subnormals
  // included.
  if constexpr (sizeof(hn::VFromD<D>) == 64) {
    return hn::VFromD<D>{_mm512_scalef_ps(p.raw, n.raw)};
  }
#endif
  // n >= -159 does not fit a float's exponent field: two factors of at
  // least 2^-80 each do, and only the second product can round.
  const hn::RebindToSigned<D> di;
  const auto bias = hn::Set(di, 127);
  const auto ni = hn::ConvertTo(di, n);
  const auto half = hn::ShiftRight<1>(ni);
  const auto pow2_half = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(half, bias)));
  const auto pow2_rest =
      hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::Sub(ni, half), bias)));
  return hn::Mul(hn::Mul(p, pow2_half), pow2_rest);
}

// sigmoid(z) and 1 - sigmoid(z) = sigmoid(-z), through e = exp(-|z|) <= 1:
// they are 1 / (1 + e) and e / (1 + e) in z's order, so neither overflows
// (exp(-z) would for z < -88.7, and a representable sigmoid become 0) nor
// cancels (1 - sigmoid for large z). For SwiGLU's and GELU's gradients.
template <class D>
HWY_INLINE void SigmoidAndComplement(D d, hn::VFromD<D> z, hn::VFromD<D>* s,
                                     hn::VFromD<D>* one_minus_s) {
  const auto one = hn::Set(d, 1.0f);
  const auto e = ExpOfNonPositive(d, hn::Neg(hn::Abs(z)));
  const auto inv = hn::Div(one, hn::Add(one, e));
  const auto e_inv = hn::Mul(e, inv);
  const auto negative = hn::Lt(z, hn::Zero(d));
  *s = hn::IfThenElse(negative, e_inv, inv);
  *one_minus_s = hn::IfThenElse(negative, inv, e_inv);
}

// x * sigmoid(z) for z of x's sign (x itself for silu, GELU's 2u), with one
// division: x / (1 + e) for z >= 0 and x e / (1 + e) below, e = exp(-|z|)
// <= 1, so nothing overflows; where |z| does, e = 0 and the result is x or
// x * 0 = -0, the limits.
template <class D>
HWY_INLINE hn::VFromD<D> MulSigmoid(D d, hn::VFromD<D> x, hn::VFromD<D> z) {
  const auto e = ExpOfNonPositive(d, hn::Neg(hn::Abs(z)));
  const auto numerator =
      hn::IfThenElse(hn::Lt(z, hn::Zero(d)), hn::Mul(x, e), x);
  return hn::Div(numerator, hn::Add(hn::Set(d, 1.0f), e));
}

// In-place softmax of x[0, n): subtract the maximum so exp never overflows,
// exponentiate, then scale by the reciprocal of the sum.
template <class D>
HWY_INLINE void SoftmaxVec(D d, float* HWY_RESTRICT x, size_t n) {
  if (n == 0) return;
  const size_t N = hn::Lanes(d);
  const auto lowest = hn::Set(d, -hwy::HighestValue<float>());
  auto max_v = lowest;
  size_t i = 0;
  for (; i + N <= n; i += N) max_v = hn::Max(max_v, hn::LoadU(d, x + i));
  float max = hn::GetLane(hn::MaxOfLanes(d, max_v));
  for (size_t j = i; j < n; ++j) max = x[j] > max ? x[j] : max;

  const auto max_b = hn::Set(d, max);
  auto sum0 = hn::Zero(d), sum1 = hn::Zero(d);
  i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto e0 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), max_b));
    const auto e1 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i + N), max_b));
    hn::StoreU(e0, d, x + i);
    hn::StoreU(e1, d, x + i + N);
    sum0 = hn::Add(sum0, e0);
    sum1 = hn::Add(sum1, e1);
  }
  for (; i < n; i += N) {
    const size_t count = n - i < N ? n - i : N;
    // Lanes past the end come in as 0 and leave as exp(-max) or 0; they must
    // not count, so the tail is masked before it joins the sum.
    const auto e = hn::IfThenElseZero(
        hn::FirstN(d, count),
        hn::Exp(d, hn::Sub(LoadTail(d, x + i, count), max_b)));
    if (count == N) {
      hn::StoreU(e, d, x + i);
    } else {
      StoreTail(d, e, x + i, count);
    }
    sum0 = hn::Add(sum0, e);
  }
  const auto inv = hn::Set(d, 1.0f / SumLanes(d, hn::Add(sum0, sum1)));
  i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::Mul(hn::LoadU(d, x + i), inv), d, x + i);
  }
  if (i < n)
    StoreTail(d, hn::Mul(LoadTail(d, x + i, n - i), inv), x + i, n - i);
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_VECTOR_OPS_INL_H_
