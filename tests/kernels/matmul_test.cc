// MatMul and MatMulBf16 against the double-precision reference on every
// compiled target, for GEMV (m == 1) and GEMM shapes of awkward sizes, with
// and without bias, single- and multi-threaded; plus bitwise determinism
// across thread counts.
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "src/core/thread_pool.h"
#include "src/kernels/bf16.h"
#include "src/kernels/gemm_bf16_dot.h"
#include "src/kernels/ops.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::RandomFloats;

struct Shape {
  size_t m, k, n;
};

// Awkward shapes around every tile and block edge, plus some large enough
// (m * k * n above the kernels' threading thresholds) that pools of 2 really
// split the work. With AVX-512 and k >= 256, from 13 rows on run the
// broadcast-w GEMM (panels of 32 or 16 rows by 12 columns, blocks of 128
// rows and 768 k values, w read in place unless its rows are a multiple of
// 4 KiB apart: k = 1024) and 2 to 12 rows the dot-product GEMM (4 x 6
// tiles); the rest, and every shape on the other targets, run the packed
// one, split over rows when n is narrow and rows are many ({400, 200, 64},
// and {200, 300, 300} without AVX-512). All get rows and columns that do
// not fill a tile, k with a partial vector, and k over several blocks
// ({100, 1600, 70}, {64, 1536, 36}).
const std::vector<Shape>& Shapes() {
  static const std::vector<Shape> shapes = {
      {1, 1, 1},       {1, 3, 17},      {1, 17, 3},     {1, 63, 65},
      {1, 64, 512},    {1, 65, 1000},   {1, 1000, 100}, {1, 300, 257},
      {1, 1000, 333},  {1, 513, 1001},  {2, 1, 1},      {3, 17, 63},
      {5, 7, 33},      {7, 65, 17},     {8, 64, 172},   {9, 3, 1},
      {17, 1000, 3},   {63, 65, 17},    {65, 63, 129},  {64, 64, 172},
      {100, 300, 70},  {1000, 300, 17}, {33, 517, 65},  {300, 517, 65},
      {130, 64, 600},  {4, 1000, 33},   {1000, 1, 1},   {200, 300, 300},
      {100, 1600, 70}, {128, 1000, 50}, {127, 775, 13}, {129, 64, 40},
      {2, 3072, 7},    {16, 256, 12},   {48, 768, 60},  {40, 1024, 24},
      {64, 1536, 36},  {15, 300, 13},   {400, 200, 64}, {12, 300, 13},
      {13, 256, 14},
  };
  return shapes;
}

// Tolerance. A float sum of k products, however it is ordered, is within
// about k * 2^-24 * sum_p |x_p w_p| of the exact value (the classic bound),
// and in practice within sqrt(k) times the unit roundoff of that scale
// because the rounding errors are independent. 1e-6 * sqrt(k) (16 units of
// roundoff per sqrt(k)) leaves room for both the blocked GEMM order and the
// bias addition without hiding an indexing error, which is O(1) relative.
double Tolerance(double abs_sum, size_t k) {
  return 1e-6 * std::sqrt(static_cast<double>(k)) * abs_sum +
         std::numeric_limits<float>::min();
}

// y against the double reference within Tolerance, reporting at most five
// elements; `what` names the case in each message.
void ExpectNearReference(const Shape& s, const std::vector<float>& y,
                         const std::vector<double>& expected,
                         const std::vector<double>& abs_sum,
                         const std::string& what) {
  size_t failures = 0;
  for (size_t i = 0; i < y.size() && failures < 5; ++i) {
    if (!(std::fabs(y[i] - expected[i]) <= Tolerance(abs_sum[i], s.k))) {
      ++failures;
      ADD_FAILURE() << "m=" << s.m << " k=" << s.k << " n=" << s.n << what
                    << " row " << i / s.n << " col " << i % s.n << ": got "
                    << y[i] << " want " << expected[i];
    }
  }
}

