// The training kernels (training_ops.h) against the double-precision
// references on every compiled target, for sizes that are not multiples of
// the vector width. Tolerances are bounds on float rounding, in units of
// kFloatEps (2^-23, two units of roundoff), derived next to each test.
#include "src/kernels/training_ops.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "src/kernels/ops.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::OddSizes;
using ::wisp::testing::RandomFloats;

constexpr double kFloatEps = std::numeric_limits<float>::epsilon();

// Checks |got[i] - want[i]| <= tol[i], reporting the first few failures.
void ExpectWithin(const std::vector<float>& got,
                  const std::vector<double>& want,
                  const std::vector<double>& tol, const char* what,
                  size_t size) {
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got.size(), tol.size());
  size_t failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol[i])) {
      ++failures;
      ADD_FAILURE() << what << " size=" << size << " [" << i << "]: got "
                    << got[i] << " want " << want[i] << " tol " << tol[i];
    }
  }
}

std::vector<double> ToDouble(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

class TrainingOpsTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(TrainingOpsTest);

// A transpose only moves values: exact, on shapes around the vector widths
// and the 32 x 32 blocking.
TEST_P(TrainingOpsTest, TransposeIsExact) {
  const size_t shapes[][2] = {{1, 1},   {1, 17},    {17, 1},   {3, 5},
                              {4, 4},   {7, 9},     {63, 65},  {65, 63},
                              {64, 64}, {100, 129}, {257, 33}, {130, 70}};
  for (const auto& shape : shapes) {
    const size_t rows = shape[0], cols = shape[1];
    const std::vector<float> a = RandomFloats(rows * cols, 1);
    std::vector<float> at(rows * cols, -7.0f);
    Transpose(a.data(), at.data(), rows, cols);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) {
        ASSERT_EQ(at[c * rows + r], a[r * cols + c])
            << rows << "x" << cols << " at r=" << r << " c=" << c;
      }
    }
  }
}

// The training forward pass must reproduce inference exactly, so y is
// compared bitwise with RmsNorm's; against the double reference the bound is
// RmsNorm's (elementwise_test.cc): 2e-6 relative, about 16 roundoffs. rstd
// is one sum of squares, a division, an add, a sqrt and a reciprocal.
TEST_P(TrainingOpsTest, RmsNormForwardMatchesRmsNorm) {
  for (size_t n : OddSizes()) {
    const size_t rows = 3;
    const std::vector<float> x = RandomFloats(rows * n, 2, -3, 3);
    const std::vector<float> weight = RandomFloats(n, 3, 0.5, 1.5);
    std::vector<float> y(rows * n), rstd(rows), y_inference(rows * n);
    RmsNormForward(x.data(), weight.data(), 1e-5f, y.data(), rstd.data(), rows,
                   n);
    RmsNorm(x.data(), weight.data(), 1e-5f, y_inference.data(), rows, n);
    ASSERT_EQ(y, y_inference) << "n=" << n;
    std::vector<double> want(rows * n);
    reference::RmsNorm(x.data(), weight.data(), 1e-5f, want.data(), rows, n);
    for (size_t i = 0; i < rows * n; ++i) {
      ASSERT_NEAR(y[i], want[i], 2e-6 * std::fabs(want[i])) << "n=" << n;
    }
    for (size_t r = 0; r < rows; ++r) {
      const double mean_square =
          reference::Dot(&x[r * n], &x[r * n], n) / static_cast<double>(n);
      const double want_rstd = 1.0 / std::sqrt(mean_square + 1e-5f);
      ASSERT_NEAR(rstd[r], want_rstd, 2e-6 * want_rstd) << "n=" << n;
    }
  }
}

