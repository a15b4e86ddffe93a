// MatMul: y = x w^T (+ bias). m == 1 (decoding) is a matrix-vector product
// bound by reading w, done as several row dot products at once; m > 1
// (prefill, training) is a packed, cache-blocked, register-tiled GEMM.
//
// Determinism: every output element is reduced over k in the same order no
// matter how the work is split, because threads only ever divide rows and
// columns of y, never k. Results are therefore bitwise identical for any
// thread count.
#include <stddef.h>

#include "src/kernels/ops.h"
#include "src/kernels/scratch.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/matmul.cc"
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

// Below these many multiply-adds a call runs on the caller's thread. A
// fork-join of the pool costs ~3 us on an idle machine (the GEMM does two:
// packing, then the product) and far more when the cores are shared with
// other work, so splitting only pays for products of tens of microseconds.
// The default small model's matrices (64 x 172 and smaller) stay serial.
constexpr size_t kGemvParallelMinWork = size_t{1} << 18;
constexpr size_t kGemmParallelMinWork = size_t{1} << 21;

// GEMM blocking. A k block of 256 keeps one packed x panel (kTileRows x 256
// floats, 12 KiB with AVX-512) in L1 while the packed w block (256 columns x
// 256, 256 KiB) streams from L2.
constexpr size_t kDepthBlock = 256;
constexpr size_t kColumnBlock = 256;

static inline size_t DivCeil(size_t a, size_t b) { return (a + b - 1) / b; }
static inline size_t Min(size_t a, size_t b) { return a < b ? a : b; }

// ---------------------------------------------------------------- GEMV

// Adds up the lanes of four vectors at once: out[r] = sum of the lanes of
// s_r. Interleaving pairs of rows and then pairs of pairs leaves each 128-bit
// block holding (s0, s1, s2, s3) partial sums, so the blocks just add up;
// cheaper than four separate horizontal sums. Row r's result depends only on
// s_r, whatever the other three hold.
HWY_INLINE void SumLanes4(hn::VFromD<DF> s0, hn::VFromD<DF> s1,
                          hn::VFromD<DF> s2, hn::VFromD<DF> s3, float* out) {
#if HWY_TARGET == HWY_SCALAR
  out[0] = hn::GetLane(s0);
  out[1] = hn::GetLane(s1);
  out[2] = hn::GetLane(s2);
  out[3] = hn::GetLane(s3);
#else
  const DF d;
  const hn::Repartition<uint64_t, DF> du64;
  const auto t01 =
      hn::Add(hn::InterleaveLower(d, s0, s1), hn::InterleaveUpper(d, s0, s1));
  const auto t23 =
      hn::Add(hn::InterleaveLower(d, s2, s3), hn::InterleaveUpper(d, s2, s3));
  const auto lo =
      hn::InterleaveLower(du64, hn::BitCast(du64, t01), hn::BitCast(du64, t23));
  const auto hi =
      hn::InterleaveUpper(du64, hn::BitCast(du64, t01), hn::BitCast(du64, t23));
  HWY_ALIGN float blocks[hn::MaxLanes(d)];
  hn::Store(hn::Add(hn::BitCast(d, lo), hn::BitCast(d, hi)), d, blocks);
  const hn::Full128<float> d4;
  auto sum = hn::Load(d4, blocks);
  for (size_t b = 4; b < hn::Lanes(d); b += 4) {
    sum = hn::Add(sum, hn::Load(d4, blocks + b));
  }
  hn::StoreU(sum, d4, out);
#endif
}