// run(y, pool) writes one product of shape s into y: on every pool it must
// give `expected` bit for bit.
template <class Run>
void ExpectSameBitsOnPools(const Shape& s, const std::vector<float>& expected,
                           std::initializer_list<ThreadPool*> pools,
                           const Run& run) {
  for (ThreadPool* pool : pools) {
    std::vector<float> y(s.m * s.n);
    run(y.data(), pool);
    EXPECT_EQ(0,
              std::memcmp(y.data(), expected.data(), y.size() * sizeof(float)))
        << "m=" << s.m << " k=" << s.k << " n=" << s.n
        << " threads=" << pool->num_threads();
  }
}

void ExpectMatchesReference(const Shape& s, bool with_bias, ThreadPool* pool) {
  const std::vector<float> x = RandomFloats(s.m * s.k, 1);
  const std::vector<float> w = RandomFloats(s.n * s.k, 2);
  const std::vector<float> bias = RandomFloats(s.n, 3);
  const float* b = with_bias ? bias.data() : nullptr;
  std::vector<double> expected(s.m * s.n), abs_sum(s.m * s.n);
  reference::MatMul(x.data(), w.data(), b, expected.data(), s.m, s.k, s.n,
                    abs_sum.data());
  std::vector<float> y(s.m * s.n, std::nanf(""));
  MatMul(x.data(), w.data(), b, y.data(), s.m, s.k, s.n, pool);
  ExpectNearReference(s, y, expected, abs_sum,
                      with_bias ? " bias=1" : " bias=0");
}

class MatMulTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(MatMulTest);

TEST_P(MatMulTest, MatchesReferenceOnCallerThread) {
  for (const Shape& s : Shapes()) {
    ExpectMatchesReference(s, /*with_bias=*/false, nullptr);
    ExpectMatchesReference(s, /*with_bias=*/true, nullptr);
  }
}

TEST_P(MatMulTest, MatchesReferenceWithPools) {
  for (size_t threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (const Shape& s : Shapes()) {
      ExpectMatchesReference(s, /*with_bias=*/true, &pool);
    }
  }
}

// Threads split rows and columns of y but never k, so the result must not
// change in a single bit with the number of threads.
TEST_P(MatMulTest, BitwiseIdenticalForAnyThreadCount) {
  ThreadPool pool1(1), pool2(2), pool4(4);
  for (const Shape& s : Shapes()) {
    const std::vector<float> x = RandomFloats(s.m * s.k, 4);
    const std::vector<float> w = RandomFloats(s.n * s.k, 5);
    const std::vector<float> bias = RandomFloats(s.n, 6);
    std::vector<float> expected(s.m * s.n);
    MatMul(x.data(), w.data(), bias.data(), expected.data(), s.m, s.k, s.n,
           nullptr);
    ExpectSameBitsOnPools(
        s, expected, {&pool1, &pool2, &pool4}, [&](float* y, ThreadPool* p) {
          MatMul(x.data(), w.data(), bias.data(), y, s.m, s.k, s.n, p);
        });
  }
}

// Infinities must reach the output through both the GEMV and the GEMM path
// (no masking or padding may swallow them), and degenerate sizes are legal.
TEST_P(MatMulTest, PropagatesInfinityAndZeroSizes) {
  const size_t k = 19, n = 5;
  std::vector<float> x(2 * k, 1.0f), w(n * k, 1.0f), y(2 * n);
  w[k + 3] = std::numeric_limits<float>::infinity();
  for (size_t m : {1, 2}) {
    MatMul(x.data(), w.data(), nullptr, y.data(), m, k, n, nullptr);
    for (size_t i = 0; i < m; ++i) {
      EXPECT_EQ(y[i * n + 0], 19.0f);
      EXPECT_TRUE(std::isinf(y[i * n + 1]));
    }
  }
  // Empty products write nothing (and must not crash).
  MatMul(x.data(), w.data(), nullptr, nullptr, 0, k, n, nullptr);
  MatMul(x.data(), w.data(), nullptr, nullptr, 2, k, 0, nullptr);
  std::vector<float> bias(n, 2.0f);
  MatMul(x.data(), w.data(), bias.data(), y.data(), 2, 0, n, nullptr);
  for (float v : y) EXPECT_EQ(v, 2.0f);
}

