// wisp convert: other model formats into .wisp files.
#include <unistd.h>

#include <cstdio>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/import/llama2c_checkpoint.h"

namespace wisp::cli {

int RunConvert(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"--from"}},
                           {{"--tokenizer"}},
                           {{"-o", "--output"}},
                           {{"-q", "--quiet"}, false}});
  if (!args.ok()) return ReportError(args.status());
  auto from = args->Required("--from");
  auto out = args->Required("-o");
  for (const absl::Status& s : {from.status(), out.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  if (args->positional().size() != 1) {
    return ReportError("convert takes exactly one input MODEL file");
  }
  const std::string& input = args->positional()[0];
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
    status = ConvertLlama2c(input, *tokenizer, *out, progress);
  } else {
    return ReportError("unknown --from '" + *from + "' (supported: llama2c)");
  }
  if (show_progress && last_percent >= 0) std::fputc('\n', stderr);
  if (!status.ok()) return ReportError(status);
  if (!quiet)
    std::fprintf(stderr, "converted %s -> %s\n", input.c_str(), out->c_str());
  return 0;
}

}  // namespace wisp::cli
