// The GEMM for prompts and training batches of deep products (from
// kBroadcastMinRows rows of x), per Highway target: y = x w^T with the roles of
// the packed GEMM (gemm_tile-inl.h) swapped. Included from matmul.cc once per
// target.
//
// The packed GEMM broadcasts x and loads w as vectors, so it has to
// transpose every block of w into panels first; with 128 rows of x each
// packed weight feeds only ~11 register tiles and that transposition (where
// w also first arrives from DRAM) cost a sixth of the product. Here x,
// small and reused by every column of y, is the operand that is transposed:
// into panels of two vectors of rows (32 with AVX-512) per k value. w is
// only copied, a tile of kBroadcastCols rows at a time, and each step
// broadcasts one weight per row of the tile into the two x vectors: 24
// FMAs per 2 vector loads and 12 broadcasts, the packed GEMM's instruction
// mix, which ran at 96-100 % of the FMA peak from L1 on Zen 5 where the
// dot-product tile it replaced (4 x 6 dot products, lanes summed at the end)
// ran at 72-90 %. The tile of y comes out transposed (a vector holds one
// column of y for 16 rows) and is transposed back once per depth block.
#if defined(WISP_KERNELS_GEMM_BROADCAST_W_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_GEMM_BROADCAST_W_INL_H_
#undef WISP_KERNELS_GEMM_BROADCAST_W_INL_H_
#else
#define WISP_KERNELS_GEMM_BROADCAST_W_INL_H_
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include "hwy/highway.h"
#include "src/kernels/gemm_dot-inl.h"
#include "src/kernels/gemm_tile-inl.h"
#include "src/kernels/scratch.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Rows of w per tile: 12 columns of y x 2 vectors of rows = 24 accumulators,
// plus the two x vectors and one broadcast, of 32 registers.
constexpr size_t kBroadcastCols = 12;
// Depth per block: the tile of y is transposed and stored once per block.
// The tile's rows of w (36 KiB at 768) are read again by every x panel;
// 768 ran 5 % faster than 256 and as fast as 384.
constexpr size_t kBroadcastDepthBlock = 768;
// Products with at least kBroadcastMinRows rows (and k >= kDotMinDepth) run
// here, in blocks of kBroadcastRowBlock rows: a block of x (384 KiB at
// k = 768) stays in L2 while the tiles of w pass over it. With fewer rows
// most lanes of the x vectors would be padding, and the dot-product GEMM
// (gemm_dot-inl.h) is faster. AVX-512 only, like the dot-product GEMM: the
// tile needs 27 vector registers; other targets run the packed GEMM.
constexpr size_t kBroadcastMinRows = kDotMaxRows + 1;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kBroadcastRowBlock = 128;
#else
constexpr size_t kBroadcastRowBlock = 0;
#endif
// The w tile's steps between two prefetch requests for the next tile
// (BlockPrefetcher::Next).
constexpr size_t kBroadcastPrefetchSteps = 64;

// Rows of x per panel: two vectors.
template <class DF>
HWY_INLINE size_t BroadcastPanelRows(DF d) {
  return 2 * hn::Lanes(d);
}