// bf16 weights and the same weights widened to f32 (exact), so that the f32
// reference and MatMul see exactly the values MatMulBf16 multiplies.
struct Bf16Weights {
  std::vector<uint16_t> bits;
  std::vector<float> widened;
};

Bf16Weights RandomBf16(size_t n, uint32_t seed) {
  Bf16Weights w;
  for (float f : RandomFloats(n, seed)) {
    w.bits.push_back(F32ToBf16(f));
    w.widened.push_back(Bf16ToF32(w.bits.back()));
  }
  return w;
}

// MatMulBf16's exact path, the one every CPU has: with the bf16 dot-product
// instructions off, prompts too widen each weight and multiply the f32 x.
class MatMulBf16Test : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    SetBf16DotProducts(false);
  }
  void TearDown() override {
    SetBf16DotProducts(true);
    KernelTest::TearDown();
  }
};
WISP_INSTANTIATE_PER_TARGET(MatMulBf16Test);

// Against the double reference on the widened weights, with MatMul's
// tolerance: widening is exact, so only f32 summation differs.
TEST_P(MatMulBf16Test, MatchesReferenceOnWidenedWeights) {
  ThreadPool pool(2);
  for (const Shape& s : Shapes()) {
    const std::vector<float> x = RandomFloats(s.m * s.k, 7);
    const Bf16Weights w = RandomBf16(s.n * s.k, 8);
    const std::vector<float> bias = RandomFloats(s.n, 9);
    std::vector<double> expected(s.m * s.n), abs_sum(s.m * s.n);
    reference::MatMul(x.data(), w.widened.data(), bias.data(), expected.data(),
                      s.m, s.k, s.n, abs_sum.data());
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::vector<float> y(s.m * s.n, std::nanf(""));
      MatMulBf16(x.data(), w.bits.data(), bias.data(), y.data(), s.m, s.k, s.n,
                 p);
      ExpectNearReference(s, y, expected, abs_sum, "");
    }
  }
}

// The GEMM widens w while packing and then runs MatMul's micro-kernel in
// MatMul's order, so for m > 1 it must equal MatMul on the widened weights
// bit for bit; and like MatMul it must not depend on the thread count.
TEST_P(MatMulBf16Test, GemmEqualsF32GemmAndIgnoresThreadCount) {
  ThreadPool pool2(2), pool3(3);
  for (const Shape& s : Shapes()) {
    const std::vector<float> x = RandomFloats(s.m * s.k, 10);
    const Bf16Weights w = RandomBf16(s.n * s.k, 11);
    std::vector<float> expected(s.m * s.n);
    MatMulBf16(x.data(), w.bits.data(), nullptr, expected.data(), s.m, s.k, s.n,
               nullptr);
    if (s.m > 1) {
      std::vector<float> f32(s.m * s.n);
      MatMul(x.data(), w.widened.data(), nullptr, f32.data(), s.m, s.k, s.n,
             nullptr);
      EXPECT_EQ(0, std::memcmp(f32.data(), expected.data(),
                               f32.size() * sizeof(float)))
          << "m=" << s.m << " k=" << s.k << " n=" << s.n;
    }
    ExpectSameBitsOnPools(
        s, expected, {&pool2, &pool3}, [&](float* y, ThreadPool* p) {
          MatMulBf16(x.data(), w.bits.data(), nullptr, y, s.m, s.k, s.n, p);
        });
  }
}

