// Choosing the next token from logits: repetition penalty, then greedy
// (temperature 0) or temperature + top-k + top-p sampling, with a seeded
// random generator so that runs are reproducible on every platform.
#ifndef WISP_INFER_SAMPLER_H_
#define WISP_INFER_SAMPLER_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace wisp {

struct SamplerParams {
  float temperature = 0.8f;  // <= 0: greedy (argmax)
  int32_t top_k = 40;        // <= 0: all tokens
  float top_p = 0.95f;       // >= 1: no nucleus cut
  // > 1 makes recently seen tokens less likely (CTRL-style: positive logits
  // divided, negative multiplied); 1 disables.
  float repetition_penalty = 1.0f;
  int32_t repetition_last_n = 64;  // how many recent tokens are penalised
  uint64_t seed = 0;
};

// InvalidArgument for NaN or negative values, top_p <= 0 and penalties <= 0.
absl::Status ValidateSamplerParams(const SamplerParams& params);

// xoshiro256** seeded through splitmix64: the same sequence everywhere,
// unlike std::uniform_real_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }
  void Seed(uint64_t seed);
  uint64_t Next();
  float Uniform();  // in [0, 1)

  // The full generator state, for checkpoints.
  std::vector<uint64_t> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  // False (state unchanged) unless `state` has 4 words, not all zero.
  bool set_state(const std::vector<uint64_t>& state);

 private:
  uint64_t s_[4];
};

class Sampler {
 public:
  explicit Sampler(const SamplerParams& params)
      : params_(params), rng_(params.seed) {}
  void Reset(const SamplerParams& params) {
    params_ = params;
    rng_.Seed(params.seed);
  }
  const SamplerParams& params() const { return params_; }
  // The random stream's position, saved with a session's state.
  const Rng& rng() const { return rng_; }
  Rng& rng() { return rng_; }

  // Picks a token from `logits` (modified in place by the penalty) given the
  // tokens seen so far.
  int32_t Sample(absl::Span<float> logits, absl::Span<const int32_t> history);

 private:
  SamplerParams params_;
  Rng rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused, no churn
  std::vector<int32_t> penalised_;                     // reused, no churn
};

}  // namespace wisp

#endif  // WISP_INFER_SAMPLER_H_
