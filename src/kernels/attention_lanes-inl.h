// The query-block path of the fused attention forward (attention.cc): the
// query rows of a block sit in vector lanes, two vectors of rows per chunk.
// Scores are then S[key][rows] = sum_d K[key][d] * Qt[d][rows] and the output
// Ot[d][rows] += sum_key V[key][d] * P[key][rows]: both are small GEMMs that
// broadcast elements of the key or value rows straight from the cache (no
// transposed copy of a tile) against vectors of query rows, several keys (or
// output dimensions) at a time in registers. The online softmax is then
// vertical: each lane keeps its own maximum and sum, so no horizontal
// reduction runs per tile and a row's result never depends on the other rows
// of its chunk. Toggle guard as in vector_ops-inl.h.
#if defined(WISP_KERNELS_ATTENTION_LANES_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WISP_KERNELS_ATTENTION_LANES_INL_H_
#undef WISP_KERNELS_ATTENTION_LANES_INL_H_
#else
#define WISP_KERNELS_ATTENTION_LANES_INL_H_
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "src/kernels/attention.h"
#include "src/kernels/gemm_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using LaneTag = hn::ScalableTag<float>;

// Keys (scores) or output dimensions per register tile: with two vectors of
// rows, 8 x 2 accumulators fit AVX-512's 32 registers beside the two row
// vectors and a broadcast; the 16 registers of AVX2 and SSE4 take 4 x 2.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kLaneTileWidth = 12;
#else
constexpr size_t kLaneTileWidth = 4;
#endif

static_assert(2 * hn::MaxLanes(LaneTag()) <= kAttentionLaneRows,
              "AttentionForwardScratch assumes chunks of at most 32 rows");

// Rows of one chunk: two vectors.
HWY_INLINE size_t LaneRows() { return 2 * hn::Lanes(LaneTag()); }

// For u < U: out[u] = init (or 0) + sum_{t < len} a[u * au + t * at] * b[t],
// where out[u], init[u] and b[t] are pairs of row vectors (stride
// 2 * Lanes) and init is scaled by `alpha` first. The sum runs in order of t,
// one multiply-add chain per output vector, so the bits depend only on the
// inputs. QK^T: a = key rows (au = kv_stride, at = 1), b = Qt, len = head_dim.
// PV: a = value rows (au = 1, at = kv_stride), b = P, len = keys of the tile.
template <size_t U>
HWY_INLINE void LaneTile(const float* HWY_RESTRICT a, size_t au, size_t at,
                         const float* HWY_RESTRICT b, size_t len,
                         const float* init, hn::Vec<LaneTag> alpha0,
                         hn::Vec<LaneTag> alpha1, float* out) {
  const LaneTag d;
  const size_t N = hn::Lanes(d);
  hn::Vec<LaneTag> acc0[U], acc1[U];
  for (size_t u = 0; u < U; ++u) {
    if (init != nullptr) {
      acc0[u] = hn::Mul(hn::LoadU(d, init + u * 2 * N), alpha0);
      acc1[u] = hn::Mul(hn::LoadU(d, init + u * 2 * N + N), alpha1);
    } else {
      acc0[u] = hn::Zero(d);
      acc1[u] = hn::Zero(d);
    }
  }
  for (size_t t = 0; t < len; ++t) {
    const auto b0 = hn::LoadU(d, b + t * 2 * N);
    const auto b1 = hn::LoadU(d, b + t * 2 * N + N);
    const float* HWY_RESTRICT a_t = a + t * at;
    for (size_t u = 0; u < U; ++u) {
      const auto x = hn::Set(d, a_t[u * au]);
      acc0[u] = hn::MulAdd(x, b0, acc0[u]);
      acc1[u] = hn::MulAdd(x, b1, acc1[u]);
    }
  }
  for (size_t u = 0; u < U; ++u) {
    hn::StoreU(acc0[u], d, out + u * 2 * N);
    hn::StoreU(acc1[u], d, out + u * 2 * N + N);
  }
}

