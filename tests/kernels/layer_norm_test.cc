// LayerNormForward against a double-precision reference on every compiled
// target: widths that are not multiples of the vector width, rows with a
// large mean (where a one-pass variance would cancel), tiny rows, no bias,
// and y aliasing x. The float scalar loops the Highway kernel replaced stay
// here as a second subject that must meet the same bounds, which shows the
// bounds are no looser than the old code needed.
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "src/kernels/layer_norm_gelu.h"
#include "tests/kernels/kernel_test_util.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::OddSizes;
using ::wisp::testing::RandomFloats;

constexpr double kFloatEps = std::numeric_limits<float>::epsilon();
constexpr float kEps = 1e-5f;

using LayerNormFn = void (*)(const float*, const float*, const float*, float,
                             float*, float*, float*, size_t, size_t);

// The scalar float loops LayerNormForward ran before it was vectorised.
void ScalarLayerNorm(const float* x, const float* weight, const float* bias,
                     float eps, float* y, float* mean, float* rstd, size_t rows,
                     size_t n) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += xr[i];
    const float m = sum / static_cast<float>(n);
    float var = 0.0f;
    for (size_t i = 0; i < n; ++i) var += (xr[i] - m) * (xr[i] - m);
    const float s = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
    mean[r] = m;
    rstd[r] = s;
    for (size_t i = 0; i < n; ++i) {
      y[r * n + i] = (xr[i] - m) * s * weight[i] + (bias ? bias[i] : 0.0f);
    }
  }
}

// Rows of width n: centred noise, a large mean (1000 + noise), small values
// (1e-3 scale) and a constant row (variance 0: y is the bias).
std::vector<float> TestRows(size_t n, size_t* rows) {
  *rows = 4;
  std::vector<float> x = RandomFloats(4 * n, static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    x[n + i] += 1000.0f;
    x[2 * n + i] *= 1e-3f;
    x[3 * n + i] = 0.25f;
  }
  return x;
}

// Float sums of n terms are within about sqrt(n) roundoffs of the sum of
// their magnitudes in practice (independent errors); 8 such roundoffs per
// term leave room while a wrong index, a lane summed twice or a one-pass
// variance are off by orders of magnitude more. Subtracting a mean m from
// values near it loses |m| / std of relative accuracy, hence the |m| s term.
void ExpectMatchesReference(LayerNormFn layer_norm, size_t n, bool with_bias,
                            bool in_place) {
  size_t rows = 0;
  const std::vector<float> x = TestRows(n, &rows);
  const std::vector<float> weight = RandomFloats(n, 7, -2, 2);
  const std::vector<float> bias_values = RandomFloats(n, 8);
  const float* bias = with_bias ? bias_values.data() : nullptr;
  std::vector<float> y(x.size()), mean(rows), rstd(rows);
  if (in_place) {
    y = x;
    layer_norm(y.data(), weight.data(), bias, kEps, y.data(), mean.data(),
               rstd.data(), rows, n);
  } else {
    layer_norm(x.data(), weight.data(), bias, kEps, y.data(), mean.data(),
               rstd.data(), rows, n);
  }
  const double roundoffs = 8 * kFloatEps * std::sqrt(static_cast<double>(n));
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * n;
    double sum = 0, abs_sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += xr[i];
      abs_sum += std::fabs(xr[i]);
    }
    const double m = sum / n;
    double var = 0;
    for (size_t i = 0; i < n; ++i) var += (xr[i] - m) * (xr[i] - m);
    const double s = 1 / std::sqrt(var / n + kEps);
    const double cancellation = 1 + std::fabs(m) * s;
    EXPECT_NEAR(mean[r], m, roundoffs * abs_sum / n + 1e-30)
        << "n=" << n << " row " << r;
    EXPECT_NEAR(rstd[r], s, roundoffs * cancellation * s)
        << "n=" << n << " row " << r;
    for (size_t i = 0; i < n; ++i) {
      const double xhat = (xr[i] - m) * s;
      const double b = with_bias ? bias[i] : 0;
      const double want = xhat * weight[i] + b;
      const double tolerance =
          roundoffs * std::fabs(weight[i]) * (std::fabs(xhat) + cancellation) +
          4 * kFloatEps * std::fabs(b);
      ASSERT_NEAR(y[r * n + i], want, tolerance)
          << "n=" << n << " row " << r << " column " << i;
    }
  }
}

class LayerNormTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(LayerNormTest);

TEST_P(LayerNormTest, MatchesDoubleReference) {
  std::vector<size_t> sizes = OddSizes();
  sizes.push_back(768);
  for (size_t n : sizes) {
    ExpectMatchesReference(&LayerNormForward, n, /*with_bias=*/true,
                           /*in_place=*/false);
    ExpectMatchesReference(&LayerNormForward, n, /*with_bias=*/false,
                           /*in_place=*/false);
    ExpectMatchesReference(&LayerNormForward, n, /*with_bias=*/true,
                           /*in_place=*/true);
  }
}

TEST_P(LayerNormTest, ScalarReferenceMeetsTheSameBounds) {
  for (size_t n : {size_t{3}, size_t{100}, size_t{768}, size_t{1000}}) {
    ExpectMatchesReference(&ScalarLayerNorm, n, /*with_bias=*/true,
                           /*in_place=*/false);
  }
}

TEST_P(LayerNormTest, NullStatisticsAreSkipped) {
  const size_t n = 65;
  const std::vector<float> x = RandomFloats(2 * n, 3);
  const std::vector<float> weight = RandomFloats(n, 4);
  std::vector<float> with(2 * n), without(2 * n), mean(2), rstd(2);
  LayerNormForward(x.data(), weight.data(), nullptr, kEps, with.data(),
                   mean.data(), rstd.data(), 2, n);
  LayerNormForward(x.data(), weight.data(), nullptr, kEps, without.data(),
                   nullptr, nullptr, 2, n);
  EXPECT_EQ(with, without);
}

}  // namespace
}  // namespace wisp::kernels
