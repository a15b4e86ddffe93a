// Per-target pieces shared by the fused attention forward (attention.cc) and
// backward (attention_backward.cc): a tile of kAttentionKeyTile keys is
// transposed to [head_dim][tile] so that the scores of one query against the
// whole tile are head_dim multiply-adds of a broadcast query element, however
// small head_dim is (8 for stories260K, where a dot product per key would
// waste most of a vector). Toggle guard as in vector_ops-inl.h.
#if defined(WISP_KERNELS_ATTENTION_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_ATTENTION_TILE_INL_H_
#undef WISP_KERNELS_ATTENTION_TILE_INL_H_
#else
#define WISP_KERNELS_ATTENTION_TILE_INL_H_
#endif

#include <stddef.h>
#include <string.h>

#include "hwy/highway.h"
#include "src/kernels/attention.h"
#include "src/kernels/gemm_tile-inl.h"
#include "src/kernels/vector_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Vectors over the keys of a tile: a tile is kAttentionKeyTile / Lanes of
// them (one on AVX-512).
using KeyTag = hn::CappedTag<float, kAttentionKeyTile>;

// tile[d * kAttentionKeyTile + c] = rows[c * stride + d] for c < count,
// d < head_dim; columns count.. are zero, so they add nothing anywhere.
HWY_INLINE void LoadTransposedTile(const float* HWY_RESTRICT rows,
                                   size_t stride, size_t count, size_t head_dim,
                                   float* HWY_RESTRICT tile) {
  if (count < kAttentionKeyTile) {
    memset(tile, 0, head_dim * kAttentionKeyTile * sizeof(float));
  }
  TransposeInto(rows, stride, count, head_dim, tile, kAttentionKeyTile);
}

// out[c] = sum_d x[d] * tile[d][c] for all c of the tile. Two accumulators
// per vector (even and odd d) halve the multiply-add dependency chain; their
// order is fixed, so forward and backward compute the same bits.
HWY_INLINE void TileDots(const float* HWY_RESTRICT x,
                         const float* HWY_RESTRICT tile, size_t head_dim,
                         float* HWY_RESTRICT out) {
  const KeyTag dk;
  const size_t N = hn::Lanes(dk);
  for (size_t c = 0; c < kAttentionKeyTile; c += N) {
    auto even = hn::Zero(dk), odd = hn::Zero(dk);
    size_t d = 0;
    for (; d + 2 <= head_dim; d += 2) {
      const float* HWY_RESTRICT t = tile + d * kAttentionKeyTile + c;
      even = hn::MulAdd(hn::Set(dk, x[d]), hn::LoadU(dk, t), even);
      odd = hn::MulAdd(hn::Set(dk, x[d + 1]),
                       hn::LoadU(dk, t + kAttentionKeyTile), odd);
    }
    if (d < head_dim) {
      even = hn::MulAdd(hn::Set(dk, x[d]),
                        hn::LoadU(dk, tile + d * kAttentionKeyTile + c), even);
    }
    hn::StoreU(hn::Add(even, odd), dk, out + c);
  }
}

// The scaled scores of a query against a tile; lanes from `valid` on (keys
// the query does not see, or past the end) become the lowest float, which
// exponentiates to exactly 0 against any real maximum.
HWY_INLINE void TileScores(const float* HWY_RESTRICT q,
                           const float* HWY_RESTRICT key_tile, size_t head_dim,
                           float scale, size_t valid,
                           float* HWY_RESTRICT scores) {
  const KeyTag dk;
  const size_t N = hn::Lanes(dk);
  TileDots(q, key_tile, head_dim, scores);
  const auto scale_v = hn::Set(dk, scale);
  const auto lowest = hn::Set(dk, -hwy::HighestValue<float>());
  for (size_t c = 0; c < kAttentionKeyTile; c += N) {
    const size_t live = valid > c ? valid - c : 0;
    const auto s = hn::Mul(hn::LoadU(dk, scores + c), scale_v);
    hn::StoreU(hn::IfThenElse(hn::FirstN(dk, live), s, lowest), dk, scores + c);
  }
}

