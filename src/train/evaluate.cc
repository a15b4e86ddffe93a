#include "src/train/evaluate.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "src/train/parameters.h"

namespace wisp {

LossSum EvaluateWindows(TrainGraph& graph, const ModelWeights& weights,
                        const Dataset& data, size_t first, size_t count,
                        size_t batch, const ObjectiveOptions& objective,
                        uint64_t seed, ThreadPool* pool) {
  const size_t T = data.seq();
  std::vector<int32_t> inputs(batch * T), targets(batch * T), lengths(batch),
      prefixes(batch);
  Rng rng(seed);
  LossSum total;
  for (size_t w = first; w < first + count; w += batch) {
    const size_t rows = std::min(batch, first + count - w);
    for (size_t r = 0; r < rows; ++r) {
      data.Window(w + r, inputs.data() + r * T, targets.data() + r * T,
                  &lengths[r], &prefixes[r]);
    }
    ApplyObjective(objective, &rng, rows, T, inputs.data(), targets.data(),
                   lengths.data(), prefixes.data());
    const LossSum loss = graph.Forward(weights,
                                       {inputs.data(), targets.data(), rows, T,
                                        lengths.data(), prefixes.data()},
                                       pool);
    total.sum += loss.sum;
    total.count += loss.count;
  }
  return total;
}

absl::StatusOr<int32_t> ResolveMaskToken(int32_t requested,
                                         const Model& model) {
  if (requested >= 0) return requested;
  if (requested != -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mask token must be a token id or -1 (the default), got ", requested));
  }
  const TokenizerData& t = model.file().tokenizer();
  return t.mask_id >= 0 ? t.mask_id : t.eos_id;
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
  ObjectiveOptions objective;
  objective.objective = options.objective;
  absl::StatusOr<int32_t> mask_token =
      ResolveMaskToken(options.mask_token, model);
  if (!mask_token.ok()) return mask_token.status();
  objective.mask_token = *mask_token;
  objective.vocab_size = static_cast<int32_t>(c.vocab_size);
  absl::Status valid = ValidateObjective(objective);
  if (!valid.ok()) return valid;
  TextDataOptions data_options;
  data_options.seq_len = options.seq_len;
  data_options.objective = options.objective;
  data_options.prefix_separator = options.prefix_separator;
  absl::StatusOr<Dataset> data =
      DatasetFromText(*model.tokenizer(), text, data_options);
  if (!data.ok()) return data.status();
  std::unique_ptr<ThreadPool> pool = MakeComputePool(options.num_threads);
  TrainGraph graph(model, MaskFor(options.objective, c.mask));
  // The training graph runs f32 weights: a bf16 model is evaluated on
  // widened copies.
  ModelWeights weights = model.weights();
  absl::StatusOr<Parameters> widened;
  if (model.has_bf16_weights()) {
    widened = Parameters::CopyFrom(model);
    if (!widened.ok()) return widened.status();
    absl::StatusOr<ModelWeights> bound = widened->Bind(c);
    if (!bound.ok()) return bound.status();
    weights = std::move(*bound);
  }
  return EvaluateWindows(graph, weights, *data, 0, data->train_windows(),
                         options.batch_size, objective, kEvalSeed, pool.get());
}

}  // namespace wisp
