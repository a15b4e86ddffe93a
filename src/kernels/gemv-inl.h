// The GEMV's row kernels, per Highway target: y[r] = dot(x, w row r) for
// groups of up to four rows of f32 or bf16 weights. Included from matmul.cc
// once per target.
//
// Decoding reads every weight once per token, so these are bound by memory
// bandwidth: four rows share each load of x, and bf16 rows halve the bytes.
// A group of fewer than 4 rows repeats its last row in the empty slots, so
// every row runs the same instructions: its bits do not depend on which
// group it fell into (that is, on the thread split).
#if defined(WISP_KERNELS_GEMV_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_GEMV_INL_H_
#undef WISP_KERNELS_GEMV_INL_H_
#else
#define WISP_KERNELS_GEMV_INL_H_
#endif

#include <stddef.h>
#include <stdint.h>

#include "hwy/highway.h"
#include "src/kernels/bf16.h"
#include "src/kernels/prefetch.h"
#include "src/kernels/vector_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// How far ahead of its loads each row stream prefetches. The hardware
// prefetcher alone kept a core's GEMV at about 60 % of the triad bandwidth
// on Zen 5; asking for the line 1 KiB ahead in each of the four streams ran
// 1.25x faster (256 to 2048 bytes all helped; 1 KiB was best). Into L2
// (PrefetchToL2): on Zen 4 1.2x faster than into L1; there 512 B ran as
// well as 1 KiB, 2 KiB no better than the L1 prefetch.
constexpr size_t kGemvPrefetchBytes = 1024;

