// Highway kernels of the backward pass and the optimizer (training_ops.h).
//
// Determinism: every reduction here runs in an order fixed by its length and
// the target's vector width, never by the data or the caller's threading
// (callers split rows or element ranges, and element-wise results do not
// depend on where a range starts or ends because tails go through the same
// vector code). Training is therefore bitwise reproducible on one machine.
#include "src/kernels/training_ops.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/training_ops.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/gemm_tile-inl.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

void TransposeImpl(const float* a, float* at, size_t rows, size_t cols) {
  // 32 x 32 blocks (4 KiB of a and of at) stay in L1 while each cache line
  // is read or written once; inside a block TransposeInto moves 4 x 4 tiles
  // through registers. 64 x 64 blocks ran 2.5x slower on 768 x 2304 (AVX-512
  // machine), 16 x 16 as fast as 32.
  constexpr size_t kBlock = 32;
  for (size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const size_t r_count = rows - r0 < kBlock ? rows - r0 : kBlock;
    for (size_t c0 = 0; c0 < cols; c0 += kBlock) {
      const size_t c_count = cols - c0 < kBlock ? cols - c0 : kBlock;
      TransposeInto(a + r0 * cols + c0, cols, r_count, c_count,
                    at + c0 * rows + r0, rows);
    }
  }
}

void RmsNormForwardImpl(const float* x, const float* weight, float eps,
                        float* y, float* rstd, size_t rows, size_t n) {
  // The same operations as RmsNorm in elementwise.cc, so the training
  // forward pass reproduces inference bit for bit.
  const DF d;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    const float sum_squares = DotVec(d, xr, xr, n);
    const float s = 1.0f / sqrtf(sum_squares / static_cast<float>(n) + eps);
    rstd[r] = s;
    const auto s_v = hn::Set(d, s);
    ForEachVector(d, n, [&](size_t i, size_t count) {
      const auto v = hn::Mul(LoadPart(d, xr + i, count), s_v);
      StorePart(d, hn::Mul(v, LoadPart(d, weight + i, count)), yr + i, count);
    });
  }
}

// sum_i a[i] b[i] c[i], in SumOfSteps' fixed order.
template <class D>
HWY_INLINE float Dot3Vec(D d, const float* HWY_RESTRICT a,
                         const float* HWY_RESTRICT b,
                         const float* HWY_RESTRICT c, size_t n) {
  return SumOfSteps(d, n, [&](hn::VFromD<D> acc, size_t i, size_t count) {
    return hn::MulAdd(
        hn::Mul(LoadPart(d, a + i, count), LoadPart(d, b + i, count)),
        LoadPart(d, c + i, count), acc);
  });
}

void RmsNormBackwardInputImpl(const float* dy, const float* x,
                              const float* weight, const float* rstd, float* dx,
                              size_t rows, size_t n) {
  const DF d;
  for (size_t r = 0; r < rows; ++r) {
    const float* HWY_RESTRICT dyr = dy + r * n;
    const float* HWY_RESTRICT xr = x + r * n;
    float* HWY_RESTRICT dxr = dx + r * n;
    const float s = rstd[r];
    // d/dx of x * s * w: the direct term s * w * dy, and the term through s,
    // whose derivative is -s^3 / n * x.
    const float dot = Dot3Vec(d, dyr, weight, xr, n);
    const auto coeff = hn::Set(d, dot * s * s * s / static_cast<float>(n));
    const auto s_v = hn::Set(d, s);
    ForEachVector(d, n, [&](size_t i, size_t count) {
      const auto dy_s = hn::Mul(LoadPart(d, dyr + i, count), s_v);
      const auto xv = LoadPart(d, xr + i, count);
      const auto direct = hn::Mul(dy_s, LoadPart(d, weight + i, count));
      StorePart(d,
                hn::Add(LoadPart(d, dxr + i, count),
                        hn::NegMulAdd(coeff, xv, direct)),
                dxr + i, count);
    });
  }
}

