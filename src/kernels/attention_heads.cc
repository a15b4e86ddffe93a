#include "src/kernels/attention_heads.h"

#include <algorithm>

#include "src/kernels/attention.h"

namespace wisp::kernels {
namespace {

// Queries per block: one lane chunk of rows (queries x group heads).
size_t QueriesPerBlock(size_t group) {
  return std::max<size_t>(1, kAttentionLaneRows / group);
}

}  // namespace

size_t AttentionHeadsScratchPerThread(size_t head_dim, size_t group) {
  return AttentionForwardScratch(head_dim, QueriesPerBlock(group) * group);
}

void AttentionForwardHeads(const AttentionHeads& a, ThreadPool* pool,
                           float* scratch, size_t scratch_per_thread) {
  if (a.n_queries == 0 || a.n_kv_heads == 0) return;
  const size_t group = a.n_heads / a.n_kv_heads;
  const size_t per_block = QueriesPerBlock(group);
  const size_t blocks = (a.n_queries + per_block - 1) / per_block;
  // Task t: block blocks - 1 - t / n_kv_heads (latest first) of KV head
  // t % n_kv_heads.
  auto attend = [&](size_t task, size_t thread) {
    const size_t kv_head = task % a.n_kv_heads;
    const size_t i0 = (blocks - 1 - task / a.n_kv_heads) * per_block;
    AttentionHead head;
    head.q = a.q + i0 * a.q_stride + kv_head * group * a.head_dim;
    head.q_stride = a.q_stride;
    head.n_queries = std::min(per_block, a.n_queries - i0);
    head.group = group;
    head.keys = a.keys + kv_head * a.head_dim;
    head.values = a.values + kv_head * a.head_dim;
    head.kv_stride = a.kv_stride;
    head.visible = a.visible + i0;
    head.head_dim = a.head_dim;
    head.scale = a.scale;
    head.out = a.out + i0 * a.out_stride + kv_head * group * a.head_dim;
    head.out_stride = a.out_stride;
    AttentionHeadForward(head, nullptr, scratch + thread * scratch_per_thread);
  };
  const size_t tasks = a.n_kv_heads * blocks;
  if (pool == nullptr) {
    for (size_t t = 0; t < tasks; ++t) attend(t, 0);
  } else if (blocks > 1) {
    pool->Run(tasks, attend);
  } else {
    // Decoding: contiguous ranges of heads, one per thread; claiming each
    // small task from the pool's shared counter would cost more than a
    // decode step's attention.
    pool->ParallelFor(tasks, 1, [&](size_t begin, size_t end, size_t thread) {
      for (size_t t = begin; t < end; ++t) attend(t, thread);
    });
  }
}

}  // namespace wisp::kernels