// LaneTile over `width` outputs (keys or dimensions): full register tiles,
// then one narrower tile for the remainder. `ua` is the step of a per output.
HWY_INLINE void LaneTiles(size_t width, const float* HWY_RESTRICT a, size_t au,
                          size_t at, const float* HWY_RESTRICT b, size_t len,
                          float* init, hn::Vec<LaneTag> alpha0,
                          hn::Vec<LaneTag> alpha1, float* out) {
  const size_t step = LaneRows();
  constexpr size_t W = kLaneTileWidth;
  size_t u = 0;
  for (; u + W <= width; u += W) {
    LaneTile<W>(a + u * au, au, at, b, len,
                init == nullptr ? nullptr : init + u * step, alpha0, alpha1,
                out + u * step);
  }
  // The remainder in tiles of 8 (AVX-512 only), 4, then 1 to 3.
  auto tile = [&](auto width_tag) {
    constexpr size_t kWidth = decltype(width_tag)::value;
    LaneTile<kWidth>(a + u * au, au, at, b, len,
                     init == nullptr ? nullptr : init + u * step, alpha0,
                     alpha1, out + u * step);
    u += kWidth;
  };
  if (W > 8 && u + 8 <= width) tile(std::integral_constant<size_t, 8>());
  if (W > 4 && u + 4 <= width) tile(std::integral_constant<size_t, 4>());
  switch (width - u) {
    case 3:
      return tile(std::integral_constant<size_t, 3>());
    case 2:
      return tile(std::integral_constant<size_t, 2>());
    case 1:
      return tile(std::integral_constant<size_t, 1>());
    default:
      return;
  }
}

// Rows of a block in lane order: lane l is query l % n_queries of group head
// l / n_queries, so the rows of one group head are contiguous lanes and move
// in and out with one strided transposition each.
struct LaneSegment {
  size_t lane, g, i, count;  // lanes [lane, lane + count) = queries i.. of g
};

// Calls fn(segment) for the lanes [l0, l0 + lanes) of head `h`.
template <class Fn>
HWY_INLINE void ForEachSegment(const AttentionHead& h, size_t l0, size_t lanes,
                               const Fn& fn) {
  for (size_t l = l0; l < l0 + lanes;) {
    const size_t g = l / h.n_queries, i = l % h.n_queries;
    const size_t rest = h.n_queries - i, left = l0 + lanes - l;
    const size_t count = rest < left ? rest : left;
    fn(LaneSegment{l - l0, g, i, count});
    l += count;
  }
}