// dx and dweight start non-zero: the kernel must add to them. Error bounds:
// the dot sum(dy w x) is a float reduction whose worst-case error is below
// (n / 4 + 16) roundoffs of sum |dy w x| (four accumulators, then the lanes);
// it reaches dx through coeff * x. The direct term s w dy and the final
// additions cost a few roundoffs of their own magnitudes.
TEST_P(TrainingOpsTest, RmsNormBackwardAccumulates) {
  for (size_t n : OddSizes()) {
    const size_t rows = 3;
    const std::vector<float> x = RandomFloats(rows * n, 4, -3, 3);
    const std::vector<float> dy = RandomFloats(rows * n, 5);
    const std::vector<float> weight = RandomFloats(n, 6, 0.5, 1.5);
    std::vector<float> y(rows * n), rstd(rows);
    RmsNormForward(x.data(), weight.data(), 1e-5f, y.data(), rstd.data(), rows,
                   n);
    std::vector<float> dx = RandomFloats(rows * n, 7);
    std::vector<float> dweight = RandomFloats(n, 8);
    std::vector<double> want_dx = ToDouble(dx),
                        want_dweight = ToDouble(dweight);
    reference::RmsNormBackward(dy.data(), x.data(), weight.data(), rstd.data(),
                               want_dx.data(), want_dweight.data(), rows, n);

    std::vector<double> tol_dx(rows * n), tol_dweight(n);
    for (size_t i = 0; i < n; ++i)
      tol_dweight[i] = 4 * kFloatEps * std::fabs(dweight[i]);
    for (size_t r = 0; r < rows; ++r) {
      const double s = rstd[r];
      double dot_abs = 0.0;
      for (size_t i = 0; i < n; ++i) {
        dot_abs += std::fabs(double{dy[r * n + i]} * weight[i] * x[r * n + i]);
      }
      const double coeff_abs = dot_abs * s * s * s / n;
      for (size_t i = 0; i < n; ++i) {
        const size_t k = r * n + i;
        tol_dx[k] =
            kFloatEps * (4 * std::fabs(want_dx[k]) + 4 * std::fabs(dx[k]) +
                         4 * std::fabs(s * weight[i] * dy[k]) +
                         (n / 4.0 + 16) * coeff_abs * std::fabs(x[k]));
        tol_dweight[i] +=
            4 * kFloatEps *
            (std::fabs(want_dweight[i]) + std::fabs(dy[k] * x[k] * s));
      }
    }
    RmsNormBackward(dy.data(), x.data(), weight.data(), rstd.data(), dx.data(),
                    dweight.data(), rows, n);
    ExpectWithin(dx, want_dx, tol_dx, "dx", n);
    ExpectWithin(dweight, want_dweight, tol_dweight, "dweight", n);
  }
}

// Error bounds: sigmoid and 1 - sigmoid carry ExpOfNonPositive's 1.5e-7
// (1.3 float epsilons) and two roundings each, under 3 epsilons relative;
// dup adds two products. In dgate, X = 1 + g (1 - sigmoid) cancels near
// g = -1.28, so its error is bounded absolutely: a few roundoffs of
// 1 + 2 |g| (1 - sigmoid) (>= |X| + |g (1 - sigmoid)|), scaled by
// |dh up sigmoid|. Around g = -89 sigmoid is a denormal, off by a few
// 2^-149, times |g| at most 1000: 1e-40 absolute.
TEST_P(TrainingOpsTest, SwiGLUBackward) {
  std::vector<size_t> sizes = OddSizes();
  sizes.push_back(0);
  for (size_t n : sizes) {
    std::vector<float> gate = RandomFloats(n, 9, -10, 10);
    const float extremes[] = {-1000.0f, -104.0f, -89.0f, -88.0f, -1.278f,
                              0.0f,     88.0f,   89.0f,  104.0f, 1000.0f};
    for (size_t i = 0; i < n && i < std::size(extremes); ++i) {
      gate[(i * 7) % n] = extremes[i];
    }
    const std::vector<float> dh = RandomFloats(n, 10), up = RandomFloats(n, 11);
    std::vector<double> want_dgate(n), want_dup(n);
    reference::SwiGLUBackward(dh.data(), gate.data(), up.data(),
                              want_dgate.data(), want_dup.data(), n);
    std::vector<double> tol_dgate(n), tol_dup(n);
    for (size_t i = 0; i < n; ++i) {
      const double sigmoid = reference::Sigmoid(gate[i]);
      tol_dup[i] = 8 * kFloatEps * std::fabs(want_dup[i]) + 1e-40;
      tol_dgate[i] =
          8 * kFloatEps * std::fabs(dh[i] * up[i]) * sigmoid *
              (1 + 2 * std::fabs(gate[i]) * reference::Sigmoid(-gate[i])) +
          1e-40;
    }
    std::vector<float> dgate(n, NAN), dup(n, NAN);
    SwiGLUBackward(dh.data(), gate.data(), up.data(), dgate.data(), dup.data(),
                   n);
    ExpectWithin(dgate, want_dgate, tol_dgate, "dgate", n);
    ExpectWithin(dup, want_dup, tol_dup, "dup", n);
  }
}

