// The GEMM's inner pieces, per Highway target: operand packing and the
// register-tiled micro-kernel. Included from matmul.cc once per target.
// bf16 weights are widened to f32 while packing, so the micro-kernel and its
// speed are the same for both weight types.
//
// Packed layouts (NR = 2 vectors of floats, MR = rows per register tile):
//   x panel: for each p in the k range, MR consecutive x values x[i..i+MR, p].
//   w panel: for each p in the k range, NR consecutive weights w[j..j+NR, p],
//            zero past the last column.
// The micro-kernel broadcasts one x value per row and multiplies it into the
// two w vectors, so every loaded value feeds MR or 2 FMAs.
#if defined(WISP_KERNELS_GEMM_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_GEMM_TILE_INL_H_
#undef WISP_KERNELS_GEMM_TILE_INL_H_
#else
#define WISP_KERNELS_GEMM_TILE_INL_H_
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hwy/highway.h"
#include "src/kernels/bf16.h"
#include "src/kernels/gemm_sizes.h"
#include "src/kernels/prefetch.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Rows per register tile: MR rows x 2 vectors of accumulators plus the two w
// vectors and one broadcast must fit the register file (32 registers with
// AVX-512, 16 with AVX2/SSE4). With AVX-512, 12 rows (24 accumulators) ran
// about 15% faster than 8: fewer loads per FMA.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kTileRows = 12;
#elif HWY_TARGET == HWY_SCALAR
constexpr size_t kTileRows = 4;
#else
constexpr size_t kTileRows = 6;
#endif

// Blocking shared by the forward GEMM (matmul.cc) and the backward products
// (matmul_backward.cc). A k block of 256 keeps one packed x panel
// (kTileRows x 256 floats, 12 KiB with AVX-512) in L1 while a packed w block
// (256 columns x 256, 256 KiB) streams from L2.
constexpr size_t kDepthBlock = 256;
constexpr size_t kColumnBlock = 256;
// The threading threshold, DivCeil and Min: gemm_sizes.h.
// Column panels (of width nr) in one column block of `block` columns.
inline size_t ColumnPanelsPerBlock(size_t nr, size_t block = kColumnBlock) {
  return block > nr ? block / nr : 1;
}

// dst[p * dst_stride + c] = src[c * src_stride + p] for c < count and
// p < depth: the transposition both packers need. 4 x 4 blocks go through
// registers (four loads, eight shuffles, four stores instead of sixteen
// scalar moves), which matters for the small model, where packing w is a
// third of a 64 x 64 x 172 product.
inline void TransposeInto(const float* HWY_RESTRICT src, size_t src_stride,
                          size_t count, size_t depth, float* HWY_RESTRICT dst,
                          size_t dst_stride) {
  size_t c = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::Full128<float> d4;
  const hn::Repartition<uint64_t, decltype(d4)> du;
  for (; c + 4 <= count; c += 4) {
    const float* HWY_RESTRICT s0 = src + c * src_stride;
    const float* HWY_RESTRICT s1 = s0 + src_stride;
    const float* HWY_RESTRICT s2 = s1 + src_stride;
    const float* HWY_RESTRICT s3 = s2 + src_stride;
    size_t p = 0;
    for (; p + 4 <= depth; p += 4) {
      const auto r0 = hn::LoadU(d4, s0 + p), r1 = hn::LoadU(d4, s1 + p);
      const auto r2 = hn::LoadU(d4, s2 + p), r3 = hn::LoadU(d4, s3 + p);
      // (r0[0], r1[0], r0[1], r1[1]) and so on; pairs of 64-bit halves then
      // form the columns.
      const auto lo01 = hn::BitCast(du, hn::InterleaveLower(d4, r0, r1));
      const auto lo23 = hn::BitCast(du, hn::InterleaveLower(d4, r2, r3));
      const auto hi01 = hn::BitCast(du, hn::InterleaveUpper(d4, r0, r1));
      const auto hi23 = hn::BitCast(du, hn::InterleaveUpper(d4, r2, r3));
      float* HWY_RESTRICT out = dst + p * dst_stride + c;
      hn::StoreU(hn::BitCast(d4, hn::InterleaveLower(du, lo01, lo23)), d4, out);
      hn::StoreU(hn::BitCast(d4, hn::InterleaveUpper(du, lo01, lo23)), d4,
                 out + dst_stride);
      hn::StoreU(hn::BitCast(d4, hn::InterleaveLower(du, hi01, hi23)), d4,
                 out + 2 * dst_stride);
      hn::StoreU(hn::BitCast(d4, hn::InterleaveUpper(du, hi01, hi23)), d4,
                 out + 3 * dst_stride);
    }
    for (; p < depth; ++p) {
      float* HWY_RESTRICT out = dst + p * dst_stride + c;
      out[0] = s0[p];
      out[1] = s1[p];
      out[2] = s2[p];
      out[3] = s3[p];
    }
  }
#endif
  for (; c < count; ++c) {
    const float* HWY_RESTRICT s = src + c * src_stride;
    for (size_t p = 0; p < depth; ++p) dst[p * dst_stride + c] = s[p];
  }
}