void RmsNormBackwardWeightImpl(const float* dy, const float* x,
                               const float* rstd, float* dweight, size_t rows,
                               size_t n, size_t col_begin, size_t col_end) {
  const DF d;
  // Row by row, so each column sums its rows in order whatever the column
  // range: the split over threads changes no bit.
  for (size_t r = 0; r < rows; ++r) {
    const float* HWY_RESTRICT dyr = dy + r * n + col_begin;
    const float* HWY_RESTRICT xr = x + r * n + col_begin;
    float* HWY_RESTRICT dw = dweight + col_begin;
    const auto s_v = hn::Set(d, rstd[r]);
    ForEachVector(d, col_end - col_begin, [&](size_t i, size_t count) {
      const auto dy_s = hn::Mul(LoadPart(d, dyr + i, count), s_v);
      StorePart(d,
                hn::MulAdd(dy_s, LoadPart(d, xr + i, count),
                           LoadPart(d, dw + i, count)),
                dw + i, count);
    });
  }
}

void SwiGLUBackwardImpl(const float* dh, const float* gate, const float* up,
                        float* dgate, float* dup, size_t n) {
  const DF d;
  const auto one = hn::Set(d, 1.0f);
  ForEachVector(d, n, [&](size_t i, size_t count) {
    const auto g = LoadPart(d, gate + i, count);
    const auto dhv = LoadPart(d, dh + i, count);
    hn::VFromD<DF> sigmoid, one_minus_sigmoid;
    SigmoidAndComplement(d, g, &sigmoid, &one_minus_sigmoid);
    StorePart(d, hn::Mul(dhv, hn::Mul(g, sigmoid)), dup + i, count);
    // d silu / dg = sigmoid * (1 + g * (1 - sigmoid)).
    const auto dsilu = hn::Mul(sigmoid, hn::MulAdd(g, one_minus_sigmoid, one));
    StorePart(d, hn::Mul(hn::Mul(dhv, LoadPart(d, up + i, count)), dsilu),
              dgate + i, count);
  });
}

// exp(x) for x <= 0, except that NaN stays NaN: ExpOfNonPositive returns 0
// for it, which would hide a diverged model from the trainer's finiteness
// check.
template <class D>
HWY_INLINE hn::VFromD<D> ExpKeepNaN(D d, hn::VFromD<D> x) {
  return hn::IfThenElse(hn::Eq(x, x), ExpOfNonPositive(d, x), x);
}

// Logits are exponentiated in blocks of this many elements (a multiple of
// every vector width); each block's float sum is added to a double total, so
// the rounding error of the sum does not grow with the vocabulary.
constexpr size_t kSumBlock = 256;

// Writes e_i = exp(logits_i - max) to out (unless it is null; it may be
// logits itself: each element is read before it is written) and returns
// sum_i e_i; *max_out receives the maximum logit. exp of anything more than
// ~104 below the maximum is exactly 0, so huge logits cannot overflow.
template <class D>
HWY_INLINE double SumExp(D d, const float* logits, size_t vocab, float* out,
                         float* max_out) {
  const size_t N = hn::Lanes(d);
  auto max_v = hn::Set(d, -hwy::HighestValue<float>());
  size_t i = 0;
  for (; i + N <= vocab; i += N)
    max_v = hn::Max(max_v, hn::LoadU(d, logits + i));
  float max = hn::GetLane(hn::MaxOfLanes(d, max_v));
  for (; i < vocab; ++i) max = logits[i] > max ? logits[i] : max;
  *max_out = max;

  const auto max_b = hn::Set(d, max);
  double total = 0.0;
  for (size_t b0 = 0; b0 < vocab; b0 += kSumBlock) {
    const size_t b1 = vocab - b0 < kSumBlock ? vocab : b0 + kSumBlock;
    auto sum0 = hn::Zero(d), sum1 = hn::Zero(d);
    i = b0;
    for (; i + 2 * N <= b1; i += 2 * N) {
      const auto e0 = ExpKeepNaN(d, hn::Sub(hn::LoadU(d, logits + i), max_b));
      const auto e1 =
          ExpKeepNaN(d, hn::Sub(hn::LoadU(d, logits + i + N), max_b));
      if (out != nullptr) {
        hn::StoreU(e0, d, out + i);
        hn::StoreU(e1, d, out + i + N);
      }
      sum0 = hn::Add(sum0, e0);
      sum1 = hn::Add(sum1, e1);
    }
    for (; i < b1; i += N) {
      const size_t count = b1 - i < N ? b1 - i : N;
      // Lanes past the end load as 0 and would add exp(-max).
      const auto e = hn::IfThenElseZero(
          hn::FirstN(d, count),
          ExpKeepNaN(d, hn::Sub(LoadPart(d, logits + i, count), max_b)));
      if (out != nullptr) StorePart(d, e, out + i, count);
      sum0 = hn::Add(sum0, e);
    }
    total += SumLanes(d, hn::Add(sum0, sum1));
  }
  return total;
}

