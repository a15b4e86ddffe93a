// The GEMM for short prompts (2 to kDotMaxRows rows of x), per
// Highway target: y = x w^T in dot-product form. Included from matmul.cc
// once per target; longer prompts run the broadcast-w GEMM
// (gemm_broadcast_w-inl.h), which also borrows this file's w tile copy.
//
// The packed GEMM (gemm_tile-inl.h) transposes every block of w into panels
// before using it, which few rows of x cannot repay. Here a register tile
// holds kDotRows x kDotCols dot products instead: each step loads one
// vector from each of its rows of x and of w, both contiguous along k, and
// does one FMA per pair; the lanes are added up once per depth block. The
// only copy is of the tile's rows of w, next to each other (and widened
// from bf16), which costs one pass over w.
#if defined(WISP_KERNELS_GEMM_DOT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_GEMM_DOT_INL_H_
#undef WISP_KERNELS_GEMM_DOT_INL_H_
#else
#define WISP_KERNELS_GEMM_DOT_INL_H_
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hwy/highway.h"
#include "src/kernels/gemm_tile-inl.h"
#include "src/kernels/gemv-inl.h"
#include "src/kernels/scratch.h"
#include "src/kernels/vector_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A tile is 4 rows of x by 6 rows of w: 24 accumulators, 10 loads per 24
// FMAs. The tile's w rows (18 KiB at a depth of 768) stay in L1 while the
// rows of x stream past them from L2.
constexpr size_t kDotRows = 4;
constexpr size_t kDotCols = 6;
// Depth per block: the lanes are summed once per block.
constexpr size_t kDotDepthBlock = 768;
// Products with 2 to kDotMaxRows rows run here; from one more row on, the
// broadcast-w GEMM (gemm_broadcast_w-inl.h), whose vectors of 16 rows are
// then no longer mostly padding, is faster. Zen 4, weights from memory, 1
// and 2 threads: 13, 14 and 15 rows ran 1.12-1.26x faster there; 12 rows
// 5 % slower (768 x 768) to 3 % faster (768 x 50257), 10 rows slower, 8
// rows 1.2x slower. The tile needs 30 vector
// registers: targets with 16 (AVX2, SSE4) would spill accumulators, so they
// always run the packed GEMM. So do the other architectures (AArch64 has
// the registers) until the switch has been measured there.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kDotMaxRows = 12;
#else
constexpr size_t kDotMaxRows = 0;
#endif
// ... and at least this deep. Shallower products (small models, whose
// weights sit in cache anyway) spend too few steps per lane sum: 64 x 64 x
// 172 and 64 x 64 x 512 ran 1.4x and 1.7x faster packed on 1 thread.
constexpr size_t kDotMinDepth = 256;

