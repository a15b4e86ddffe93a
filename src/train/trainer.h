// Full fine-tuning of every weight of a model: batches from a Dataset, the
// training graph's forward and backward, gradient accumulation, clipping by
// global norm, a warm-up + cosine learning-rate schedule and AdamW, with
// checkpoints that resume bit for bit.
#ifndef WISP_TRAIN_TRAINER_H_
#define WISP_TRAIN_TRAINER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "src/core/thread_pool.h"
#include "src/infer/sampler.h"
#include "src/model/model.h"
#include "src/train/dataset.h"
#include "src/train/objectives.h"
#include "src/train/parameters.h"
#include "src/train/train_graph.h"

namespace wisp {

enum class LrSchedule { kConstant = 0, kCosine = 1 };

struct TrainOptions {
  float learning_rate = 1e-3f;
  LrSchedule schedule = LrSchedule::kCosine;
  size_t warmup_steps = 0;
  // Steps the cosine schedule spans (decaying to min_lr_ratio * lr); 0 keeps
  // the rate constant after warm-up.
  size_t total_steps = 0;
  float min_lr_ratio = 0.1f;
  size_t batch_size = 8;
  size_t seq_len = 64;
  size_t grad_accum = 1;  // micro-batches per optimizer step
  float weight_decay = 0.1f;
  float beta1 = 0.9f;
  float beta2 = 0.95f;
  float eps = 1e-8f;
  float grad_clip = 1.0f;  // max global gradient norm; 0 disables clipping
  uint64_t seed = 0;
  size_t num_threads = 1;
  float eval_fraction = 0.1f;  // held-out share of the data
  Objective objective = Objective::kCausal;
  float mask_probability = 0.15f;  // masked LM
  int32_t mask_token = -1;         // masked LM; -1: ResolveMaskToken's default
  std::string prefix_separator;    // prefix LM with explicit prefixes
};

// InvalidArgument for values no run could use (NaN, zero batch, ...).
absl::Status ValidateTrainOptions(const TrainOptions& options,
                                  const ModelConfig& config);

struct StepResult {
  size_t step = 0;         // 1-based number of the step just taken
  float loss = 0.0f;       // mean loss over the step's target tokens
  float lr = 0.0f;         // learning rate used
  float grad_norm = 0.0f;  // global norm before clipping
  size_t tokens = 0;       // target tokens in the step
};

class Trainer {
 public:
  // Copies the weights of `base` (which must outlive the trainer: it
  // provides the config, tokenizer and rotary tables).
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(
      const Model& base, const TrainOptions& options);

  // Training data as token ids, or as text (tokenized with a leading BOS;
  // for prefix LM with a separator, one example per line holding it).
  absl::Status SetData(std::vector<int32_t> tokens);
  absl::Status SetDataText(std::string_view text);

  // One optimizer step over grad_accum micro-batches of the data.
  absl::StatusOr<StepResult> Step();
  // One optimizer step on a batch the caller provides (ignores grad_accum
  // and the data set; the batch's shape may differ from the options').
  absl::StatusOr<StepResult> StepOnBatch(const TrainBatch& batch);

  // Mean loss of the current weights on the held-out windows (or, if the data
  // has none, on all windows).
  absl::StatusOr<float> EvaluateHeldOut();
  // Mean loss of the current weights over `tokens` cut into windows, or over
  // a text prepared as SetDataText would (the objective's fixed masking).
  absl::StatusOr<float> Evaluate(const std::vector<int32_t>& tokens);
  absl::StatusOr<float> EvaluateText(std::string_view text);

  // Writes weights, AdamW moments, step, RNG and data position atomically.
  absl::Status SaveCheckpoint(const std::string& path) const;
  // Restores a checkpoint written by a trainer of the same model shape; call
  // after SetData (the data position refers to it).
  absl::Status LoadCheckpoint(const std::string& path);
  // Writes the current weights as a model file (with the attention mask the
  // objective trained it for).
  absl::Status ExportModel(const std::string& path) const;

  size_t step() const { return step_; }
  const TrainOptions& options() const { return options_; }
  // Threads that compute, the caller's included (as Session::threads).
  size_t threads() const { return ComputeThreads(pool_.get()); }
  const Model& base() const { return base_; }
  const Parameters& parameters() const { return params_; }
  // Learning rate of 0-based step `step` under the schedule.
  float LearningRate(size_t step) const;

  // Exposed for gradient checks: loss and gradients of one batch with the
  // current weights (grads are overwritten, scaled for the mean loss).
  absl::StatusOr<float> ComputeGradients(const TrainBatch& batch);
  const Parameters& gradients() const { return grads_; }

 private:
  Trainer(const Model& base, const TrainOptions& options, Parameters params);
  absl::StatusOr<float> MeanLoss(const Dataset& data, size_t first,
                                 size_t count);
  absl::Status CheckBatch(const TrainBatch& batch) const;
  // How this trainer turns text into a Dataset (held-out share as given).
  TextDataOptions DataOptions(float eval_fraction) const;
  // grads_ = 0, and the sum of squares of grads_ (for the global norm), in
  // chunks over the pool.
  void ZeroGradients();
  double GradientSumOfSquares();
  // Gradients of the mean loss over `batches`, then clipping and AdamW.
  absl::StatusOr<StepResult> StepOn(absl::Span<const TrainBatch> batches);

  const Model& base_;
  TrainOptions options_;
  Parameters params_, grads_, m_, v_;
  ModelWeights weights_;
  ModelGradients grad_view_;
  ObjectiveOptions objective_;
  std::vector<int32_t> lengths_, prefixes_;
  std::unique_ptr<ThreadPool> pool_;
  TrainGraph graph_;
  std::optional<Dataset> data_;
  Rng rng_;
  size_t step_ = 0;
  uint64_t tokens_seen_ = 0;
  std::vector<int32_t> inputs_, targets_;
  std::vector<TrainBatch> batches_;   // Step's micro-batches, reused
  std::vector<double> partial_sums_;  // GradientSumOfSquares' chunks
};

}  // namespace wisp

#endif  // WISP_TRAIN_TRAINER_H_
