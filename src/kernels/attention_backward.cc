// The fused attention backward pass (attention.h), flash-attention 2 style:
// probabilities are recomputed tile by tile from the forward's log-sum-exp
// instead of being stored (a [heads, T, T] matrix per layer), and with
// delta_r = dout_r . out_r (= sum_j p_j dout_r . v_j) the score gradients
// need no second pass over the keys:
//   ds_j = p_j (dout . v_j - delta) scale,  dq += ds_j k_j,
//   dk_j += ds_j q,  dv_j += p_j dout.
// The gradients of a key tile stay transposed in scratch while every query
// row visits it, then are added to dkeys / dvalues once.
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "src/kernels/attention.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/attention_backward.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "src/kernels/attention_tile-inl.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// tile (transposed, [head_dim][kTile]) is added to rows[c * stride + d] for
// c < count.
HWY_INLINE void AddTransposedTile(const float* HWY_RESTRICT tile, size_t count,
                                  size_t head_dim, float* HWY_RESTRICT rows,
                                  size_t stride) {
  for (size_t c = 0; c < count; ++c) {
    float* HWY_RESTRICT row = rows + c * stride;
    for (size_t d = 0; d < head_dim; ++d) {
      row[d] += tile[d * kAttentionKeyTile + c];
    }
  }
}

template <class D>
void BackwardRows(D d, const AttentionHead& h, const float* HWY_RESTRICT lse,
                  const float* HWY_RESTRICT dout, float* HWY_RESTRICT dq,
                  float* HWY_RESTRICT dkeys, float* HWY_RESTRICT dvalues,
                  float* HWY_RESTRICT scratch) {
  const KeyTag dk;
  const size_t NK = hn::Lanes(dk);
  constexpr size_t kTile = kAttentionKeyTile;
  const size_t hd = h.head_dim, group = h.group;
  const size_t tile_floats = hd * kTile;
  float* HWY_RESTRICT key_tile = scratch;  // AttentionBackwardScratch
  float* HWY_RESTRICT value_tile = key_tile + tile_floats;
  float* HWY_RESTRICT dkey_tile = value_tile + tile_floats;
  float* HWY_RESTRICT dvalue_tile = dkey_tile + tile_floats;
  float* HWY_RESTRICT p = dvalue_tile + tile_floats;
  float* HWY_RESTRICT dp = p + kTile;
  float* HWY_RESTRICT ds = dp + kTile;
  float* HWY_RESTRICT delta = ds + kTile;

  const size_t max_keys = MaxVisible(h);
  for (size_t i = 0; i < h.n_queries; ++i) {
    for (size_t g = 0; g < group; ++g) {
      const size_t offset = i * h.out_stride + g * hd;
      delta[i * group + g] = DotVec(d, dout + offset, h.out + offset, hd);
    }
  }

  const auto scale_v = hn::Set(dk, h.scale);
  for (size_t j0 = 0; j0 < max_keys; j0 += kTile) {
    const size_t count = max_keys - j0 < kTile ? max_keys - j0 : kTile;
    const float* HWY_RESTRICT key_rows = h.keys + j0 * h.kv_stride;
    LoadTransposedTile(key_rows, h.kv_stride, count, hd, key_tile);
    LoadTransposedTile(h.values + j0 * h.kv_stride, h.kv_stride, count, hd,
                       value_tile);
    memset(dkey_tile, 0, 2 * tile_floats * sizeof(float));
    for (size_t i = 0; i < h.n_queries; ++i) {
      const size_t valid = VisibleInTile(h, i, j0, count);
      if (valid == 0) continue;
      for (size_t g = 0; g < group; ++g) {
        const size_t r = i * group + g;
        const float* HWY_RESTRICT q = h.q + i * h.q_stride + g * hd;
        const float* HWY_RESTRICT dout_row = dout + i * h.out_stride + g * hd;
        // The forward's scores, bit for bit, then its probabilities.
        TileScores(q, key_tile, hd, h.scale, valid, p);
        TileDots(dout_row, value_tile, hd, dp);
        const auto lse_v = hn::Set(dk, lse[r]);
        const auto delta_v = hn::Set(dk, delta[r]);
        for (size_t c = 0; c < kTile; c += NK) {
          const size_t live = valid > c ? valid - c : 0;
          const auto pv = hn::IfThenElseZero(
              hn::FirstN(dk, live),
              hn::Exp(dk, hn::Sub(hn::LoadU(dk, p + c), lse_v)));
          hn::StoreU(pv, dk, p + c);
          const auto dsv = hn::Mul(
              hn::Mul(pv, hn::Sub(hn::LoadU(dk, dp + c), delta_v)), scale_v);
          hn::StoreU(dsv, dk, ds + c);
        }
        // dv_j += p_j dout and dk_j += ds_j q, in the transposed tiles.
        for (size_t c = 0; c < kTile; c += NK) {
          const auto pv = hn::LoadU(dk, p + c), dsv = hn::LoadU(dk, ds + c);
          for (size_t k = 0; k < hd; ++k) {
            float* HWY_RESTRICT dv = dvalue_tile + k * kTile + c;
            float* HWY_RESTRICT dkk = dkey_tile + k * kTile + c;
            hn::StoreU(
                hn::MulAdd(pv, hn::Set(dk, dout_row[k]), hn::LoadU(dk, dv)), dk,
                dv);
            hn::StoreU(hn::MulAdd(dsv, hn::Set(dk, q[k]), hn::LoadU(dk, dkk)),
                       dk, dkk);
          }
        }
        AccumulateRows(d, ds, key_rows, h.kv_stride, valid, hd,
                       dq + i * h.q_stride + g * hd);
      }
    }
    AddTransposedTile(dkey_tile, count, hd, dkeys + j0 * h.kv_stride,
                      h.kv_stride);
    AddTransposedTile(dvalue_tile, count, hd, dvalues + j0 * h.kv_stride,
                      h.kv_stride);
  }
}

void AttentionHeadBackwardImpl(const AttentionHead& head, const float* lse,
                               const float* dout, float* dq, float* dkeys,
                               float* dvalues, float* scratch) {
  if (head.n_queries == 0 || head.head_dim == 0) return;
  WithRowTag(head.head_dim, [&](auto d) {
    BackwardRows(d, head, lse, dout, dq, dkeys, dvalues, scratch);
  });
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(AttentionHeadBackwardImpl);

void AttentionHeadBackward(const AttentionHead& head, const float* lse,
                           const float* dout, float* dq, float* dkeys,
                           float* dvalues, float* scratch) {
  HWY_DYNAMIC_DISPATCH(AttentionHeadBackwardImpl)
  (head, lse, dout, dq, dkeys, dvalues, scratch);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
