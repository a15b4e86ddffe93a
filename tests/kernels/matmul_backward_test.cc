// MatMulBackwardInput and MatMulBackwardWeight against double-precision
// sums on every compiled target: awkward sizes around tile, panel and depth
// block edges, products large enough to be split over pools, overwrite and
// accumulate; plus bitwise determinism across thread counts.
#include "src/kernels/matmul_backward.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "src/core/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::RandomFloats;

// dy [m, n], w [n, k], x [m, k] of a linear layer y = x w^T.
struct Shape {
  size_t m, n, k;
};

// Sums of 1..1000 terms over one depth block or several (the kernels take
// sums of up to 512 terms as one block), partial row tiles and column panels,
// and products above the threading threshold (2^21 multiply-adds) with few
// rows, few columns, or both many; input gradients of two and of three
// column blocks (384 wide), split one task per block or in chunks of rows,
// over several depth blocks or one of 400 (a 768 KiB B block); weight
// gradients too narrow for a task per thread until split in columns or rows
// (stories260K's 32 x 64 and 172 x 64 over 2048 rows, and a 64 x 32 whose
// one column panel leaves only rows to split).
const std::vector<Shape>& Shapes() {
  static const std::vector<Shape> shapes = {
      {1, 1, 1},      {2, 3, 1},       {3, 17, 5},      {13, 33, 65},
      {12, 1, 32},    {25, 64, 31},    {100, 300, 70},  {130, 600, 64},
      {300, 517, 65}, {700, 40, 300},  {64, 1000, 257}, {257, 130, 129},
      {12, 2, 1000},  {1000, 3, 17},   {513, 100, 97},  {40, 700, 96},
      {256, 40, 768}, {300, 60, 800},  {40, 700, 400},  {50, 400, 800},
      {2048, 32, 64}, {2048, 172, 64}, {2048, 64, 32},
  };
  return shapes;
}

// A float sum of `terms` products plus the initial value is within about
// sqrt(terms) roundoffs of sum |terms| in practice (independent errors);
// 1e-6 * sqrt(terms) is 16 such roundoffs, far below the O(1) relative error
// of a wrong index.
double Tolerance(double abs_sum, size_t terms) {
  return 1e-6 * std::sqrt(static_cast<double>(terms) + 1) * abs_sum +
         std::numeric_limits<float>::min();
}

void ExpectClose(const std::vector<float>& got, const std::vector<double>& want,
                 const std::vector<double>& abs_sum, size_t terms,
                 const char* what, const Shape& s) {
  size_t failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    if (!(std::fabs(got[i] - want[i]) <= Tolerance(abs_sum[i], terms))) {
      ++failures;
      ADD_FAILURE() << what << " m=" << s.m << " n=" << s.n << " k=" << s.k
                    << " element " << i << ": got " << got[i] << " want "
                    << want[i];
    }
  }
}

// init + sum_p a[p * a_stride] b[p * b_stride] over p < count in double
// (`sum`), and the sum of the magnitudes of init and the terms (`abs`).
struct DoubleSum {
  double sum, abs;
};
DoubleSum StridedDot(double init, const float* a, size_t a_stride,
                     const float* b, size_t b_stride, size_t count) {
  DoubleSum result{init, std::fabs(init)};
  for (size_t p = 0; p < count; ++p) {
    const double term = double{a[p * a_stride]} * b[p * b_stride];
    result.sum += term;
    result.abs += std::fabs(term);
  }
  return result;
}

// dx[i, j] = init + sum_p dy[i, p] w[p, j] in double.
void ExpectInputGradient(const Shape& s, bool accumulate, ThreadPool* pool) {
  const std::vector<float> dy = RandomFloats(s.m * s.n, 1);
  const std::vector<float> w = RandomFloats(s.n * s.k, 2);
  std::vector<float> dx = RandomFloats(s.m * s.k, 3);
  std::vector<double> want(s.m * s.k), abs_sum(s.m * s.k);
  for (size_t i = 0; i < s.m; ++i) {
    for (size_t j = 0; j < s.k; ++j) {
      const double init = accumulate ? dx[i * s.k + j] : 0.0;
      const DoubleSum d =
          StridedDot(init, dy.data() + i * s.n, 1, w.data() + j, s.k, s.n);
      want[i * s.k + j] = d.sum;
      abs_sum[i * s.k + j] = d.abs;
    }
  }
  MatMulBackwardInput(dy.data(), w.data(), dx.data(), s.m, s.n, s.k, accumulate,
                      pool);
  ExpectClose(dx, want, abs_sum, s.n, accumulate ? "dx +=" : "dx =", s);
}

