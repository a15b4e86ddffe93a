// Attention of a block of tokens over all heads of a layer, spread over a
// thread pool: the fused per-head kernel of attention.h, called on (KV head,
// block of queries) tasks. Shared by the model's forward pass and the kernel
// benchmarks, so the benchmarks measure the schedule the model runs.
#ifndef WISP_KERNELS_ATTENTION_HEADS_H_
#define WISP_KERNELS_ATTENTION_HEADS_H_

#include <cstddef>
#include <cstdint>

#include "src/core/thread_pool.h"

namespace wisp::kernels {

// Query i, head h is the head_dim floats at q + i * q_stride + h * head_dim;
// its output goes to the same place in `out` (stride out_stride). Key and
// value j of KV head h are at keys / values + j * kv_stride + h * head_dim.
// Query heads [h * group, (h + 1) * group) share KV head h, group = n_heads /
// n_kv_heads. Query i sees the keys [0, visible[i]).
struct AttentionHeads {
  const float* q = nullptr;
  size_t q_stride = 0;
  size_t n_queries = 0;
  size_t n_heads = 0;
  size_t n_kv_heads = 0;
  size_t head_dim = 0;
  const float* keys = nullptr;
  const float* values = nullptr;
  size_t kv_stride = 0;
  const uint32_t* visible = nullptr;
  float scale = 1.0f;
  float* out = nullptr;
  size_t out_stride = 0;
};

// Floats of scratch per pool thread AttentionForwardHeads needs.
size_t AttentionHeadsScratchPerThread(size_t head_dim, size_t group);

// out = softmax(scale q k^T) v for every query and head. The queries are cut
// into blocks whose size depends only on the group (one lane chunk of
// attention.h per block), so results are the same bits on any number of
// threads. Each thread takes a contiguous run of KV heads' blocks, of
// equal work (the keys its queries see): the heads whose q, k and v that
// thread's share of the projections wrote. `scratch` holds
// ComputeThreads(pool) slices of `scratch_per_thread` floats, at least
// AttentionHeadsScratchPerThread.
void AttentionForwardHeads(const AttentionHeads& heads, ThreadPool* pool,
                           float* scratch, size_t scratch_per_thread);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_ATTENTION_HEADS_H_
