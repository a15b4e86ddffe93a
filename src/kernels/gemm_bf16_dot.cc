#include "src/kernels/gemm_bf16_dot.h"

#include "src/kernels/bf16_dot_target.h"
#include "src/kernels/gemm_sizes.h"
#include "src/kernels/prefetch.h"
#include "src/kernels/scratch.h"

namespace wisp::kernels {

#if WISP_HAVE_BF16_DOT

WISP_BF16_WARNINGS_OFF

namespace {

// For fewer than kBf16BroadcastMinRows rows (GemmBf16Broadcast takes
// more): the dot-product GEMM's tile (gemm_dot-inl.h), on bf16 pairs: 4 rows of
// x by 6 rows of w, 24 accumulators, 10 loads per 24 instructions. Each lane
// sums its pairs along k; the lanes are added up once per depth block.
constexpr size_t kRows = 4;
constexpr size_t kCols = 6;
// bf16 values per vector (and per x row padding).
constexpr size_t kStep = 32;
// Depth per block: the lanes are summed once per block. x, at most
// kBf16BroadcastMinRows - 1 rows, needs no blocking to stay in cache.
constexpr size_t kDepthBlock = 1536;

// out[r * ldx + i] = bf16(x[r * k + i]) for i < k, zero up to ldx (a
// multiple of kStep), so that the tile's last step may read whole vectors.
WISP_BF16_TARGET void RoundRowsToBf16(const float* x, size_t rows, size_t k,
                                      size_t ldx, uint16_t* out) {
  for (size_t r = 0; r < rows; ++r) {
    const float* src = x + r * k;
    uint16_t* dst = out + r * ldx;
    for (size_t i = 0; i < ldx; i += kStep) {
      _mm512_storeu_si512(dst + i, RoundToBf16x32(src + i, i < k ? k - i : 0));
    }
  }
}

// out[0..3] = the lane sums of s0..s3 (the GEMV's SumLanes4, gemv-inl.h).
WISP_BF16_TARGET inline void SumLanes4(__m512 s0, __m512 s1, __m512 s2,
                                       __m512 s3, float* out) {
  const __m512 t01 =
      _mm512_add_ps(_mm512_unpacklo_ps(s0, s1), _mm512_unpackhi_ps(s0, s1));
  const __m512 t23 =
      _mm512_add_ps(_mm512_unpacklo_ps(s2, s3), _mm512_unpackhi_ps(s2, s3));
  // Each 128-bit block now holds one partial sum of s0, s1, s2, s3.
  const __m512 blocks =
      _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t01),
                                                        _mm512_castps_pd(t23))),
                    _mm512_castpd_ps(_mm512_unpackhi_pd(
                        _mm512_castps_pd(t01), _mm512_castps_pd(t23))));
  const __m256 halves = _mm256_add_ps(
      _mm512_castps512_ps256(blocks),
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(blocks), 1)));
  _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(halves),
                                _mm256_extractf128_ps(halves, 1)));
}

// y[r, c] = (or +=) dot(x row r, w row c) over `depth` bf16 values, for
// r < rows, c < cols. x rows are zero-padded to whole vectors; w rows are
// read with a mask past depth. Missing rows of either operand repeat the
// last one, so every element runs the same instructions. With `next` (the
// following tile's first row of w, same stride), each step also asks for
// the same values of that tile's kCols rows into L2: w streams from memory
// in place, and without the requests a short prompt waited on it.
WISP_BF16_TARGET void DotTile(const uint16_t* x, size_t ldx, size_t rows,
                              const uint16_t* w, size_t ldw, size_t cols,
                              size_t depth, const float* bias, bool accumulate,
                              float* y, size_t ldy, const uint16_t* next) {
  const uint16_t* xr[kRows];
  const uint16_t* wr[kCols];
  for (size_t r = 0; r < kRows; ++r) xr[r] = x + Min(r, rows - 1) * ldx;
  for (size_t c = 0; c < kCols; ++c) wr[c] = w + Min(c, cols - 1) * ldw;
  // Named accumulators, not an array: GCC kept an array's home in memory
  // and stored all 24 on every step.
  __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a04 = a00,
         a05 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00,
         a15 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00,
         a25 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00,
         a35 = a00;
  // One step over values [p, p + kStep), w loaded under `mask`.
#define WISP_DOT_ROW(r)                                          \
  {                                                              \
    const __m512bh xv = (__m512bh)_mm512_loadu_si512(xr[r] + p); \
    a##r##0 = _mm512_dpbf16_ps(a##r##0, xv, b0);                 \
    a##r##1 = _mm512_dpbf16_ps(a##r##1, xv, b1);                 \
    a##r##2 = _mm512_dpbf16_ps(a##r##2, xv, b2);                 \
    a##r##3 = _mm512_dpbf16_ps(a##r##3, xv, b3);                 \
    a##r##4 = _mm512_dpbf16_ps(a##r##4, xv, b4);                 \
    a##r##5 = _mm512_dpbf16_ps(a##r##5, xv, b5);                 \
  }
#define WISP_DOT_STEP(mask)                                                  \
  {                                                                          \
    const __m512bh b0 = (__m512bh)_mm512_maskz_loadu_epi16(mask, wr[0] + p); \
    const __m512bh b1 = (__m512bh)_mm512_maskz_loadu_epi16(mask, wr[1] + p); \
    const __m512bh b2 = (__m512bh)_mm512_maskz_loadu_epi16(mask, wr[2] + p); \
    const __m512bh b3 = (__m512bh)_mm512_maskz_loadu_epi16(mask, wr[3] + p); \
    const __m512bh b4 = (__m512bh)_mm512_maskz_loadu_epi16(mask, wr[4] + p); \
    const __m512bh b5 = (__m512bh)_mm512_maskz_loadu_epi16(mask, wr[5] + p); \
    WISP_DOT_ROW(0)                                                          \
    WISP_DOT_ROW(1)                                                          \
    WISP_DOT_ROW(2)                                                          \
    WISP_DOT_ROW(3)                                                          \
  }
  size_t p = 0;
  for (; p + kStep <= depth; p += kStep) {
    if (next != nullptr) {
      for (size_t c = 0; c < kCols; ++c) PrefetchToL2(next + c * ldw + p);
    }
    WISP_DOT_STEP(~__mmask32{0})
  }
  if (p < depth) {
    const __mmask32 tail = static_cast<__mmask32>((1u << (depth - p)) - 1);
    WISP_DOT_STEP(tail)
  }
#undef WISP_DOT_STEP
#undef WISP_DOT_ROW
  float sums[kCols][kRows];
  SumLanes4(a00, a10, a20, a30, sums[0]);
  SumLanes4(a01, a11, a21, a31, sums[1]);
  SumLanes4(a02, a12, a22, a32, sums[2]);
  SumLanes4(a03, a13, a23, a33, sums[3]);
  SumLanes4(a04, a14, a24, a34, sums[4]);
  SumLanes4(a05, a15, a25, a35, sums[5]);
  for (size_t r = 0; r < rows; ++r) {
    float* y_row = y + r * ldy;
    for (size_t c = 0; c < cols; ++c) {
      const float addend =
          accumulate ? y_row[c] : (bias != nullptr ? bias[c] : 0.0f);
      y_row[c] = sums[c][r] + addend;
    }
  }
}

