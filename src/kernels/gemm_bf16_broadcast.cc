// The bf16 GEMM on vdpbf16ps for 16 and more rows: the broadcast-w form of
// the f32 GEMM (gemm_broadcast_w-inl.h) on bf16 pairs. x is rounded to bf16
// and packed into panels of 32 rows, lane r of a vector holding the pair
// (x[r, 2q], x[r, 2q + 1]); w is read where it lies, one 32-bit pair
// (w[c, 2q], w[c, 2q + 1]) of each of 12 rows broadcast per step into the
// two x vectors: 24 vdpbf16ps (768 multiply-adds) per 2 loads and 12
// broadcasts, where the dot-product tile of gemm_bf16_dot.cc needs 10 full
// loads per 24 and a sum of lanes per tile at the end.
#include <cstring>

#include "src/kernels/bf16_dot_target.h"
#include "src/kernels/gemm_sizes.h"
#include "src/kernels/scratch.h"

namespace wisp::kernels {

#if WISP_HAVE_BF16_DOT

WISP_BF16_WARNINGS_OFF

namespace {

// Rows per panel (two vectors of pairs), rows of w per tile.
constexpr size_t kPanelRows = 32;
constexpr size_t kTileCols = 12;
// A block of x (128 rows x 1536 values as pairs, 384 KiB) stays in L2 while
// the tiles of w pass over it; the tile of y is stored once per depth block.
constexpr size_t kRowBlock = 128;
constexpr size_t kDepthPairs = 768;
// Pairs between two rounds of prefetch requests for the next tile.
constexpr size_t kPrefetchPairs = 32;

// Transposes 16 vectors of 16 lanes: afterwards lane j of v[i] holds what
// lane i of v[j] held. Inside each 128-bit block first, then the blocks
// (the same steps as Transpose16x16 in gemm_broadcast_w-inl.h).
WISP_BF16_TARGET inline void Transpose16(__m512 (&v)[16]) {
  __m512 t[16];
  for (size_t i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
  }
  for (size_t g = 0; g < 16; g += 4) {
    for (size_t j = 0; j < 2; ++j) {
      const __m512d a = _mm512_castps_pd(t[g + j]);
      const __m512d b = _mm512_castps_pd(t[g + 2 + j]);
      v[g + 2 * j] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      v[g + 2 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  }
  // Now v[4g + q] holds, in block b, rows 4g..4g+3 of column 4b + q.
  for (size_t g = 0; g < 2; ++g) {
    for (size_t q = 0; q < 4; ++q) {
      const __m512 a = v[8 * g + q], b = v[8 * g + 4 + q];
      t[8 * g + q] = _mm512_shuffle_f32x4(a, b, 0x88);
      t[8 * g + 4 + q] = _mm512_shuffle_f32x4(a, b, 0xDD);
    }
  }
  for (size_t q = 0; q < 8; ++q) {
    v[q] = _mm512_shuffle_f32x4(t[q], t[8 + q], 0x88);
    v[8 + q] = _mm512_shuffle_f32x4(t[q], t[8 + q], 0xDD);
  }
}

// Rounds rows [0, rows) of x (row stride k) to bf16 (to nearest, ties to
// even) and packs them as one panel of `pairs` pairs: the 32-bit lane r of
// panel[q * kPanelRows + r] holds (x[r, 2q], x[r, 2q + 1]), zero past k and
// for rows past `rows`.
WISP_BF16_TARGET void PackPairPanel(const float* x, size_t k, size_t rows,
                                    size_t pairs, uint32_t* panel) {
  for (size_t half = 0; half < kPanelRows; half += 16) {
    for (size_t q0 = 0; q0 < pairs; q0 += 16) {
      const size_t i = 2 * q0;  // the first value of these 16 pairs
      __m512 v[16];
      for (size_t r = 0; r < 16; ++r) {
        const size_t row = half + r;
        v[r] = row < rows ? reinterpret_cast<__m512>(
                                RoundToBf16x32(x + row * k + i, k - i))
                          : _mm512_setzero_ps();
      }
      Transpose16(v);  // v[j] = pair q0 + j of the 16 rows
      const size_t count = Min(16, pairs - q0);
      for (size_t j = 0; j < count; ++j) {
        _mm512_store_ps(
            reinterpret_cast<float*>(panel + (q0 + j) * kPanelRows + half),
            v[j]);
      }
    }
  }
}

// Two adjacent bf16 as one 32-bit lane (the first in the low half).
inline uint32_t LoadPair(const uint16_t* w) {
  uint32_t pair;
  std::memcpy(&pair, w, sizeof(pair));
  return pair;
}

// y[r, c] = (or +=) the sum over pairs [q_begin, q_end) of x pair . w pair,
// for r < rows (kVectors * 16 lanes), c < cols, with w rows k apart (rows
// past `cols` repeat the last one). The first depth block adds the bias
// (or nothing), later ones add onto y. With `next_w` (the next tile's
// first row), its lines over the same pairs are requested into L2.
template <size_t kVectors>
WISP_BF16_TARGET void BroadcastTile(const uint32_t* panel, const uint16_t* w,
                                    size_t k, size_t q_begin, size_t q_end,
                                    size_t rows, size_t cols, const float* bias,
                                    bool accumulate, float* y, size_t ldy,
                                    const uint16_t* next_w, size_t next_cols) {
  const uint16_t* wr[kTileCols];
  for (size_t c = 0; c < kTileCols; ++c) wr[c] = w + Min(c, cols - 1) * k;
  // Named accumulators, not an array: GCC kept an array's home in memory.
  __m512 a0_0 = _mm512_setzero_ps(), a1_0 = a0_0, a2_0 = a0_0, a3_0 = a0_0,
         a4_0 = a0_0, a5_0 = a0_0, a6_0 = a0_0, a7_0 = a0_0, a8_0 = a0_0,
         a9_0 = a0_0, a10_0 = a0_0, a11_0 = a0_0, a0_1 = a0_0, a1_1 = a0_0,
         a2_1 = a0_0, a3_1 = a0_0, a4_1 = a0_0, a5_1 = a0_0, a6_1 = a0_0,
         a7_1 = a0_0, a8_1 = a0_0, a9_1 = a0_0, a10_1 = a0_0, a11_1 = a0_0;
  // One step: the pair q of every row of the tile, read by LOAD_PAIR(row).
#define WISP_BF16_COLUMN(c, LOAD_PAIR)                          \
  {                                                             \
    const __m512bh b = reinterpret_cast<__m512bh>(              \
        _mm512_set1_epi32(static_cast<int>(LOAD_PAIR(wr[c])))); \
    a##c##_0 = _mm512_dpbf16_ps(a##c##_0, x0, b);               \
    if constexpr (kVectors == 2) {                              \
      a##c##_1 = _mm512_dpbf16_ps(a##c##_1, x1, b);             \
    }                                                           \
  }
#define WISP_BF16_STEP(LOAD_PAIR)                                              \
  {                                                                            \
    const __m512bh x0 =                                                        \
        reinterpret_cast<__m512bh>(_mm512_load_si512(panel + q * kPanelRows)); \
    const __m512bh x1 = reinterpret_cast<__m512bh>(                            \
        _mm512_load_si512(panel + q * kPanelRows + (kVectors - 1) * 16));      \
    WISP_BF16_COLUMN(0, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(1, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(2, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(3, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(4, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(5, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(6, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(7, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(8, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(9, LOAD_PAIR)                                             \
    WISP_BF16_COLUMN(10, LOAD_PAIR)                                            \
    WISP_BF16_COLUMN(11, LOAD_PAIR)                                            \
  }
  // (w[2q], w[2q + 1]) as one 32-bit lane, low half first; the last pair
  // of an odd k has only w[2q] (the next value belongs to the next row).
#define WISP_BF16_WHOLE_PAIR(row) LoadPair((row) + 2 * q)
#define WISP_BF16_HALF_PAIR(row) static_cast<uint32_t>((row)[2 * q])
  const size_t q_whole = Min(q_end, k / 2);
  for (size_t q0 = q_begin; q0 < q_whole; q0 += kPrefetchPairs) {
    if (next_w != nullptr) {
      for (size_t c = 0; c < next_cols; ++c) {
        const char* line =
            reinterpret_cast<const char*>(next_w + c * k + 2 * q0);
        _mm_prefetch(line, _MM_HINT_T1);
        _mm_prefetch(line + 64, _MM_HINT_T1);
      }
    }
    const size_t chunk_end = Min(q_whole, q0 + kPrefetchPairs);
    for (size_t q = q0; q < chunk_end; ++q) WISP_BF16_STEP(WISP_BF16_WHOLE_PAIR)
  }
  for (size_t q = q_whole; q < q_end; ++q) WISP_BF16_STEP(WISP_BF16_HALF_PAIR)
#undef WISP_BF16_HALF_PAIR
#undef WISP_BF16_WHOLE_PAIR
#undef WISP_BF16_STEP
#undef WISP_BF16_COLUMN
  // The tile of y, transposed back in registers 16 rows at a time (vectors
  // 12 to 15 only fill the square), one masked store per row.
  const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1);
  const float* addend = accumulate ? y : bias;
  const size_t addend_stride = accumulate ? ldy : 0;
  for (size_t h = 0; h < kVectors; ++h) {
    __m512 v[16] = {a0_0, a1_0, a2_0,  a3_0,  a4_0, a5_0, a6_0, a7_0,
                    a8_0, a9_0, a10_0, a11_0, a0_0, a0_0, a0_0, a0_0};
    if (h == 1) {
      const __m512 upper[16] = {a0_1, a1_1, a2_1, a3_1, a4_1,  a5_1,
                                a6_1, a7_1, a8_1, a9_1, a10_1, a11_1,
                                a0_1, a0_1, a0_1, a0_1};
      for (size_t i = 0; i < 16; ++i) v[i] = upper[i];
    }
    Transpose16(v);
    for (size_t r = 0; r < 16 && h * 16 + r < rows; ++r) {
      const size_t row = h * 16 + r;
      __m512 sum = v[r];
      if (addend != nullptr) {
        sum = _mm512_add_ps(
            sum, _mm512_maskz_loadu_ps(mask, addend + row * addend_stride));
      }
      _mm512_mask_storeu_ps(y + row * ldy, mask, sum);
    }
  }
}

// Columns [col_begin, col_end) of y = x w^T (+ bias) for the rows of one
// block of x, packed in panels of kPanelRows rows by PackPairPanel. Depth
// blocks and tiles start at fixed places, so the column split changes no
// sum.
WISP_BF16_TARGET void BlockColumns(const uint32_t* packed, size_t block_rows,
                                   const uint16_t* w, const float* bias,
                                   float* y, size_t k, size_t n,
                                   size_t col_begin, size_t col_end) {
  const size_t pairs = DivCeil(k, 2);
  const size_t panels = DivCeil(block_rows, kPanelRows);
  for (size_t q0 = 0; q0 < pairs; q0 += kDepthPairs) {
    const size_t q_end = Min(pairs, q0 + kDepthPairs);
    for (size_t j = col_begin; j < col_end; j += kTileCols) {
      const size_t cols = Min(kTileCols, col_end - j);
      const size_t next_j = j + kTileCols;
      const uint16_t* next_w = next_j < col_end ? w + next_j * k : nullptr;
      const size_t next_cols =
          next_j < col_end ? Min(kTileCols, col_end - next_j) : 0;
      for (size_t ip = 0; ip < panels; ++ip) {
        const size_t rows = Min(kPanelRows, block_rows - ip * kPanelRows);
        const uint32_t* panel = packed + ip * kPanelRows * pairs;
        float* y_tile = y + ip * kPanelRows * n + j;
        const float* b = bias != nullptr ? bias + j : nullptr;
        // The next tile's lines are requested during the first panel.
        const uint16_t* prefetch = ip == 0 ? next_w : nullptr;
        if (rows <= 16) {
          BroadcastTile<1>(panel, w + j * k, k, q0, q_end, rows, cols, b,
                           q0 > 0, y_tile, n, prefetch, next_cols);
        } else {
          BroadcastTile<2>(panel, w + j * k, k, q0, q_end, rows, cols, b,
                           q0 > 0, y_tile, n, prefetch, next_cols);
        }
      }
    }
  }
}

// One thread's pieces of the products for rows [0, m): each block of x is
// packed into this thread's scratch once for all of them.
WISP_BF16_TARGET void Ranges(const float* x,
                             const SharedXProduct<uint16_t>* products,
                             const ColumnRange* ranges, size_t num, size_t m,
                             size_t k) {
  const size_t pairs = DivCeil(k, 2);
  const size_t panels_per_block = DivCeil(Min(m, kRowBlock), kPanelRows);
  // Two bf16 (one pair) per float of scratch.
  auto* packed = reinterpret_cast<uint32_t*>(ThreadScratch(
      ScratchSlot::kPackedX, panels_per_block * kPanelRows * pairs));
  for (size_t row0 = 0; row0 < m; row0 += kRowBlock) {
    const size_t block_rows = Min(kRowBlock, m - row0);
    const size_t panels = DivCeil(block_rows, kPanelRows);
    for (size_t ip = 0; ip < panels; ++ip) {
      PackPairPanel(x + (row0 + ip * kPanelRows) * k, k,
                    Min(kPanelRows, block_rows - ip * kPanelRows), pairs,
                    packed + ip * kPanelRows * pairs);
    }
    for (size_t r = 0; r < num; ++r) {
      const SharedXProduct<uint16_t>& p = products[ranges[r].index];
      BlockColumns(packed, block_rows, p.w, p.bias, p.y + row0 * p.n, k, p.n,
                   ranges[r].col_begin, ranges[r].col_end);
    }
  }
}

}  // namespace

void GemmBf16Broadcast(const float* x, const SharedXProduct<uint16_t>* products,
                       size_t count, size_t m, size_t k, ThreadPool* pool) {
  // Each thread packs all of x for itself, as the f32 broadcast-w GEMM.
  SplitColumnTiles(m, k, products, count, kTileCols, pool,
                   [&](const ColumnRange* ranges, size_t num) {
                     if (num > 0) Ranges(x, products, ranges, num, m, k);
                   });
}

WISP_BF16_WARNINGS_ON

#else  // !WISP_HAVE_BF16_DOT

void GemmBf16Broadcast(const float*, const SharedXProduct<uint16_t>*, size_t,
                       size_t, size_t, ThreadPool*) {}

#endif  // WISP_HAVE_BF16_DOT

}  // namespace wisp::kernels
