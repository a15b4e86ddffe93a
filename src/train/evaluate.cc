#include "src/train/evaluate.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"

namespace wisp {

LossSum EvaluateWindows(TrainGraph& graph, const ModelWeights& weights,
                        const Dataset& data, size_t first, size_t count,
                        size_t batch, ThreadPool* pool) {
  const size_t T = data.seq();
  std::vector<int32_t> inputs(batch * T), targets(batch * T);
  LossSum total;
  for (size_t w = first; w < first + count; w += batch) {
    const size_t rows = std::min(batch, first + count - w);
    for (size_t r = 0; r < rows; ++r) {
      data.Window(w + r, inputs.data() + r * T, targets.data() + r * T);
    }
    const LossSum loss =
        graph.Forward(weights, {inputs.data(), targets.data(), rows, T}, pool);
    total.sum += loss.sum;
    total.count += loss.count;
  }
  return total;
}

absl::StatusOr<LossSum> EvaluateText(const Model& model, std::string_view text,
                                     const EvalOptions& options) {
  const ModelConfig& c = model.config();
  if (options.seq_len == 0 || options.seq_len > c.max_seq_len) {
    return absl::InvalidArgumentError(
        absl::StrCat("sequence length must be 1..", c.max_seq_len, ", got ",
                     options.seq_len));
  }
  if (options.batch_size == 0 || options.batch_size > 4096 ||
      options.num_threads == 0 || options.num_threads > 1024) {
    return absl::InvalidArgumentError(
        "batch size or thread count out of range");
  }
  if (model.tokenizer() == nullptr) {
    return absl::UnimplementedError("the model has no tokenizer");
  }
  std::vector<int32_t> tokens;
  absl::Status encoded = model.tokenizer()->Encode(text, true, false, &tokens);
  if (!encoded.ok()) return encoded;
  absl::StatusOr<Dataset> data =
      Dataset::Create(std::move(tokens), options.seq_len, 0.0f, 0);
  if (!data.ok()) return data.status();
  std::unique_ptr<ThreadPool> pool;
  if (options.num_threads > 1) {
    pool = std::make_unique<ThreadPool>(options.num_threads);
  }
  TrainGraph graph(model);
  return EvaluateWindows(graph, model.weights(), *data, 0,
                         data->train_windows(), options.batch_size, pool.get());
}

}  // namespace wisp