// Floats of x packed for PackBroadcastX: whole panels of k values.
template <class DF>
HWY_INLINE size_t BroadcastPackedXSize(DF d, size_t m, size_t k) {
  return DivCeil(m, BroadcastPanelRows(d)) * BroadcastPanelRows(d) * k;
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// Transposes 16 vectors of 16 floats: afterwards lane j of v[i] holds what
// lane i of v[j] held. Inside each 128-bit block first (interleaving pairs
// of rows, then pairs of pairs), then the blocks themselves.
template <class DF>
HWY_INLINE void Transpose16x16(DF d, hn::VFromD<DF> (&v)[16]) {
  using V = hn::VFromD<DF>;
  const hn::Repartition<double, DF> d64;
  V t[16];
  for (size_t i = 0; i < 16; i += 2) {
    t[i] = hn::InterleaveLower(d, v[i], v[i + 1]);
    t[i + 1] = hn::InterleaveUpper(d, v[i], v[i + 1]);
  }
  // Now v[4g + q] holds, in block b, rows 4g..4g+3 of column 4b + q.
  for (size_t g = 0; g < 16; g += 4) {
    for (size_t j = 0; j < 2; ++j) {
      const auto a = hn::BitCast(d64, t[g + j]);
      const auto b = hn::BitCast(d64, t[g + 2 + j]);
      v[g + 2 * j] = hn::BitCast(d, hn::InterleaveLower(d64, a, b));
      v[g + 2 * j + 1] = hn::BitCast(d, hn::InterleaveUpper(d64, a, b));
    }
  }
  // Column 4b + q gathers block b of v[q], v[4 + q], v[8 + q], v[12 + q].
  for (size_t q = 0; q < 4; ++q) {
    const V a = v[q], b = v[4 + q], c = v[8 + q], e = v[12 + q];
    const V ab02 = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(b), a);
    const V ab13 = hn::OddEvenBlocks(b, hn::SwapAdjacentBlocks(a));
    const V ce02 = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(e), c);
    const V ce13 = hn::OddEvenBlocks(e, hn::SwapAdjacentBlocks(c));
    v[q] = hn::ConcatLowerLower(d, ce02, ab02);
    v[8 + q] = hn::ConcatUpperUpper(d, ce02, ab02);
    v[4 + q] = hn::ConcatLowerLower(d, ce13, ab13);
    v[12 + q] = hn::ConcatUpperUpper(d, ce13, ab13);
  }
}
#endif

// Packs x (m rows of k) into panels of panel_rows rows:
// packed[(ip * k + p) * panel_rows + r] = x[ip * panel_rows + r, p], zero
// for rows past m. Whole panels go through 16 x 16 register transposes
// (one line-wide load per row, one store per depth value and 16 rows),
// twice as fast as TransposeInto's 4 x 4 blocks of 128-bit vectors at
// k = 768, 1536 or 3008; but not when x's rows are a multiple of 4 KiB apart
// (k = 2048, 3072), where the 16 rows' lines share a set of L1 and the 4 x
// 4 blocks, with four rows at a time, ran 1.05x faster.
template <class DF>
HWY_INLINE void PackBroadcastX(DF d, const float* HWY_RESTRICT x, size_t m,
                               size_t k, float* HWY_RESTRICT packed) {
  const size_t panel_rows = BroadcastPanelRows(d);
  for (size_t row0 = 0; row0 < m; row0 += panel_rows) {
    float* HWY_RESTRICT panel = packed + row0 * k;
    const size_t rows = Min(panel_rows, m - row0);
    size_t done = 0;  // depth values packed by the 16 x 16 transposes
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    if (rows == panel_rows && k * sizeof(float) % 4096 != 0) {
      done = k / 16 * 16;
      for (size_t half = 0; half < panel_rows; half += 16) {
        for (size_t p0 = 0; p0 < done; p0 += 16) {
          hn::VFromD<DF> v[16];
          for (size_t r = 0; r < 16; ++r) {
            v[r] = hn::LoadU(d, x + (row0 + half + r) * k + p0);
          }
          Transpose16x16(d, v);  // v[p]: depth p0 + p of the 16 rows
          for (size_t p = 0; p < 16; ++p) {
            hn::StoreU(v[p], d, panel + (p0 + p) * panel_rows + half);
          }
        }
      }
    }
#endif
    if (rows < panel_rows) memset(panel, 0, k * panel_rows * sizeof(float));
    TransposeInto(x + row0 * k + done, k, rows, k - done,
                  panel + done * panel_rows, panel_rows);
  }
}