// A large GEMV (above the threading threshold, rows split over the pool)
// and an infinite weight reaching the output through the vector body and
// the scalar tail of the bf16 GEMV.
TEST_P(MatMulBf16Test, LargeGemvAndInfinities) {
  const size_t k = 1000, n = 700;
  const std::vector<float> x = RandomFloats(k, 12);
  Bf16Weights w = RandomBf16(n * k, 13);
  w.bits[3 * k + 5] = 0x7f80;      // +inf in the vector body of row 3
  w.bits[4 * k + k - 1] = 0xff80;  // -inf in the tail of row 4
  std::vector<float> y(n), expected(n);
  ThreadPool pool(2);
  MatMulBf16(x.data(), w.bits.data(), nullptr, y.data(), 1, k, n, &pool);
  MatMulBf16(x.data(), w.bits.data(), nullptr, expected.data(), 1, k, n,
             nullptr);
  EXPECT_EQ(0, std::memcmp(y.data(), expected.data(), n * sizeof(float)));
  EXPECT_TRUE(std::isinf(y[3]));
  EXPECT_EQ(y[3] > 0, x[5] > 0);
  EXPECT_TRUE(std::isinf(y[4]));
  EXPECT_EQ(y[4] > 0, x[k - 1] < 0);
  EXPECT_TRUE(std::isfinite(y[0]));
}

// ------------------------------------------- bf16 dot-product instructions

// The GEMM on vdpbf16ps (gemm_bf16_dot.h), not a Highway kernel: it runs
// once, where the CPU has the instruction. It rounds x to bf16, so the
// double reference multiplies the same rounded values; the products are
// then exact and only the f32 sums differ, within MatMul's tolerance.
class GemmBf16DotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!CpuHasBf16DotProduct()) GTEST_SKIP() << "no AVX512_BF16 here";
  }
};

std::vector<float> RoundedToBf16(std::vector<float> x) {
  for (float& v : x) v = Bf16ToF32(F32ToBf16(v));
  return x;
}

// Up to 12 rows (the dot-product tile): rows around its 4-row tile, columns
// around its 6-column tile, depths around the 32-value vector and the
// 1536-value block. From 13 rows (the broadcast form): panels of 32 and 16
// rows, 128-row blocks, 12-column tiles, and odd k (the last pair half
// empty) in the first and in a later depth block.
const std::vector<Shape>& Bf16DotShapes() {
  static const std::vector<Shape> shapes = {
      {2, 1, 1},      {2, 31, 7},      {3, 33, 13},    {5, 256, 6},
      {4, 257, 300},  {7, 1537, 11},   {129, 300, 70}, {130, 3072, 13},
      {300, 517, 65}, {64, 768, 200},  {16, 1, 5},     {17, 33, 12},
      {48, 1537, 25}, {100, 1000, 70}, {12, 300, 7},   {13, 300, 14},
  };
  return shapes;
}

TEST_F(GemmBf16DotTest, MatchesReferenceOnRoundedX) {
  ThreadPool pool(2);
  for (const Shape& s : Bf16DotShapes()) {
    const std::vector<float> x = RandomFloats(s.m * s.k, 20);
    const std::vector<float> rounded = RoundedToBf16(x);
    const Bf16Weights w = RandomBf16(s.n * s.k, 21);
    const std::vector<float> bias = RandomFloats(s.n, 22);
    for (const float* b : {bias.data(), static_cast<const float*>(nullptr)}) {
      std::vector<double> expected(s.m * s.n), abs_sum(s.m * s.n);
      reference::MatMul(rounded.data(), w.widened.data(), b, expected.data(),
                        s.m, s.k, s.n, abs_sum.data());
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
        std::vector<float> y(s.m * s.n, std::nanf(""));
        GemmBf16Dot(x.data(), w.bits.data(), b, y.data(), s.m, s.k, s.n, p);
        ExpectNearReference(s, y, expected, abs_sum,
                            b != nullptr ? " bias=1" : " bias=0");
      }
    }
  }
}

