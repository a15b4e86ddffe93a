// wisp bench: load time, time to first token, prefill and decode speed, peak
// memory and (with --train) training speed of one model, measured through the
// C API exactly as an application would see them. Progress goes to stderr;
// the figures go to stdout, as text or as one JSON object (--json) that
// scripts/bench/compare.py reads.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"

namespace wisp::cli {
namespace {

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// Rate that stays finite even for a step too fast for the clock.
double PerSecond(double count, double milliseconds) {
  return count / std::max(milliseconds * 1e-3, 1e-9);
}

// The machine is shared and noisy: the median of the repeats resists a
// single slow (or lucky) run better than the mean or the best.
double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double PeakRssMegabytes() {
  rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux reports kilobytes
}

// Deterministic ids spread over the vocabulary, the same formula as the
// reference runners (tests/bench/*_bench.*), so every system sees the same
// prompt; the content does not change the amount of work.
std::vector<int32_t> SyntheticIds(size_t n, int32_t vocab, size_t salt) {
  std::vector<int32_t> ids(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i] = static_cast<int32_t>((i * 7919 + 1 + salt) % vocab);
  }
  return ids;
}

struct Options {
  std::string model_path;
  wisp_model_params load_params;
  size_t prompt_tokens, gen_tokens, repeats, threads;
  bool train, json, exact_bf16;
  size_t batch, seq, train_steps;
};

struct Figures {
  double load_ms = 0, first_token_ms = 0, prefill_tokens_per_s = 0,
         decode_tokens_per_s = 0, peak_rss_mb = 0, train_tokens_per_s = 0,
         train_peak_rss_mb = 0, train_first_step_ms = 0;
  // What the session and the trainer ran with (--threads capped at the CPUs).
  int32_t threads = 0, train_threads = 0;
};

absl::StatusOr<Options> ParseOptions(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"-m", "--model"}},
                           {{"--prompt-tokens"}},
                           {{"--gen-tokens"}},
                           {{"--threads"}},
                           {{"--repeats"}},
                           {{"--train"}, false},
                           {{"--batch"}},
                           {{"--seq"}},
                           {{"--train-steps"}},
                           {{"--json"}, false},
                           {{"--no-checksums"}, false},
                           ExactBf16Flag()});
  if (!args.ok()) return args.status();
  Options o;
  auto model = args->Required("-m");
  auto prompt = args->Int("--prompt-tokens", 128, 1, 1 << 24);
  auto gen = args->Int("--gen-tokens", 128, 1, 1 << 24);
  auto threads = args->Int("--threads", 1, 1, 1024);
  auto repeats = args->Int("--repeats", 3, 1, 1000);
  auto batch = args->Int("--batch", 8, 1, 4096);
  auto seq = args->Int("--seq", 256, 2, 1 << 20);
  auto steps = args->Int("--train-steps", 3, 1, 1 << 20);
  for (const absl::Status& s :
       {model.status(), prompt.status(), gen.status(), threads.status(),
        repeats.status(), batch.status(), seq.status(), steps.status()}) {
    if (!s.ok()) return s;
  }
  o.model_path = *model;
  o.prompt_tokens = *prompt;
  o.gen_tokens = *gen;
  o.threads = *threads;
  o.repeats = *repeats;
  o.train = args->Has("--train");
  if (!o.train) {
    for (const char* flag : {"--batch", "--seq", "--train-steps"}) {
      if (args->Has(flag)) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, " applies to --train only"));
      }
    }
  }
  o.json = args->Has("--json");
  o.exact_bf16 = HasExactBf16Flag(*args);
  o.load_params = wisp_model_default_params();
  // Structure, offsets and shapes are always verified; --no-checksums
  // skips only the CRC-32C pass over every tensor, to show what it costs.
  o.load_params.verify_checksums = !args->Has("--no-checksums");
  o.batch = *batch;
  o.seq = *seq;
  o.train_steps = *steps;
  return o;
}

