// wisp logits: one forward pass over given ids, raw float32 logits to a file,
// for validation against reference implementations.
#include <cstdio>
#include <vector>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/format/atomic_file.h"

namespace wisp::cli {

int RunLogits(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"-m", "--model"}},
                           {{"--ids"}},
                           {{"-o", "--output"}},
                           {{"--threads"}},
                           ExactBf16Flag()});
  if (!args.ok()) return ReportError(args.status());
  auto model_path = args->Required("-m");
  auto ids_text = args->Required("--ids");
  auto out_path = args->Required("-o");
  auto threads = args->Int("--threads", 1, 1, 1024);
  for (const absl::Status& s : {model_path.status(), ids_text.status(),
                                out_path.status(), threads.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  std::vector<int32_t> ids;
  if (absl::Status s = ParseIds(*ids_text, &ids); !s.ok()) {
    return ReportError(s);
  }
  if (absl::Status s = CheckOutputPaths(*args, {"-o"}); !s.ok()) {
    return ReportError(s);
  }

  wisp_model* raw_model = nullptr;
  wisp_status status =
      wisp_model_load(model_path->c_str(), nullptr, &raw_model);
  if (status != WISP_OK) return ReportError(status);
  ModelPtr model(raw_model);
  status =
      wisp_model_set_exact_bf16_products(model.get(), HasExactBf16Flag(*args));
  if (status != WISP_OK) return ReportError(status);
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  status = wisp_model_get_config(model.get(), &config);
  if (status != WISP_OK) return ReportError(status);

  wisp_session_params params = wisp_session_default_params();
  params.n_threads = static_cast<int32_t>(*threads);
  wisp_session* raw_session = nullptr;
  status = wisp_session_create(model.get(), &params, &raw_session);
  if (status != WISP_OK) return ReportError(status);
  SessionPtr session(raw_session);

  std::vector<float> logits(ids.size() *
                            static_cast<size_t>(config.vocab_size));
  status = wisp_session_feed(session.get(), ids.data(), ids.size(),
                             logits.data(), logits.size());
  if (status != WISP_OK) return ReportError(status);

  // Atomically, like every file wisp writes: a failed write leaves an
  // earlier file at the path as it was.
  AtomicFile out(*out_path);
  absl::Status written = out.Open();
  if (written.ok()) {
    written = out.Write(logits.data(), logits.size() * sizeof(float));
  }
  if (written.ok()) written = out.Commit();
  if (!written.ok()) return ReportError(written);
  std::fprintf(stderr, "wrote %zu x %d float32 logits to %s\n", ids.size(),
               config.vocab_size, out_path->c_str());
  return 0;
}

}  // namespace wisp::cli