TEST_F(GemmBf16DotTest, IgnoresThreadCount) {
  ThreadPool pool2(2), pool3(3);
  for (const Shape& s : Bf16DotShapes()) {
    const std::vector<float> x = RandomFloats(s.m * s.k, 23);
    const Bf16Weights w = RandomBf16(s.n * s.k, 24);
    std::vector<float> expected(s.m * s.n);
    GemmBf16Dot(x.data(), w.bits.data(), nullptr, expected.data(), s.m, s.k,
                s.n, nullptr);
    ExpectSameBitsOnPools(
        s, expected, {&pool2, &pool3}, [&](float* y, ThreadPool* p) {
          GemmBf16Dot(x.data(), w.bits.data(), nullptr, y, s.m, s.k, s.n, p);
        });
  }
}

// x is rounded to nearest, ties to even, as F32ToBf16 (PyTorch's rule), not
// truncated. Times a weight of 1, y shows each rounded x exactly.
TEST_F(GemmBf16DotTest, RoundsXToNearestEven) {
  const float ulp = std::ldexp(1.0f, -7);           // of bf16 at 1
  const std::vector<float> x = {1 + ulp / 2,        // tie, 1 is even
                                1 + ulp + ulp / 2,  // tie, 1 + 2 ulp is even
                                1 + ulp / 2 + ulp / 4096,      // above the tie
                                -(1 + ulp / 2 - ulp / 4096)};  // below the tie
  const std::vector<float> want = {1, 1 + 2 * ulp, 1 + ulp, -1};
  const uint16_t one = F32ToBf16(1.0f);
  // 4 rows run the dot-product tile, 20 the broadcast form.
  for (size_t copies : {1, 5}) {
    std::vector<float> xs;
    for (size_t c = 0; c < copies; ++c) xs.insert(xs.end(), x.begin(), x.end());
    std::vector<float> y(xs.size());
    GemmBf16Dot(xs.data(), &one, nullptr, y.data(), xs.size(), 1, 1, nullptr);
    for (size_t i = 0; i < xs.size(); ++i) {
      EXPECT_EQ(y[i], want[i % want.size()]) << i;
    }
  }
}

// With an odd k the last pair of a row has one value: the next row's first
// weight (here infinite) must not enter as a product with x's zero padding
// (0 * inf = NaN), nor may the last row read past the end of w.
TEST_F(GemmBf16DotTest, OddDepthStaysInsideEachRow) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<uint16_t> w = {
      F32ToBf16(1),    F32ToBf16(2), F32ToBf16(3),   // row 0: finite
      F32ToBf16(inf),  F32ToBf16(1), F32ToBf16(1),   // row 1: +inf
      F32ToBf16(-inf), F32ToBf16(2), F32ToBf16(2)};  // row 2: -inf
  for (size_t m : {2, 16, 40}) {
    std::vector<float> x(m * 3);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 1.0f + (i % 3);
    std::vector<float> y(m * 3);
    GemmBf16Dot(x.data(), w.data(), nullptr, y.data(), m, 3, 3, nullptr);
    for (size_t r = 0; r < m; ++r) {
      EXPECT_EQ(y[r * 3 + 0], 14.0f) << "m=" << m << " row " << r;
      EXPECT_EQ(y[r * 3 + 1], inf) << "m=" << m << " row " << r;
      EXPECT_EQ(y[r * 3 + 2], -inf) << "m=" << m << " row " << r;
    }
  }
}