// `repeats` times: prefill the prompt, then decode greedily one token at a
// time. Decoding samples and feeds each token itself (instead of
// wisp_session_generate) so that an end-of-text token cannot cut it short.
// `start` is when loading began: the time to first token includes it.
wisp_status MeasureInference(const Options& o, const wisp_model* model,
                             const wisp_model_config& config,
                             Clock::time_point start, Figures* f) {
  wisp_session_params params = wisp_session_default_params();
  params.n_threads = static_cast<int32_t>(o.threads);
  wisp_session* raw_session = nullptr;
  wisp_status status = wisp_session_create(model, &params, &raw_session);
  if (status != WISP_OK) return status;
  SessionPtr session(raw_session);
  status = wisp_session_threads(raw_session, &f->threads);
  if (status != WISP_OK) return status;

  const std::vector<int32_t> prompt =
      SyntheticIds(o.prompt_tokens, config.vocab_size, 0);
  wisp_sampler_params greedy = wisp_sampler_default_params();
  greedy.temperature = 0;
  std::vector<double> prefill_ms, decode_ms;
  for (size_t r = 0; r < o.repeats; ++r) {
    std::fprintf(stderr, "run %zu/%zu: prefill %zu tokens, decode %zu\n", r + 1,
                 o.repeats, o.prompt_tokens, o.gen_tokens);
    if ((status = wisp_session_reset(raw_session)) != WISP_OK) return status;
    const Clock::time_point prefill_start = Clock::now();
    status = wisp_session_feed(raw_session, prompt.data(), prompt.size(),
                               nullptr, 0);
    if (status != WISP_OK) return status;
    prefill_ms.push_back(MillisecondsSince(prefill_start));
    int32_t token = 0;
    const Clock::time_point decode_start = Clock::now();
    for (size_t i = 0; i < o.gen_tokens; ++i) {
      status = wisp_session_sample(raw_session, &greedy, &token);
      if (status != WISP_OK) return status;
      // Time to first token: what a user waits for, loading included.
      if (r == 0 && i == 0) f->first_token_ms = MillisecondsSince(start);
      status = wisp_session_feed(raw_session, &token, 1, nullptr, 0);
      if (status != WISP_OK) return status;
    }
    decode_ms.push_back(MillisecondsSince(decode_start));
  }
  f->prefill_tokens_per_s = PerSecond(o.prompt_tokens, Median(prefill_ms));
  f->decode_tokens_per_s = PerSecond(o.gen_tokens, Median(decode_ms));
  f->peak_rss_mb = PeakRssMegabytes();
  return WISP_OK;
}

// One step that is timed on its own with the trainer's creation (what a user
// waits for before training starts: the trainer copies the weights and
// allocates gradients, moments and activations), then --train-steps timed
// optimizer steps: forward, backward, clipping, AdamW.
wisp_status MeasureTraining(const Options& o, const wisp_model* model,
                            const wisp_model_config& config, Figures* f) {
  wisp_trainer_params params = wisp_trainer_default_params();
  params.batch_size = static_cast<int32_t>(o.batch);
  params.seq_len = static_cast<int32_t>(o.seq);
  params.n_threads = static_cast<int32_t>(o.threads);
  params.eval_fraction = 0;
  const Clock::time_point setup_start = Clock::now();
  wisp_trainer* raw = nullptr;
  // First the trainer, which refuses a batch too large for memory with an
  // error, then its data: enough windows that no step revisits them within
  // the measurement, up to 64 Mi tokens (the speed does not depend on it).
  wisp_status status = wisp_trainer_create(model, &params, &raw);
  if (status != WISP_OK) return status;
  TrainerPtr trainer(raw);
  status = wisp_trainer_threads(raw, &f->train_threads);
  if (status != WISP_OK) return status;
  const size_t window = o.batch * o.seq;
  const std::vector<int32_t> ids = SyntheticIds(
      std::max(window + 1,
               std::min(window * (o.train_steps + 2) + 1, size_t{1} << 26)),
      config.vocab_size, 13);
  status = wisp_trainer_set_data_ids(raw, ids.data(), ids.size());
  if (status != WISP_OK) return status;
  std::fprintf(stderr, "training: first step (batch %zu x %zu)\n", o.batch,
               o.seq);
  if ((status = wisp_trainer_step(raw, nullptr)) != WISP_OK) return status;
  f->train_first_step_ms = MillisecondsSince(setup_start);
  int64_t tokens = 0;
  const Clock::time_point start = Clock::now();
  for (size_t s = 0; s < o.train_steps; ++s) {
    wisp_step_info info = {};
    info.struct_size = sizeof(info);
    if ((status = wisp_trainer_step(raw, &info)) != WISP_OK) return status;
    tokens += info.tokens;
    std::fprintf(stderr, "training: step %zu/%zu loss %.4f\n", s + 1,
                 o.train_steps, info.loss);
  }
  f->train_tokens_per_s = PerSecond(double(tokens), MillisecondsSince(start));
  f->train_peak_rss_mb = PeakRssMegabytes();
  return WISP_OK;
}

// "2 threads", or "2 threads, 4 requested" when --threads was capped.
std::string ThreadsText(int32_t threads, size_t requested) {
  std::string text =
      absl::StrCat(threads, threads == 1 ? " thread" : " threads");
  if (static_cast<size_t>(threads) != requested) {
    absl::StrAppend(&text, ", ", requested, " requested");
  }
  return text;
}

