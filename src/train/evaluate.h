// Mean causal-LM loss of a model's weights over data, without training state:
// used by the trainer on its held-out split and by `wisp eval` on mmap'd
// weights (no copy).
#ifndef WISP_TRAIN_EVALUATE_H_
#define WISP_TRAIN_EVALUATE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "src/train/dataset.h"
#include "src/train/train_graph.h"

namespace wisp {

// Summed loss over windows [first, first + count) of `data`, `batch` windows
// per forward pass.
LossSum EvaluateWindows(TrainGraph& graph, const ModelWeights& weights,
                        const Dataset& data, size_t first, size_t count,
                        size_t batch, ThreadPool* pool);

struct EvalOptions {
  size_t seq_len = 256;
  size_t batch_size = 8;
  size_t num_threads = 1;
};

// Mean loss of `model` (its own weights) on `text`, tokenized with a leading
// BOS and cut into windows of seq_len. InvalidArgument for text that encodes
// to fewer than 2 tokens or options out of range.
absl::StatusOr<LossSum> EvaluateText(const Model& model, std::string_view text,
                                     const EvalOptions& options);

}  // namespace wisp

#endif  // WISP_TRAIN_EVALUATE_H_
