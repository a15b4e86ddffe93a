// The halves of the norm backward passes that training spreads over threads:
// the parameter gradients summed over column ranges must equal, bit for bit,
// one pass over all columns (columns are independent and each sums its rows
// in order), and the input halves must equal the whole kernels' dx. The
// whole kernels are checked against references in training_ops_test.cc and
// tests/train/gradient_check_test.cc; the LayerNorm backward and the bias
// gradient are checked here against double sums.
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/training_ops.h"
#include "tests/kernels/kernel_test_util.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::OddSizes;
using ::wisp::testing::RandomFloats;

constexpr size_t kRows = 5;

// Column ranges [0, a), [a, b), [b, n) at awkward places.
std::vector<size_t> Cuts(size_t n) { return {0, n / 3, n / 3 + n / 4, n}; }

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class NormBackwardTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(NormBackwardTest);

TEST_P(NormBackwardTest, RmsNormHalvesEqualTheWholeKernel) {
  for (size_t n : OddSizes()) {
    const std::vector<float> x = RandomFloats(kRows * n, 1, -3, 3);
    const std::vector<float> dy = RandomFloats(kRows * n, 2);
    const std::vector<float> weight = RandomFloats(n, 3, 0.5, 1.5);
    std::vector<float> y(kRows * n), rstd(kRows);
    RmsNormForward(x.data(), weight.data(), 1e-5f, y.data(), rstd.data(), kRows,
                   n);
    const std::vector<float> dx0 = RandomFloats(kRows * n, 4);
    const std::vector<float> dw0 = RandomFloats(n, 5);
    std::vector<float> want_dx = dx0, want_dw = dw0;
    RmsNormBackward(dy.data(), x.data(), weight.data(), rstd.data(),
                    want_dx.data(), want_dw.data(), kRows, n);
    std::vector<float> dx = dx0, dw = dw0;
    // dx in two row ranges, dweight in three column ranges.
    RmsNormBackwardInput(dy.data(), x.data(), weight.data(), rstd.data(),
                         dx.data(), 2, n);
    RmsNormBackwardInput(dy.data() + 2 * n, x.data() + 2 * n, weight.data(),
                         rstd.data() + 2, dx.data() + 2 * n, kRows - 2, n);
    const std::vector<size_t> cuts = Cuts(n);
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
      RmsNormBackwardWeight(dy.data(), x.data(), rstd.data(), dw.data(), kRows,
                            n, cuts[c], cuts[c + 1]);
    }
    EXPECT_TRUE(SameBits(dx, want_dx)) << "n=" << n;
    EXPECT_TRUE(SameBits(dw, want_dw)) << "n=" << n;
  }
}

TEST_P(NormBackwardTest, LayerNormHalvesEqualTheWholeKernel) {
  for (size_t n : OddSizes()) {
    std::vector<float> x = RandomFloats(kRows * n, 6, -3, 3);
    const std::vector<float> dy = RandomFloats(kRows * n, 7);
    const std::vector<float> weight = RandomFloats(n, 8, 0.5, 1.5);
    const std::vector<float> bias = RandomFloats(n, 9);
    std::vector<float> y(kRows * n), mean(kRows), rstd(kRows);
    LayerNormForward(x.data(), weight.data(), bias.data(), 1e-5f, y.data(),
                     mean.data(), rstd.data(), kRows, n);
    const std::vector<float> dx0 = RandomFloats(kRows * n, 10);
    const std::vector<float> dw0 = RandomFloats(n, 11);
    const std::vector<float> db0 = RandomFloats(n, 12);
    std::vector<float> want_dx = dx0, want_dw = dw0, want_db = db0;
    LayerNormBackward(dy.data(), x.data(), weight.data(), mean.data(),
                      rstd.data(), want_dx.data(), want_dw.data(),
                      want_db.data(), kRows, n);
    std::vector<float> dx = dx0, dw = dw0, db = db0;
    LayerNormBackwardInput(dy.data(), x.data(), weight.data(), mean.data(),
                           rstd.data(), dx.data(), 3, n);
    LayerNormBackwardInput(dy.data() + 3 * n, x.data() + 3 * n, weight.data(),
                           mean.data() + 3, rstd.data() + 3, dx.data() + 3 * n,
                           kRows - 3, n);
    const std::vector<size_t> cuts = Cuts(n);
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
      LayerNormBackwardParams(dy.data(), x.data(), mean.data(), rstd.data(),
                              dw.data(), db.data(), kRows, n, cuts[c],
                              cuts[c + 1]);
    }
    EXPECT_TRUE(SameBits(dx, want_dx)) << "n=" << n;
    EXPECT_TRUE(SameBits(dw, want_dw)) << "n=" << n;
    EXPECT_TRUE(SameBits(db, want_db)) << "n=" << n;
  }
}