void PrintText(const Options& o, const Figures& f) {
  std::printf(
      "model        %s (%s, median of %zu runs)\n"
      "load         %.1f ms\n"
      "first token  %.1f ms (load + prefill of %zu tokens + sampling)\n"
      "prefill      %.1f tokens/s (%zu tokens)\n"
      "decode       %.1f tokens/s (%zu tokens)\n"
      "peak RSS     %.1f MB\n",
      o.model_path.c_str(), ThreadsText(f.threads, o.threads).c_str(),
      o.repeats, f.load_ms, f.first_token_ms, o.prompt_tokens,
      f.prefill_tokens_per_s, o.prompt_tokens, f.decode_tokens_per_s,
      o.gen_tokens, f.peak_rss_mb);
  if (o.train) {
    std::printf(
        "train        %.1f tokens/s (batch %zu x %zu, forward + backward + "
        "AdamW; peak RSS %.1f MB)\n"
        "first step   %.1f ms (trainer creation + first optimizer step)\n",
        f.train_tokens_per_s, o.batch, o.seq, f.train_peak_rss_mb,
        f.train_first_step_ms);
  }
}

void PrintJson(const Options& o, const Figures& f) {
  std::printf(
      "{\"prefill_tokens_per_s\": %.6g, \"decode_tokens_per_s\": %.6g, "
      "\"load_ms\": %.6g, \"first_token_ms\": %.6g, \"peak_rss_mb\": %.6g, "
      "\"prompt_tokens\": %zu, \"gen_tokens\": %zu, \"threads\": %d, "
      "\"threads_requested\": %zu",
      f.prefill_tokens_per_s, f.decode_tokens_per_s, f.load_ms,
      f.first_token_ms, f.peak_rss_mb, o.prompt_tokens, o.gen_tokens,
      static_cast<int>(f.threads), o.threads);
  if (o.train) {
    std::printf(
        ", \"train_tokens_per_s\": %.6g, \"train_peak_rss_mb\": %.6g, "
        "\"train_first_step_ms\": %.6g, \"batch\": %zu, \"seq\": %zu, "
        "\"train_threads\": %d",
        f.train_tokens_per_s, f.train_peak_rss_mb, f.train_first_step_ms,
        o.batch, o.seq, static_cast<int>(f.train_threads));
  }
  std::printf("}\n");
}

}  // namespace

int RunBench(int argc, char** argv) {
  auto options = ParseOptions(argc, argv);
  if (!options.ok()) return ReportError(options.status());
  const Options& o = *options;
  Figures figures;
  const Clock::time_point start = Clock::now();
  wisp_model* raw_model = nullptr;
  const wisp_status loaded =
      wisp_model_load(o.model_path.c_str(), &o.load_params, &raw_model);
  if (loaded != WISP_OK) return ReportError(loaded);
  ModelPtr model(raw_model);
  const wisp_status set =
      wisp_model_set_exact_bf16_products(model.get(), o.exact_bf16);
  if (set != WISP_OK) return ReportError(set);
  figures.load_ms = MillisecondsSince(start);
  std::fprintf(stderr, "loaded %s in %.1f ms\n", o.model_path.c_str(),
               figures.load_ms);
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  wisp_model_get_config(model.get(), &config);
  if (config.mask == WISP_MASK_BIDIRECTIONAL) {
    return ReportError(
        "bench measures prompts and token-by-token decoding, which a "
        "bidirectional (masked) model does not do; use eval for it");
  }
  if (o.prompt_tokens + o.gen_tokens > size_t(config.max_seq_len)) {
    return ReportError("--prompt-tokens + --gen-tokens (" +
                       std::to_string(o.prompt_tokens + o.gen_tokens) +
                       ") exceed the model's context of " +
                       std::to_string(config.max_seq_len) + " tokens");
  }
  if (o.train && o.seq > size_t(config.max_seq_len)) {
    return ReportError("--seq " + std::to_string(o.seq) +
                       " exceeds the model's context of " +
                       std::to_string(config.max_seq_len) + " tokens");
  }
  wisp_status status =
      MeasureInference(o, model.get(), config, start, &figures);
  if (status == WISP_OK && o.train) {
    status = MeasureTraining(o, model.get(), config, &figures);
  }
  if (status != WISP_OK) return ReportError(status);
  if (o.json) {
    PrintJson(o, figures);
  } else {
    PrintText(o, figures);
  }
  return 0;
}

}  // namespace wisp::cli