// y[r] = dot(x, w + r * k) (+ bias[r]) for r < rows (1 to 4), two
// accumulators per row. A group of fewer than 4 rows repeats its last row in
// the empty slots, so every row runs the same instructions: its bits do not
// depend on which group it fell into (that is, on the thread split).
HWY_INLINE void GemvRows(const float* HWY_RESTRICT x,
                         const float* HWY_RESTRICT w, size_t k, size_t rows,
                         const float* HWY_RESTRICT bias,
                         float* HWY_RESTRICT y) {
  const DF d;
  using V = hn::VFromD<DF>;
  const size_t N = hn::Lanes(d);
  const float* HWY_RESTRICT w0 = w;
  const float* HWY_RESTRICT w1 = w + k * Min(1, rows - 1);
  const float* HWY_RESTRICT w2 = w + k * Min(2, rows - 1);
  const float* HWY_RESTRICT w3 = w + k * Min(3, rows - 1);
  V a00 = hn::Zero(d), a01 = hn::Zero(d), a10 = hn::Zero(d), a11 = hn::Zero(d),
    a20 = hn::Zero(d), a21 = hn::Zero(d), a30 = hn::Zero(d), a31 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= k; i += 2 * N) {
    const V x0 = hn::LoadU(d, x + i);
    const V x1 = hn::LoadU(d, x + i + N);
    a00 = hn::MulAdd(x0, hn::LoadU(d, w0 + i), a00);
    a01 = hn::MulAdd(x1, hn::LoadU(d, w0 + i + N), a01);
    a10 = hn::MulAdd(x0, hn::LoadU(d, w1 + i), a10);
    a11 = hn::MulAdd(x1, hn::LoadU(d, w1 + i + N), a11);
    a20 = hn::MulAdd(x0, hn::LoadU(d, w2 + i), a20);
    a21 = hn::MulAdd(x1, hn::LoadU(d, w2 + i + N), a21);
    a30 = hn::MulAdd(x0, hn::LoadU(d, w3 + i), a30);
    a31 = hn::MulAdd(x1, hn::LoadU(d, w3 + i + N), a31);
  }
  if (i + N <= k) {
    const V x0 = hn::LoadU(d, x + i);
    a00 = hn::MulAdd(x0, hn::LoadU(d, w0 + i), a00);
    a10 = hn::MulAdd(x0, hn::LoadU(d, w1 + i), a10);
    a20 = hn::MulAdd(x0, hn::LoadU(d, w2 + i), a20);
    a30 = hn::MulAdd(x0, hn::LoadU(d, w3 + i), a30);
    i += N;
  }
  if (i < k) {
    const size_t count = k - i;
    const V x1 = LoadTail(d, x + i, count);
    a01 = hn::MulAdd(x1, LoadTail(d, w0 + i, count), a01);
    a11 = hn::MulAdd(x1, LoadTail(d, w1 + i, count), a11);
    a21 = hn::MulAdd(x1, LoadTail(d, w2 + i, count), a21);
    a31 = hn::MulAdd(x1, LoadTail(d, w3 + i, count), a31);
  }
  float sums[4];
  SumLanes4(hn::Add(a00, a01), hn::Add(a10, a11), hn::Add(a20, a21),
            hn::Add(a30, a31), sums);
  for (size_t r = 0; r < rows; ++r) {
    y[r] = bias != nullptr ? sums[r] + bias[r] : sums[r];
  }
}

void Gemv(const float* x, const float* w, const float* bias, float* y, size_t k,
          size_t n, ThreadPool* pool) {
  const auto rows = [&](size_t begin, size_t end, size_t /*thread*/) {
    for (size_t j = begin; j < end; j += 4) {
      GemvRows(x, w + j * k, k, Min(4, end - j), bias ? bias + j : nullptr,
               y + j);
    }
  };
  if (pool == nullptr || pool->num_threads() == 1 ||
      n * k < kGemvParallelMinWork) {
    rows(0, n, 0);
    return;
  }
  // Chunks of whole 4-row groups, each worth at least a minimum of work.
  const size_t min_rows =
      (DivCeil(kGemvParallelMinWork / 4, k) + 3) & ~size_t{3};
  pool->ParallelFor(n, min_rows, rows);
}

// ---------------------------------------------------------------- GEMM