// logsumexp - logit[target], with the two large terms (max and the target's
// logit) cancelled first: with logits near 1e30, adding log(total) to the
// maximum first would lose it entirely.
HWY_INLINE float CrossEntropyLoss(double total, float max, float target_logit) {
  return static_cast<float>(
      (static_cast<double>(max) - static_cast<double>(target_logit)) +
      log(total));
}

float CrossEntropyForwardBackwardImpl(const float* logits, int32_t target,
                                      size_t vocab, float grad_scale,
                                      float* dlogits) {
  const DF d;
  // Read before dlogits, which may be the same array, overwrites it.
  const float target_logit = logits[target];
  float max;
  const double total = SumExp(d, logits, vocab, dlogits, &max);
  const auto factor = hn::Set(d, static_cast<float>(1.0 / total) * grad_scale);
  ForEachVector(d, vocab, [&](size_t i, size_t count) {
    StorePart(d, hn::Mul(LoadPart(d, dlogits + i, count), factor), dlogits + i,
              count);
  });
  dlogits[target] -= grad_scale;
  return CrossEntropyLoss(total, max, target_logit);
}

float CrossEntropyImpl(const float* logits, int32_t target, size_t vocab) {
  float max;
  const double total = SumExp(DF(), logits, vocab, nullptr, &max);
  return CrossEntropyLoss(total, max, logits[target]);
}

void AdamWUpdateImpl(float* p, const float* g, float* m, float* v, size_t n,
                     float lr, float beta1, float beta2, float eps,
                     float weight_decay, float bias1, float bias2,
                     float grad_scale) {
  // PyTorch's single-tensor AdamW operation by operation, with no fused
  // multiply-adds (PyTorch's CPU kernels use none): every operation is then
  // correctly rounded, and all targets, the scalar one included, produce the
  // same bits.
  const DF d;
  // PyTorch computes the scalars in double (Python floats) and rounds them
  // once when they meet the float tensors.
  const auto to_float = [&](double x) {
    return hn::Set(d, static_cast<float>(x));
  };
  const auto decay = to_float(1.0 - double{lr} * weight_decay);
  const auto beta1_v = hn::Set(d, beta1), beta2_v = hn::Set(d, beta2);
  const auto one_minus_beta1 = to_float(1.0 - beta1);
  const auto one_minus_beta2 = to_float(1.0 - beta2);
  const auto neg_step_size = to_float(-(double{lr} / bias1));
  const auto sqrt_bias2 = to_float(sqrt(double{bias2}));
  const auto eps_v = hn::Set(d, eps);
  const auto scale = hn::Set(d, grad_scale);
  ForEachVector(d, n, [&](size_t i, size_t count) {
    const auto grad = hn::Mul(LoadPart(d, g + i, count), scale);
    // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    const auto m_new = hn::Add(hn::Mul(LoadPart(d, m + i, count), beta1_v),
                               hn::Mul(grad, one_minus_beta1));
    // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    const auto v_new = hn::Add(hn::Mul(LoadPart(d, v + i, count), beta2_v),
                               hn::Mul(hn::Mul(one_minus_beta2, grad), grad));
    // denom = (exp_avg_sq.sqrt() / sqrt(bias2)).add_(eps)
    const auto denom = hn::Add(hn::Div(hn::Sqrt(v_new), sqrt_bias2), eps_v);
    // param.mul_(1 - lr * wd); param.addcdiv_(exp_avg, denom, -step_size)
    const auto p_decayed = hn::Mul(LoadPart(d, p + i, count), decay);
    const auto p_new =
        hn::Add(p_decayed, hn::Div(hn::Mul(neg_step_size, m_new), denom));
    StorePart(d, m_new, m + i, count);
    StorePart(d, v_new, v + i, count);
    StorePart(d, p_new, p + i, count);
  });
}

