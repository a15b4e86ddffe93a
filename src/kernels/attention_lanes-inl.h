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
#include "src/kernels/vector_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using LaneTag = hn::ScalableTag<float>;

// Keys (scores) or output dimensions per register tile of RV vectors of
// rows: with two vectors, 12 x 2 accumulators fit AVX-512's 32 registers
// beside the two row vectors and a broadcast; the 16 registers of AVX2 and
// SSE4 take 4 x 2. One vector of rows takes twice as many.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kLaneTileWidth = 12;
#else
constexpr size_t kLaneTileWidth = 4;
#endif

static_assert(2 * hn::MaxLanes(LaneTag()) <= kAttentionLaneRows,
              "AttentionForwardScratch assumes chunks of at most 32 rows");

// For u < U: out[u] = init[u] * alpha (or 0) + sum_{t < len} a[u * au + t *
// at] * b[t], where out[u], init[u] and b[t] are RV row vectors (stride
// RV * Lanes). The sum runs in order of t, one multiply-add chain per output
// vector, so a lane's bits depend only on its own inputs, whatever RV is.
// QK^T: a = key rows (au = kv_stride, at = 1), b = Qt, len = head_dim.
// PV: a = value rows (au = 1, at = kv_stride), b = P, len = keys of the tile.
template <size_t U, size_t RV>
HWY_INLINE void LaneTile(const float* HWY_RESTRICT a, size_t au, size_t at,
                         const float* HWY_RESTRICT b, size_t len,
                         const float* init, const hn::Vec<LaneTag>* alpha,
                         float* out) {
  const LaneTag d;
  const size_t N = hn::Lanes(d), step = RV * N;
  hn::Vec<LaneTag> acc[U][RV];
  for (size_t u = 0; u < U; ++u) {
    for (size_t r = 0; r < RV; ++r) {
      acc[u][r] =
          init == nullptr
              ? hn::Zero(d)
              : hn::Mul(hn::LoadU(d, init + u * step + r * N), alpha[r]);
    }
  }
  for (size_t t = 0; t < len; ++t) {
    hn::Vec<LaneTag> bt[RV];
    for (size_t r = 0; r < RV; ++r) bt[r] = hn::LoadU(d, b + t * step + r * N);
    const float* HWY_RESTRICT a_t = a + t * at;
    for (size_t u = 0; u < U; ++u) {
      const auto x = hn::Set(d, a_t[u * au]);
      for (size_t r = 0; r < RV; ++r)
        acc[u][r] = hn::MulAdd(x, bt[r], acc[u][r]);
    }
  }
  for (size_t u = 0; u < U; ++u) {
    for (size_t r = 0; r < RV; ++r) {
      hn::StoreU(acc[u][r], d, out + u * step + r * N);
    }
  }
}

