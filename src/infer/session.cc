#include "src/infer/session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace wisp {

absl::StatusOr<std::unique_ptr<Session>> Session::Create(
    const Model& model, const SessionOptions& options) {
  const ModelConfig& c = model.config();
  if (options.context_length > c.max_seq_len) {
    return absl::InvalidArgumentError(
        absl::StrCat("context length ", options.context_length,
                     " exceeds the model's maximum ", c.max_seq_len));
  }
  if (options.num_threads == 0 || options.num_threads > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "thread count must be 1..1024, got ", options.num_threads));
  }
  if (options.max_block_tokens == 0) {
    return absl::InvalidArgumentError("max_block_tokens must be positive");
  }
  return std::unique_ptr<Session>(new Session(model, options));
}

Session::Session(const Model& model, const SessionOptions& options)
    : model_(model),
      options_(options),
      capacity_(options.context_length ? options.context_length
                                       : model.config().max_seq_len) {
  const ModelConfig& c = model.config();
  pool_ = MakeComputePool(options.num_threads);
  const size_t cache_floats = size_t{c.n_layers} * capacity_ * c.kv_dim();
  keys_ = LargeArray<float>(cache_floats);  // no page touched until used
  values_ = LargeArray<float>(cache_floats);
  logits_.resize(c.vocab_size);
  // Decoding needs blocks of one; prompts grow the scratch on first use.
  scratch_.Reserve(c, 1, threads());
  history_.reserve(capacity_);
}

absl::Status Session::Feed(absl::Span<const int32_t> tokens,
                           float* all_logits) {
  const ModelConfig& c = model_.config();
  absl::Status valid = model_.CheckTokenIds(tokens);
  if (!valid.ok()) return valid;
  if (tokens.size() > capacity_ - history_.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("context full: ", history_.size(), " + ", tokens.size(),
                     " tokens exceed the context length ", capacity_));
  }
  // A bidirectional model sees a whole sequence at once, and a prefix model's
  // prefix (the first feed) attends within itself: both need one block.
  size_t block = options_.max_block_tokens;
  if (c.mask == MaskKind::kBidirectional) {
    if (!history_.empty()) {
      return absl::FailedPreconditionError(
          "a bidirectional model reads the whole sequence in one feed: reset "
          "the session first");
    }
    block = tokens.size();
  }
  if (c.mask == MaskKind::kPrefix && history_.empty()) {
    block = tokens.size();
    prefix_len_ = tokens.size();
  }
  const KvCacheView cache{keys_.get(), values_.get(), capacity_};
  size_t done = 0;
  while (done < tokens.size()) {
    const size_t n = std::min(block, tokens.size() - done);
    scratch_.Reserve(c, n, threads());
    const bool last_block = done + n == tokens.size();
    float* out = all_logits ? all_logits + done * c.vocab_size : nullptr;
    if (out) {
      ForwardBlock(model_, cache, tokens.data() + done, n, history_.size(),
                   prefix_len_, pool_.get(), &scratch_, out,
                   /*all_logits=*/true);
      if (last_block) {
        std::copy(out + (n - 1) * c.vocab_size, out + n * c.vocab_size,
                  logits_.begin());
      }
    } else {
      // Intermediate blocks only fill the cache; their logits go to the
      // session buffer and are overwritten by the next block.
      ForwardBlock(model_, cache, tokens.data() + done, n, history_.size(),
                   prefix_len_, pool_.get(), &scratch_, logits_.data(),
                   /*all_logits=*/false);
    }
    history_.insert(history_.end(), tokens.begin() + done,
                    tokens.begin() + done + n);
    done += n;
  }
  if (!tokens.empty()) has_logits_ = true;
  return absl::OkStatus();
}

absl::Span<const float> Session::last_logits() const {
  if (!has_logits_) return {};
  return absl::MakeConstSpan(logits_);
}

absl::StatusOr<int32_t> Session::SampleNext(Sampler* sampler) {
  if (!has_logits_) {
    return absl::FailedPreconditionError(
        "nothing to sample from: feed a prompt first");
  }
  // The sampler may penalise logits in place; keep the session's intact.
  std::vector<float>& work = scratch_logits_;
  work.assign(logits_.begin(), logits_.end());
  return sampler->Sample(absl::MakeSpan(work), history_);
}

absl::StatusOr<StopReason> Session::Generate(Sampler* sampler,
                                             size_t max_tokens,
                                             const TokenCallback& on_token) {
  const Tokenizer* tokenizer = model_.tokenizer();
  for (size_t i = 0; i < max_tokens; ++i) {
    if (history_.size() >= capacity_) return StopReason::kContextFull;
    absl::StatusOr<int32_t> token = SampleNext(sampler);
    if (!token.ok()) return token.status();
    if (tokenizer &&
        (*token == tokenizer->eos_id() || *token == tokenizer->bos_id())) {
      return StopReason::kEndOfText;
    }
    absl::Status fed = Feed(absl::MakeConstSpan(&*token, 1), nullptr);
    if (!fed.ok()) return fed;
    if (on_token && !on_token(*token)) return StopReason::kCallback;
  }
  return StopReason::kMaxTokens;
}

void Session::Reset() {
  history_.clear();
  prefix_len_ = 0;
  has_logits_ = false;
}

}  // namespace wisp