// Element-wise kernels must not depend on where a caller splits the range:
// the threads of the trainer each take a piece.
TEST_P(TrainingOpsTest, SwiGLUBackwardIndependentOfSplit) {
  const size_t n = 1000, split = 37;
  const std::vector<float> gate = RandomFloats(n, 12, -10, 10);
  const std::vector<float> dh = RandomFloats(n, 13), up = RandomFloats(n, 14);
  std::vector<float> dgate(n), dup(n), dgate_split(n), dup_split(n);
  SwiGLUBackward(dh.data(), gate.data(), up.data(), dgate.data(), dup.data(),
                 n);
  SwiGLUBackward(dh.data(), gate.data(), up.data(), dgate_split.data(),
                 dup_split.data(), split);
  SwiGLUBackward(dh.data() + split, gate.data() + split, up.data() + split,
                 dgate_split.data() + split, dup_split.data() + split,
                 n - split);
  EXPECT_EQ(dgate, dgate_split);
  EXPECT_EQ(dup, dup_split);
}

// Error bounds, for logits within +-range: exp(x - max) has
// ExpOfNonPositive's 1.5e-7 (2.5 roundoffs) plus the rounding of x - max (up
// to 2 range roundoffs relative after exp); the sum adds at most 256 / 2 +
// 16 roundoffs (float blocks of 256, two accumulators, then the lanes; the
// blocks then go into a double). The loss is log(sum) plus (max - target) in
// double: the sum's relative error becomes its absolute error. dlogits adds
// three roundings.
TEST_P(TrainingOpsTest, CrossEntropy) {
  std::vector<size_t> sizes = OddSizes();
  sizes.push_back(50257);
  const float grad_scale = 0.25f;
  for (size_t vocab : sizes) {
    for (float range : {1.0f, 30.0f}) {
      for (size_t target : {size_t{0}, vocab / 2, vocab - 1}) {
        const std::vector<float> logits =
            RandomFloats(vocab, 23, -range, range);
        std::vector<double> want(vocab);
        const double want_loss = reference::CrossEntropy(
            logits.data(), target, vocab, grad_scale, want.data());
        const double rel = (150 + 2 * range) * kFloatEps;
        std::vector<double> tol(vocab);
        for (size_t i = 0; i < vocab; ++i) {
          const double softmax = (want[i] + (i == target ? grad_scale : 0));
          tol[i] = (rel + 4 * kFloatEps) * std::fabs(softmax) +
                   4 * kFloatEps * std::fabs(want[i]);
        }
        std::vector<float> dlogits(vocab, NAN);
        const float loss = CrossEntropyForwardBackward(
            logits.data(), static_cast<int32_t>(target), vocab, grad_scale,
            dlogits.data());
        SCOPED_TRACE(::testing::Message()
                     << "range=" << range << " target=" << target);
        ASSERT_NEAR(loss, want_loss, rel + 2 * kFloatEps * std::fabs(want_loss))
            << "vocab=" << vocab;
        // The loss alone runs the same sum.
        ASSERT_EQ(
            CrossEntropy(logits.data(), static_cast<int32_t>(target), vocab),
            loss);
        ExpectWithin(dlogits, want, tol, "dlogits", vocab);
        // In place (the training graph's use): the same loss and bits.
        std::vector<float> in_place = logits;
        ASSERT_EQ(CrossEntropyForwardBackward(
                      in_place.data(), static_cast<int32_t>(target), vocab,
                      grad_scale, in_place.data()),
                  loss);
        ASSERT_EQ(in_place, dlogits);
      }
    }
  }
}