// acc[0, n) += sum_{c < count} w[c] * rows[c * stride + (0, n)]: the
// probability-weighted sum of value rows, or the score-gradient-weighted sum
// of key rows. Consecutive rows go to separate accumulators (combined in a
// fixed order) so consecutive multiply-adds do not wait on each other.
template <class D>
HWY_INLINE void AccumulateRows(D d, const float* HWY_RESTRICT w,
                               const float* HWY_RESTRICT rows, size_t stride,
                               size_t count, size_t n,
                               float* HWY_RESTRICT acc) {
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    auto a0 = hn::LoadU(d, acc + i), a1 = hn::LoadU(d, acc + i + N);
    auto b0 = hn::Zero(d), b1 = hn::Zero(d);
    size_t c = 0;
    for (; c + 2 <= count; c += 2) {
      const float* HWY_RESTRICT r0 = rows + c * stride + i;
      const float* HWY_RESTRICT r1 = r0 + stride;
      const auto w0 = hn::Set(d, w[c]), w1 = hn::Set(d, w[c + 1]);
      a0 = hn::MulAdd(w0, hn::LoadU(d, r0), a0);
      a1 = hn::MulAdd(w0, hn::LoadU(d, r0 + N), a1);
      b0 = hn::MulAdd(w1, hn::LoadU(d, r1), b0);
      b1 = hn::MulAdd(w1, hn::LoadU(d, r1 + N), b1);
    }
    if (c < count) {
      const float* HWY_RESTRICT r0 = rows + c * stride + i;
      const auto w0 = hn::Set(d, w[c]);
      a0 = hn::MulAdd(w0, hn::LoadU(d, r0), a0);
      a1 = hn::MulAdd(w0, hn::LoadU(d, r0 + N), a1);
    }
    hn::StoreU(hn::Add(a0, b0), d, acc + i);
    hn::StoreU(hn::Add(a1, b1), d, acc + i + N);
  }
  // One vector at a time (all of a head of 8): four accumulators, as this
  // loop is the chain the whole attention of a small head waits on.
  for (; i < n; i += N) {
    const size_t part = n - i < N ? n - i : N;
    auto a0 = LoadPart(d, acc + i, part), a1 = hn::Zero(d);
    auto a2 = hn::Zero(d), a3 = hn::Zero(d);
    size_t c = 0;
    for (; c + 4 <= count; c += 4) {
      const float* HWY_RESTRICT r0 = rows + c * stride + i;
      a0 = hn::MulAdd(hn::Set(d, w[c]), LoadPart(d, r0, part), a0);
      a1 = hn::MulAdd(hn::Set(d, w[c + 1]), LoadPart(d, r0 + stride, part), a1);
      a2 = hn::MulAdd(hn::Set(d, w[c + 2]), LoadPart(d, r0 + 2 * stride, part),
                      a2);
      a3 = hn::MulAdd(hn::Set(d, w[c + 3]), LoadPart(d, r0 + 3 * stride, part),
                      a3);
    }
    for (; c < count; ++c) {
      a0 = hn::MulAdd(hn::Set(d, w[c]),
                      LoadPart(d, rows + c * stride + i, part), a0);
    }
    StorePart(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)), acc + i, part);
  }
}

// The most keys any query of `h` sees: the keys a call visits, in tiles.
HWY_INLINE size_t MaxVisible(const AttentionHead& h) {
  size_t max_keys = 0;
  for (size_t i = 0; i < h.n_queries; ++i) {
    if (h.visible[i] > max_keys) max_keys = h.visible[i];
  }
  return max_keys;
}

// Keys of the tile [j0, j0 + count) that query i sees (0: skip the tile).
HWY_INLINE size_t VisibleInTile(const AttentionHead& h, size_t i, size_t j0,
                                size_t count) {
  if (h.visible[i] <= j0) return 0;
  return h.visible[i] - j0 < count ? h.visible[i] - j0 : count;
}

// Calls body(tag) with the vector tag for rows of head_dim floats: a head of
// 8 floats runs 8-wide on AVX-512 rather than as half-masked 16-wide vectors.
template <class Body>
HWY_INLINE void WithRowTag(size_t head_dim, const Body& body) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 8> d8;
  if (head_dim <= 8 && hn::Lanes(d8) < hn::Lanes(d)) {
    body(d8);
  } else {
    body(d);
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_ATTENTION_TILE_INL_H_
