#include "src/infer/sampler.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace wisp {

absl::Status ValidateSamplerParams(const SamplerParams& p) {
  if (std::isnan(p.temperature) || std::isnan(p.top_p) ||
      std::isnan(p.repetition_penalty) || !std::isfinite(p.temperature)) {
    return absl::InvalidArgumentError("sampler: NaN or infinite parameter");
  }
  if (p.top_p <= 0.0f) {
    return absl::InvalidArgumentError(
        absl::StrCat("sampler: top_p must be > 0, got ", p.top_p));
  }
  if (p.repetition_penalty <= 0.0f || !std::isfinite(p.repetition_penalty)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sampler: repetition_penalty must be > 0, got ", p.repetition_penalty));
  }
  if (p.temperature < 0.0f) {
    return absl::InvalidArgumentError(
        absl::StrCat("sampler: temperature must be >= 0, got ", p.temperature));
  }
  if (p.repetition_last_n < 0) {
    return absl::InvalidArgumentError("sampler: repetition_last_n < 0");
  }
  return absl::OkStatus();
}

void Rng::Seed(uint64_t seed) {
  for (uint64_t& s : s_) {
    seed += 0x9E3779B97F4A7C15ull;
    uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    s = z ^ (z >> 31);
  }
}

uint64_t Rng::Next() {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

bool Rng::set_state(const std::vector<uint64_t>& state) {
  if (state.size() != 4 || (state[0] | state[1] | state[2] | state[3]) == 0) {
    return false;
  }
  for (int i = 0; i < 4; ++i) s_[i] = state[i];
  return true;
}

float Rng::Uniform() {
  return static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f);
}

int32_t Sampler::Sample(absl::Span<float> logits,
                        absl::Span<const int32_t> history) {
  const int32_t vocab = static_cast<int32_t>(logits.size());
  if (params_.repetition_penalty != 1.0f && params_.repetition_last_n > 0) {
    const size_t n = std::min(history.size(),
                              static_cast<size_t>(params_.repetition_last_n));
    // Each distinct recent token is penalised once; a reused sorted copy
    // instead of a hash set keeps decoding free of allocations.
    if (penalised_.capacity() < n) {
      // Grow once to the whole look-back window (bounded), not per token.
      penalised_.reserve(std::max(
          n, std::min<size_t>(params_.repetition_last_n, size_t{1} << 16)));
    }
    penalised_.assign(history.end() - n, history.end());
    std::sort(penalised_.begin(), penalised_.end());
    penalised_.erase(std::unique(penalised_.begin(), penalised_.end()),
                     penalised_.end());
    for (int32_t token : penalised_) {
      if (token < 0 || token >= vocab) continue;
      float& l = logits[token];
      l = l > 0 ? l / params_.repetition_penalty
                : l * params_.repetition_penalty;
    }
  }
  if (params_.temperature <= 0.0f) {
    // First maximum wins, as in llama2.c's argmax.
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) -
                                logits.begin());
  }
  candidates_.clear();
  for (int32_t i = 0; i < vocab; ++i) candidates_.emplace_back(logits[i], i);
  auto by_logit = [](const std::pair<float, int32_t>& a,
                     const std::pair<float, int32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  size_t keep = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) {
    keep = static_cast<size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + keep,
                      candidates_.end(), by_logit);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }
  candidates_.resize(keep);
  // Softmax at temperature over the survivors (sorted, so [0] is the max).
  const float max_logit = candidates_[0].first;
  double total = 0.0;
  for (auto& [value, id] : candidates_) {
    value = std::exp((value - max_logit) / params_.temperature);
    total += value;
  }
  // Nucleus: the smallest prefix whose probability reaches top_p.
  if (params_.top_p < 1.0f) {
    double cumulative = 0.0;
    size_t cut = candidates_.size();
    for (size_t i = 0; i < candidates_.size(); ++i) {
      cumulative += candidates_[i].first / total;
      if (cumulative >= params_.top_p) {
        cut = i + 1;
        break;
      }
    }
    candidates_.resize(cut);
    total = 0.0;
    for (const auto& c : candidates_) total += c.first;
  }
  const double r = static_cast<double>(rng_.Uniform()) * total;
  double cumulative = 0.0;
  for (const auto& [weight, id] : candidates_) {
    cumulative += weight;
    if (r < cumulative) return id;
  }
  return candidates_.back().second;  // rounding left r at the very top
}

}  // namespace wisp