// Logits far beyond exp's range, and infinities among them, must neither
// overflow nor lose the log(sum) term next to huge logits.
TEST_P(TrainingOpsTest, CrossEntropyExtremeLogits) {
  const float kHuge = 1e30f, kMax = std::numeric_limits<float>::max();
  for (size_t vocab : {2, 3, 17, 65, 1000}) {
    // Two maxima at 1e30 and the rest at -1e30: the loss of either maximum
    // is log 2 exactly, which 1e30 + log 2 - 1e30 in float would round to 0.
    std::vector<float> logits(vocab, -kHuge);
    logits[0] = kHuge;
    logits[vocab - 1] = kHuge;
    std::vector<float> dlogits(vocab);
    float loss = CrossEntropyForwardBackward(logits.data(), 0, vocab, 1.0f,
                                             dlogits.data());
    EXPECT_NEAR(loss, std::log(2.0), 2 * kFloatEps) << vocab;
    EXPECT_NEAR(dlogits[0], -0.5f, kFloatEps) << vocab;
    EXPECT_NEAR(dlogits[vocab - 1], 0.5f, kFloatEps) << vocab;
    for (size_t i = 1; i + 1 < vocab; ++i) EXPECT_EQ(dlogits[i], 0.0f);
    if (vocab > 2) {
      // A target at -1e30 costs 2e30 (+ log 2, lost to rounding).
      loss = CrossEntropy(logits.data(), 1, vocab);
      EXPECT_NEAR(loss, 2e30, 2e30 * kFloatEps) << vocab;
    }
    // Every logit the same huge value: uniform.
    std::fill(logits.begin(), logits.end(), kMax);
    loss = CrossEntropyForwardBackward(logits.data(), 1, vocab, 1.0f,
                                       dlogits.data());
    EXPECT_NEAR(loss, std::log(double(vocab)), 4 * kFloatEps) << vocab;
    EXPECT_NEAR(dlogits[0], 1.0 / vocab, 4 * kFloatEps / vocab) << vocab;
    // -FLT_MAX and -inf (masked) logits contribute exactly nothing.
    std::fill(logits.begin(), logits.end(), 0.0f);
    for (size_t i = 1; i < vocab; i += 2) {
      logits[i] = i % 4 == 1 ? -kMax : -INFINITY;
    }
    const size_t finite = (vocab + 1) / 2;
    loss = CrossEntropyForwardBackward(logits.data(), 0, vocab, 1.0f,
                                       dlogits.data());
    EXPECT_NEAR(loss, std::log(double(finite)), 4 * kFloatEps) << vocab;
    for (size_t i = 1; i < vocab; i += 2) EXPECT_EQ(dlogits[i], 0.0f);
  }
}

// A diverged model must not train on: NaN logits make the loss and every
// gradient NaN, as std::exp would.
TEST_P(TrainingOpsTest, CrossEntropyPropagatesNaN) {
  for (size_t vocab : {1, 3, 17, 1000}) {
    std::vector<float> logits = RandomFloats(vocab, 24);
    logits[vocab / 2] = NAN;
    std::vector<float> dlogits(vocab);
    EXPECT_TRUE(std::isnan(CrossEntropyForwardBackward(logits.data(), 0, vocab,
                                                       1.0f, dlogits.data())));
    EXPECT_TRUE(std::isnan(dlogits[0]));
    EXPECT_TRUE(std::isnan(CrossEntropy(logits.data(), 0, vocab)));
  }
}

struct AdamWParams {
  float lr, beta1, beta2, eps, weight_decay, grad_scale;
};

// PyTorch 1.13's _single_tensor_adamw in float, operation by operation, with
// the scalars computed in double as Python does. The kernel promises these
// exact bits on every target.
void PyTorchAdamWStep(float* p, const float* g, float* m, float* v, size_t n,
                      const AdamWParams& a, float bias1, float bias2) {
  const float decay = static_cast<float>(1.0 - double{a.lr} * a.weight_decay);
  const float one_minus_beta1 = static_cast<float>(1.0 - a.beta1);
  const float one_minus_beta2 = static_cast<float>(1.0 - a.beta2);
  const float neg_step_size = static_cast<float>(-(double{a.lr} / bias1));
  const float sqrt_bias2 = static_cast<float>(std::sqrt(double{bias2}));
  for (size_t i = 0; i < n; ++i) {
    const float grad = g[i] * a.grad_scale;
    p[i] = p[i] * decay;
    m[i] = m[i] * a.beta1 + grad * one_minus_beta1;
    v[i] = v[i] * a.beta2 + one_minus_beta2 * grad * grad;
    const float denom = std::sqrt(v[i]) / sqrt_bias2 + a.eps;
    p[i] = p[i] + neg_step_size * m[i] / denom;
  }
}

