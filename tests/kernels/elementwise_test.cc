// Row-wise and element-wise kernels against the double-precision references
// on every compiled target, for sizes that are not multiples of the vector
// width.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
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

// Checks |got - want| <= rel * |want| + abs element by element, reporting the
// first few failures.
void ExpectNear(const std::vector<float>& got, const std::vector<double>& want,
                double rel, double abs, const char* what, size_t n) {
  ASSERT_EQ(got.size(), want.size());
  size_t failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    if (!(std::fabs(got[i] - want[i]) <= rel * std::fabs(want[i]) + abs)) {
      ++failures;
      ADD_FAILURE() << what << " n=" << n << " [" << i << "]: got " << got[i]
                    << " want " << want[i];
    }
  }
}

class ElementwiseTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(ElementwiseTest);

// The float result is a few roundings away from exact: the sum of squares
// (independent errors over a few accumulators, far below 1e-6 relative for
// these sizes), one sqrt, one division and two products. 2e-6 relative is
// about 16 units of roundoff.
TEST_P(ElementwiseTest, RmsNorm) {
  for (size_t n : OddSizes()) {
    const size_t rows = 3;
    const std::vector<float> x = RandomFloats(rows * n, 11, -3, 3);
    const std::vector<float> weight = RandomFloats(n, 12, 0.5, 1.5);
    std::vector<double> want(rows * n);
    reference::RmsNorm(x.data(), weight.data(), 1e-5f, want.data(), rows, n);
    std::vector<float> y(rows * n);
    RmsNorm(x.data(), weight.data(), 1e-5f, y.data(), rows, n);
    ExpectNear(y, want, 2e-6, 0, "RmsNorm", n);
    // In place, as the contract allows.
    std::vector<float> in_place = x;
    RmsNorm(in_place.data(), weight.data(), 1e-5f, in_place.data(), rows, n);
    ExpectNear(in_place, want, 2e-6, 0, "RmsNorm in place", n);
  }
}

// Highway's Exp is within a few ulp and the normalising sum adds independent
// roundings: 16 units of roundoff. On top of that x - max is rounded to float
// before exp, which exp turns into a relative error of |x - max| units of
// roundoff (exp's condition number); the reference subtracts exactly.
TEST_P(ElementwiseTest, Softmax) {
  for (size_t n : OddSizes()) {
    for (float range : {1.0f, 30.0f}) {
      const std::vector<float> input = RandomFloats(n, 13, -range, range);
      std::vector<double> want(n);
      reference::Softmax(input.data(), want.data(), n);
      std::vector<float> x = input;
      Softmax(x.data(), n);
      const float max = *std::max_element(input.begin(), input.end());
      for (size_t i = 0; i < n; ++i) {
        const double rel = (16 + std::fabs(input[i] - max)) * kFloatEps / 2;
        ASSERT_NEAR(x[i], want[i], rel * want[i] + 1e-30)
            << "n=" << n << " range=" << range << " i=" << i;
      }
    }
  }
}

TEST_P(ElementwiseTest, SoftmaxHandlesMaskedAndHugeInputs) {
  std::vector<float> x = {-INFINITY, 1000.0f, -INFINITY, 1000.0f, -1e30f};
  Softmax(x.data(), x.size());
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_FLOAT_EQ(x[1], 0.5f);
  EXPECT_FLOAT_EQ(x[3], 0.5f);
  EXPECT_EQ(x[4], 0.0f);
  Softmax(x.data(), 0);  // No-op.
}

// The attention kernels' exp against exp in double over every float in
// [-87, 0] at a stride of 97 ulps (about 11.5 million values, including the
// tiny ones next to 0), on to -120 in steps of 1/16, and over (0, 88] at a
// stride of 997 ulps (small positive arguments come from rounding). Cephes
// gives its polynomial 1.7e-7 peak; measured here 1.02e-7 with FMA, 1.17e-7
// without (SSE4, scalar): 1.5e-7 is 2.5 units of roundoff. Under FLT_MIN the
// result is subnormal, rounded once more to a multiple of 2^-149.
TEST_P(ElementwiseTest, ExpOfNonPositive) {
  std::vector<float> x;
  for (uint32_t bits = 0x80000000u; bits <= 0xC2AE0000u; bits += 97) {
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    x.push_back(f);
  }
  for (float f = -87.0f; f > -120.0f; f -= 0.0625f) x.push_back(f);
  // Positive arguments up to 88, as rounding may pass (attention backward).
  for (uint32_t bits = 1; bits <= 0x42B00000u; bits += 997) {
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    x.push_back(f);
  }
  std::vector<float> y(x.size());
  ExpOfNonPositive(x.data(), y.data(), x.size());
  const double smallest_subnormal = std::ldexp(1.0, -149);
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    ASSERT_LE(std::fabs(y[i] - want), 1.5e-7 * want + smallest_subnormal)
        << "x=" << x[i] << " got " << y[i];
  }
}

