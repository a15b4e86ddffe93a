#include "src/train/trainer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "src/kernels/training_ops.h"
#include "src/train/evaluate.h"

namespace wisp {

absl::Status ValidateTrainOptions(const TrainOptions& o,
                                  const ModelConfig& config) {
  auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError("training options: " + what);
  };
  if (!(o.learning_rate > 0.0f) || !std::isfinite(o.learning_rate)) {
    return bad(
        absl::StrCat("learning rate must be positive, got ", o.learning_rate));
  }
  if (o.batch_size == 0 || o.batch_size > 4096) {
    return bad(absl::StrCat("batch size must be 1..4096, got ", o.batch_size));
  }
  if (o.seq_len == 0 || o.seq_len > config.max_seq_len) {
    return bad(absl::StrCat("sequence length must be 1..", config.max_seq_len,
                            ", got ", o.seq_len));
  }
  if (o.grad_accum == 0 || o.grad_accum > 4096) {
    return bad("gradient accumulation must be 1..4096");
  }
  if (!(o.weight_decay >= 0.0f) || !std::isfinite(o.weight_decay)) {
    return bad("weight decay must be >= 0");
  }
  if (!(o.beta1 >= 0.0f && o.beta1 < 1.0f) ||
      !(o.beta2 >= 0.0f && o.beta2 < 1.0f) || !(o.eps > 0.0f)) {
    return bad("betas must be in [0, 1) and eps > 0");
  }
  if (!(o.grad_clip >= 0.0f) || !std::isfinite(o.grad_clip)) {
    return bad("gradient clipping norm must be >= 0");
  }
  if (!(o.min_lr_ratio >= 0.0f && o.min_lr_ratio <= 1.0f)) {
    return bad("min_lr_ratio must be in [0, 1]");
  }
  // Checked here, not first when data is set: a trainer that cannot take
  // any data should not be created.
  absl::Status fraction = ValidateEvalFraction(o.eval_fraction);
  if (!fraction.ok()) return bad(std::string(fraction.message()));
  if (o.num_threads == 0 || o.num_threads > 1024) {
    return bad("thread count must be 1..1024");
  }
  if (static_cast<int>(o.schedule) > 1) return bad("unknown schedule");
  if (static_cast<int>(o.objective) > 2) return bad("unknown objective");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(
    const Model& base, const TrainOptions& options) {
  absl::Status valid = ValidateTrainOptions(options, base.config());
  if (!valid.ok()) return valid;
  ObjectiveOptions objective;
  objective.objective = options.objective;
  objective.mask_probability = options.mask_probability;
  absl::StatusOr<int32_t> mask_token =
      ResolveMaskToken(options.mask_token, base);
  if (!mask_token.ok()) return mask_token.status();
  objective.mask_token = *mask_token;
  objective.vocab_size = static_cast<int32_t>(base.config().vocab_size);
  absl::Status objective_ok = ValidateObjective(objective);
  if (!objective_ok.ok()) return objective_ok;
  absl::StatusOr<Parameters> params = Parameters::CopyFrom(base);
  if (!params.ok()) return params.status();
  std::unique_ptr<Trainer> trainer(
      new Trainer(base, options, std::move(*params)));
  absl::StatusOr<ModelWeights> weights = trainer->params_.Bind(base.config());
  if (!weights.ok()) return weights.status();
  trainer->weights_ = std::move(*weights);
  absl::StatusOr<ModelGradients> grads =
      trainer->grads_.BindMutable(base.config());
  if (!grads.ok()) return grads.status();
  trainer->grad_view_ = std::move(*grads);
  trainer->objective_ = objective;
  return trainer;
}

Trainer::Trainer(const Model& base, const TrainOptions& options,
                 Parameters params)
    : base_(base),
      options_(options),
      params_(std::move(params)),
      grads_(Parameters::ZerosLike(params_)),
      m_(Parameters::ZerosLike(params_)),
      v_(Parameters::ZerosLike(params_)),
      graph_(base, MaskFor(options.objective, base.config().mask)),
      rng_(options.seed) {
  pool_ = MakeComputePool(options.num_threads);
}

absl::Status Trainer::SetData(std::vector<int32_t> tokens) {
  absl::Status valid = base_.CheckTokenIds(tokens);
  if (!valid.ok()) return valid;
  absl::StatusOr<Dataset> data =
      Dataset::Create(std::move(tokens), options_.seq_len,
                      options_.eval_fraction, options_.seed);
  if (!data.ok()) return data.status();
  data_ = std::move(*data);
  return absl::OkStatus();
}

TextDataOptions Trainer::DataOptions(float eval_fraction) const {
  TextDataOptions data_options;
  data_options.seq_len = options_.seq_len;
  data_options.objective = options_.objective;
  data_options.prefix_separator = options_.prefix_separator;
  data_options.eval_fraction = eval_fraction;
  data_options.seed = options_.seed;
  return data_options;
}

absl::Status Trainer::SetDataText(std::string_view text) {
  const Tokenizer* tokenizer = base_.tokenizer();
  if (tokenizer == nullptr) {
    return absl::UnimplementedError("the model has no tokenizer: pass ids");
  }
  absl::StatusOr<Dataset> data =
      DatasetFromText(*tokenizer, text, DataOptions(options_.eval_fraction));
  if (!data.ok()) return data.status();
  data_ = std::move(*data);
  return absl::OkStatus();
}

float Trainer::LearningRate(size_t step) const {
  const float lr = options_.learning_rate;
  if (step < options_.warmup_steps) {
    return lr * static_cast<float>(step + 1) / options_.warmup_steps;
  }
  if (options_.schedule == LrSchedule::kConstant || options_.total_steps == 0) {
    return lr;
  }
  const size_t span = options_.total_steps > options_.warmup_steps
                          ? options_.total_steps - options_.warmup_steps
                          : 1;
  const double progress =
      std::min(1.0, double(step - options_.warmup_steps) / span);
  const double min_lr = lr * options_.min_lr_ratio;
  return static_cast<float>(min_lr + (lr - min_lr) * 0.5 *
                                         (1.0 + std::cos(M_PI * progress)));
}

absl::Status Trainer::CheckBatch(const TrainBatch& b) const {
  const ModelConfig& c = base_.config();
  if (b.batch == 0 || b.seq == 0 || b.seq > c.max_seq_len) {
    return absl::InvalidArgumentError("batch shape out of range");
  }
  for (size_t i = 0; i < b.batch * b.seq; ++i) {
    if (b.inputs[i] < 0 || static_cast<uint32_t>(b.inputs[i]) >= c.vocab_size ||
        b.targets[i] < kIgnoreTarget ||
        (b.targets[i] >= 0 &&
         static_cast<uint32_t>(b.targets[i]) >= c.vocab_size)) {
      return absl::InvalidArgumentError(
          absl::StrCat("token id out of range at index ", i));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<float> Trainer::ComputeGradients(const TrainBatch& batch) {
  absl::Status valid = CheckBatch(batch);
  if (!valid.ok()) return valid;
  const size_t count = CountTargets(batch);
  if (count == 0) {
    return absl::InvalidArgumentError("the batch has no target tokens");
  }
  ZeroGradients();
  const LossSum loss =
      graph_.Forward(weights_, batch, pool_.get(), 1.0f / count);
  graph_.Backward(weights_, batch, &grad_view_, pool_.get());
  return static_cast<float>(loss.sum / loss.count);
}

// Gradient-sized passes of the 124M model touch 500 MB: they run in fixed
// chunks over the pool.
constexpr size_t kGradientChunk = size_t{1} << 16;

void Trainer::ZeroGradients() {
  const size_t chunks = (grads_.size() + kGradientChunk - 1) / kGradientChunk;
  auto zero = [&](size_t chunk, size_t) {
    const size_t begin = chunk * kGradientChunk;
    const size_t end = std::min(grads_.size(), begin + kGradientChunk);
    std::fill(grads_.data() + begin, grads_.data() + end, 0.0f);
  };
  if (pool_) {
    pool_->Run(chunks, zero);
  } else {
    for (size_t c = 0; c < chunks; ++c) zero(c, 0);
  }
}

double Trainer::GradientSumOfSquares() {
  // Partial sums per fixed chunk, added in chunk order: the same bits for
  // any thread count.
  const size_t chunks = (grads_.size() + kGradientChunk - 1) / kGradientChunk;
  partial_sums_.resize(chunks);
  auto sum = [&](size_t chunk, size_t) {
    const size_t begin = chunk * kGradientChunk;
    const size_t end = std::min(grads_.size(), begin + kGradientChunk);
    partial_sums_[chunk] =
        kernels::SumOfSquares(grads_.data() + begin, end - begin);
  };
  if (pool_) {
    pool_->Run(chunks, sum);
  } else {
    for (size_t c = 0; c < chunks; ++c) sum(c, 0);
  }
  double total = 0.0;
  for (double partial : partial_sums_) total += partial;
  return total;
}

absl::StatusOr<StepResult> Trainer::Step() {
  if (!data_) {
    return absl::FailedPreconditionError("no training data: set data first");
  }
  const size_t B = options_.batch_size, T = data_->seq();
  const size_t micro = options_.grad_accum;
  inputs_.resize(micro * B * T);
  targets_.resize(micro * B * T);
  lengths_.resize(micro * B);
  prefixes_.resize(micro * B);
  batches_.clear();
  for (size_t i = 0; i < micro; ++i) {
    int32_t* inputs = inputs_.data() + i * B * T;
    int32_t* targets = targets_.data() + i * B * T;
    int32_t* lengths = lengths_.data() + i * B;
    int32_t* prefixes = prefixes_.data() + i * B;
    data_->NextBatch(B, inputs, targets, lengths, prefixes);
    ApplyObjective(objective_, &rng_, B, T, inputs, targets, lengths, prefixes);
    batches_.push_back({inputs, targets, B, T, lengths, prefixes});
  }
  return StepOn(batches_);
}

absl::StatusOr<StepResult> Trainer::StepOnBatch(const TrainBatch& batch) {
  absl::Status valid = CheckBatch(batch);
  if (!valid.ok()) return valid;
  return StepOn(absl::MakeConstSpan(&batch, 1));
}

absl::StatusOr<StepResult> Trainer::StepOn(
    absl::Span<const TrainBatch> batches) {
  // The mean is over every target of the step, so micro-batches with more
  // padding weigh less, exactly as one big batch would.
  size_t count = 0;
  for (const TrainBatch& b : batches) count += CountTargets(b);
  if (count == 0) {
    return absl::InvalidArgumentError("the step has no target tokens");
  }
  ZeroGradients();
  double loss_sum = 0.0;
  for (const TrainBatch& batch : batches) {
    loss_sum += graph_.Forward(weights_, batch, pool_.get(), 1.0f / count).sum;
    graph_.Backward(weights_, batch, &grad_view_, pool_.get());
  }

  StepResult result;
  result.step = step_ + 1;
  result.loss = static_cast<float>(loss_sum / count);
  result.tokens = count;
  result.grad_norm = static_cast<float>(std::sqrt(GradientSumOfSquares()));
  if (!std::isfinite(result.grad_norm)) {
    return absl::InternalError(
        "the gradient is not finite (learning rate too high?); weights were "
        "not updated");
  }
  const float clip_scale =
      options_.grad_clip > 0.0f && result.grad_norm > options_.grad_clip
          ? options_.grad_clip / result.grad_norm
          : 1.0f;
  result.lr = LearningRate(step_);
  const float bias1 =
      1.0f - std::pow(options_.beta1, static_cast<float>(step_ + 1));
  const float bias2 =
      1.0f - std::pow(options_.beta2, static_cast<float>(step_ + 1));
  for (const TensorView& t : params_.tensors()) {
    const size_t offset = t.offset / sizeof(float);
    const size_t n = t.num_elements();
    const float decay = Parameters::Decays(t) ? options_.weight_decay : 0.0f;
    auto update = [&](size_t begin, size_t end) {
      kernels::AdamWUpdate(
          params_.data() + offset + begin, grads_.data() + offset + begin,
          m_.data() + offset + begin, v_.data() + offset + begin, end - begin,
          result.lr, options_.beta1, options_.beta2, options_.eps, decay, bias1,
          bias2, clip_scale);
    };
    if (pool_ && n >= (1u << 16)) {
      pool_->ParallelFor(n, 1u << 14,
                         [&](size_t b, size_t e, size_t) { update(b, e); });
    } else {
      update(0, n);
    }
  }
  ++step_;
  tokens_seen_ += count;
  return result;
}

absl::StatusOr<float> Trainer::MeanLoss(const Dataset& data, size_t first,
                                        size_t count) {
  const LossSum loss =
      EvaluateWindows(graph_, weights_, data, first, count, options_.batch_size,
                      objective_, kEvalSeed, pool_.get());
  if (loss.count == 0) {
    return absl::InvalidArgumentError("no target tokens to evaluate");
  }
  return static_cast<float>(loss.sum / loss.count);
}

absl::StatusOr<float> Trainer::EvaluateHeldOut() {
  if (!data_) {
    return absl::FailedPreconditionError("no data: set data first");
  }
  if (data_->eval_windows() == 0) {
    return MeanLoss(*data_, 0, data_->train_windows());
  }
  return MeanLoss(*data_, data_->train_windows(), data_->eval_windows());
}

absl::StatusOr<float> Trainer::Evaluate(const std::vector<int32_t>& tokens) {
  absl::Status valid = base_.CheckTokenIds(tokens);
  if (!valid.ok()) return valid;
  absl::StatusOr<Dataset> data = Dataset::Create(
      tokens,
      std::min(options_.seq_len, std::max<size_t>(tokens.size(), 2) - 1), 0.0f,
      0);
  if (!data.ok()) return data.status();
  return MeanLoss(*data, 0, data->train_windows());
}

absl::StatusOr<float> Trainer::EvaluateText(std::string_view text) {
  if (base_.tokenizer() == nullptr) {
    return absl::UnimplementedError("the model has no tokenizer");
  }
  absl::StatusOr<Dataset> data =
      DatasetFromText(*base_.tokenizer(), text, DataOptions(0.0f));
  if (!data.ok()) return data.status();
  return MeanLoss(*data, 0, data->train_windows());
}

absl::Status Trainer::SaveCheckpoint(const std::string& path) const {
  TrainingState state;
  state.step = step_;
  if (data_) {
    state.data_epoch = data_->position().epoch;
    state.data_cursor = data_->position().cursor;
  }
  state.rng_state = rng_.state();
  state.seed = options_.seed;
  state.tokens_seen = tokens_seen_;
  FileContents contents;
  contents.kind = FileKind::kCheckpoint;
  contents.config = base_.config();
  contents.tokenizer = base_.file().tokenizer();
  contents.tensors = params_.ToWrite();
  for (const Parameters* moments : {&m_, &v_}) {
    const std::vector<TensorToWrite> more =
        moments->ToWrite(moments == &m_ ? "adam.m." : "adam.v.");
    contents.tensors.insert(contents.tensors.end(), more.begin(), more.end());
  }
  contents.source = absl::StrCat("wisp training checkpoint at step ", step_);
  contents.training = &state;
  return WriteWispFile(path, contents);
}

absl::Status Trainer::LoadCheckpoint(const std::string& path) {
  if (!data_) {
    return absl::FailedPreconditionError(
        "set the training data before resuming: the checkpoint's data "
        "position refers to it");
  }
  absl::StatusOr<std::unique_ptr<WispFile>> file = WispFile::Open(path);
  if (!file.ok()) return file.status();
  const WispFile& f = **file;
  if (f.kind() != FileKind::kCheckpoint || f.training() == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is a ", FileKindName(f.kind()),
                     " file, not a training checkpoint"));
  }
  // Load into copies first so that a bad checkpoint leaves the trainer as
  // it was.
  Parameters params = params_, m = m_, v = v_;
  for (auto [target, prefix] :
       {std::pair<Parameters*, const char*>{&params, ""},
        {&m, "adam.m."},
        {&v, "adam.v."}}) {
    absl::Status loaded = target->LoadFrom(f, prefix);
    if (!loaded.ok()) return loaded;
  }
  const TrainingState& state = *f.training();
  Rng rng = rng_;
  if (!rng.set_state(state.rng_state)) {
    return absl::DataLossError(absl::StrCat(path, ": bad RNG state"));
  }
  std::copy(params.data(), params.data() + params.size(), params_.data());
  std::copy(m.data(), m.data() + m.size(), m_.data());
  std::copy(v.data(), v.data() + v.size(), v_.data());
  rng_ = rng;
  step_ = state.step;
  tokens_seen_ = state.tokens_seen;
  options_.seed = state.seed;
  data_->Restore(state.seed, {state.data_epoch, state.data_cursor});
  return absl::OkStatus();
}

absl::Status Trainer::ExportModel(const std::string& path) const {
  FileContents contents;
  contents.kind = FileKind::kModel;
  contents.config = base_.config();
  contents.config.mask = MaskFor(options_.objective, base_.config().mask);
  contents.tokenizer = base_.file().tokenizer();
  contents.tensors = params_.ToWrite();
  contents.source = absl::StrCat("fine-tuned by wisp for ", step_,
                                 " steps from ", base_.file().source());
  return WriteWispFile(path, contents);
}

}  // namespace wisp
