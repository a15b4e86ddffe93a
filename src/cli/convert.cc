// wisp convert: other model formats into .wisp files.
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/format/model_config.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/import/onnx_import.h"
#include "src/import/wisp_bf16.h"

namespace wisp::cli {
namespace {

absl::StatusOr<OnnxImportOptions> OnnxOptions(const Args& args) {
  OnnxImportOptions options;
  auto arch = ParseOnnxArchitecture(args.Get("--arch").value_or("auto"));
  if (!arch.ok()) return arch.status();
  options.architecture = *arch;
  options.llama2c_tokenizer = args.Get("--tokenizer").value_or("");
  options.gpt2_vocab = args.Get("--gpt2-vocab").value_or("");
  options.gpt2_merges = args.Get("--gpt2-merges").value_or("");
  // 0 leaves each value to what the graph says. The ranges are those a
  // model file accepts (ValidateConfig's caps).
  uint32_t* sizes[] = {&options.n_heads, &options.n_kv_heads,
                       &options.max_seq_len};
  const char* size_flags[] = {"--n-heads", "--n-kv-heads", "--max-seq-len"};
  const long long size_max[] = {kMaxHeads, kMaxHeads, kMaxSeqLen};
  for (int i = 0; i < 3; ++i) {
    auto value = args.Int(size_flags[i], 0, 1, size_max[i]);
    if (!value.ok()) return value.status();
    *sizes[i] = static_cast<uint32_t>(*value);
  }
  auto eps = args.Float("--norm-eps", 0, 1e-30, 1);
  auto theta = args.Float("--rope-theta", 0, 1, 1e12);
  if (!eps.ok()) return eps.status();
  if (!theta.ok()) return theta.status();
  if (args.Has("--rope-theta") && *theta <= 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rope-theta must be greater than 1, got '",
                     *args.Get("--rope-theta"), "'"));
  }
  options.norm_eps = static_cast<float>(*eps);
  options.rope_theta = static_cast<float>(*theta);
  return options;
}

}  // namespace

int RunConvert(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"--from"}},
                           {{"--tokenizer"}},
                           {{"--arch"}},
                           {{"--gpt2-vocab"}},
                           {{"--gpt2-merges"}},
                           {{"--n-heads"}},
                           {{"--n-kv-heads"}},
                           {{"--max-seq-len"}},
                           {{"--norm-eps"}},
                           {{"--rope-theta"}},
                           {{"--dtype"}},
                           {{"-o", "--output"}},
                           {{"-q", "--quiet"}, false}},
                          /*max_positional=*/1);
  if (!args.ok()) return ReportError(args.status());
  auto from = args->Required("--from");
  auto out = args->Required("-o");
  for (const absl::Status& s : {from.status(), out.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  absl::Status writable = CheckOutputPaths(*args, {"-o"});
  if (!writable.ok()) return ReportError(writable);
  if (args->positional().size() != 1) {
    return ReportError("convert takes exactly one input MODEL file");
  }
  const std::string& input = args->positional()[0];
  const std::string dtype = args->Get("--dtype").value_or("f32");
  if (dtype != "f32" && dtype != "bf16") {
    return ReportError("unknown --dtype '" + dtype +
                       "' (supported: f32, bf16)");
  }
  const bool bf16 = dtype == "bf16";
  // With bf16, importers write f32 to a temporary file next to the output
  // that the bf16 rewrite then reads: importers stay dtype-agnostic.
  const std::string f32_path = bf16 ? *out + ".f32.tmp" : *out;
  const bool quiet = args->Has("-q");
  // A percentage redrawn in place only makes sense on a terminal; logs get
  // the final line alone.
  const bool show_progress = !quiet && isatty(STDERR_FILENO);
  int last_percent = -1;
  auto progress = [&](uint64_t done, uint64_t total) {
    const int percent = total ? static_cast<int>(100 * done / total) : 100;
    if (show_progress && percent != last_percent) {
      std::fprintf(stderr, "\rwriting %s: %3d%%", out->c_str(), percent);
      last_percent = percent;
    }
    return true;
  };
  absl::Status status;
  if (*from == "llama2c") {
    auto tokenizer = args->Required("--tokenizer");
    if (!tokenizer.ok()) return ReportError(tokenizer.status());
    status = ConvertLlama2c(input, *tokenizer, f32_path, progress);
  } else if (*from == "onnx") {
    auto options = OnnxOptions(*args);
    if (!options.ok()) return ReportError(options.status());
    status = ConvertOnnx(input, *options, f32_path, progress);
  } else if (*from == "wisp") {
    if (!bf16) return ReportError("--from wisp needs --dtype bf16");
  } else {
    return ReportError("unknown --from '" + *from +
                       "' (supported: llama2c, onnx, wisp)");
  }
  if (status.ok() && bf16) {
    const std::string& f32_input = *from == "wisp" ? input : f32_path;
    status = ConvertWispToBf16(f32_input, *out, progress);
    if (f32_input == f32_path) std::remove(f32_path.c_str());
  }
  if (show_progress && last_percent >= 0) std::fputc('\n', stderr);
  if (!status.ok()) return ReportError(status);
  if (!quiet)
    std::fprintf(stderr, "converted %s -> %s\n", input.c_str(), out->c_str());
  return 0;
}

}  // namespace wisp::cli