// Attention of the rows [l0, l0 + lanes) (lane order) of `h`, lanes <=
// LaneRows(). Scratch: the transposed scaled queries Qt[head_dim][rows], the
// transposed output Ot[head_dim][rows], the probabilities P[tile][rows] and
// the rows' visible key counts.
HWY_INLINE void LaneChunk(const AttentionHead& h, size_t l0, size_t lanes,
                          float* HWY_RESTRICT lse,
                          float* HWY_RESTRICT scratch) {
  const LaneTag d;
  const size_t N = hn::Lanes(d), rows = 2 * N, hd = h.head_dim;
  constexpr size_t kTile = kAttentionLaneKeyTile;
  float* HWY_RESTRICT qt = scratch;
  float* HWY_RESTRICT ot = qt + hd * rows;
  float* HWY_RESTRICT p = ot + hd * rows;
  float* HWY_RESTRICT vis = p + kTile * rows;

  // Padding lanes see no keys and have zero queries.
  if (lanes < rows) memset(qt, 0, hd * rows * sizeof(float));
  memset(ot, 0, hd * rows * sizeof(float));
  memset(vis, 0, rows * sizeof(float));
  size_t max_keys = 0, min_keys = SIZE_MAX;
  ForEachSegment(h, l0, lanes, [&](const LaneSegment& s) {
    TransposeInto(h.q + s.i * h.q_stride + s.g * hd, h.q_stride, s.count, hd,
                  qt + s.lane, rows);
    for (size_t k = 0; k < s.count; ++k) {
      const size_t v = h.visible[s.i + k];
      vis[s.lane + k] = static_cast<float>(v);
      max_keys = v > max_keys ? v : max_keys;
      min_keys = v < min_keys ? v : min_keys;
    }
  });
  const auto scale = hn::Set(d, h.scale);
  for (size_t k = 0; k < hd * rows; k += N) {
    hn::StoreU(hn::Mul(hn::LoadU(d, qt + k), scale), d, qt + k);
  }

  const auto lowest = hn::Set(d, -hwy::HighestValue<float>());
  const auto vis0 = hn::LoadU(d, vis), vis1 = hn::LoadU(d, vis + N);
  auto max0 = lowest, max1 = lowest;
  auto sum0 = hn::Zero(d), sum1 = hn::Zero(d);
  for (size_t j0 = 0; j0 < max_keys; j0 += kTile) {
    const size_t count = max_keys - j0 < kTile ? max_keys - j0 : kTile;
    LaneTiles(count, h.keys + j0 * h.kv_stride, h.kv_stride, 1, qt, hd, nullptr,
              lowest, lowest, p);
    // Only a tile that reaches past some row's last key needs masks.
    const bool masked = j0 + count > min_keys;
    auto tile0 = lowest, tile1 = lowest;
    for (size_t c = 0; c < count; ++c) {
      auto s0 = hn::LoadU(d, p + c * rows), s1 = hn::LoadU(d, p + c * rows + N);
      if (masked) {
        const auto key = hn::Set(d, static_cast<float>(j0 + c));
        s0 = hn::IfThenElse(hn::Lt(key, vis0), s0, lowest);
        s1 = hn::IfThenElse(hn::Lt(key, vis1), s1, lowest);
      }
      tile0 = hn::Max(tile0, s0);
      tile1 = hn::Max(tile1, s1);
    }
    // A lane whose maximum did not grow rescales by exp(0) = 1 exactly, and
    // masked keys add exact zeros: tiles past a row's keys leave it as is.
    const auto new0 = hn::Max(max0, tile0), new1 = hn::Max(max1, tile1);
    const auto alpha0 = hn::Exp(d, hn::Sub(max0, new0));
    const auto alpha1 = hn::Exp(d, hn::Sub(max1, new1));
    max0 = new0;
    max1 = new1;
    auto add0 = hn::Zero(d), add1 = hn::Zero(d);
    for (size_t c = 0; c < count; ++c) {
      auto e0 = hn::Exp(d, hn::Sub(hn::LoadU(d, p + c * rows), max0));
      auto e1 = hn::Exp(d, hn::Sub(hn::LoadU(d, p + c * rows + N), max1));
      if (masked) {
        const auto key = hn::Set(d, static_cast<float>(j0 + c));
        e0 = hn::IfThenElseZero(hn::Lt(key, vis0), e0);
        e1 = hn::IfThenElseZero(hn::Lt(key, vis1), e1);
      }
      hn::StoreU(e0, d, p + c * rows);
      hn::StoreU(e1, d, p + c * rows + N);
      add0 = hn::Add(add0, e0);
      add1 = hn::Add(add1, e1);
    }
    sum0 = hn::MulAdd(sum0, alpha0, add0);
    sum1 = hn::MulAdd(sum1, alpha1, add1);
    LaneTiles(hd, h.values + j0 * h.kv_stride, 1, h.kv_stride, p, count, ot,
              alpha0, alpha1, ot);
  }

  // Rows without keys have a zero sum and a zero output: keep it zero.
  const auto zero = hn::Zero(d);
  const auto inv0 =
      hn::IfThenElseZero(hn::Gt(sum0, zero), hn::Div(hn::Set(d, 1.0f), sum0));
  const auto inv1 =
      hn::IfThenElseZero(hn::Gt(sum1, zero), hn::Div(hn::Set(d, 1.0f), sum1));
  for (size_t k = 0; k < hd; ++k) {
    float* HWY_RESTRICT o = ot + k * rows;
    hn::StoreU(hn::Mul(hn::LoadU(d, o), inv0), d, o);
    hn::StoreU(hn::Mul(hn::LoadU(d, o + N), inv1), d, o + N);
  }
  if (lse != nullptr) {
    const auto inf = hn::Set(d, -INFINITY);
    hn::StoreU(hn::IfThenElse(hn::Gt(sum0, zero),
                              hn::Add(max0, hn::Log(d, sum0)), inf),
               d, vis);
    hn::StoreU(hn::IfThenElse(hn::Gt(sum1, zero),
                              hn::Add(max1, hn::Log(d, sum1)), inf),
               d, vis + N);
  }
  ForEachSegment(h, l0, lanes, [&](const LaneSegment& s) {
    TransposeInto(ot + s.lane, rows, hd, s.count,
                  h.out + s.i * h.out_stride + s.g * hd, h.out_stride);
    if (lse == nullptr) return;
    for (size_t k = 0; k < s.count; ++k) {
      lse[(s.i + k) * h.group + s.g] = vis[s.lane + k];
    }
  });
}

// The query-block path over all rows of `h`, one chunk of LaneRows() at a
// time; the chunks re-read the head's keys and values, from cache.
HWY_INLINE void LaneForward(const AttentionHead& h, float* HWY_RESTRICT lse,
                            float* HWY_RESTRICT scratch) {
  const size_t total = h.n_queries * h.group, rows = LaneRows();
  for (size_t l0 = 0; l0 < total; l0 += rows) {
    LaneChunk(h, l0, total - l0 < rows ? total - l0 : rows, lse, scratch);
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_ATTENTION_LANES_INL_H_