// dw[j, c] = init + sum_r dy[r, j] x[r, c] in double.
void ExpectWeightGradient(const Shape& s, ThreadPool* pool) {
  const std::vector<float> dy = RandomFloats(s.m * s.n, 4);
  const std::vector<float> x = RandomFloats(s.m * s.k, 5);
  std::vector<float> dw = RandomFloats(s.n * s.k, 6);
  std::vector<double> want(s.n * s.k), abs_sum(s.n * s.k);
  for (size_t j = 0; j < s.n; ++j) {
    for (size_t c = 0; c < s.k; ++c) {
      const DoubleSum d = StridedDot(dw[j * s.k + c], dy.data() + j, s.n,
                                     x.data() + c, s.k, s.m);
      want[j * s.k + c] = d.sum;
      abs_sum[j * s.k + c] = d.abs;
    }
  }
  MatMulBackwardWeight(dy.data(), x.data(), dw.data(), s.m, s.n, s.k, pool);
  ExpectClose(dw, want, abs_sum, s.m, "dw +=", s);
}

class MatMulBackwardTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(MatMulBackwardTest);

TEST_P(MatMulBackwardTest, InputGradientMatchesReference) {
  ThreadPool pool2(2), pool3(3);
  for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &pool2, &pool3}) {
    for (const Shape& s : Shapes()) {
      ExpectInputGradient(s, /*accumulate=*/false, pool);
      ExpectInputGradient(s, /*accumulate=*/true, pool);
    }
  }
}

TEST_P(MatMulBackwardTest, WeightGradientAccumulatesAndMatchesReference) {
  ThreadPool pool2(2), pool3(3);
  for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &pool2, &pool3}) {
    for (const Shape& s : Shapes()) ExpectWeightGradient(s, pool);
  }
}

// Threads split rows and columns of the result, never the summed dimension:
// not a single bit may change with the number of threads.
TEST_P(MatMulBackwardTest, BitwiseIdenticalForAnyThreadCount) {
  ThreadPool pool1(1), pool2(2), pool4(4);
  for (const Shape& s : Shapes()) {
    const std::vector<float> dy = RandomFloats(s.m * s.n, 7);
    const std::vector<float> w = RandomFloats(s.n * s.k, 8);
    const std::vector<float> x = RandomFloats(s.m * s.k, 9);
    const std::vector<float> init = RandomFloats(s.n * s.k, 10);
    std::vector<float> want_dx(s.m * s.k), want_dw = init;
    MatMulBackwardInput(dy.data(), w.data(), want_dx.data(), s.m, s.n, s.k,
                        false, nullptr);
    MatMulBackwardWeight(dy.data(), x.data(), want_dw.data(), s.m, s.n, s.k,
                         nullptr);
    for (ThreadPool* pool : {&pool1, &pool2, &pool4}) {
      std::vector<float> dx(s.m * s.k), dw = init;
      MatMulBackwardInput(dy.data(), w.data(), dx.data(), s.m, s.n, s.k, false,
                          pool);
      MatMulBackwardWeight(dy.data(), x.data(), dw.data(), s.m, s.n, s.k, pool);
      EXPECT_EQ(
          0, std::memcmp(dx.data(), want_dx.data(), dx.size() * sizeof(float)))
          << "dx m=" << s.m << " n=" << s.n << " k=" << s.k
          << " threads=" << pool->num_threads();
      EXPECT_EQ(
          0, std::memcmp(dw.data(), want_dw.data(), dw.size() * sizeof(float)))
          << "dw m=" << s.m << " n=" << s.n << " k=" << s.k
          << " threads=" << pool->num_threads();
    }
  }
}

// Empty sums: no rows leave dw as it was; no output columns of dy make dx
// zero (or leave it, when accumulating). Infinities reach the result.
TEST_P(MatMulBackwardTest, EmptySumsAndInfinity) {
  const size_t m = 3, k = 5;
  std::vector<float> dw(4 * k, 1.5f), dx(m * k, 2.0f);
  MatMulBackwardWeight(nullptr, nullptr, dw.data(), 0, 4, k, nullptr);
  for (float v : dw) EXPECT_EQ(v, 1.5f);
  MatMulBackwardInput(nullptr, nullptr, dx.data(), m, 0, k, true, nullptr);
  for (float v : dx) EXPECT_EQ(v, 2.0f);
  MatMulBackwardInput(nullptr, nullptr, dx.data(), m, 0, k, false, nullptr);
  for (float v : dx) EXPECT_EQ(v, 0.0f);

  const size_t n = 7;
  std::vector<float> dy(m * n, 1.0f), w(n * k, 1.0f), x(m * k, 1.0f);
  w[2 * k + 1] = std::numeric_limits<float>::infinity();
  MatMulBackwardInput(dy.data(), w.data(), dx.data(), m, n, k, false, nullptr);
  for (size_t i = 0; i < m; ++i) {
    EXPECT_EQ(dx[i * k], 7.0f);
    EXPECT_TRUE(std::isinf(dx[i * k + 1]));
  }
  x[k + 4] = -std::numeric_limits<float>::infinity();
  std::vector<float> dw2(n * k, 0.0f);
  MatMulBackwardWeight(dy.data(), x.data(), dw2.data(), m, n, k, nullptr);
  for (size_t j = 0; j < n; ++j) {
    EXPECT_EQ(dw2[j * k], 3.0f);
    EXPECT_TRUE(std::isinf(dw2[j * k + 4]));
  }
}

}  // namespace
}  // namespace wisp::kernels
