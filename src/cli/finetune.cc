// wisp finetune: full fine-tuning of a model on a text file, with progress,
// checkpoints, resume, a CSV loss log and an SVG loss curve.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/cli/loss_plot.h"
#include "src/import/read_file.h"

namespace wisp::cli {
namespace {

// Training text is read whole (then tokenized in memory).
constexpr uint64_t kMaxDataBytes = uint64_t{1} << 32;

std::string FormatDuration(double seconds) {
  char text[32];
  const long s = std::lround(seconds);
  if (s >= 3600) {
    std::snprintf(text, sizeof(text), "%ldh%02ldm", s / 3600, s / 60 % 60);
  } else {
    std::snprintf(text, sizeof(text), "%ldm%02lds", s / 60, s % 60);
  }
  return text;
}

// --objective causal|masked|prefix into the C API's value.
absl::StatusOr<int32_t> ParseObjective(const Args& args) {
  const std::string name = args.Get("--objective").value_or("causal");
  if (name == "causal") return WISP_OBJECTIVE_CAUSAL;
  if (name == "masked") return WISP_OBJECTIVE_MASKED;
  if (name == "prefix") return WISP_OBJECTIVE_PREFIX;
  return absl::InvalidArgumentError(
      "--objective must be causal, masked or prefix, got '" + name + "'");
}

}  // namespace

int RunFinetune(int argc, char** argv) {
  auto args = Args::Parse(
      argc, argv, 2,
      {{{"-m", "--model"}}, {{"--data"}},         {{"-o", "--output"}},
       {{"--steps"}},       {{"--lr"}},           {{"--batch"}},
       {{"--seq"}},         {{"--warmup"}},       {{"--weight-decay"}},
       {{"--clip"}},        {{"--seed"}},         {{"--threads"}},
       {{"--checkpoint"}},  {{"--save-every"}},   {{"--resume"}},
       {{"--log"}},         {{"--plot"}},         {{"--grad-accum"}},
       {{"--schedule"}},    {{"--min-lr-ratio"}}, {{"--eval-fraction"}},
       {{"--eval-every"}},  {{"--objective"}},    {{"--prefix-sep"}},
       {{"--mask-token"}}});
  if (!args.ok()) return ReportError(args.status());
  auto model_path = args->Required("-m");
  auto data_path = args->Required("--data");
  auto out_path = args->Required("-o");
  wisp_trainer_params p = wisp_trainer_default_params();
  // The C API counts steps in 32 bits (wisp_trainer_params.total_steps).
  auto steps = args->Int("--steps", 100, 1, (1LL << 31) - 1);
  auto lr = args->Float("--lr", p.learning_rate, 1e-12, 10);
  auto batch = args->Int("--batch", p.batch_size, 1, 4096);
  auto seq = args->Int("--seq", p.seq_len, 1, 1 << 20);
  auto warmup = args->Int("--warmup", p.warmup_steps, 0, 1 << 30);
  auto decay = args->Float("--weight-decay", p.weight_decay, 0, 10);
  auto clip = args->Float("--clip", p.grad_clip, 0, 1e9);
  auto seed = args->Int("--seed", 0, 0, 1LL << 62);
  auto threads = args->Int("--threads", 1, 1, 1024);
  auto save_every = args->Int("--save-every", 0, 0, 1 << 30);
  auto accum = args->Int("--grad-accum", p.grad_accum, 1, 4096);
  auto min_lr = args->Float("--min-lr-ratio", p.min_lr_ratio, 0, 1);
  auto eval_fraction = args->Float("--eval-fraction", p.eval_fraction, 0, 0.5);
  auto eval_every = args->Int("--eval-every", 0, 0, 1 << 30);
  auto objective = ParseObjective(*args);
  auto mask_token = args->Int("--mask-token", -1, -1, (1LL << 31) - 1);
  for (const absl::Status& s :
       {model_path.status(), data_path.status(), out_path.status(),
        steps.status(), lr.status(), batch.status(), seq.status(),
        warmup.status(), decay.status(), clip.status(), seed.status(),
        threads.status(), save_every.status(), accum.status(), min_lr.status(),
        eval_fraction.status(), eval_every.status(), objective.status(),
        mask_token.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  const std::string schedule = args->Get("--schedule").value_or("cosine");
  if (schedule != "cosine" && schedule != "constant") {
    return ReportError("--schedule must be cosine or constant");
  }
  // Every output, an empty path included, is checked before the work.
  absl::Status writable =
      CheckOutputPaths(*args, {"-o", "--checkpoint", "--log", "--plot"});
  if (!writable.ok()) return ReportError(writable);
  const std::string checkpoint = args->Get("--checkpoint").value_or("");
  if (*save_every > 0 && checkpoint.empty()) {
    return ReportError("--save-every needs --checkpoint");
  }
  auto text = ReadFileBytes(*data_path, "data file", kMaxDataBytes);
  if (!text.ok()) return ReportError(text.status());

  ModelPtr model = LoadModelOrReport(*model_path);
  if (!model) return 1;
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  wisp_model_get_config(model.get(), &config);
  p.learning_rate = static_cast<float>(*lr);
  p.lr_schedule = schedule == "cosine" ? WISP_LR_COSINE : WISP_LR_CONSTANT;
  p.warmup_steps = static_cast<int32_t>(*warmup);
  p.total_steps = static_cast<int32_t>(*steps);
  p.min_lr_ratio = static_cast<float>(*min_lr);
  p.batch_size = static_cast<int32_t>(*batch);
  // Data shorter than the context trains on what there is.
  p.seq_len =
      static_cast<int32_t>(std::min<long long>(*seq, config.max_seq_len));
  p.grad_accum = static_cast<int32_t>(*accum);
  p.weight_decay = static_cast<float>(*decay);
  p.grad_clip = static_cast<float>(*clip);
  p.seed = static_cast<uint64_t>(*seed);
  p.n_threads = static_cast<int32_t>(*threads);
  p.eval_fraction = static_cast<float>(*eval_fraction);
  p.objective = *objective;
  p.mask_token = static_cast<int32_t>(*mask_token);
  const std::string prefix_sep = args->Get("--prefix-sep").value_or("");
  p.prefix_separator = prefix_sep.c_str();
  wisp_trainer* raw = nullptr;
  wisp_status status = wisp_trainer_create(model.get(), &p, &raw);
  if (status != WISP_OK) return ReportError(status);
  TrainerPtr trainer(raw);
  status =
      wisp_trainer_set_data_text(trainer.get(), text->data(), text->size());
  if (status != WISP_OK) return ReportError(status);
  if (auto resume = args->Get("--resume")) {
    status = wisp_trainer_resume(trainer.get(), resume->c_str());
    if (status != WISP_OK) return ReportError(status);
  }
  int64_t first_step = 0;
  wisp_trainer_get_step(trainer.get(), &first_step);
  if (first_step > 0) {
    std::fprintf(stderr, "resumed at step %lld\n",
                 static_cast<long long>(first_step));
  }

  std::ofstream log;
  const std::string log_path = args->Get("--log").value_or("");
  if (!log_path.empty()) {
    log.open(log_path, std::ios::trunc);
    if (!log) return ReportError("cannot create " + log_path);
    log << "step,loss,lr,grad_norm,tokens,tokens_per_s,elapsed_s\n";
  }
  std::vector<LossPoint> curve;
  const auto start = std::chrono::steady_clock::now();
  int64_t tokens_total = 0;
  for (int64_t step = first_step; step < *steps; ++step) {
    wisp_step_info info = {};
    info.struct_size = sizeof(info);
    status = wisp_trainer_step(trainer.get(), &info);
    if (status != WISP_OK) return ReportError(status);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    tokens_total += info.tokens;
    const double tokens_per_s = tokens_total / std::max(elapsed, 1e-9);
    const double eta =
        elapsed / double(step + 1 - first_step) * double(*steps - step - 1);
    std::fprintf(stderr,
                 "step %lld/%lld  loss %.4f  lr %.2e  grad %.3f  %.0f tok/s  "
                 "ETA %s\n",
                 static_cast<long long>(info.step),
                 static_cast<long long>(*steps), info.loss, info.learning_rate,
                 info.grad_norm, tokens_per_s, FormatDuration(eta).c_str());
    curve.push_back({double(info.step), double(info.loss)});
    if (log.is_open()) {
      log << info.step << ',' << info.loss << ',' << info.learning_rate << ','
          << info.grad_norm << ',' << info.tokens << ',' << tokens_per_s << ','
          << elapsed << '\n';
      // A full disk must not pass for a logged run.
      if (!log.flush()) return ReportError("cannot write " + log_path);
    }
    if (*eval_every > 0 && info.step % *eval_every == 0) {
      float eval_loss = 0;
      if (wisp_trainer_evaluate(trainer.get(), &eval_loss) == WISP_OK) {
        std::fprintf(stderr, "  held-out loss %.4f ppl %.2f\n", eval_loss,
                     std::exp(eval_loss));
      }
    }
    if (*save_every > 0 && info.step % *save_every == 0) {
      status = wisp_trainer_save_checkpoint(trainer.get(), checkpoint.c_str());
      if (status != WISP_OK) return ReportError(status);
      std::fprintf(stderr, "  saved checkpoint %s\n", checkpoint.c_str());
    }
  }
  if (!checkpoint.empty() && (*save_every == 0 || *steps % *save_every != 0)) {
    status = wisp_trainer_save_checkpoint(trainer.get(), checkpoint.c_str());
    if (status != WISP_OK) return ReportError(status);
  }
  status = wisp_trainer_export_model(trainer.get(), out_path->c_str());
  if (status != WISP_OK) return ReportError(status);
  if (auto plot = args->Get("--plot")) {
    if (curve.empty()) {
      std::fprintf(stderr, "no steps were run: no plot written\n");
    } else {
      absl::Status written = WriteLossCurveSvg(
          *plot, curve, "wisp finetune: training loss (" + *data_path + ")");
      if (!written.ok()) return ReportError(written);
    }
  }
  std::fprintf(stderr, "wrote %s\n", out_path->c_str());
  return 0;
}

int RunEval(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"-m", "--model"}},
                           {{"--data"}},
                           {{"--seq"}},
                           {{"--batch"}},
                           {{"--threads"}},
                           {{"--objective"}},
                           {{"--prefix-sep"}},
                           {{"--mask-token"}}});
  if (!args.ok()) return ReportError(args.status());
  auto model_path = args->Required("-m");
  auto data_path = args->Required("--data");
  auto objective = ParseObjective(*args);
  auto mask_token = args->Int("--mask-token", -1, -1, (1LL << 31) - 1);
  if (!objective.ok()) return ReportError(objective.status());
  if (!mask_token.ok()) return ReportError(mask_token.status());
  wisp_eval_params p = wisp_eval_default_params();
  auto seq = args->Int("--seq", p.seq_len, 1, 1 << 20);
  auto batch = args->Int("--batch", p.batch_size, 1, 4096);
  auto threads = args->Int("--threads", 1, 1, 1024);
  for (const absl::Status& s :
       {model_path.status(), data_path.status(), seq.status(), batch.status(),
        threads.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  auto text = ReadFileBytes(*data_path, "data file", kMaxDataBytes);
  if (!text.ok()) return ReportError(text.status());
  ModelPtr model = LoadModelOrReport(*model_path);
  if (!model) return 1;
  p.seq_len = static_cast<int32_t>(*seq);
  p.batch_size = static_cast<int32_t>(*batch);
  p.n_threads = static_cast<int32_t>(*threads);
  p.objective = *objective;
  p.mask_token = static_cast<int32_t>(*mask_token);
  const std::string prefix_sep = args->Get("--prefix-sep").value_or("");
  p.prefix_separator = prefix_sep.c_str();
  float loss = 0;
  const wisp_status status =
      wisp_model_evaluate(model.get(), text->data(), text->size(), &p, &loss);
  if (status != WISP_OK) return ReportError(status);
  std::printf("loss %.4f ppl %.2f\n", loss, std::exp(loss));
  return 0;
}

}  // namespace wisp::cli
