// The transformer forward pass for inference: a block of consecutive tokens
// (a whole prompt in one matrix-matrix pass, or one token when decoding)
// runs through every layer, appending its keys and values to a KV cache.
#ifndef WISP_MODEL_FORWARD_H_
#define WISP_MODEL_FORWARD_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "src/core/large_buffer.h"
#include "src/core/thread_pool.h"
#include "src/model/model.h"

namespace wisp {

// Keys and values of every layer for positions [0, capacity): layout
// [layer][position][kv_dim]. Owned by the caller (a session).
struct KvCacheView {
  float* keys = nullptr;
  float* values = nullptr;
  size_t capacity = 0;
};

// Activation buffers of the forward pass, sized for blocks of up to
// `max_tokens` tokens and reused across calls so steady-state decoding does
// not allocate.
class ForwardScratch {
 public:
  void Reserve(const ModelConfig& config, size_t max_tokens,
               size_t num_threads);
  size_t max_tokens() const { return max_tokens_; }

 private:
  friend void ForwardBlock(const Model&, const KvCacheView&, const int32_t*,
                           size_t, size_t, size_t, ThreadPool*, ForwardScratch*,
                           float*, bool);
  size_t max_tokens_ = 0;
  LargeVector<float> x_, xb_, q_, att_, hb_, hb2_, head_;
  // Attention kernel scratch, one slice per pool thread.
  std::vector<float> attention_;
  size_t attention_per_thread_ = 0;
  std::vector<int32_t> positions_;
  std::vector<uint32_t> visible_;  // keys each token's attention sees
};

// Runs tokens[0, n) at positions [start_pos, start_pos + n) and stores their
// keys and values in `cache`. Requires start_pos + n <= cache.capacity,
// n <= scratch->max_tokens() and every token < vocab_size (callers check).
// Attention follows the config's mask: causal; bidirectional over the block
// (then start_pos must be 0: the whole sequence comes at once); prefix: the
// first `prefix_len` positions see each other, later ones are causal.
// Writes logits: for all n tokens ([n, vocab]) if `all_logits`, else only for
// the last one ([vocab]).
void ForwardBlock(const Model& model, const KvCacheView& cache,
                  const int32_t* tokens, size_t n, size_t start_pos,
                  size_t prefix_len, ThreadPool* pool, ForwardScratch* scratch,
                  float* logits, bool all_logits);

}  // namespace wisp

#endif  // WISP_MODEL_FORWARD_H_