// y[r, c] = (or +=) sum over p < depth of x_panel[p, r] * w_tile[c, p] for
// r < rows, c < cols, with w_tile's rows `depth` apart. kVectors (1 or 2)
// vectors of the panel are used: 1 when rows fit in one. The first depth
// block adds the bias (or nothing), later ones add onto y, one addition
// per element whatever the tile's size, as in the packed GEMM.
template <size_t kVectors, class DF, class W>
HWY_INLINE void BroadcastWTile(DF d, const float* HWY_RESTRICT x_panel,
                               const float* HWY_RESTRICT w_tile, size_t ldw,
                               size_t depth, size_t rows, size_t cols,
                               const float* HWY_RESTRICT bias, bool accumulate,
                               float* HWY_RESTRICT y, size_t ldy,
                               BlockPrefetcher<W>& prefetch) {
  static_assert(kVectors == 1 || kVectors == 2, "one or two x vectors");
  using V = hn::VFromD<DF>;
  const size_t N = hn::Lanes(d);
  const size_t panel_rows = 2 * N;
  const float* HWY_RESTRICT w0 = w_tile;
  const float* HWY_RESTRICT w1 = w0 + ldw;
  const float* HWY_RESTRICT w2 = w1 + ldw;
  const float* HWY_RESTRICT w3 = w2 + ldw;
  const float* HWY_RESTRICT w4 = w3 + ldw;
  const float* HWY_RESTRICT w5 = w4 + ldw;
  const float* HWY_RESTRICT w6 = w5 + ldw;
  const float* HWY_RESTRICT w7 = w6 + ldw;
  const float* HWY_RESTRICT w8 = w7 + ldw;
  const float* HWY_RESTRICT w9 = w8 + ldw;
  const float* HWY_RESTRICT w10 = w9 + ldw;
  const float* HWY_RESTRICT w11 = w10 + ldw;
  V a0_0 = hn::Zero(d), a0_1 = hn::Zero(d), a1_0 = hn::Zero(d),
    a1_1 = hn::Zero(d), a2_0 = hn::Zero(d), a2_1 = hn::Zero(d),
    a3_0 = hn::Zero(d), a3_1 = hn::Zero(d), a4_0 = hn::Zero(d),
    a4_1 = hn::Zero(d), a5_0 = hn::Zero(d), a5_1 = hn::Zero(d),
    a6_0 = hn::Zero(d), a6_1 = hn::Zero(d), a7_0 = hn::Zero(d),
    a7_1 = hn::Zero(d), a8_0 = hn::Zero(d), a8_1 = hn::Zero(d),
    a9_0 = hn::Zero(d), a9_1 = hn::Zero(d), a10_0 = hn::Zero(d),
    a10_1 = hn::Zero(d), a11_0 = hn::Zero(d), a11_1 = hn::Zero(d);
  for (size_t p0 = 0; p0 < depth; p0 += kBroadcastPrefetchSteps) {
    prefetch.Next();
    const size_t p_end = Min(depth, p0 + kBroadcastPrefetchSteps);
    for (size_t p = p0; p < p_end; ++p) {
      const V x0 = hn::Load(d, x_panel + p * panel_rows);
      const V x1 = kVectors == 2 ? hn::Load(d, x_panel + p * panel_rows + N)
                                 : hn::Zero(d);
#define WISP_BROADCAST_COLUMN(c)               \
  {                                            \
    const V wc = hn::Set(d, w##c[p]);          \
    a##c##_0 = hn::MulAdd(x0, wc, a##c##_0);   \
    if constexpr (kVectors == 2) {             \
      a##c##_1 = hn::MulAdd(x1, wc, a##c##_1); \
    }                                          \
  }
      WISP_BROADCAST_COLUMN(0)
      WISP_BROADCAST_COLUMN(1)
      WISP_BROADCAST_COLUMN(2)
      WISP_BROADCAST_COLUMN(3)
      WISP_BROADCAST_COLUMN(4)
      WISP_BROADCAST_COLUMN(5)
      WISP_BROADCAST_COLUMN(6)
      WISP_BROADCAST_COLUMN(7)
      WISP_BROADCAST_COLUMN(8)
      WISP_BROADCAST_COLUMN(9)
      WISP_BROADCAST_COLUMN(10)
      WISP_BROADCAST_COLUMN(11)
#undef WISP_BROADCAST_COLUMN
    }
  }
  const float* addend = accumulate ? y : bias;
  const size_t addend_stride = accumulate ? ldy : 0;
  // Each group of 16 rows: transposed in registers, then one masked store
  // per row of y (through memory the tile had cost 4-7 % of the product).
  // Vectors 12 to 15 only fill the square; their lanes are never stored.
  static_assert(hn::MaxLanes(DF()) == 16, "AVX-512 vectors");
  const auto mask = hn::FirstN(d, cols);
  for (size_t h = 0; h < kVectors; ++h) {
    V v[16] = {a0_0, a1_0, a2_0,  a3_0,  a4_0, a5_0, a6_0, a7_0,
               a8_0, a9_0, a10_0, a11_0, a0_0, a0_0, a0_0, a0_0};
    if (h == 1) {
      const V upper[16] = {a0_1, a1_1, a2_1,  a3_1,  a4_1, a5_1, a6_1, a7_1,
                           a8_1, a9_1, a10_1, a11_1, a0_1, a0_1, a0_1, a0_1};
      for (size_t i = 0; i < 16; ++i) v[i] = upper[i];
    }
    Transpose16x16(d, v);
    for (size_t r = 0; r < 16 && h * 16 + r < rows; ++r) {
      const size_t row = h * 16 + r;
      V sum = v[r];
      if (addend != nullptr) {
        sum =
            hn::Add(sum, hn::MaskedLoad(mask, d, addend + row * addend_stride));
      }
      hn::BlendedStore(sum, mask, d, y + row * ldy);
    }
  }
}

// Columns [col_begin, col_end) of y = x w^T (+ bias) from x packed by
// PackBroadcastX. The depth blocks do not
// depend on the column range, so every element is summed in the same order
// however the columns are split.
template <class DF, class W>
HWY_INLINE void GemmBroadcastWColumns(DF d, const float* HWY_RESTRICT packed_x,
                                      const W* HWY_RESTRICT w,
                                      const float* HWY_RESTRICT bias,
                                      float* HWY_RESTRICT y, size_t m, size_t k,
                                      size_t n, size_t col_begin,
                                      size_t col_end) {
  const size_t panel_rows = BroadcastPanelRows(d);
  const size_t panels = DivCeil(m, panel_rows);
  float* w_tile = ThreadScratch(ScratchSlot::kPackedW,
                                kBroadcastCols * Min(kBroadcastDepthBlock, k));
  for (size_t p0 = 0; p0 < k; p0 += kBroadcastDepthBlock) {
    const size_t depth = Min(kBroadcastDepthBlock, k - p0);
    for (size_t j = col_begin; j < col_end; j += kBroadcastCols) {
      const size_t cols = Min(kBroadcastCols, col_end - j);
      // f32 rows are read where they lie, unless they are a multiple of
      // 4 KiB apart: then all 12 fall into the same L1 sets and evict each
      // other (k = 3072 ran 1.1x slower in place, k = 768 1.07x faster).
      // Copies also widen bf16 and repeat the last row past the edge, so
      // that the tile runs the same instructions everywhere (those sums are
      // not stored).
      const float* tile = w_tile;
      size_t ldw = depth;
      if (std::is_same_v<W, float> && cols == kBroadcastCols &&
          k * sizeof(float) % 4096 != 0) {
        tile = reinterpret_cast<const float*>(w + j * k + p0);
        ldw = k;
      } else {
        CopyWTile(d, w + j * k + p0, k, cols, depth, w_tile);
        for (size_t c = cols; c < kBroadcastCols; ++c) {
          memcpy(w_tile + c * depth, w_tile + (cols - 1) * depth,
                 depth * sizeof(float));
        }
      }
      // The next tile's lines are requested while this one computes.
      BlockPrefetcher<W> prefetch = NextTilePrefetcher(
          w, k, j, p0, kBroadcastCols, kBroadcastDepthBlock, col_begin, col_end,
          panels * DivCeil(depth, kBroadcastPrefetchSteps));
      for (size_t ip = 0; ip < panels; ++ip) {
        const size_t row0 = ip * panel_rows;
        const size_t rows = Min(panel_rows, m - row0);
        const float* x_panel = packed_x + (ip * k + p0) * panel_rows;
        const float* b = bias != nullptr ? bias + j : nullptr;
        if (rows <= hn::Lanes(d)) {
          BroadcastWTile<1>(d, x_panel, tile, ldw, depth, rows, cols, b, p0 > 0,
                            y + row0 * n + j, n, prefetch);
        } else {
          BroadcastWTile<2>(d, x_panel, tile, ldw, depth, rows, cols, b, p0 > 0,
                            y + row0 * n + j, n, prefetch);
        }
      }
    }
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_GEMM_BROADCAST_W_INL_H_
