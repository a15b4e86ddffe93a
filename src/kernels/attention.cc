// The fused attention forward pass (attention.h). Calls of many rows go to
// the query-lane path (attention_lanes-inl.h). Calls of a few rows
// (decoding) take tiles of 16 keys in the outer loop and the rows in the
// inner one: a row's scores are one dot product per key, and an online
// softmax keeps per row the running maximum, the running sum (as vector
// lanes over the tile's keys) and the output (rescaled in place when the
// maximum grows).
#include "src/kernels/attention.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/attention.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/attention_lanes-inl.h"
#include "src/kernels/attention_tile-inl.h"
#include "src/kernels/prefetch.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The scaled scores of query q against the keys [0, valid) of a tile (rows
// of `stride`), one dot product per key: for a single row of a 64-wide head
// that is cheaper than transposing the tile. Heads of at most
// kAttentionTransposeMaxHeadDim transpose it instead (TileScores): a dot
// product of 8 values is mostly its horizontal sum, and stories260K's
// decode (head size 8, two rows per KV head) ran 0.68x as fast this way. Lanes
// valid.. of the tile become the lowest float, which exponentiates to exactly 0
// against any real maximum.
template <class D>
HWY_INLINE void KeyScores(D d, const float* HWY_RESTRICT q,
                          const float* HWY_RESTRICT keys, size_t stride,
                          size_t head_dim, float scale, size_t valid,
                          float* HWY_RESTRICT scores) {
  size_t c = 0;
  for (; c < valid; ++c) {
    scores[c] = scale * DotVec(d, q, keys + c * stride, head_dim);
  }
  for (; c < kAttentionKeyTile; ++c) scores[c] = -hwy::HighestValue<float>();
}

// Rows of the KV cache at least this far apart (bytes) get software
// prefetches in ForwardRows.
constexpr size_t kPrefetchMinStride = 1024;
constexpr size_t kLineFloats = 64 / sizeof(float);