// The LayerNorm backward against a double reference that takes the same
// float mean and rstd: dx = dx0 + s (g - mean(g) - xhat mean(g xhat)) with
// g = dy w and xhat = (x - m) s; dweight += sum_r dy xhat; dbias += sum_r dy.
// Row 0 has a mean of 1000 (x is centred before any product, or it cancels).
// Tolerance: 1e-5 of the sum of the terms' magnitudes (float sums of up to
// ~1000 terms stay near sqrt(n) * 6e-8 of it; an indexing error is O(1)).
TEST_P(NormBackwardTest, LayerNormMatchesDoubleReference) {
  for (size_t n : OddSizes()) {
    std::vector<float> x = RandomFloats(kRows * n, 15, -3, 3);
    for (size_t i = 0; i < n; ++i) x[i] += 1000.0f;
    const std::vector<float> dy = RandomFloats(kRows * n, 16);
    const std::vector<float> weight = RandomFloats(n, 17, 0.5, 1.5);
    std::vector<float> y(kRows * n), mean(kRows), rstd(kRows);
    LayerNormForward(x.data(), weight.data(), nullptr, 1e-5f, y.data(),
                     mean.data(), rstd.data(), kRows, n);
    const std::vector<float> dx0 = RandomFloats(kRows * n, 18);
    const std::vector<float> dw0 = RandomFloats(n, 19);
    const std::vector<float> db0 = RandomFloats(n, 20);
    std::vector<float> dx = dx0, dw = dw0, db = db0;
    LayerNormBackward(dy.data(), x.data(), weight.data(), mean.data(),
                      rstd.data(), dx.data(), dw.data(), db.data(), kRows, n);
    std::vector<double> want_dw(dw0.begin(), dw0.end()), abs_dw(n);
    std::vector<double> want_db(db0.begin(), db0.end()), abs_db(n);
    for (size_t r = 0; r < kRows; ++r) {
      const double m = mean[r], s = rstd[r];
      double g_sum = 0, gx_sum = 0, g_abs = 0, gx_abs = 0;
      for (size_t i = 0; i < n; ++i) {
        const double g = double(dy[r * n + i]) * weight[i];
        const double xhat = (x[r * n + i] - m) * s;
        g_sum += g;
        gx_sum += g * xhat;
        g_abs += std::fabs(g);
        gx_abs += std::fabs(g * xhat);
        want_dw[i] += dy[r * n + i] * xhat;
        abs_dw[i] += std::fabs(dy[r * n + i] * xhat);
        want_db[i] += dy[r * n + i];
        abs_db[i] += std::fabs(dy[r * n + i]);
      }
      for (size_t i = 0; i < n; ++i) {
        const double g = double(dy[r * n + i]) * weight[i];
        const double xhat = (x[r * n + i] - m) * s;
        const double want =
            dx0[r * n + i] + s * (g - g_sum / n - xhat * gx_sum / n);
        const double scale =
            std::fabs(dx0[r * n + i]) +
            s * (std::fabs(g) + g_abs / n + std::fabs(xhat) * gx_abs / n);
        ASSERT_NEAR(dx[r * n + i], want, 1e-5 * scale)
            << "n=" << n << " row " << r << " col " << i;
      }
    }
    // Without a bias gradient the weight gradient is the same.
    std::vector<float> dw_alone = dw0;
    LayerNormBackwardParams(dy.data(), x.data(), mean.data(), rstd.data(),
                            dw_alone.data(), nullptr, kRows, n, 0, n);
    EXPECT_TRUE(SameBits(dw_alone, dw)) << "n=" << n;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(dw[i], want_dw[i], 1e-5 * (std::fabs(dw0[i]) + abs_dw[i]))
          << "n=" << n << " col " << i;
      ASSERT_NEAR(db[i], want_db[i], 1e-5 * (std::fabs(db0[i]) + abs_db[i]))
          << "n=" << n << " col " << i;
    }
  }
}

// dbias[j] += sum_r dy[r, j] over column ranges: within kRows + 1 roundoffs
// of sum |terms| of the double sum (a float sum of kRows + 1 terms), and
// columns outside the range untouched.
TEST_P(NormBackwardTest, BiasBackwardSumsColumnRanges) {
  for (size_t n : OddSizes()) {
    const std::vector<float> dy = RandomFloats(kRows * n, 13);
    const std::vector<float> db0 = RandomFloats(n, 14);
    std::vector<float> db = db0;
    const std::vector<size_t> cuts = Cuts(n);
    // The middle range last, after checking the columns it has not reached.
    BiasBackward(dy.data(), db.data(), kRows, n, cuts[0], cuts[1]);
    BiasBackward(dy.data(), db.data(), kRows, n, cuts[2], cuts[3]);
    for (size_t j = cuts[1]; j < cuts[2]; ++j) EXPECT_EQ(db[j], db0[j]);
    BiasBackward(dy.data(), db.data(), kRows, n, cuts[1], cuts[2]);
    for (size_t j = 0; j < n; ++j) {
      double want = db0[j], abs = std::fabs(db0[j]);
      for (size_t r = 0; r < kRows; ++r) {
        want += dy[r * n + j];
        abs += std::fabs(dy[r * n + j]);
      }
      EXPECT_NEAR(db[j], want, (kRows + 1) * 6e-8 * abs) << "n=" << n;
    }
  }
}

}  // namespace
}  // namespace wisp::kernels