// Copies rows [row0, row0 + rows) of x (row stride k), columns [0, k), into
// one packed x panel of stride kTileRows. Rows past `rows` are left unset:
// the micro-kernel for a short panel never reads them.
inline void PackXPanel(const float* HWY_RESTRICT x, size_t k, size_t row0,
                       size_t rows, float* HWY_RESTRICT panel) {
  TransposeInto(x + row0 * k, k, rows, k, panel, kTileRows);
}

// Packs w[col0 + c, p0 + p] for c < cols (<= nr), p < depth into a w panel of
// width nr, zero-filling columns cols..nr.
inline void PackWPanel(const float* HWY_RESTRICT w, size_t k, size_t col0,
                       size_t cols, size_t p0, size_t depth, size_t nr,
                       float* HWY_RESTRICT panel) {
  if (cols < nr) memset(panel, 0, depth * nr * sizeof(float));
  TransposeInto(w + col0 * k + p0, k, cols, depth, panel, nr);
}

// dst[0, n) = src[0, n) widened from bf16 to f32 (exact).
template <class DF>
HWY_INLINE void WidenBf16(DF d, const uint16_t* HWY_RESTRICT src, size_t n,
                          float* HWY_RESTRICT dst) {
  const hn::Rebind<uint16_t, DF> du16;
  const hn::RebindToUnsigned<DF> du32;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto wide = hn::PromoteTo(du32, hn::LoadU(du16, src + i));
    hn::StoreU(hn::BitCast(d, hn::ShiftLeft<16>(wide)), d, dst + i);
  }
  for (; i < n; ++i) dst[i] = Bf16ToF32(src[i]);
}

// PackWPanel for bf16 weights: the panel holds the same (exactly widened) f32
// values as for an f32 copy of w, so one micro-kernel serves both. Rows are
// widened a few at a time into a small buffer that TransposeInto then packs,
// which keeps both steps vectorised.
template <class DF>
HWY_INLINE void PackWPanel(DF d, const uint16_t* HWY_RESTRICT w, size_t k,
                           size_t col0, size_t cols, size_t p0, size_t depth,
                           size_t nr, float* HWY_RESTRICT panel) {
  if (cols < nr) memset(panel, 0, depth * nr * sizeof(float));
  constexpr size_t kChunk = 64;
  HWY_ALIGN float rows[4 * kChunk];
  for (size_t c = 0; c < cols; c += 4) {
    const size_t count = cols - c < 4 ? cols - c : 4;
    for (size_t p = 0; p < depth; p += kChunk) {
      const size_t len = depth - p < kChunk ? depth - p : kChunk;
      for (size_t r = 0; r < count; ++r) {
        WidenBf16(d, w + (col0 + c + r) * k + p0 + p, len, rows + r * kChunk);
      }
      TransposeInto(rows, kChunk, count, len, panel + p * nr + c, nr);
    }
  }
}

// The f32 PackWPanel under the same signature, for code templated on the
// weight type.
template <class DF>
HWY_INLINE void PackWPanel(DF /*d*/, const float* HWY_RESTRICT w, size_t k,
                           size_t col0, size_t cols, size_t p0, size_t depth,
                           size_t nr, float* HWY_RESTRICT panel) {
  PackWPanel(w, k, col0, cols, p0, depth, nr, panel);
}

