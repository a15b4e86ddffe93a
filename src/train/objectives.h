// The three training objectives of the one transformer. Every objective
// starts from the same windows of text (inputs, next-token targets) and
// rewrites them in place:
//   causal LM:  unchanged; causal attention.
//   masked LM:  15% of the real positions are chosen; their input becomes the
//               mask token (80%), a random token (10%) or stays (10%); the
//               target is the original token there and ignored elsewhere;
//               bidirectional attention (BERT).
//   prefix LM:  bidirectional attention over a prefix, causal after it; the
//               loss counts only tokens after the prefix (T5-style task
//               prefixes). The prefix is given per example (text up to a
//               separator) or drawn at random per window.
#ifndef WISP_TRAIN_OBJECTIVES_H_
#define WISP_TRAIN_OBJECTIVES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "src/format/model_config.h"
#include "src/infer/sampler.h"

namespace wisp {

enum class Objective { kCausal = 0, kMasked = 1, kPrefix = 2 };

const char* ObjectiveName(Objective objective);

struct ObjectiveOptions {
  Objective objective = Objective::kCausal;
  float mask_probability = 0.15f;  // masked LM
  int32_t mask_token = -1;         // masked LM: the [MASK] id
  int32_t vocab_size = 0;          // for random replacement tokens
};

// InvalidArgument if the options cannot work (masked LM without a valid
// mask token, a probability outside (0, 1]).
absl::Status ValidateObjective(const ObjectiveOptions& options);

// The attention mask an objective trains with.
MaskKind MaskFor(Objective objective, MaskKind model_mask);

// Rewrites `batch` windows of `seq` tokens for the objective. inputs and
// targets are [batch, seq] as causal windows produce them (targets[t] =
// inputs[t + 1]); lengths[b] counts the real input tokens of window b;
// prefixes[b] is its prefix length, 0 meaning "draw one" for prefix LM.
// Random choices come from `rng`, so a seeded generator makes them
// reproducible (and checkpoints restore them).
void ApplyObjective(const ObjectiveOptions& options, Rng* rng, size_t batch,
                    size_t seq, int32_t* inputs, int32_t* targets,
                    const int32_t* lengths, int32_t* prefixes);

}  // namespace wisp

#endif  // WISP_TRAIN_OBJECTIVES_H_