// The instructions' rule, as the header documents: denormal x, denormal
// weights and products below the normal range all count as zero.
TEST_F(GemmBf16DotTest, DenormalsCountAsZero) {
  const std::vector<float> x = {1e-39f, 1e-20f, 1.0f};
  const std::vector<uint16_t> w = {F32ToBf16(1.0f), F32ToBf16(1e-20f), 0x0040};
  // 3 rows run the dot-product tile, 18 the broadcast form.
  for (size_t copies : {1, 6}) {
    std::vector<float> xs;
    for (size_t c = 0; c < copies; ++c) xs.insert(xs.end(), x.begin(), x.end());
    std::vector<float> y(xs.size() * w.size());
    GemmBf16Dot(xs.data(), w.data(), nullptr, y.data(), xs.size(), 1, w.size(),
                nullptr);
    EXPECT_EQ(y[0 * 3 + 0], 0.0f);  // denormal x
    EXPECT_EQ(y[1 * 3 + 1], 0.0f);  // 1e-20 * 1e-20 = 1e-40
    EXPECT_EQ(y[2 * 3 + 2], 0.0f);  // denormal weight
    EXPECT_EQ(y[2 * 3 + 0], 1.0f);  // and a normal product is not lost
  }
}

TEST_F(GemmBf16DotTest, EmptyProductsWriteTheBias) {
  const std::vector<float> bias = {1, 2, 3};
  std::vector<float> y(6, std::nanf(""));
  GemmBf16Dot(nullptr, nullptr, bias.data(), y.data(), 2, 0, 3, nullptr);
  EXPECT_EQ(y, std::vector<float>({1, 2, 3, 1, 2, 3}));
  GemmBf16Dot(nullptr, nullptr, nullptr, nullptr, 0, 5, 3, nullptr);
  GemmBf16Dot(nullptr, nullptr, nullptr, nullptr, 2, 5, 0, nullptr);
}

TEST(Bf16DotSwitchTest, EnvironmentValueZeroAloneTurnsThemOff) {
  EXPECT_TRUE(Bf16DotProductsAllowedBy(nullptr));
  EXPECT_TRUE(Bf16DotProductsAllowedBy("1"));
  EXPECT_TRUE(Bf16DotProductsAllowedBy(""));
  EXPECT_FALSE(Bf16DotProductsAllowedBy("0"));
}

