// `wisp`: convert, inspect and run models from the command line.
#include <cstdio>
#include <cstring>

#include "src/cli/commands.h"
#include "wisp/wisp.h"

namespace {

constexpr char kUsage[] =
    "usage: wisp <command> [options]\n"
    "\n"
    "commands:\n"
    "  convert  --from llama2c MODEL.bin --tokenizer TOK.bin -o OUT.wisp\n"
    "  generate -m MODEL.wisp -p PROMPT -n N [--temperature T] [--top-k K]\n"
    "           [--top-p P] [--repeat-penalty R] [--seed S] [--threads N]\n"
    "  logits   -m MODEL.wisp --ids 1,403,... -o OUT.bin [--threads N]\n"
    "  tokenize -m MODEL.wisp TEXT\n"
    "  inspect  FILE.wisp\n"
    "  version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char* command = argv[1];
  if (!std::strcmp(command, "convert"))
    return wisp::cli::RunConvert(argc, argv);
  if (!std::strcmp(command, "generate")) {
    return wisp::cli::RunGenerate(argc, argv);
  }
  if (!std::strcmp(command, "logits")) return wisp::cli::RunLogits(argc, argv);
  if (!std::strcmp(command, "tokenize")) {
    return wisp::cli::RunTokenize(argc, argv);
  }
  if (!std::strcmp(command, "inspect"))
    return wisp::cli::RunInspect(argc, argv);
  if (!std::strcmp(command, "version") || !std::strcmp(command, "--version")) {
    std::printf("wisp %s\n", wisp_version());
    return 0;
  }
  std::fprintf(stderr, "wisp: error: unknown command '%s'\n%s", command,
               kUsage);
  return 2;
}
