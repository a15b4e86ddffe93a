#include "src/train/dataset.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/infer/sampler.h"

namespace wisp {

namespace {

absl::Status ValidateShape(size_t seq, float eval_fraction) {
  if (seq == 0) return absl::InvalidArgumentError("sequence length is 0");
  return ValidateEvalFraction(eval_fraction);
}

}  // namespace

absl::Status ValidateEvalFraction(float eval_fraction) {
  if (!(eval_fraction >= 0.0f && eval_fraction <= 0.5f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eval fraction must be in [0, 0.5], got ", eval_fraction));
  }
  return absl::OkStatus();
}

absl::StatusOr<Dataset> Dataset::Create(std::vector<int32_t> tokens, size_t seq,
                                        float eval_fraction, uint64_t seed) {
  if (tokens.size() < 2) {
    return absl::InvalidArgumentError(
        "training data must hold at least 2 tokens");
  }
  absl::Status valid = ValidateShape(seq, eval_fraction);
  if (!valid.ok()) return valid;
  Dataset d;
  d.tokens_ = std::move(tokens);
  d.seq_ = seq;
  d.seed_ = seed;
  // A window starting at i predicts tokens i+1 .. i+seq, so windows advance
  // by seq and the last one needs at least one target.
  for (size_t i = 0; i + 1 < d.tokens_.size(); i += seq) {
    d.windows_.push_back({i, d.tokens_.size(), 0});
  }
  d.Split(eval_fraction);
  return d;
}

absl::StatusOr<Dataset> Dataset::CreateFromExamples(
    const std::vector<std::vector<int32_t>>& examples,
    const std::vector<int32_t>& prefix_lengths, size_t seq, float eval_fraction,
    uint64_t seed) {
  absl::Status valid = ValidateShape(seq, eval_fraction);
  if (!valid.ok()) return valid;
  Dataset d;
  d.seq_ = seq;
  d.seed_ = seed;
  for (size_t e = 0; e < examples.size(); ++e) {
    if (examples[e].size() < 2) continue;
    const size_t n = std::min(examples[e].size(), seq + 1);
    const size_t start = d.tokens_.size();
    d.tokens_.insert(d.tokens_.end(), examples[e].begin(),
                     examples[e].begin() + n);
    d.windows_.push_back(
        {start, start + n, e < prefix_lengths.size() ? prefix_lengths[e] : 0});
  }
  if (d.windows_.empty()) {
    return absl::InvalidArgumentError("no example holds at least 2 tokens");
  }
  d.Split(eval_fraction);
  return d;
}

void Dataset::Split(float eval_fraction) {
  size_t eval = 0;
  if (windows_.size() >= 2 && eval_fraction > 0.0f) {
    eval = std::max<size_t>(
        1, static_cast<size_t>(std::lround(eval_fraction * windows_.size())));
  }
  train_windows_ = windows_.size() - eval;
  Shuffle();
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

void Dataset::Window(size_t w, int32_t* inputs, int32_t* targets,
                     int32_t* length, int32_t* prefix) const {
  const WindowSpec& spec = windows_[w];
  for (size_t t = 0; t < seq_; ++t) {
    const size_t i = spec.start + t;
    inputs[t] = i < spec.end ? tokens_[i] : 0;
    targets[t] = i + 1 < spec.end ? tokens_[i + 1] : kIgnoreTarget;
  }
  if (length) {
    *length = static_cast<int32_t>(std::min(seq_, spec.end - spec.start));
  }
  if (prefix) *prefix = spec.prefix;
}

void Dataset::NextBatch(size_t batch, int32_t* inputs, int32_t* targets,
                        int32_t* lengths, int32_t* prefixes) {
  for (size_t b = 0; b < batch; ++b) {
    if (position_.cursor >= train_windows_) {
      ++position_.epoch;
      position_.cursor = 0;
      Shuffle();
    }
    Window(order_[position_.cursor++], inputs + b * seq_, targets + b * seq_,
           lengths ? lengths + b : nullptr, prefixes ? prefixes + b : nullptr);
  }
}

absl::StatusOr<Dataset> DatasetFromText(const Tokenizer& tokenizer,
                                        std::string_view text,
                                        const TextDataOptions& options) {
  if (options.objective == Objective::kPrefix &&
      !options.prefix_separator.empty()) {
    std::vector<std::vector<int32_t>> examples;
    std::vector<int32_t> prefixes;
    for (absl::string_view line :
         absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
      const size_t sep = line.find(options.prefix_separator);
      if (sep == absl::string_view::npos) continue;
      std::vector<int32_t> ids, prefix_ids;
      absl::Status status = tokenizer.Encode(
          std::string_view(line.data(), line.size()), true, false, &ids);
      if (status.ok()) {
        status = tokenizer.Encode(
            std::string_view(line.data(),
                             sep + options.prefix_separator.size()),
            true, false, &prefix_ids);
      }
      if (!status.ok()) return status;
      examples.push_back(std::move(ids));
      prefixes.push_back(static_cast<int32_t>(prefix_ids.size()));
    }
    if (examples.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no line of the data holds the prefix separator '",
                       options.prefix_separator, "'"));
    }
    size_t longest = 0;
    for (const auto& e : examples) longest = std::max(longest, e.size());
    const size_t seq =
        std::min(options.seq_len, std::max<size_t>(longest, 2) - 1);
    return Dataset::CreateFromExamples(examples, prefixes, seq,
                                       options.eval_fraction, options.seed);
  }
  std::vector<int32_t> tokens;
  absl::Status encoded = tokenizer.Encode(text, true, false, &tokens);
  if (!encoded.ok()) return encoded;
  const size_t seq =
      std::min(options.seq_len, tokens.size() > 1 ? tokens.size() - 1 : 1);
  return Dataset::Create(std::move(tokens), seq, options.eval_fraction,
                         options.seed);
}

}  // namespace wisp
