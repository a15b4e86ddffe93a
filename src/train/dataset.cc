#include "src/train/dataset.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "src/infer/sampler.h"

namespace wisp {

absl::StatusOr<Dataset> Dataset::Create(std::vector<int32_t> tokens, size_t seq,
                                        float eval_fraction, uint64_t seed) {
  if (tokens.size() < 2) {
    return absl::InvalidArgumentError(
        "training data must hold at least 2 tokens");
  }
  if (seq == 0) return absl::InvalidArgumentError("sequence length is 0");
  if (!(eval_fraction >= 0.0f && eval_fraction <= 0.5f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eval fraction must be in [0, 0.5], got ", eval_fraction));
  }
  Dataset d;
  d.tokens_ = std::move(tokens);
  d.seq_ = seq;
  d.seed_ = seed;
  // A window starting at i predicts tokens i+1 .. i+seq, so windows advance
  // by seq and the last one needs at least one target.
  for (size_t i = 0; i + 1 < d.tokens_.size(); i += seq)
    d.windows_.push_back(i);
  size_t eval = 0;
  if (d.windows_.size() >= 2 && eval_fraction > 0.0f) {
    eval = std::max<size_t>(
        1, static_cast<size_t>(std::lround(eval_fraction * d.windows_.size())));
  }
  d.train_windows_ = d.windows_.size() - eval;
  d.Shuffle();
  return d;
}

void Dataset::Shuffle() {
  order_.resize(train_windows_);
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  // Fisher-Yates with wisp's portable generator: the same order on every
  // platform, derived from (seed, epoch) alone so resuming needs no state.
  Rng rng(seed_ * 0x9E3779B97F4A7C15ull + position_.epoch);
  for (size_t i = order_.size(); i > 1; --i) {
    std::swap(order_[i - 1], order_[rng.Next() % i]);
  }
}

void Dataset::Restore(uint64_t seed, const DataPosition& position) {
  seed_ = seed;
  position_ = position;
  position_.cursor = std::min<uint64_t>(position_.cursor, train_windows_);
  Shuffle();
}

void Dataset::Window(size_t w, int32_t* inputs, int32_t* targets) const {
  const size_t start = windows_[w];
  for (size_t t = 0; t < seq_; ++t) {
    const size_t i = start + t;
    inputs[t] = i < tokens_.size() ? tokens_[i] : 0;
    targets[t] = i + 1 < tokens_.size() ? tokens_[i + 1] : kIgnoreTarget;
  }
}

void Dataset::NextBatch(size_t batch, int32_t* inputs, int32_t* targets) {
  for (size_t b = 0; b < batch; ++b) {
    if (position_.cursor >= train_windows_) {
      ++position_.epoch;
      position_.cursor = 0;
      Shuffle();
    }
    Window(order_[position_.cursor++], inputs + b * seq_, targets + b * seq_);
  }
}

}  // namespace wisp