// WISP_BF16_DOT=0 in the environment before the setting is first used
// turns the instructions off for the process. Each statement runs in a
// fresh process: the "threadsafe" death-test style re-runs this binary for
// this test alone, so no earlier test has read the setting.
TEST_F(GemmBf16DotTest, EnvironmentSetsTheProcessDefault) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("WISP_BF16_DOT", "0", 1);
        std::exit(Bf16DotProductsActive() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        unsetenv("WISP_BF16_DOT");
        std::exit(Bf16DotProductsActive() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// MatMulBf16 takes this path for prompts deep enough (k >= 256), only
// while it is enabled and only for callers that allow it (a model loaded
// with exact bf16 products passes kExact); decoding (m == 1) always widens
// the weights.
TEST_F(GemmBf16DotTest, MatMulBf16UsesItForPromptsWhenEnabled) {
  ThreadPool pool(2);
  const auto run = [&](size_t m, size_t k, bool enabled, bool dot,
                       Bf16Products products =
                           Bf16Products::kDotProductsAllowed) {
    const size_t n = 20;
    const std::vector<float> x = RandomFloats(m * k, 25);
    const Bf16Weights w = RandomBf16(n * k, 26);
    std::vector<float> got(m * n), want(m * n);
    SetBf16DotProducts(enabled);
    EXPECT_EQ(Bf16DotProductsActive(), enabled);
    MatMulBf16(x.data(), w.bits.data(), nullptr, got.data(), m, k, n, &pool,
               products);
    SetBf16DotProducts(true);
    if (dot) {
      GemmBf16Dot(x.data(), w.bits.data(), nullptr, want.data(), m, k, n,
                  &pool);
    } else {
      SetBf16DotProducts(false);
      MatMulBf16(x.data(), w.bits.data(), nullptr, want.data(), m, k, n, &pool);
      SetBf16DotProducts(true);
    }
    return std::memcmp(got.data(), want.data(), got.size() * sizeof(float));
  };
  EXPECT_EQ(0, run(8, 256, true, true));
  EXPECT_EQ(0, run(1, 256, true, false));
  EXPECT_EQ(0, run(8, 255, true, false));
  EXPECT_EQ(0, run(8, 256, false, false));
  EXPECT_EQ(0, run(8, 256, true, false, Bf16Products::kExact));
  EXPECT_EQ(0, run(8, 256, false, false, Bf16Products::kExact));
  // The two paths really differ here, so the checks above can fail.
  EXPECT_NE(0, run(8, 256, false, true));
}

// MatMulShared: several products of one x, each checked bit for bit
// against its own MatMul (even i: f32 w) or MatMulBf16 (odd i: bf16 w, by
// `rule`) on the caller's thread. Six products (more than one batch of
// kMaxSharedProducts), one without columns, some without bias; together
// they pass the threading thresholds where some alone do not, so on
// pools the column split differs from the one of a call of their own. The
// row counts and depths take every path: GEMV, dot-product GEMM, broadcast
// GEMM (AVX-512) with two row blocks, packed GEMM, k = 0.
void ExpectSharedProductsEqualOwnCalls(Bf16Products rule) {
  const size_t widths[] = {150, 13, 0, 97, 60, 31};
  constexpr size_t kCount = std::size(widths);
  ThreadPool pool2(2), pool3(3);
  const std::vector<Shape> shapes = {{1, 4000, 0}, {5, 300, 0}, {40, 300, 0},
                                     {40, 64, 0},  {3, 0, 0},   {130, 769, 0}};
  for (const Shape& s : shapes) {
    const std::vector<float> x = RandomFloats(s.m * s.k, 30);
    std::vector<std::vector<float>> w32(kCount), bias(kCount), want(kCount);
    std::vector<Bf16Weights> w16(kCount);
    SharedProduct products[kCount];
    for (size_t i = 0; i < kCount; ++i) {
      const size_t n = widths[i];
      bias[i] = RandomFloats(n, uint32_t(40 + i));
      const float* b = i % 3 == 1 ? nullptr : bias[i].data();
      want[i].resize(s.m * n);
      if (i % 2 == 0) {
        w32[i] = RandomFloats(n * s.k, uint32_t(50 + i));
        MatMul(x.data(), w32[i].data(), b, want[i].data(), s.m, s.k, n,
               nullptr);
        products[i].w = w32[i].data();
      } else {
        w16[i] = RandomBf16(n * s.k, uint32_t(60 + i));
        MatMulBf16(x.data(), w16[i].bits.data(), b, want[i].data(), s.m, s.k, n,
                   nullptr, rule);
        products[i].w_bf16 = w16[i].bits.data();
      }
      products[i].bias = b;
      products[i].n = n;
    }
    for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &pool2,
                             static_cast<ThreadPool*>(&pool3)}) {
      std::vector<std::vector<float>> got(kCount);
      for (size_t i = 0; i < kCount; ++i) {
        got[i].assign(s.m * widths[i], std::nanf(""));
        products[i].y = got[i].data();
      }
      MatMulShared(x.data(), s.m, s.k, products, kCount, pool, rule);
      for (size_t i = 0; i < kCount; ++i) {
        EXPECT_EQ(0, std::memcmp(got[i].data(), want[i].data(),
                                 got[i].size() * sizeof(float)))
            << "m=" << s.m << " k=" << s.k << " product " << i
            << " threads=" << (pool ? pool->num_threads() : 1);
      }
    }
  }
}

TEST_P(MatMulTest, SharedProductsEqualTheirOwnCalls) {
  ExpectSharedProductsEqualOwnCalls(Bf16Products::kExact);
}

TEST_F(GemmBf16DotTest, SharedProductsEqualTheirOwnCalls) {
  ExpectSharedProductsEqualOwnCalls(Bf16Products::kDotProductsAllowed);
}

}  // namespace
}  // namespace wisp::kernels
