// The fused attention backward pass (attention.h), flash-attention 2 style:
// probabilities are recomputed tile by tile from the forward's log-sum-exp
// instead of being stored (a [heads, T, T] matrix per layer), and with
// delta_r = dout_r . out_r (= sum_j p_j dout_r . v_j) the score gradients
// need no second pass over the keys:
//   ds_j = p_j (dout . v_j - delta) scale,  dq += ds_j k_j,
//   dk_j += ds_j q,  dv_j += p_j dout.
// The gradients of a key tile stay transposed in scratch while every query
// row visits it, then are added to dkeys / dvalues once. Calls of at least
// kAttentionMinLaneRows rows (training's) take the lane path below, the
// forward's query-block layout (attention_lanes-inl.h) run backwards: every
// product is a register tile there, where the per-row path is a chain of
// matrix-vector steps that ran at ~20 % of the FMA peak.
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
#include "hwy/highway.h"
#include "src/kernels/attention_lanes-inl.h"
#include "src/kernels/attention_tile-inl.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// tile (transposed, [head_dim][tile_stride]) is added to rows[c * stride +
// d] for c < count: a key tile's gradients, or a chunk's query gradients.
HWY_INLINE void AddTransposedTile(const float* HWY_RESTRICT tile,
                                  size_t tile_stride, size_t count,
                                  size_t head_dim, float* HWY_RESTRICT rows,
                                  size_t stride) {
  for (size_t c = 0; c < count; ++c) {
    float* HWY_RESTRICT row = rows + c * stride;
    for (size_t d = 0; d < head_dim; ++d) {
      row[d] += tile[d * tile_stride + c];
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
        // The scores, then the probabilities. For heads of at most 16 the
        // forward scored the same transposed tile (bit for bit); larger
        // heads' forward takes one dot product per key (ulps apart).
        TileScores(q, key_tile, hd, h.scale, valid, p);
        TileDots(dout_row, value_tile, hd, dp);
        const auto lse_v = hn::Set(dk, lse[r]);
        const auto delta_v = hn::Set(dk, delta[r]);
        for (size_t c = 0; c < kTile; c += NK) {
          const size_t live = valid > c ? valid - c : 0;
          const auto pv = hn::IfThenElseZero(
              hn::FirstN(dk, live),
              ExpOfNonPositive(dk, hn::Sub(hn::LoadU(dk, p + c), lse_v)));
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
    AddTransposedTile(dkey_tile, kTile, count, hd, dkeys + j0 * h.kv_stride,
                      h.kv_stride);
    AddTransposedTile(dvalue_tile, kTile, count, hd, dvalues + j0 * h.kv_stride,
                      h.kv_stride);
  }
}

// The lane path. The rows of the call, in the forward's lane order, form
// chunks of two vectors of rows; a key tile is two vectors of keys. Every
// chunk keeps, for the whole call, its transposed scaled queries Qt and
// output gradients dOt ([head_dim][rows]), its query gradient dQt and its
// rows' log-sum-exps, deltas and visible key counts. Key tiles are the
// outer loop, so that a tile's key and value gradients collect every
// chunk's share transposed ([head_dim][keys], keys in lanes) and reach
// dkeys / dvalues once. Per (tile, chunk), all register-tiled (LaneTiles):
//   S[key][rows] = K Qt       (the forward lane path's products and bits)
//   P = exp(S - lse),  dP[key][rows] = V dOt,  dS = P (dP - delta) scale
//   dQt[d][rows] += K^T dS,  dKt[d][keys] += Q^T dS^T,  dVt += dO^T P^T
// (P and dS transposed to keys in lanes for the last two: a square of two
// vectors by two vectors, 32 x 32 floats on AVX-512). A row whose forward
// call had fewer than kAttentionMinLaneRows rows was scored by the per-row
// path, ulps apart; the probabilities then differ by as much.
static_assert(2 * hn::MaxLanes(LaneTag()) <= kAttentionLaneKeyTile &&
                  2 * hn::MaxLanes(LaneTag()) <= kAttentionLaneRows,
              "AttentionBackwardScratch sizes chunks and key tiles of at most "
              "kAttentionLaneRows and kAttentionLaneKeyTile");
class LaneBackward {
 public:
  LaneBackward(const AttentionHead& h, const float* HWY_RESTRICT lse,
               const float* HWY_RESTRICT dout, float* HWY_RESTRICT scratch)
      : h_(h), lse_(lse), dout_(dout) {
    const size_t hd = h.head_dim;
    total_ = h.n_queries * h.group;
    chunks_ = DivCeil(total_, ChunkRows());
    const size_t chunk_floats = ChunkRows() * (3 * hd + 3);
    state_ = scratch;
    float* tiles = state_ + chunks_ * chunk_floats;
    s_ = tiles;
    ds_ = s_ + TileKeys() * ChunkRows();
    pt_ = ds_ + TileKeys() * ChunkRows();
    dst_ = pt_ + ChunkRows() * TileKeys();
    dkt_ = dst_ + ChunkRows() * TileKeys();
    dvt_ = dkt_ + hd * TileKeys();
  }

  void Run(float* HWY_RESTRICT dq, float* HWY_RESTRICT dkeys,
           float* HWY_RESTRICT dvalues) {
    const size_t hd = h_.head_dim;
    for (size_t c = 0; c < chunks_; ++c) Prepare(c);
    const size_t max_keys = MaxVisible(h_);
    for (size_t j0 = 0; j0 < max_keys; j0 += TileKeys()) {
      const size_t count = Min(TileKeys(), max_keys - j0);
      memset(dkt_, 0, 2 * hd * TileKeys() * sizeof(float));
      for (size_t c = 0; c < chunks_; ++c) TileOfChunk(j0, count, c);
      AddTransposedTile(dkt_, TileKeys(), count, hd, dkeys + j0 * h_.kv_stride,
                        h_.kv_stride);
      AddTransposedTile(dvt_, TileKeys(), count, hd,
                        dvalues + j0 * h_.kv_stride, h_.kv_stride);
    }
    for (size_t c = 0; c < chunks_; ++c) {
      ForEachSegment(h_, c * ChunkRows(), Lanes(c), [&](const LaneSegment& s) {
        AddTransposedTile(Dqt(c) + s.lane, ChunkRows(), s.count, hd,
                          dq + s.i * h_.q_stride + s.g * hd, h_.q_stride);
      });
    }
  }

 private:
  static constexpr size_t RV = 2;
  static size_t ChunkRows() { return RV * hn::Lanes(LaneTag()); }
  static size_t TileKeys() { return RV * hn::Lanes(LaneTag()); }

  size_t Lanes(size_t c) const {
    return Min(ChunkRows(), total_ - c * ChunkRows());
  }
  float* Qt(size_t c) const {
    return state_ + c * ChunkRows() * (3 * h_.head_dim + 3);
  }
  float* Dot(size_t c) const { return Qt(c) + h_.head_dim * ChunkRows(); }
  float* Dqt(size_t c) const { return Dot(c) + h_.head_dim * ChunkRows(); }
  float* Lse(size_t c) const { return Dqt(c) + h_.head_dim * ChunkRows(); }
  float* Delta(size_t c) const { return Lse(c) + ChunkRows(); }
  float* Visible(size_t c) const { return Delta(c) + ChunkRows(); }

  // Fills chunk c's state. Padding lanes see no keys and have zero queries
  // and output gradients, so every product leaves them zero.
  void Prepare(size_t c) {
    const size_t hd = h_.head_dim, rows = ChunkRows();
    float* HWY_RESTRICT dot = Dot(c);
    float* HWY_RESTRICT lse = Lse(c);
    float* HWY_RESTRICT delta = Delta(c);
    // dOt, dQt, lse and delta lie in a row, zero in padding lanes.
    memset(dot, 0, (2 * hd + 2) * rows * sizeof(float));
    LoadLaneQueries(h_, c * rows, Lanes(c), rows, Qt(c), Visible(c));
    ForEachSegment(h_, c * rows, Lanes(c), [&](const LaneSegment& s) {
      const size_t o0 = s.i * h_.out_stride + s.g * hd;
      TransposeInto(dout_ + o0, h_.out_stride, s.count, hd, dot + s.lane, rows);
      for (size_t k = 0; k < s.count; ++k) {
        const size_t lane = s.lane + k, i = s.i + k;
        // A row without keys has lse -inf; its probabilities are masked to
        // zero, never computed from it.
        lse[lane] = h_.visible[i] == 0 ? 0.0f : lse_[i * h_.group + s.g];
        const size_t o = o0 + k * h_.out_stride;
        WithRowTag(hd, [&](auto dr) {
          delta[lane] = DotVec(dr, dout_ + o, h_.out + o, hd);
        });
      }
    });
  }

  // Key tile [j0, j0 + count) against chunk c.
  void TileOfChunk(size_t j0, size_t count, size_t c) {
    const LaneTag d;
    const size_t N = hn::Lanes(d), hd = h_.head_dim, rows = ChunkRows();
    const float* HWY_RESTRICT vis = Visible(c);
    size_t max_keys = 0, min_keys = SIZE_MAX;
    for (size_t r = 0; r < rows; ++r) {
      const size_t v = static_cast<size_t>(vis[r]);
      max_keys = v > max_keys ? v : max_keys;
      min_keys = v < min_keys ? v : min_keys;
    }
    if (max_keys <= j0) return;  // no row of the chunk sees the tile
    const float* HWY_RESTRICT keys = h_.keys + j0 * h_.kv_stride;
    const float* HWY_RESTRICT values = h_.values + j0 * h_.kv_stride;
    LaneTiles<RV>(count, keys, h_.kv_stride, 1, Qt(c), hd, nullptr, nullptr,
                  s_);
    LaneTiles<RV>(count, values, h_.kv_stride, 1, Dot(c), hd, nullptr, nullptr,
                  ds_);
    const bool masked = j0 + count > min_keys;
    const auto scale = hn::Set(d, h_.scale);
    hn::Vec<LaneTag> visible[RV], lse[RV], delta[RV], ones[RV];
    for (size_t r = 0; r < RV; ++r) {
      visible[r] = hn::LoadU(d, vis + r * N);
      lse[r] = hn::LoadU(d, Lse(c) + r * N);
      delta[r] = hn::LoadU(d, Delta(c) + r * N);
      ones[r] = hn::Set(d, 1.0f);
    }
    for (size_t k = 0; k < count; ++k) {
      const auto key = hn::Set(d, static_cast<float>(j0 + k));
      for (size_t r = 0; r < RV; ++r) {
        float* HWY_RESTRICT p = s_ + k * rows + r * N;
        float* HWY_RESTRICT ds = ds_ + k * rows + r * N;
        auto e = ExpOfNonPositive(d, hn::Sub(hn::LoadU(d, p), lse[r]));
        if (masked) e = hn::IfThenElseZero(hn::Lt(key, visible[r]), e);
        hn::StoreU(e, d, p);
        hn::StoreU(
            hn::Mul(hn::Mul(e, hn::Sub(hn::LoadU(d, ds), delta[r])), scale), d,
            ds);
      }
    }
    LaneTiles<RV>(hd, keys, 1, h_.kv_stride, ds_, count, Dqt(c), ones, Dqt(c));
    // Columns past count make key gradients that are never added; zeros
    // keep stale scratch (possibly denormal) out of their multiply-adds.
    if (count < TileKeys()) {
      memset(pt_, 0, 2 * rows * TileKeys() * sizeof(float));
    }
    TransposeInto(s_, rows, count, rows, pt_, TileKeys());
    TransposeInto(ds_, rows, count, rows, dst_, TileKeys());
    ForEachSegment(h_, c * rows, Lanes(c), [&](const LaneSegment& s) {
      LaneTiles<RV>(hd, h_.q + s.i * h_.q_stride + s.g * hd, 1, h_.q_stride,
                    dst_ + s.lane * TileKeys(), s.count, dkt_, ones, dkt_);
      LaneTiles<RV>(hd, dout_ + s.i * h_.out_stride + s.g * hd, 1,
                    h_.out_stride, pt_ + s.lane * TileKeys(), s.count, dvt_,
                    ones, dvt_);
    });
  }

  const AttentionHead& h_;
  const float* HWY_RESTRICT lse_;
  const float* HWY_RESTRICT dout_;
  size_t total_, chunks_;
  float* state_;       // per chunk: Qt, dOt, dQt, lse, delta, visible
  float *s_, *ds_;     // [keys][rows]: scores then P; dP then dS
  float *pt_, *dst_;   // [rows][keys]: P and dS transposed
  float *dkt_, *dvt_;  // [head_dim][keys]
};

void AttentionHeadBackwardImpl(const AttentionHead& head, const float* lse,
                               const float* dout, float* dq, float* dkeys,
                               float* dvalues, float* scratch) {
  if (head.n_queries == 0 || head.head_dim == 0) return;
  if (head.n_queries * head.group >= kAttentionMinLaneRows) {
    return LaneBackward(head, lse, dout, scratch).Run(dq, dkeys, dvalues);
  }
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
