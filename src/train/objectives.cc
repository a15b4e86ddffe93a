#include "src/train/objectives.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "src/train/train_graph.h"

namespace wisp {

const char* ObjectiveName(Objective objective) {
  switch (objective) {
    case Objective::kCausal:
      return "causal";
    case Objective::kMasked:
      return "masked";
    case Objective::kPrefix:
      return "prefix";
  }
  return "unknown";
}

absl::Status ValidateObjective(const ObjectiveOptions& o) {
  if (o.objective == Objective::kMasked) {
    if (o.mask_token < 0 || o.mask_token >= o.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "masked LM needs a mask token id in [0, ", o.vocab_size, "), got ",
          o.mask_token, " (the tokenizer has no [MASK]: pass one)"));
    }
    if (!(o.mask_probability > 0.0f && o.mask_probability <= 1.0f)) {
      return absl::InvalidArgumentError(
          "masking probability must be in (0, 1]");
    }
  }
  if (static_cast<int>(o.objective) > 2) {
    return absl::InvalidArgumentError("unknown objective");
  }
  return absl::OkStatus();
}

MaskKind MaskFor(Objective objective, MaskKind model_mask) {
  switch (objective) {
    case Objective::kMasked:
      return MaskKind::kBidirectional;
    case Objective::kPrefix:
      return MaskKind::kPrefix;
    case Objective::kCausal:
      return model_mask == MaskKind::kBidirectional ? MaskKind::kCausal
                                                    : model_mask;
  }
  return model_mask;
}

void ApplyObjective(const ObjectiveOptions& o, Rng* rng, size_t batch,
                    size_t seq, int32_t* inputs, int32_t* targets,
                    const int32_t* lengths, int32_t* prefixes) {
  for (size_t b = 0; b < batch; ++b) {
    int32_t* in = inputs + b * seq;
    int32_t* tgt = targets + b * seq;
    const size_t length = std::min<size_t>(std::max(lengths[b], 1), seq);
    if (o.objective == Objective::kMasked) {
      size_t chosen = 0;
      for (size_t t = 0; t < seq; ++t) {
        tgt[t] = kIgnoreTarget;
        if (t >= length || rng->Uniform() >= o.mask_probability) continue;
        tgt[t] = in[t];
        ++chosen;
        const float r = rng->Uniform();
        if (r < 0.8f) {
          in[t] = o.mask_token;
        } else if (r < 0.9f) {
          in[t] = static_cast<int32_t>(rng->Next() % o.vocab_size);
        }
      }
      if (chosen == 0) {
        // Every window teaches something: mask one position at least.
        const size_t t = rng->Next() % length;
        tgt[t] = in[t];
        in[t] = o.mask_token;
      }
    } else if (o.objective == Objective::kPrefix) {
      if (prefixes[b] <= 0) {
        // A random split that leaves at least one token to predict.
        prefixes[b] = length > 1
                          ? 1 + static_cast<int32_t>(rng->Next() % (length - 1))
                          : 1;
      }
      // Position t predicts token t + 1: only predictions of tokens after
      // the prefix count.
      const size_t prefix = static_cast<size_t>(prefixes[b]);
      for (size_t t = 0; t + 1 < prefix && t < seq; ++t) tgt[t] = kIgnoreTarget;
    }
  }
}

}  // namespace wisp