// y[r, c] = (or +=) dot(x row r, w row c) over `depth` values for r < rows,
// c < cols (at most kDotRows and kDotCols). Missing rows of either operand
// repeat the last one, so every element runs the same instructions: its
// bits do not depend on where the tile ended.
template <class DF>
HWY_INLINE void DotTile(DF d, const float* HWY_RESTRICT x, size_t ldx,
                        size_t rows, const float* HWY_RESTRICT w, size_t ldw,
                        size_t cols, size_t depth,
                        const float* HWY_RESTRICT bias, bool accumulate,
                        float* HWY_RESTRICT y, size_t ldy) {
  using V = hn::VFromD<DF>;
  const size_t N = hn::Lanes(d);
  const float* xr[kDotRows];
  const float* wr[kDotCols];
  GroupRows(x, ldx, rows, /*step=*/1, xr);
  GroupRows(w, ldw, cols, /*step=*/1, wr);
  const float* HWY_RESTRICT x0 = xr[0];
  const float* HWY_RESTRICT x1 = xr[1];
  const float* HWY_RESTRICT x2 = xr[2];
  const float* HWY_RESTRICT x3 = xr[3];
  const float* HWY_RESTRICT w0 = wr[0];
  const float* HWY_RESTRICT w1 = wr[1];
  const float* HWY_RESTRICT w2 = wr[2];
  const float* HWY_RESTRICT w3 = wr[3];
  const float* HWY_RESTRICT w4 = wr[4];
  const float* HWY_RESTRICT w5 = wr[5];
  V a00 = hn::Zero(d), a01 = hn::Zero(d), a02 = hn::Zero(d), a03 = hn::Zero(d),
    a04 = hn::Zero(d), a05 = hn::Zero(d);
  V a10 = hn::Zero(d), a11 = hn::Zero(d), a12 = hn::Zero(d), a13 = hn::Zero(d),
    a14 = hn::Zero(d), a15 = hn::Zero(d);
  V a20 = hn::Zero(d), a21 = hn::Zero(d), a22 = hn::Zero(d), a23 = hn::Zero(d),
    a24 = hn::Zero(d), a25 = hn::Zero(d);
  V a30 = hn::Zero(d), a31 = hn::Zero(d), a32 = hn::Zero(d), a33 = hn::Zero(d),
    a34 = hn::Zero(d), a35 = hn::Zero(d);
  // One step over lanes [p, p + N); LOAD(q) loads the vector at q. The
  // tail step loads partial vectors (zero beyond depth) through the same
  // code.
#define WISP_DOT_ROW(r, LOAD)              \
  {                                        \
    const V xv = LOAD(x##r + p);           \
    a##r##0 = hn::MulAdd(xv, b0, a##r##0); \
    a##r##1 = hn::MulAdd(xv, b1, a##r##1); \
    a##r##2 = hn::MulAdd(xv, b2, a##r##2); \
    a##r##3 = hn::MulAdd(xv, b3, a##r##3); \
    a##r##4 = hn::MulAdd(xv, b4, a##r##4); \
    a##r##5 = hn::MulAdd(xv, b5, a##r##5); \
  }
#define WISP_DOT_STEP(LOAD)                                          \
  {                                                                  \
    const V b0 = LOAD(w0 + p), b1 = LOAD(w1 + p), b2 = LOAD(w2 + p); \
    const V b3 = LOAD(w3 + p), b4 = LOAD(w4 + p), b5 = LOAD(w5 + p); \
    WISP_DOT_ROW(0, LOAD)                                            \
    WISP_DOT_ROW(1, LOAD)                                            \
    WISP_DOT_ROW(2, LOAD)                                            \
    WISP_DOT_ROW(3, LOAD)                                            \
  }
#define WISP_DOT_LOAD_FULL(q) hn::LoadU(d, q)
#define WISP_DOT_LOAD_TAIL(q) LoadTail(d, q, depth - p)
  size_t p = 0;
  for (; p + N <= depth; p += N) WISP_DOT_STEP(WISP_DOT_LOAD_FULL)
  if (p < depth) WISP_DOT_STEP(WISP_DOT_LOAD_TAIL)
#undef WISP_DOT_LOAD_TAIL
#undef WISP_DOT_LOAD_FULL
#undef WISP_DOT_STEP
#undef WISP_DOT_ROW
  // Column c's four row sums at once.
  float sums[kDotCols][kDotRows];
  SumLanes4(d, a00, a10, a20, a30, sums[0]);
  SumLanes4(d, a01, a11, a21, a31, sums[1]);
  SumLanes4(d, a02, a12, a22, a32, sums[2]);
  SumLanes4(d, a03, a13, a23, a33, sums[3]);
  SumLanes4(d, a04, a14, a24, a34, sums[4]);
  SumLanes4(d, a05, a15, a25, a35, sums[5]);
  for (size_t r = 0; r < rows; ++r) {
    float* HWY_RESTRICT y_row = y + r * ldy;
    for (size_t c = 0; c < cols; ++c) {
      const float addend =
          accumulate ? y_row[c] : (bias != nullptr ? bias[c] : 0.0f);
      y_row[c] = sums[c][r] + addend;
    }
  }
}

// Copies rows [0, cols) of w (row stride k), values [0, depth), next to
// each other into tile (row stride depth), widening bf16 weights exactly.
// With `prefetch`, calls its Next() before each row.
template <class DF>
HWY_INLINE void CopyWTile(DF /*d*/, const float* HWY_RESTRICT w, size_t k,
                          size_t cols, size_t depth, float* HWY_RESTRICT tile,
                          BlockPrefetcher<float>* prefetch = nullptr) {
  for (size_t c = 0; c < cols; ++c) {
    if (prefetch != nullptr) prefetch->Next();
    memcpy(tile + c * depth, w + c * k, depth * sizeof(float));
  }
}
template <class DF>
HWY_INLINE void CopyWTile(DF d, const uint16_t* HWY_RESTRICT w, size_t k,
                          size_t cols, size_t depth, float* HWY_RESTRICT tile,
                          BlockPrefetcher<uint16_t>* prefetch = nullptr) {
  for (size_t c = 0; c < cols; ++c) {
    if (prefetch != nullptr) prefetch->Next();
    WidenBf16(d, w + c * k, depth, tile + c * depth);
  }
}

// Columns [col_begin, col_end) of y = x w^T (+ bias) for m <= kDotMaxRows.
// The depth blocks do not depend on the column range, so every element is
// summed in the same order however the columns are split.
template <class DF, class W>
HWY_INLINE void GemmDotColumns(DF d, const float* HWY_RESTRICT x,
                               const W* HWY_RESTRICT w,
                               const float* HWY_RESTRICT bias,
                               float* HWY_RESTRICT y, size_t m, size_t k,
                               size_t n, size_t col_begin, size_t col_end) {
  // With k a multiple of 1024 (GPT-2's 3072) the rows of w, 4 KiB-aligned
  // apart, all fall into the same L1 sets as each other and as x, and were
  // evicted between uses (1.2x slower): the tile's copy keeps them apart.
  float* w_tile =
      ThreadScratch(ScratchSlot::kPackedW, kDotCols * Min(kDotDepthBlock, k));
  for (size_t p0 = 0; p0 < k; p0 += kDotDepthBlock) {
    const size_t depth = Min(kDotDepthBlock, k - p0);
    for (size_t j = col_begin; j < col_end; j += kDotCols) {
      const size_t cols = Min(kDotCols, col_end - j);
      // The next tile is asked into L2 while this one is copied, a row of
      // it per row copied.
      BlockPrefetcher<W> prefetch = NextTilePrefetcher(
          w, k, j, p0, kDotCols, kDotDepthBlock, col_begin, col_end, cols);
      CopyWTile(d, w + j * k + p0, k, cols, depth, w_tile, &prefetch);
      for (size_t i = 0; i < m; i += kDotRows) {
        DotTile(d, x + i * k + p0, k, Min(kDotRows, m - i), w_tile, depth, cols,
                depth, bias != nullptr ? bias + j : nullptr, p0 > 0,
                y + i * n + j, n);
      }
    }
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_GEMM_DOT_INL_H_