double SumOfSquaresImpl(const float* x, size_t n) {
  // Squares of floats are exact in double, so summing them in double lanes
  // is as accurate as a scalar double loop.
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t N = hn::Lanes(dd);
  auto acc0 = hn::Zero(dd), acc1 = hn::Zero(dd);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto x0 = hn::PromoteTo(dd, hn::LoadU(df, x + i));
    const auto x1 = hn::PromoteTo(dd, hn::LoadU(df, x + i + N));
    acc0 = hn::MulAdd(x0, x0, acc0);
    acc1 = hn::MulAdd(x1, x1, acc1);
  }
  for (; i < n; i += N) {
    const size_t count = n - i < N ? n - i : N;
    const auto xi = hn::PromoteTo(dd, LoadPart(df, x + i, count));
    acc0 = hn::MulAdd(xi, xi, acc0);
  }
  return hn::GetLane(hn::SumOfLanes(dd, hn::Add(acc0, acc1)));
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(TransposeImpl);
HWY_EXPORT(RmsNormForwardImpl);
HWY_EXPORT(RmsNormBackwardInputImpl);
HWY_EXPORT(RmsNormBackwardWeightImpl);
HWY_EXPORT(SwiGLUBackwardImpl);
HWY_EXPORT(CrossEntropyForwardBackwardImpl);
HWY_EXPORT(CrossEntropyImpl);
HWY_EXPORT(AdamWUpdateImpl);
HWY_EXPORT(SumOfSquaresImpl);

void Transpose(const float* a, float* at, size_t rows, size_t cols) {
  HWY_DYNAMIC_DISPATCH(TransposeImpl)(a, at, rows, cols);
}

void RmsNormForward(const float* x, const float* weight, float eps, float* y,
                    float* rstd, size_t rows, size_t n) {
  HWY_DYNAMIC_DISPATCH(RmsNormForwardImpl)(x, weight, eps, y, rstd, rows, n);
}

void RmsNormBackward(const float* dy, const float* x, const float* weight,
                     const float* rstd, float* dx, float* dweight, size_t rows,
                     size_t n) {
  RmsNormBackwardInput(dy, x, weight, rstd, dx, rows, n);
  RmsNormBackwardWeight(dy, x, rstd, dweight, rows, n, 0, n);
}

void RmsNormBackwardInput(const float* dy, const float* x, const float* weight,
                          const float* rstd, float* dx, size_t rows, size_t n) {
  HWY_DYNAMIC_DISPATCH(RmsNormBackwardInputImpl)
  (dy, x, weight, rstd, dx, rows, n);
}

void RmsNormBackwardWeight(const float* dy, const float* x, const float* rstd,
                           float* dweight, size_t rows, size_t n,
                           size_t col_begin, size_t col_end) {
  HWY_DYNAMIC_DISPATCH(RmsNormBackwardWeightImpl)
  (dy, x, rstd, dweight, rows, n, col_begin, col_end);
}

void SwiGLUBackward(const float* dh, const float* gate, const float* up,
                    float* dgate, float* dup, size_t n) {
  HWY_DYNAMIC_DISPATCH(SwiGLUBackwardImpl)(dh, gate, up, dgate, dup, n);
}

float CrossEntropyForwardBackward(const float* logits, int32_t target,
                                  size_t vocab, float grad_scale,
                                  float* dlogits) {
  return HWY_DYNAMIC_DISPATCH(CrossEntropyForwardBackwardImpl)(
      logits, target, vocab, grad_scale, dlogits);
}

float CrossEntropy(const float* logits, int32_t target, size_t vocab) {
  return HWY_DYNAMIC_DISPATCH(CrossEntropyImpl)(logits, target, vocab);
}

void AdamWUpdate(float* p, const float* g, float* m, float* v, size_t n,
                 float lr, float beta1, float beta2, float eps,
                 float weight_decay, float bias1, float bias2,
                 float grad_scale) {
  HWY_DYNAMIC_DISPATCH(AdamWUpdateImpl)
  (p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, bias1, bias2,
   grad_scale);
}

double SumOfSquares(const float* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(SumOfSquaresImpl)(x, n);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