// Columns [col_begin, col_end) of y from the rounded x. Depth blocks and
// tiles start at fixed places, so the column split changes no sum.
WISP_BF16_TARGET void Columns(const uint16_t* x, size_t ldx, const uint16_t* w,
                              const float* bias, float* y, size_t m, size_t k,
                              size_t n, size_t col_begin, size_t col_end) {
  for (size_t p0 = 0; p0 < k; p0 += kDepthBlock) {
    const size_t depth = Min(kDepthBlock, k - p0);
    for (size_t j = col_begin; j < col_end; j += kCols) {
      // The next whole tile of this range, requested by the first row
      // tile only. Zen 4, GPT-2 124M bf16, prompts of 4 to 12 tokens:
      // 1.26-1.34x faster on 2 threads, 1.4x on 1 (alternating pairs).
      const uint16_t* next =
          j + 2 * kCols <= col_end ? w + (j + kCols) * k + p0 : nullptr;
      for (size_t i = 0; i < m; i += kRows) {
        DotTile(x + i * ldx + p0, ldx, Min(kRows, m - i), w + j * k + p0, k,
                Min(kCols, col_end - j), depth,
                bias != nullptr ? bias + j : nullptr, p0 > 0, y + i * n + j, n,
                i == 0 ? next : nullptr);
      }
    }
  }
}

}  // namespace

bool CpuHasBf16DotProduct() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bf16");
  }();
  return has;
}

void GemmBf16Dot(const float* x, const uint16_t* w, const float* bias, float* y,
                 size_t m, size_t k, size_t n, ThreadPool* pool) {
  const SharedXProduct<uint16_t> product{w, bias, y, n};
  GemmBf16Dot(x, &product, 1, m, k, pool);
}

void GemmBf16Dot(const float* x, const SharedXProduct<uint16_t>* products,
                 size_t count, size_t m, size_t k, ThreadPool* pool) {
  if (m == 0 || TotalColumns(products, count) == 0) return;
  if (k == 0) {
    WriteEmptySums(products, count, m);
    return;
  }
  if (m >= kBf16BroadcastMinRows) {
    GemmBf16Broadcast(x, products, count, m, k, pool);
    return;
  }
  const size_t ldx = DivCeil(k, kStep) * kStep;
  // Two bf16 per float of scratch; ldx is even, so m * ldx is too.
  auto* rounded = reinterpret_cast<uint16_t*>(
      ThreadScratch(ScratchSlot::kPackedX, m * ldx / 2));
  // A few rows: rounding them takes less than a fork of the pool.
  RoundRowsToBf16(x, m, k, ldx, rounded);
  SplitColumnTiles(m, k, products, count, kCols, pool,
                   [&](const ColumnRange* ranges, size_t num) {
                     for (size_t r = 0; r < num; ++r) {
                       const SharedXProduct<uint16_t>& p =
                           products[ranges[r].index];
                       Columns(rounded, ldx, p.w, p.bias, p.y, m, k, p.n,
                               ranges[r].col_begin, ranges[r].col_end);
                     }
                   });
}

WISP_BF16_WARNINGS_ON

#else  // !WISP_HAVE_BF16_DOT

bool CpuHasBf16DotProduct() { return false; }

void GemmBf16Dot(const float*, const uint16_t*, const float*, float*, size_t,
                 size_t, size_t, ThreadPool*) {}
void GemmBf16Dot(const float*, const SharedXProduct<uint16_t>*, size_t, size_t,
                 size_t, ThreadPool*) {}

#endif  // WISP_HAVE_BF16_DOT

}  // namespace wisp::kernels