// Asks for the cache lines of a block of w (rows [col0, col0 + cols),
// values [p0, p0 + depth) of each) to be brought into L2, a slice per call
// of Next(), so that the block is on chip by the time it is packed. Spread
// over the micro-kernel calls of the block before, the requests cost next
// to nothing; packing w straight from DRAM took about half of the packing
// time (which was a sixth of a 128-row product).
template <class W>
class BlockPrefetcher {
 public:
  BlockPrefetcher() = default;
  BlockPrefetcher(const W* w, size_t k, size_t col0, size_t cols, size_t p0,
                  size_t depth, size_t calls)
      : w_(w + col0 * k + p0),
        k_(k),
        rows_(cols),
        lines_per_row_(DivCeil(depth * sizeof(W), kLine)),
        per_call_(DivCeil(cols * lines_per_row_, calls)) {}

  void Next() {
    for (size_t i = 0; i < per_call_ && row_ < rows_; ++i) {
      const char* line =
          reinterpret_cast<const char*>(w_ + row_ * k_) + line_ * kLine;
      PrefetchToL2(line);
      if (++line_ == lines_per_row_) {
        line_ = 0;
        ++row_;
      }
    }
  }

 private:
  static constexpr size_t kLine = 64;
  const W* w_ = nullptr;
  size_t k_ = 0, rows_ = 0, lines_per_row_ = 0, per_call_ = 0;
  size_t row_ = 0, line_ = 0;
};

// The prefetcher for the tile after the one at columns j, depth p0, for
// GEMMs that walk tiles of `tile_cols` rows of w across columns
// [col_begin, col_end) within each depth block of `depth_block`: the next
// columns, or the first ones of the next depth block; none after the last
// tile. `calls`: the Next() calls it is spread over.
template <class W>
HWY_INLINE BlockPrefetcher<W> NextTilePrefetcher(const W* w, size_t k, size_t j,
                                                 size_t p0, size_t tile_cols,
                                                 size_t depth_block,
                                                 size_t col_begin,
                                                 size_t col_end, size_t calls) {
  size_t next_j = j + tile_cols, next_p0 = p0;
  if (next_j >= col_end) {
    next_j = col_begin;
    next_p0 = p0 + depth_block;
  }
  if (next_p0 >= k) return BlockPrefetcher<W>();
  return BlockPrefetcher<W>(w, k, next_j, Min(tile_cols, col_end - next_j),
                            next_p0, Min(depth_block, k - next_p0), calls);
}

// Writes one row of the register tile (two vectors) to y_row[0, cols). The
// first k block adds the bias (or nothing); later blocks add onto y. The
// partial path performs the same single addition per element, so results do
// not depend on where a tile ends.
template <class D>
HWY_INLINE void StoreTileRow(D d, hn::VFromD<D> v0, hn::VFromD<D> v1,
                             const float* HWY_RESTRICT bias, bool accumulate,
                             size_t cols, float* HWY_RESTRICT y_row) {
  const size_t N = hn::Lanes(d);
  const float* addend = accumulate ? y_row : bias;
  if (cols == 2 * N) {
    if (addend != nullptr) {
      v0 = hn::Add(v0, hn::LoadU(d, addend));
      v1 = hn::Add(v1, hn::LoadU(d, addend + N));
    }
    hn::StoreU(v0, d, y_row);
    hn::StoreU(v1, d, y_row + N);
    return;
  }
  HWY_ALIGN float tile[2 * hn::MaxLanes(d)];
  hn::Store(v0, d, tile);
  hn::Store(v1, d, tile + N);
  for (size_t c = 0; c < cols; ++c) {
    y_row[c] = addend != nullptr ? tile[c] + addend[c] : tile[c];
  }
}