// Adds up the lanes of four vectors at once: out[r] = sum of the lanes of
// s_r. Interleaving pairs of rows and then pairs of pairs leaves each 128-bit
// block holding (s0, s1, s2, s3) partial sums, so the blocks just add up;
// cheaper than four separate horizontal sums. Row r's result depends only on
// s_r, whatever the other three hold.
template <class DF>
HWY_INLINE void SumLanes4(DF d, hn::VFromD<DF> s0, hn::VFromD<DF> s1,
                          hn::VFromD<DF> s2, hn::VFromD<DF> s3, float* out) {
#if HWY_TARGET == HWY_SCALAR
  (void)d;
  out[0] = hn::GetLane(s0);
  out[1] = hn::GetLane(s1);
  out[2] = hn::GetLane(s2);
  out[3] = hn::GetLane(s3);
#else
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

// The rows of one group: row r at w + r * step * k for r < rows, and the
// last of them again in the slots past `rows` (1 to kSlots). Also the tiles
// of the dot-product GEMM (gemm_dot-inl.h) take their rows this way.
template <size_t kSlots, class T>
HWY_INLINE void GroupRows(const T* w, size_t k, size_t rows, size_t step,
                          const T* (&out)[kSlots]) {
  for (size_t r = 0; r < kSlots; ++r)
    out[r] = w + (r < rows ? r : rows - 1) * step * k;
}

// y[r * step] = dot(x, w + r * step * k) (+ bias[r * step]) for r < rows
// (1 to 4), two accumulators per row. The caller picks `step` so that each
// of the four rows walks its own contiguous stretch of w across successive
// calls: four sequential streams the hardware prefetcher follows, rather
// than four streams that jump every few kilobytes.
template <class DF>
HWY_INLINE void GemvRows(DF d, const float* HWY_RESTRICT x,
                         const float* HWY_RESTRICT w, size_t k, size_t rows,
                         size_t step, const float* HWY_RESTRICT bias,
                         float* HWY_RESTRICT y) {
  using V = hn::VFromD<DF>;
  const size_t N = hn::Lanes(d);
  const float* rows_w[4];
  GroupRows(w, k, rows, step, rows_w);
  const float* HWY_RESTRICT w0 = rows_w[0];
  const float* HWY_RESTRICT w1 = rows_w[1];
  const float* HWY_RESTRICT w2 = rows_w[2];
  const float* HWY_RESTRICT w3 = rows_w[3];
  V a00 = hn::Zero(d), a01 = hn::Zero(d), a10 = hn::Zero(d), a11 = hn::Zero(d),
    a20 = hn::Zero(d), a21 = hn::Zero(d), a30 = hn::Zero(d), a31 = hn::Zero(d);
  // Two cache lines per row per step (AVX-512): prefetch both.
  constexpr size_t kAhead = kGemvPrefetchBytes / sizeof(float);
  size_t i = 0;
  for (; i + 2 * N <= k; i += 2 * N) {
    PrefetchToL2(w0 + i + kAhead);
    PrefetchToL2(w0 + i + kAhead + N);
    PrefetchToL2(w1 + i + kAhead);
    PrefetchToL2(w1 + i + kAhead + N);
    PrefetchToL2(w2 + i + kAhead);
    PrefetchToL2(w2 + i + kAhead + N);
    PrefetchToL2(w3 + i + kAhead);
    PrefetchToL2(w3 + i + kAhead + N);
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
  SumLanes4(d, hn::Add(a00, a01), hn::Add(a10, a11), hn::Add(a20, a21),
            hn::Add(a30, a31), sums);
  for (size_t r = 0; r < rows; ++r) {
    y[r * step] = bias != nullptr ? sums[r] + bias[r * step] : sums[r];
  }
}

// Writes x in the order the bf16 row kernel consumes it: for each block of
// 2N values (N = f32 lanes), first the even-indexed, then the odd-indexed
// ones. Values past the last whole block are not written (the tail is read
// from x itself).
template <class DF>
HWY_INLINE void DeinterleaveBlocks(DF d, const float* HWY_RESTRICT x, size_t k,
                                   float* HWY_RESTRICT out) {
  const size_t N = hn::Lanes(d);
  for (size_t i = 0; i + 2 * N <= k; i += 2 * N) {
    for (size_t j = 0; j < N; ++j) {
      out[i + j] = x[i + 2 * j];
      out[i + N + j] = x[i + 2 * j + 1];
    }
  }
}

// Widens the 2N bf16 values at p (any alignment) to two f32 vectors, the
// even-indexed values and the odd-indexed ones. A bf16 is the upper half of
// a float, so a 32-bit lane holding a little-endian pair splits into its
// two floats with one shift and one mask: cheaper than an in-order widen.
template <class DF>
HWY_INLINE void LoadBf16Pairs(DF d, const uint16_t* HWY_RESTRICT p,
                              hn::VFromD<DF>& even, hn::VFromD<DF>& odd) {
  const hn::RebindToUnsigned<DF> du;
  const auto pairs =
      hn::LoadU(du, reinterpret_cast<const uint32_t * HWY_RESTRICT>(p));
  even = hn::BitCast(d, hn::ShiftLeft<16>(pairs));
  odd = hn::BitCast(d, hn::And(pairs, hn::Set(du, 0xFFFF0000u)));
}

// GemvRows for bf16 rows: f32 products and sums of the exactly widened
// weights. x_blocks is x after DeinterleaveBlocks.
template <class DF>
HWY_INLINE void GemvRowsBf16(DF d, const float* HWY_RESTRICT x,
                             const float* HWY_RESTRICT x_blocks,
                             const uint16_t* HWY_RESTRICT w, size_t k,
                             size_t rows, size_t step,
                             const float* HWY_RESTRICT bias,
                             float* HWY_RESTRICT y) {
  using V = hn::VFromD<DF>;
  const size_t N = hn::Lanes(d);
  const uint16_t* rows_w[4];
  GroupRows(w, k, rows, step, rows_w);
  const uint16_t* HWY_RESTRICT w0 = rows_w[0];
  const uint16_t* HWY_RESTRICT w1 = rows_w[1];
  const uint16_t* HWY_RESTRICT w2 = rows_w[2];
  const uint16_t* HWY_RESTRICT w3 = rows_w[3];
  V a00 = hn::Zero(d), a01 = hn::Zero(d), a10 = hn::Zero(d), a11 = hn::Zero(d),
    a20 = hn::Zero(d), a21 = hn::Zero(d), a30 = hn::Zero(d), a31 = hn::Zero(d);
  // One cache line per row per step (AVX-512).
  constexpr size_t kAhead = kGemvPrefetchBytes / sizeof(uint16_t);
  size_t i = 0;
  for (; i + 2 * N <= k; i += 2 * N) {
    PrefetchToL2(w0 + i + kAhead);
    PrefetchToL2(w1 + i + kAhead);
    PrefetchToL2(w2 + i + kAhead);
    PrefetchToL2(w3 + i + kAhead);
    const V x_even = hn::Load(d, x_blocks + i);
    const V x_odd = hn::Load(d, x_blocks + i + N);
    V even, odd;
    LoadBf16Pairs(d, w0 + i, even, odd);
    a00 = hn::MulAdd(x_even, even, a00);
    a01 = hn::MulAdd(x_odd, odd, a01);
    LoadBf16Pairs(d, w1 + i, even, odd);
    a10 = hn::MulAdd(x_even, even, a10);
    a11 = hn::MulAdd(x_odd, odd, a11);
    LoadBf16Pairs(d, w2 + i, even, odd);
    a20 = hn::MulAdd(x_even, even, a20);
    a21 = hn::MulAdd(x_odd, odd, a21);
    LoadBf16Pairs(d, w3 + i, even, odd);
    a30 = hn::MulAdd(x_even, even, a30);
    a31 = hn::MulAdd(x_odd, odd, a31);
  }
  float sums[4];
  SumLanes4(d, hn::Add(a00, a01), hn::Add(a10, a11), hn::Add(a20, a21),
            hn::Add(a30, a31), sums);
  // The tail (fewer than 2N values) in scalar code, the same for every row.
  for (size_t r = 0; r < rows; ++r) {
    float tail = 0.0f;
    for (size_t p = i; p < k; ++p) {
      tail += x[p] * Bf16ToF32(rows_w[r][p]);
    }
    const float sum = sums[r] + tail;
    y[r * step] = bias != nullptr ? sum + bias[r * step] : sum;
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_GEMV_INL_H_
