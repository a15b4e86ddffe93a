// Fused scaled dot-product attention (flash-attention style) for one KV head
// and the query heads that share it (grouped-query attention): keys and
// values are read in tiles of kAttentionKeyTile positions, each tile once for
// all the queries of a block, with an online softmax, so no score matrix
// longer than one tile is ever materialised. Used for prefill and decode
// over the KV cache and for the training forward and backward passes.
#ifndef WISP_KERNELS_ATTENTION_H_
#define WISP_KERNELS_ATTENTION_H_

#include <cstddef>
#include <cstdint>

namespace wisp::kernels {

// Keys per tile: one AVX-512 vector of scores, four SSE4 vectors.
inline constexpr size_t kAttentionKeyTile = 16;
// Decoding heads of at most this size score a key tile transposed (keys in
// vector lanes); larger heads take one dot product per key.
inline constexpr size_t kAttentionTransposeMaxHeadDim = 16;

// The queries of one KV head. Query i (position order) of head g in
// [0, group) is the head_dim floats at q + i * q_stride + g * head_dim; its
// output sits at the same place in `out` (stride out_stride). Key and value
// j are at keys + j * kv_stride and values + j * kv_stride. Query i sees
// exactly the keys [0, visible[i]): every mask of the models (causal,
// bidirectional over a real length, prefix) has this form.
struct AttentionHead {
  const float* q = nullptr;
  size_t q_stride = 0;
  size_t n_queries = 0;
  size_t group = 1;
  const float* keys = nullptr;
  const float* values = nullptr;
  size_t kv_stride = 0;
  const uint32_t* visible = nullptr;
  size_t head_dim = 0;
  float scale = 1.0f;
  float* out = nullptr;
  size_t out_stride = 0;
};

// Calls with at least this many query rows (n_queries * group) put the rows
// in vector lanes and run the keys and values through register-tiled
// products (attention_lanes-inl.h); fewer rows (decoding) keep keys in lanes.
inline constexpr size_t kAttentionMinLaneRows = 8;
// Rows of one chunk of the lane path, at most (two AVX-512 vectors), and
// keys per tile there: the tile's scores and the chunk's transposed queries
// and outputs stay in L1 beside the tile's key and value rows.
inline constexpr size_t kAttentionLaneRows = 32;
inline constexpr size_t kAttentionLaneKeyTile = 32;

// Floats of scratch AttentionHeadForward needs for `rows` (n_queries *
// group) query rows. Callers own the scratch (one buffer per thread), so
// steady-state loops allocate nothing whichever thread runs which call.
inline size_t AttentionForwardScratch(size_t head_dim, size_t rows) {
  if (rows >= kAttentionMinLaneRows) {
    return kAttentionLaneRows * (2 * head_dim + kAttentionLaneKeyTile + 1);
  }
  return head_dim * kAttentionKeyTile + kAttentionKeyTile +
         rows * (1 + kAttentionKeyTile);
}

// out = softmax(scale * q k^T) v for every query row of `head`. If lse is not
// null, lse[i * group + g] receives the row's log-sum-exp of the scaled
// scores (what AttentionHeadBackward needs to recompute probabilities). A
// query that sees no keys gets zeros (and lse -inf). A row's results depend
// only on the inputs and on which path its call takes (kAttentionMinLaneRows),
// not on the thread or on the other rows of the call; callers that cut
// queries into blocks independently of the thread count therefore get the
// same bits on any number of threads. `scratch` holds AttentionForwardScratch
// floats.
void AttentionHeadForward(const AttentionHead& head, float* lse,
                          float* scratch);

// Floats of scratch AttentionHeadBackward needs for `rows` query rows. From
// kAttentionMinLaneRows rows every chunk of lanes keeps its state (three
// [head_dim][chunk rows] matrices and three values per row) for the whole
// call, beside one key tile's products.
inline size_t AttentionBackwardScratch(size_t head_dim, size_t rows) {
  if (rows < kAttentionMinLaneRows) {
    return 4 * head_dim * kAttentionKeyTile + 3 * kAttentionKeyTile + rows;
  }
  return (rows + kAttentionLaneRows) * (3 * head_dim + 3) +
         4 * kAttentionLaneKeyTile * kAttentionLaneRows +
         2 * head_dim * kAttentionLaneKeyTile;
}

// Gradients of AttentionHeadForward for all queries of one KV head of one
// sequence, given dout (rows like out, stride out_stride) and the forward's
// out and lse: accumulates dq (rows like q, stride q_stride) and dkeys /
// dvalues (rows like keys / values, stride kv_stride). Probabilities are
// recomputed from lse, tile by tile. The accumulation order is fixed by the
// shapes, so results are deterministic; different heads or sequences write
// disjoint rows and may run on different threads.
// `scratch` holds AttentionBackwardScratch floats.
void AttentionHeadBackward(const AttentionHead& head, const float* lse,
                           const float* dout, float* dq, float* dkeys,
                           float* dvalues, float* scratch);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_ATTENTION_H_