// y[0..kRows, 0..cols) (row stride ldy) = (or +=) x_panel * w_panel over
// `depth` values of p. kRows <= kTileRows; the accumulators are named
// variables rather than an array so that they live in registers on every
// target (arrays of sizeless SVE vectors are not even allowed).
template <size_t kRows, class D>
HWY_INLINE void MicroKernel(D d, const float* HWY_RESTRICT x_panel,
                            const float* HWY_RESTRICT w_panel, size_t depth,
                            const float* HWY_RESTRICT bias, bool accumulate,
                            size_t cols, float* HWY_RESTRICT y, size_t ldy) {
  static_assert(kRows >= 1 && kRows <= 12, "tile has at most 12 rows");
  using V = hn::VFromD<D>;
  const size_t N = hn::Lanes(d);
  V c0_0 = hn::Zero(d), c0_1 = hn::Zero(d), c1_0 = hn::Zero(d),
    c1_1 = hn::Zero(d), c2_0 = hn::Zero(d), c2_1 = hn::Zero(d),
    c3_0 = hn::Zero(d), c3_1 = hn::Zero(d), c4_0 = hn::Zero(d),
    c4_1 = hn::Zero(d), c5_0 = hn::Zero(d), c5_1 = hn::Zero(d),
    c6_0 = hn::Zero(d), c6_1 = hn::Zero(d), c7_0 = hn::Zero(d),
    c7_1 = hn::Zero(d), c8_0 = hn::Zero(d), c8_1 = hn::Zero(d),
    c9_0 = hn::Zero(d), c9_1 = hn::Zero(d), c10_0 = hn::Zero(d),
    c10_1 = hn::Zero(d), c11_0 = hn::Zero(d), c11_1 = hn::Zero(d);
  for (size_t p = 0; p < depth; ++p) {
    const V w0 = hn::Load(d, w_panel + p * 2 * N);
    const V w1 = hn::Load(d, w_panel + p * 2 * N + N);
    const float* HWY_RESTRICT xp = x_panel + p * kTileRows;
#define WISP_TILE_ROW_FMA(r)                 \
  if constexpr (kRows > r) {                 \
    const V xr = hn::Set(d, xp[r]);          \
    c##r##_0 = hn::MulAdd(xr, w0, c##r##_0); \
    c##r##_1 = hn::MulAdd(xr, w1, c##r##_1); \
  }
    WISP_TILE_ROW_FMA(0)
    WISP_TILE_ROW_FMA(1)
    WISP_TILE_ROW_FMA(2)
    WISP_TILE_ROW_FMA(3)
    WISP_TILE_ROW_FMA(4)
    WISP_TILE_ROW_FMA(5)
    WISP_TILE_ROW_FMA(6)
    WISP_TILE_ROW_FMA(7)
    WISP_TILE_ROW_FMA(8)
    WISP_TILE_ROW_FMA(9)
    WISP_TILE_ROW_FMA(10)
    WISP_TILE_ROW_FMA(11)
#undef WISP_TILE_ROW_FMA
  }
#define WISP_TILE_ROW_STORE(r)                                                \
  if constexpr (kRows > r) {                                                  \
    StoreTileRow(d, c##r##_0, c##r##_1, bias, accumulate, cols, y + r * ldy); \
  }
  WISP_TILE_ROW_STORE(0)
  WISP_TILE_ROW_STORE(1)
  WISP_TILE_ROW_STORE(2)
  WISP_TILE_ROW_STORE(3)
  WISP_TILE_ROW_STORE(4)
  WISP_TILE_ROW_STORE(5)
  WISP_TILE_ROW_STORE(6)
  WISP_TILE_ROW_STORE(7)
  WISP_TILE_ROW_STORE(8)
  WISP_TILE_ROW_STORE(9)
  WISP_TILE_ROW_STORE(10)
  WISP_TILE_ROW_STORE(11)
#undef WISP_TILE_ROW_STORE
}

// Runs the micro-kernel for a panel of `rows` <= kTileRows rows, choosing the
// instantiation at run time (only the last panel of a matrix is short).
template <class D>
HWY_INLINE void MicroKernelRows(D d, size_t rows, const float* x_panel,
                                const float* w_panel, size_t depth,
                                const float* bias, bool accumulate, size_t cols,
                                float* y, size_t ldy) {
  switch (rows) {
#define WISP_TILE_CASE(r)                                                   \
  case r:                                                                   \
    if constexpr (r <= kTileRows) {                                         \
      MicroKernel<r>(d, x_panel, w_panel, depth, bias, accumulate, cols, y, \
                     ldy);                                                  \
    }                                                                       \
    break;
    WISP_TILE_CASE(1)
    WISP_TILE_CASE(2)
    WISP_TILE_CASE(3)
    WISP_TILE_CASE(4)
    WISP_TILE_CASE(5)
    WISP_TILE_CASE(6)
    WISP_TILE_CASE(7)
    WISP_TILE_CASE(8)
    WISP_TILE_CASE(9)
    WISP_TILE_CASE(10)
    WISP_TILE_CASE(11)
    WISP_TILE_CASE(12)
#undef WISP_TILE_CASE
    default:
      break;
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_GEMM_TILE_INL_H_