// Computes y rows of x panels [panel_begin, panel_end) and columns of w panels
// [col_panel_begin, col_panel_end) from the shared packed x.
void GemmBlock(const float* packed_x, const float* w, const float* bias,
               float* y, size_t m, size_t k, size_t n, size_t panel_begin,
               size_t panel_end, size_t col_panel_begin, size_t col_panel_end) {
  const DF d;
  const size_t nr = 2 * hn::Lanes(d);
  const size_t panels_per_block = kColumnBlock > nr ? kColumnBlock / nr : 1;
  float* packed_w =
      ThreadScratch(ScratchSlot::kPackedW, panels_per_block * nr * kDepthBlock);
  for (size_t jb = col_panel_begin; jb < col_panel_end;
       jb += panels_per_block) {
    const size_t jb_end = Min(jb + panels_per_block, col_panel_end);
    for (size_t p0 = 0; p0 < k; p0 += kDepthBlock) {
      const size_t depth = Min(kDepthBlock, k - p0);
      for (size_t jp = jb; jp < jb_end; ++jp) {
        PackWPanel(w, k, jp * nr, Min(nr, n - jp * nr), p0, depth, nr,
                   packed_w + (jp - jb) * depth * nr);
      }
      for (size_t ip = panel_begin; ip < panel_end; ++ip) {
        const size_t row0 = ip * kTileRows;
        const size_t rows = Min(kTileRows, m - row0);
        const float* x_panel = packed_x + ip * k * kTileRows + p0 * kTileRows;
        for (size_t jp = jb; jp < jb_end; ++jp) {
          const size_t col0 = jp * nr;
          MicroKernelRows(d, rows, x_panel, packed_w + (jp - jb) * depth * nr,
                          depth, bias ? bias + col0 : nullptr, p0 > 0,
                          Min(nr, n - col0), y + row0 * n + col0, n);
        }
      }
    }
  }
}

void Gemm(const float* x, const float* w, const float* bias, float* y, size_t m,
          size_t k, size_t n, ThreadPool* pool) {
  const DF d;
  const size_t nr = 2 * hn::Lanes(d);
  const size_t row_panels = DivCeil(m, kTileRows);
  const size_t col_panels = DivCeil(n, nr);
  float* packed_x =
      ThreadScratch(ScratchSlot::kPackedX, row_panels * k * kTileRows);
  const auto pack_x = [&](size_t begin, size_t end, size_t /*thread*/) {
    for (size_t ip = begin; ip < end; ++ip) {
      PackXPanel(x, k, ip * kTileRows, Min(kTileRows, m - ip * kTileRows),
                 packed_x + ip * k * kTileRows);
    }
  };

  size_t threads = pool == nullptr ? 1 : pool->num_threads();
  if (m * n * k < kGemmParallelMinWork) threads = 1;
  if (threads == 1) {
    pack_x(0, row_panels, 0);
    GemmBlock(packed_x, w, bias, y, m, k, n, 0, row_panels, 0, col_panels);
    return;
  }
  pool->ParallelFor(row_panels, 1, pack_x);
  // Split columns first (each thread then packs only its own w), and rows
  // too when there are fewer column panels than threads.
  const size_t col_chunks = Min(threads, col_panels);
  size_t row_chunks = Min(row_panels, threads / col_chunks);
  if (row_chunks == 0) row_chunks = 1;
  pool->Run(col_chunks * row_chunks, [&](size_t task, size_t /*thread*/) {
    const size_t rc = task / col_chunks, cc = task % col_chunks;
    GemmBlock(packed_x, w, bias, y, m, k, n, rc * row_panels / row_chunks,
              (rc + 1) * row_panels / row_chunks, cc * col_panels / col_chunks,
              (cc + 1) * col_panels / col_chunks);
  });
}

void MatMulImpl(const float* x, const float* w, const float* bias, float* y,
                size_t m, size_t k, size_t n, ThreadPool* pool) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // An empty sum: the blocked GEMM would never write y.
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < n; ++j) y[i * n + j] = bias ? bias[j] : 0.0f;
    }
    return;
  }
  if (m == 1) {
    Gemv(x, w, bias, y, k, n, pool);
  } else {
    Gemm(x, w, bias, y, m, k, n, pool);
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(MatMulImpl);

void MatMul(const float* x, const float* w, const float* bias, float* y,
            size_t m, size_t k, size_t n, ThreadPool* pool) {
  HWY_DYNAMIC_DISPATCH(MatMulImpl)(x, w, bias, y, m, k, n, pool);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