// LaneTile over `width` outputs (keys or dimensions): full register tiles,
// then narrower ones for the remainder. `au` is the step of a per output.
template <size_t RV>
HWY_INLINE void LaneTiles(size_t width, const float* HWY_RESTRICT a, size_t au,
                          size_t at, const float* HWY_RESTRICT b, size_t len,
                          float* init, const hn::Vec<LaneTag>* alpha,
                          float* out) {
  const size_t step = RV * hn::Lanes(LaneTag());
  constexpr size_t W = kLaneTileWidth * 2 / RV;
  size_t u = 0;
  auto tile = [&](auto width_tag) {
    constexpr size_t kWidth = decltype(width_tag)::value;
    LaneTile<kWidth, RV>(a + u * au, au, at, b, len,
                         init == nullptr ? nullptr : init + u * step, alpha,
                         out + u * step);
    u += kWidth;
  };
  while (u + W <= width) tile(std::integral_constant<size_t, W>());
  // The remainder in tiles of 16, 8 and 4 (where narrower than W), then 1-3.
  if (W > 16 && u + 16 <= width) tile(std::integral_constant<size_t, 16>());
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

// Keys seen by the rows of a chunk: the fewest and the most.
struct KeyCounts {
  size_t min, max;
};

// Loads the rows [l0, l0 + lanes) (lane order) of `h` into a chunk of
// `rows` lanes: qt[d * rows + lane] = scale * q, and vis[lane] = the row's
// visible key count as a float; padding lanes get zero queries and see no
// keys. The forward and backward lane paths both start here, so that the
// backward's scores are the forward's bits. Returns the counts' range over
// the rows (padding excluded).
HWY_INLINE KeyCounts LoadLaneQueries(const AttentionHead& h, size_t l0,
                                     size_t lanes, size_t rows,
                                     float* HWY_RESTRICT qt,
                                     float* HWY_RESTRICT vis) {
  const LaneTag d;
  const size_t N = hn::Lanes(d), hd = h.head_dim;
  if (lanes < rows) memset(qt, 0, hd * rows * sizeof(float));
  memset(vis, 0, rows * sizeof(float));
  KeyCounts counts{SIZE_MAX, 0};
  ForEachSegment(h, l0, lanes, [&](const LaneSegment& s) {
    TransposeInto(h.q + s.i * h.q_stride + s.g * hd, h.q_stride, s.count, hd,
                  qt + s.lane, rows);
    for (size_t k = 0; k < s.count; ++k) {
      const size_t v = h.visible[s.i + k];
      vis[s.lane + k] = static_cast<float>(v);
      counts.max = v > counts.max ? v : counts.max;
      counts.min = v < counts.min ? v : counts.min;
    }
  });
  const auto scale = hn::Set(d, h.scale);
  for (size_t k = 0; k < hd * rows; k += N) {
    hn::StoreU(hn::Mul(hn::LoadU(d, qt + k), scale), d, qt + k);
  }
  return counts;
}

// Attention of the rows [l0, l0 + lanes) (lane order) of `h`, lanes <= RV *
// Lanes. Scratch: the transposed scaled queries Qt[head_dim][rows], the
// transposed output Ot[head_dim][rows], the probabilities P[tile][rows] and
// the rows' visible key counts.
template <size_t RV>
HWY_INLINE void LaneChunk(const AttentionHead& h, size_t l0, size_t lanes,
                          float* HWY_RESTRICT lse,
                          float* HWY_RESTRICT scratch) {
  const LaneTag d;
  const size_t N = hn::Lanes(d), rows = RV * N, hd = h.head_dim;
  constexpr size_t kTile = kAttentionLaneKeyTile;
  float* HWY_RESTRICT qt = scratch;
  float* HWY_RESTRICT ot = qt + hd * rows;
  float* HWY_RESTRICT p = ot + hd * rows;
  float* HWY_RESTRICT vis = p + kTile * rows;

  memset(ot, 0, hd * rows * sizeof(float));
  const KeyCounts counts = LoadLaneQueries(h, l0, lanes, rows, qt, vis);
  const size_t max_keys = counts.max, min_keys = counts.min;

  const auto lowest = hn::Set(d, -hwy::HighestValue<float>());
  hn::Vec<LaneTag> visible[RV], max[RV], sum[RV], alpha[RV];
  for (size_t r = 0; r < RV; ++r) {
    visible[r] = hn::LoadU(d, vis + r * N);
    max[r] = lowest;
    sum[r] = hn::Zero(d);
  }
  for (size_t j0 = 0; j0 < max_keys; j0 += kTile) {
    const size_t count = max_keys - j0 < kTile ? max_keys - j0 : kTile;
    LaneTiles<RV>(count, h.keys + j0 * h.kv_stride, h.kv_stride, 1, qt, hd,
                  nullptr, alpha, p);
    // Only a tile that reaches past some row's last key needs masks.
    const bool masked = j0 + count > min_keys;
    hn::Vec<LaneTag> tile_max[RV];
    for (size_t r = 0; r < RV; ++r) tile_max[r] = lowest;
    for (size_t c = 0; c < count; ++c) {
      const auto key = hn::Set(d, static_cast<float>(j0 + c));
      for (size_t r = 0; r < RV; ++r) {
        auto s = hn::LoadU(d, p + c * rows + r * N);
        if (masked) s = hn::IfThenElse(hn::Lt(key, visible[r]), s, lowest);
        tile_max[r] = hn::Max(tile_max[r], s);
      }
    }
    // A lane whose maximum did not grow rescales by exp(0) = 1 exactly, and
    // masked keys add exact zeros: tiles past a row's keys leave it as is.
    hn::Vec<LaneTag> add[RV];
    for (size_t r = 0; r < RV; ++r) {
      const auto grown = hn::Max(max[r], tile_max[r]);
      alpha[r] = ExpOfNonPositive(d, hn::Sub(max[r], grown));
      max[r] = grown;
      add[r] = hn::Zero(d);
    }
    for (size_t c = 0; c < count; ++c) {
      const auto key = hn::Set(d, static_cast<float>(j0 + c));
      for (size_t r = 0; r < RV; ++r) {
        float* HWY_RESTRICT pc = p + c * rows + r * N;
        auto e = ExpOfNonPositive(d, hn::Sub(hn::LoadU(d, pc), max[r]));
        if (masked) e = hn::IfThenElseZero(hn::Lt(key, visible[r]), e);
        hn::StoreU(e, d, pc);
        add[r] = hn::Add(add[r], e);
      }
    }
    for (size_t r = 0; r < RV; ++r)
      sum[r] = hn::MulAdd(sum[r], alpha[r], add[r]);
    LaneTiles<RV>(hd, h.values + j0 * h.kv_stride, 1, h.kv_stride, p, count, ot,
                  alpha, ot);
  }

  // Rows without keys have a zero sum and a zero output: keep it zero.
  const auto zero = hn::Zero(d);
  hn::Vec<LaneTag> inv[RV];
  for (size_t r = 0; r < RV; ++r) {
    inv[r] = hn::IfThenElseZero(hn::Gt(sum[r], zero),
                                hn::Div(hn::Set(d, 1.0f), sum[r]));
  }
  for (size_t k = 0; k < hd; ++k) {
    for (size_t r = 0; r < RV; ++r) {
      float* HWY_RESTRICT o = ot + k * rows + r * N;
      hn::StoreU(hn::Mul(hn::LoadU(d, o), inv[r]), d, o);
    }
  }
  if (lse != nullptr) {
    const auto inf = hn::Set(d, -INFINITY);
    for (size_t r = 0; r < RV; ++r) {
      hn::StoreU(hn::IfThenElse(hn::Gt(sum[r], zero),
                                hn::Add(max[r], hn::Log(d, sum[r])), inf),
                 d, vis + r * N);
    }
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

// The query-block path over all rows of `h`: chunks of two vectors of rows,
// the last one of one vector if that holds it. Chunks re-read the head's
// keys and values, from cache.
HWY_INLINE void LaneForward(const AttentionHead& h, float* HWY_RESTRICT lse,
                            float* HWY_RESTRICT scratch) {
  const size_t total = h.n_queries * h.group, N = hn::Lanes(LaneTag());
  for (size_t l0 = 0; l0 < total;) {
    const size_t left = total - l0;
    if (left <= N) {
      LaneChunk<1>(h, l0, left, lse, scratch);
      return;
    }
    const size_t lanes = left < 2 * N ? left : 2 * N;
    LaneChunk<2>(h, l0, lanes, lse, scratch);
    l0 += lanes;
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // WISP_KERNELS_ATTENTION_LANES_INL_H_
