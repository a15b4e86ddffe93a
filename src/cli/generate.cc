// wisp generate: prompt in, continuation streamed to stdout, speed to stderr.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"

namespace wisp::cli {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

int PrintToken(int32_t token, const char* text, size_t len, void* user_data) {
  std::fwrite(text, 1, len, stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"-m", "--model"}},
                           {{"-p", "--prompt"}},
                           {{"-n", "--tokens"}},
                           {{"--temperature", "-t"}},
                           {{"--top-k"}},
                           {{"--top-p"}},
                           {{"--repeat-penalty"}},
                           {{"--repeat-last-n"}},
                           {{"--seed", "-s"}},
                           {{"--threads"}},
                           {{"--context"}},
                           ExactBf16Flag()});
  if (!args.ok()) return ReportError(args.status());
  auto model_path = args->Required("-m");
  if (!model_path.ok()) return ReportError(model_path.status());
  const std::string prompt = args->Get("-p").value_or("");
  auto n = args->Int("-n", 256, 0, 1 << 24);
  auto threads = args->Int("--threads", 1, 1, 1024);
  auto context = args->Int("--context", 0, 0, 1 << 24);
  wisp_sampler_params sampler = wisp_sampler_default_params();
  auto temperature = args->Float("--temperature", sampler.temperature, 0, 1e6);
  auto top_k = args->Int("--top-k", sampler.top_k, 0, 1 << 30);
  auto top_p = args->Float("--top-p", sampler.top_p, 1e-9, 1.0);
  auto penalty =
      args->Float("--repeat-penalty", sampler.repetition_penalty, 1e-6, 1e6);
  auto last_n =
      args->Int("--repeat-last-n", sampler.repetition_last_n, 0, 1 << 30);
  auto seed = args->Int("--seed", 0, 0, (1LL << 62));
  for (const absl::Status& s :
       {n.status(), threads.status(), context.status(), temperature.status(),
        top_k.status(), top_p.status(), penalty.status(), last_n.status(),
        seed.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  sampler.temperature = static_cast<float>(*temperature);
  sampler.top_k = static_cast<int32_t>(*top_k);
  sampler.top_p = static_cast<float>(*top_p);
  sampler.repetition_penalty = static_cast<float>(*penalty);
  sampler.repetition_last_n = static_cast<int32_t>(*last_n);
  sampler.seed = static_cast<uint64_t>(*seed);

  wisp_model* raw_model = nullptr;
  wisp_status status =
      wisp_model_load(model_path->c_str(), nullptr, &raw_model);
  if (status != WISP_OK) return ReportError(status);
  ModelPtr model(raw_model);
  status =
      wisp_model_set_exact_bf16_products(model.get(), HasExactBf16Flag(*args));
  if (status != WISP_OK) return ReportError(status);

  size_t n_ids = 0;
  status = wisp_tokenize(model.get(), prompt.data(), prompt.size(), 1, nullptr,
                         0, &n_ids);
  if (status != WISP_OK && status != WISP_ERR_BUFFER_TOO_SMALL) {
    return ReportError(status);
  }
  std::vector<int32_t> ids(n_ids);
  status = wisp_tokenize(model.get(), prompt.data(), prompt.size(), 1,
                         ids.data(), ids.size(), &n_ids);
  if (status != WISP_OK) return ReportError(status);
  if (ids.empty()) return ReportError("the prompt encodes to no tokens");

  wisp_session_params session_params = wisp_session_default_params();
  session_params.n_threads = static_cast<int32_t>(*threads);
  session_params.context_length = static_cast<int32_t>(*context);
  wisp_session* raw_session = nullptr;
  status = wisp_session_create(model.get(), &session_params, &raw_session);
  if (status != WISP_OK) return ReportError(status);
  SessionPtr session(raw_session);

  const auto prefill_start = std::chrono::steady_clock::now();
  status = wisp_session_feed(session.get(), ids.data(), ids.size(), nullptr, 0);
  if (status != WISP_OK) return ReportError(status);
  const double prefill_s = SecondsSince(prefill_start);

  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
  size_t generated = 0;
  wisp_stop_reason reason = WISP_STOP_MAX_TOKENS;
  const auto decode_start = std::chrono::steady_clock::now();
  status =
      wisp_session_generate(session.get(), &sampler, static_cast<size_t>(*n),
                            &PrintToken, nullptr, &generated, &reason);
  const double decode_s = SecondsSince(decode_start);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (status != WISP_OK) return ReportError(status);

  std::fprintf(stderr,
               "prefill: %zu tokens in %.2f ms (%.1f tokens/s)\n"
               "decode: %zu tokens in %.2f ms (%.1f tokens/s)%s\n",
               ids.size(), prefill_s * 1e3, ids.size() / prefill_s, generated,
               decode_s * 1e3, generated ? generated / decode_s : 0.0,
               reason == WISP_STOP_END_OF_TEXT    ? " [end of text]"
               : reason == WISP_STOP_CONTEXT_FULL ? " [context full]"
                                                  : "");
  return 0;
}

}  // namespace wisp::cli
