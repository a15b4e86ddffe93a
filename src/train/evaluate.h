// Mean causal-LM loss of a model's weights over data, without training state:
// used by the trainer on its held-out split and by `wisp eval` on mmap'd
// weights (no copy).
#ifndef WISP_TRAIN_EVALUATE_H_
#define WISP_TRAIN_EVALUATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "src/train/dataset.h"
#include "src/train/objectives.h"
#include "src/train/train_graph.h"

namespace wisp {

// Summed loss over windows [first, first + count) of `data`, `batch` windows
// per forward pass, for the objective. Masked and prefix LM draw their masks
// and splits from a generator seeded with `seed`, so an evaluation is the
// same every time (a fixed masking of the data).
LossSum EvaluateWindows(TrainGraph& graph, const ModelWeights& weights,
                        const Dataset& data, size_t first, size_t count,
                        size_t batch, const ObjectiveOptions& objective,
                        uint64_t seed, ThreadPool* pool);

// The mask token masked LM uses for `requested`: itself if >= 0, else (-1)
// the tokenizer's [MASK], else its end-of-text token (vocabularies like
// GPT-2's have no [MASK]); -1 if neither exists (ValidateObjective then
// says so). InvalidArgument below -1, which means nothing.
absl::StatusOr<int32_t> ResolveMaskToken(int32_t requested, const Model& model);

// The seed of evaluation's fixed masking and prefix splits.
constexpr uint64_t kEvalSeed = 0x5eed;

struct EvalOptions {
  size_t seq_len = 256;
  size_t batch_size = 8;
  size_t num_threads = 1;
  Objective objective = Objective::kCausal;
  int32_t mask_token = -1;  // -1: the default (ResolveMaskToken)
  std::string prefix_separator;
};

// Loss of `model` (its own weights) on `text`, tokenized with a leading BOS
// and cut into windows of seq_len, for the objective. InvalidArgument for
// text that encodes to fewer than 2 tokens or options out of range.
absl::StatusOr<LossSum> EvaluateText(const Model& model, std::string_view text,
                                     const EvalOptions& options);

}  // namespace wisp

#endif  // WISP_TRAIN_EVALUATE_H_