// The values the online softmax relies on, exactly, and every tail length
// in place.
TEST_P(ElementwiseTest, ExpOfNonPositiveEdges) {
  const float lowest = std::numeric_limits<float>::lowest();
  std::vector<float> x = {0.0f,      -0.0f,  -104.0f, -1000.0f,
                          -INFINITY, lowest, NAN,     -1e-30f};
  std::vector<float> y(x.size());
  ExpOfNonPositive(x.data(), y.data(), x.size());
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 1.0f);
  for (size_t i = 2; i < 7; ++i) EXPECT_EQ(y[i], 0.0f) << "x=" << x[i];
  EXPECT_EQ(y[7], 1.0f);
  for (size_t n : OddSizes()) {
    const std::vector<float> input = RandomFloats(n, 21, -20, 0);
    std::vector<float> want(n);
    ExpOfNonPositive(input.data(), want.data(), n);
    std::vector<float> in_place = input;
    ExpOfNonPositive(in_place.data(), in_place.data(), n);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(in_place[i], want[i]) << "n=" << n << " i=" << i;
      ASSERT_NEAR(want[i], std::exp(static_cast<double>(input[i])),
                  1.5e-7 * std::exp(static_cast<double>(input[i])))
          << "n=" << n << " i=" << i;
    }
  }
}

// silu needs exp, a sum and a division: 2e-6 relative. Near g = 0 the
// result is ~g/2 * u and relative error stays bounded; the absolute term
// covers results that are tiny because u is.
TEST_P(ElementwiseTest, SwiGLU) {
  for (size_t n : OddSizes()) {
    const std::vector<float> gate = RandomFloats(n, 14, -12, 12);
    const std::vector<float> up = RandomFloats(n, 15, -2, 2);
    std::vector<double> want(n);
    reference::SwiGLU(gate.data(), up.data(), want.data(), n);
    std::vector<float> out(n);
    SwiGLU(gate.data(), up.data(), out.data(), n);
    ExpectNear(out, want, 2e-6, 1e-12, "SwiGLU", n);
    std::vector<float> aliased = gate;
    SwiGLU(aliased.data(), up.data(), aliased.data(), n);
    ExpectNear(aliased, want, 2e-6, 1e-12, "SwiGLU aliased", n);
  }
  const float extremes[] = {-1000.0f, -90.0f, 0.0f, 90.0f, 1000.0f};
  const float ones[] = {1, 1, 1, 1, 1};
  float out[5];
  SwiGLU(extremes, ones, out, 5);
  EXPECT_LE(std::fabs(out[0]), 1e-30f);
  EXPECT_LE(std::fabs(out[1]), 1e-30f);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_FLOAT_EQ(out[3], 90.0f);
  EXPECT_FLOAT_EQ(out[4], 1000.0f);
}

// One addition per element: exactly the correctly rounded float sum.
TEST_P(ElementwiseTest, AddInPlace) {
  for (size_t n : OddSizes()) {
    std::vector<float> y = RandomFloats(n, 16);
    const std::vector<float> x = RandomFloats(n, 17);
    std::vector<float> want(n);
    for (size_t i = 0; i < n; ++i) want[i] = y[i] + x[i];
    AddInPlace(y.data(), x.data(), n);
    EXPECT_EQ(y, want) << "n=" << n;
  }
}

// Same bound as MatMul: 1e-6 * sqrt(n) of sum |a_i b_i|.
TEST_P(ElementwiseTest, Dot) {
  for (size_t n : OddSizes()) {
    const std::vector<float> a = RandomFloats(n, 18);
    const std::vector<float> b = RandomFloats(n, 19);
    double abs_sum = 0;
    for (size_t i = 0; i < n; ++i) abs_sum += std::fabs(a[i] * b[i]);
    EXPECT_NEAR(Dot(a.data(), b.data(), n),
                reference::Dot(a.data(), b.data(), n),
                1e-6 * std::sqrt(double(n)) * abs_sum)
        << "n=" << n;
  }
  EXPECT_EQ(Dot(nullptr, nullptr, 0), 0.0f);
}

// Two products and a sum (or an FMA) per output: 2 ulp of the larger term.
TEST_P(ElementwiseTest, RopePairs) {
  for (size_t head_dim : {2, 4, 6, 8, 16, 18, 32, 64, 96, 128, 130, 256}) {
    for (size_t num_heads : {1, 3, 8}) {
      std::vector<float> x = RandomFloats(num_heads * head_dim, 20, -2, 2);
      const std::vector<float> angle = RandomFloats(head_dim / 2, 21, -3, 3);
      std::vector<float> cos(head_dim / 2), sin(head_dim / 2);
      for (size_t i = 0; i < head_dim / 2; ++i) {
        cos[i] = std::cos(angle[i]);
        sin[i] = std::sin(angle[i]);
      }
      std::vector<double> want(x.size());
      reference::RopePairs(x.data(), num_heads, head_dim, cos.data(),
                           sin.data(), want.data());
      RopePairs(x.data(), num_heads, head_dim, cos.data(), sin.data());
      // |x0 cos| + |x1 sin| <= 2 * 2 (inputs in [-2, 2]).
      ExpectNear(x, want, 0, 4 * 2 * kFloatEps, "RopePairs", head_dim);
    }
  }
  // Heads without a pair (outside the contract) are left alone, whatever
  // the tables hold.
  std::vector<float> x = {1, 2, 3, 4, 5};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  RopePairs(x.data(), 5, 1, &nan, &nan);
  RopePairs(x.data(), 5, 0, &nan, &nan);
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace wisp::kernels
