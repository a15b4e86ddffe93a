// A conversation with a model: its own KV cache, thread pool and scratch on
// top of a shared, immutable Model. A session is used by one thread at a time.
#ifndef WISP_INFER_SESSION_H_
#define WISP_INFER_SESSION_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "src/core/large_buffer.h"
#include "src/core/thread_pool.h"
#include "src/infer/sampler.h"
#include "src/model/forward.h"
#include "src/model/model.h"

namespace wisp {

struct SessionOptions {
  size_t num_threads = 1;     // including the caller's thread
  size_t context_length = 0;  // 0: the model's max_seq_len
  // Prompts are processed in blocks of at most this many tokens, bounding
  // scratch memory for very long prompts (GPT-2 124M: about 20 MB for 512).
  // Larger blocks spread the packing of each weight over more rows: a
  // 512-token GPT-2 prompt ran 1.06x faster in one block than in two.
  size_t max_block_tokens = 512;
};

enum class StopReason { kMaxTokens, kEndOfText, kContextFull, kCallback };

class Session {
 public:
  // InvalidArgument for a context longer than the model's or zero threads.
  static absl::StatusOr<std::unique_ptr<Session>> Create(
      const Model& model, const SessionOptions& options);

  const Model& model() const { return model_; }
  size_t position() const { return history_.size(); }
  size_t context_length() const { return capacity_; }
  // Threads that compute, the caller's included: the options' count, reduced
  // to the CPUs the process may run on (MakeComputePool).
  size_t threads() const { return ComputeThreads(pool_.get()); }
  const std::vector<int32_t>& history() const { return history_; }

  // Appends tokens to the context and runs them through the model. If
  // `all_logits` is non-null it receives [tokens.size(), vocab] logits.
  // InvalidArgument for ids outside the vocabulary; OutOfRange if the
  // context would overflow (nothing is fed then). Bidirectional models take
  // a whole sequence in one feed (FailedPrecondition after the first);
  // prefix-LM models treat the first feed as the prefix.
  absl::Status Feed(absl::Span<const int32_t> tokens, float* all_logits);

  // Logits after the last fed token; empty before the first Feed.
  absl::Span<const float> last_logits() const;

  // Samples from the last logits (FailedPrecondition before any Feed).
  absl::StatusOr<int32_t> SampleNext(Sampler* sampler);

  // Samples up to max_tokens tokens, feeding each back; calls on_token after
  // each one and stops early when it returns false, at end-of-text (EOS, or
  // BOS which starts a new document), or when the context is full.
  using TokenCallback = std::function<bool(int32_t token)>;
  absl::StatusOr<StopReason> Generate(Sampler* sampler, size_t max_tokens,
                                      const TokenCallback& on_token);

  // Forgets the context; keeps the allocated memory.
  void Reset();

  // The session's own sampler, whose random stream continues across
  // Generate calls (a game spreads a reply over frames with it) and is part
  // of the saved state.
  Sampler& sampler() { return sampler_; }
  const Sampler& sampler() const { return sampler_; }

 private:
  friend class SessionState;  // reads and restores the context

  Session(const Model& model, const SessionOptions& options);

  const Model& model_;
  SessionOptions options_;
  size_t capacity_;
  std::unique_ptr<ThreadPool> pool_;  // null: everything on the caller
  // [layer][capacity][kv_dim], deliberately left uninitialised: pages are
  // touched only as positions are written, and nothing reads a row at or past
  // history_.size(). Zeroing the whole cache up front cost ~6 % of a prefill.
  LargeArray<float> keys_, values_;
  ForwardScratch scratch_;
  std::vector<float> logits_;
  std::vector<float> scratch_logits_;  // sampler's working copy
  bool has_logits_ = false;
  std::vector<int32_t> history_;
  size_t prefix_len_ = 0;  // prefix-LM models: the first feed's length
  Sampler sampler_{SamplerParams{}};
};

}  // namespace wisp

#endif  // WISP_INFER_SESSION_H_