// Three steps with and without weight decay and clipping. Each step is
// compared with a double step from the kernel's previous state, so errors do
// not compound: m and v are a few roundings of beta |m| + (1 - beta) |g|
// (cancellation in m makes that the scale, not |m|); p adds the decay and
// the step, whose error is a few roundoffs of step * (|m| scale) / denom.
TEST_P(TrainingOpsTest, AdamWUpdate) {
  const AdamWParams cases[] = {{1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 1.0f},
                               {1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f},
                               {3e-4f, 0.8f, 0.99f, 1e-6f, 0.01f, 1.0f}};
  for (const AdamWParams& a : cases) {
    for (size_t n : OddSizes()) {
      std::vector<float> p = RandomFloats(n, 25, -2, 2), m(n, 0.0f), v(n, 0.0f);
      std::vector<float> p_torch = p, m_torch = m, v_torch = v;
      for (int step = 1; step <= 3; ++step) {
        const std::vector<float> g = RandomFloats(n, 26 + step, -0.1f, 0.1f);
        const float bias1 = 1.0f - std::pow(a.beta1, float(step));
        const float bias2 = 1.0f - std::pow(a.beta2, float(step));
        std::vector<double> want_p = ToDouble(p), want_m = ToDouble(m),
                            want_v = ToDouble(v);
        reference::AdamW(want_p.data(), g.data(), want_m.data(), want_v.data(),
                         n, a.lr, a.beta1, a.beta2, a.eps, a.weight_decay,
                         bias1, bias2, a.grad_scale);
        std::vector<double> tol_p(n), tol_m(n), tol_v(n);
        for (size_t i = 0; i < n; ++i) {
          const double grad = std::fabs(g[i] * a.grad_scale);
          const double m_abs = a.beta1 * std::fabs(m[i]) + (1 - a.beta1) * grad;
          tol_m[i] = 4 * kFloatEps * m_abs;
          tol_v[i] = 4 * kFloatEps * std::fabs(want_v[i]);
          const double denom =
              std::sqrt(want_v[i]) / std::sqrt(double{bias2}) + a.eps;
          tol_p[i] = 4 * kFloatEps * std::fabs(p[i]) +
                     16 * kFloatEps * a.lr / bias1 * m_abs / denom;
        }
        AdamWUpdate(p.data(), g.data(), m.data(), v.data(), n, a.lr, a.beta1,
                    a.beta2, a.eps, a.weight_decay, bias1, bias2, a.grad_scale);
        PyTorchAdamWStep(p_torch.data(), g.data(), m_torch.data(),
                         v_torch.data(), n, a, bias1, bias2);
        SCOPED_TRACE(::testing::Message()
                     << "step=" << step << " wd=" << a.weight_decay);
        ExpectWithin(p, want_p, tol_p, "p", n);
        ExpectWithin(m, want_m, tol_m, "m", n);
        ExpectWithin(v, want_v, tol_v, "v", n);
        ASSERT_EQ(p, p_torch) << "n=" << n;
        ASSERT_EQ(m, m_torch) << "n=" << n;
        ASSERT_EQ(v, v_torch) << "n=" << n;
      }
    }
  }
}

// The trainer splits a tensor's update between threads at arbitrary points.
TEST_P(TrainingOpsTest, AdamWUpdateIndependentOfSplit) {
  const size_t n = 1000;
  const std::vector<float> g = RandomFloats(n, 30);
  std::vector<float> p = RandomFloats(n, 31), m = RandomFloats(n, 32, 0, 0.1f),
                     v = RandomFloats(n, 33, 0, 0.01f);
  std::vector<float> p2 = p, m2 = m, v2 = v;
  AdamWUpdate(p.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.999f,
              1e-8f, 0.1f, 0.19f, 0.002f, 0.7f);
  for (size_t begin : {size_t{0}, size_t{13}, size_t{500}}) {
    const size_t end = begin == 0 ? 13 : begin == 13 ? 500 : n;
    AdamWUpdate(p2.data() + begin, g.data() + begin, m2.data() + begin,
                v2.data() + begin, end - begin, 1e-3f, 0.9f, 0.999f, 1e-8f,
                0.1f, 0.19f, 0.002f, 0.7f);
  }
  EXPECT_EQ(p, p2);
  EXPECT_EQ(m, m2);
  EXPECT_EQ(v, v2);
}

// Squares of floats are exact in double, so the only error is the double
// summation: at most n roundoffs of 2^-53 relative (all terms positive).
// Values up to 1e30 would overflow a float accumulator, not a double one.
TEST_P(TrainingOpsTest, SumOfSquares) {
  std::vector<size_t> sizes = OddSizes();
  sizes.push_back(0);
  sizes.push_back(1000003);
  for (size_t n : sizes) {
    for (float range : {1.0f, 1e30f}) {
      const std::vector<float> x = RandomFloats(n, 34, -range, range);
      const double want = reference::Dot(x.data(), x.data(), n);
      const double got = SumOfSquares(x.data(), n);
      EXPECT_NEAR(got, want, (n + 1) * 0x1p-53 * want)
          << "n=" << n << " range=" << range;
    }
  }
}

}  // namespace
}  // namespace wisp::kernels