template <class D>
void ForwardRows(D d, const AttentionHead& h, float* HWY_RESTRICT lse,
                 float* HWY_RESTRICT scratch) {
  const KeyTag dk;
  const size_t NK = hn::Lanes(dk);
  constexpr size_t kTile = kAttentionKeyTile;
  const size_t hd = h.head_dim, group = h.group;
  const size_t rows = h.n_queries * group;
  // Scratch: the transposed key tile (small heads), one row's
  // probabilities, per row the running maximum and the running sum's lanes
  // (AttentionForwardScratch).
  const bool transpose = hd <= kAttentionTransposeMaxHeadDim;
  float* HWY_RESTRICT key_tile = scratch;
  float* HWY_RESTRICT p = key_tile + hd * kTile;
  float* HWY_RESTRICT max = p + kTile;
  float* HWY_RESTRICT sums = max + rows;

  const size_t max_keys = MaxVisible(h);
  const bool prefetch_rows = h.kv_stride * sizeof(float) >= kPrefetchMinStride;
  for (size_t r = 0; r < rows; ++r) {
    max[r] = -INFINITY;
    memset(sums + r * kTile, 0, kTile * sizeof(float));
    float* out = h.out + (r / group) * h.out_stride + (r % group) * hd;
    memset(out, 0, hd * sizeof(float));
  }

  for (size_t j0 = 0; j0 < max_keys; j0 += kTile) {
    const size_t count = max_keys - j0 < kTile ? max_keys - j0 : kTile;
    const float* HWY_RESTRICT value_rows = h.values + j0 * h.kv_stride;
    // The next tile's keys and values are asked into L2: a head's rows lie
    // a KV-cache row apart, a stride the hardware prefetcher follows late.
    // GPT-2 124M decoding at 900-960 positions (rows 3 KiB apart, the
    // cache from memory) ran 1.10x faster on 2 threads and 1.12x on 1;
    // stories260K (rows of 128 bytes, all in cache) 0.92-0.97x, hence the
    // minimum stride. A key row and a value row in turn: the same lines
    // through BlockPrefetcher (all keys, then all values) gained nothing.
    const size_t next = j0 + kTile;
    const size_t next_count =
        prefetch_rows && next < max_keys ? Min(kTile, max_keys - next) : 0;
    for (size_t c = 0; c < next_count; ++c) {
      const float* key = h.keys + (next + c) * h.kv_stride;
      const float* value = h.values + (next + c) * h.kv_stride;
      for (size_t e = 0; e < hd; e += kLineFloats) {
        PrefetchToL2(key + e);
        PrefetchToL2(value + e);
      }
    }
    if (transpose) {
      LoadTransposedTile(h.keys + j0 * h.kv_stride, h.kv_stride, count, hd,
                         key_tile);
    }
    for (size_t i = 0; i < h.n_queries; ++i) {
      const size_t valid = VisibleInTile(h, i, j0, count);
      if (valid == 0) continue;
      for (size_t g = 0; g < group; ++g) {
        const size_t r = i * group + g;
        const float* HWY_RESTRICT q = h.q + i * h.q_stride + g * hd;
        float* HWY_RESTRICT out = h.out + i * h.out_stride + g * hd;
        float* HWY_RESTRICT sum = sums + r * kTile;
        if (transpose) {
          TileScores(q, key_tile, hd, h.scale, valid, p);
        } else {
          KeyScores(d, q, h.keys + j0 * h.kv_stride, h.kv_stride, hd, h.scale,
                    valid, p);
        }
        auto tile_max_v = hn::LoadU(dk, p);
        for (size_t c = NK; c < kTile; c += NK) {
          tile_max_v = hn::Max(tile_max_v, hn::LoadU(dk, p + c));
        }
        const float tile_max = hn::GetLane(hn::MaxOfLanes(dk, tile_max_v));
        if (tile_max > max[r]) {
          // Rows start at zero, so the first rescale (by exp(-inf) = 0)
          // changes nothing and needs no special case beyond skipping it.
          if (max[r] != -INFINITY) {
            const float alpha = expf(max[r] - tile_max);
            const auto alpha_v = hn::Set(dk, alpha);
            for (size_t c = 0; c < kTile; c += NK) {
              hn::StoreU(hn::Mul(hn::LoadU(dk, sum + c), alpha_v), dk, sum + c);
            }
            const auto alpha_d = hn::Set(d, alpha);
            const size_t N = hn::Lanes(d);
            for (size_t k = 0; k < hd; k += N) {
              const size_t part = hd - k < N ? hd - k : N;
              StorePart(d, hn::Mul(LoadPart(d, out + k, part), alpha_d),
                        out + k, part);
            }
          }
          max[r] = tile_max;
        }
        const auto max_v = hn::Set(dk, max[r]);
        for (size_t c = 0; c < kTile; c += NK) {
          const auto e =
              ExpOfNonPositive(dk, hn::Sub(hn::LoadU(dk, p + c), max_v));
          hn::StoreU(e, dk, p + c);
          hn::StoreU(hn::Add(hn::LoadU(dk, sum + c), e), dk, sum + c);
        }
        AccumulateRows(d, p, value_rows, h.kv_stride, valid, hd, out);
      }
    }
  }

  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    float* HWY_RESTRICT out =
        h.out + (r / group) * h.out_stride + (r % group) * hd;
    auto total_v = hn::LoadU(dk, sums + r * kTile);
    for (size_t c = NK; c < kTile; c += NK) {
      total_v = hn::Add(total_v, hn::LoadU(dk, sums + r * kTile + c));
    }
    const float total = SumLanes(dk, total_v);
    if (lse != nullptr) lse[r] = max[r] + logf(total);
    if (max[r] == -INFINITY) continue;  // no keys: the row stays zero
    const auto inv = hn::Set(d, 1.0f / total);
    for (size_t k = 0; k < hd; k += N) {
      const size_t part = hd - k < N ? hd - k : N;
      StorePart(d, hn::Mul(LoadPart(d, out + k, part), inv), out + k, part);
    }
  }
}

void AttentionHeadForwardImpl(const AttentionHead& head, float* lse,
                              float* scratch) {
  if (head.n_queries == 0 || head.head_dim == 0) return;
  if (head.n_queries * head.group >= kAttentionMinLaneRows) {
    return LaneForward(head, lse, scratch);
  }
  WithRowTag(head.head_dim,
             [&](auto d) { ForwardRows(d, head, lse, scratch); });
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(AttentionHeadForwardImpl);

void AttentionHeadForward(const AttentionHead& head, float* lse,
                          float* scratch) {
  HWY_DYNAMIC_DISPATCH(AttentionHeadForwardImpl)(head, lse, scratch);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
