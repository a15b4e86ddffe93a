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
  const auto attend = [&](size_t kv_head, size_t block, size_t thread) {
    const size_t i0 = block * per_block;
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
  // Each thread takes a contiguous run of KV heads, (head, block) tasks in
  // head-major order cut at equal shares of the work (the keys the
  // queries see): the heads whose queries, keys and values this thread's
  // share of the projections wrote (SplitColumnTiles splits each product's
  // columns in the same proportions), read from its own caches, and output
  // lines no other core writes. Tasks claimed from the pool's shared
  // counter balanced as well, but a thread then read about half its rows
  // from the other core's cache and wrote lines the other core held: on
  // 2 threads that cost ~18 % of the attention's time (128 tokens).
  const auto block_work = [&](size_t block) {
    const size_t i0 = block * per_block;
    const size_t end = std::min(i0 + per_block, a.n_queries);
    size_t keys = 0;
    for (size_t i = i0; i < end; ++i) keys += a.visible[i] + 1;
    return keys;
  };
  // Every head's blocks see the same keys, so a head's work is one sum.
  size_t head_work = 0;
  for (size_t b = 0; b < blocks; ++b) head_work += block_work(b);
  const size_t total = head_work * a.n_kv_heads;
  const auto share = [&](size_t t, size_t shares, size_t thread) {
    // A task belongs to the share that holds the middle of its work.
    const size_t begin = t * total / shares, end = (t + 1) * total / shares;
    for (size_t h = 0; h < a.n_kv_heads; ++h) {
      size_t done = h * head_work;
      // The middles of this head's tasks all lie inside its own work.
      if (done + head_work <= begin || done >= end) continue;
      for (size_t b = blocks; b-- > 0;) {  // latest (longest) first
        const size_t work = block_work(b);
        const size_t middle = done + work / 2;
        if (middle >= begin && middle < end) attend(h, b, thread);
        done += work;
      }
    }
  };
  const size_t shares = std::min(ComputeThreads(pool), a.n_kv_heads * blocks);
  if (shares == 1) {
    share(0, 1, 0);
  } else {
    // Decoding splits heads alike: contiguous ranges, one per thread.
    pool->Run(shares,
              [&](size_t t, size_t thread) { share(t, shares, thread); });
  }
}

}  // namespace wisp::kernels
