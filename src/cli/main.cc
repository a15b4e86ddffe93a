// `wisp`: convert, inspect and run models from the command line.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "src/cli/commands.h"
#include "wisp/wisp.h"

namespace {

constexpr char kUsage[] =
    "usage: wisp <command> [options]\n"
    "\n"
    "commands:\n"
    "  convert  --from llama2c MODEL.bin --tokenizer TOK.bin -o OUT.wisp\n"
    "  convert  --from onnx MODEL.onnx [--arch auto|gpt2|llama|bert]\n"
    "           [--tokenizer TOK.bin | --gpt2-vocab encoder.json\n"
    "           --gpt2-merges vocab.bpe] -o OUT.wisp\n"
    "  export   --to onnx MODEL.wisp -o OUT.onnx [--names family|wisp]\n"
    "           [--external-data auto|always|never]\n"
    "  generate -m MODEL.wisp -p PROMPT -n N [--temperature T] [--top-k K]\n"
    "           [--top-p P] [--repeat-penalty R] [--seed S] [--threads N]\n"
    "           [--exact-bf16]\n"
    "  logits   -m MODEL.wisp --ids 1,403,... -o OUT.bin [--threads N]\n"
    "           [--exact-bf16]\n"
    "  tokenize -m MODEL.wisp TEXT\n"
    "  inspect  FILE.wisp\n"
    "  finetune -m MODEL.wisp --data TEXT.txt -o OUT.wisp [--steps N]\n"
    "           [--lr LR]\n"
    "           [--batch B] [--seq T] [--warmup W] [--weight-decay WD]\n"
    "           [--clip C] [--seed S] [--threads N] [--grad-accum A]\n"
    "           [--schedule cosine|constant] [--checkpoint CKPT.wisp\n"
    "           --save-every K] [--resume CKPT.wisp] [--log LOSS.csv]\n"
    "           [--plot LOSS.svg] [--eval-every K]\n"
    "           [--objective causal|masked|prefix] [--prefix-sep TEXT]\n"
    "           [--mask-token ID]\n"
    "  eval     -m MODEL.wisp --data TEXT.txt [--seq T] [--batch B]\n"
    "           [--threads N] [--objective causal|masked|prefix]\n"
    "           [--prefix-sep TEXT] [--mask-token ID]\n"
    "  bench    -m MODEL.wisp [--prompt-tokens N] [--gen-tokens N]\n"
    "           [--threads N] [--repeats R] [--train --batch B --seq T\n"
    "           --train-steps S] [--no-checksums] [--json] [--exact-bf16]\n"
    "  version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char* command = argv[1];
  static const struct {
    const char* name;
    int (*run)(int, char**);
  } kCommands[] = {
      {"convert", wisp::cli::RunConvert}, {"generate", wisp::cli::RunGenerate},
      {"logits", wisp::cli::RunLogits},   {"tokenize", wisp::cli::RunTokenize},
      {"inspect", wisp::cli::RunInspect}, {"finetune", wisp::cli::RunFinetune},
      {"eval", wisp::cli::RunEval},       {"export", wisp::cli::RunExport},
      {"bench", wisp::cli::RunBench},
  };
  for (const auto& c : kCommands) {
    if (std::strcmp(command, c.name)) continue;
    // The library reports its own failures as statuses; this catches the
    // command's own allocations (a huge input read whole, say), which would
    // otherwise end in std::terminate.
    try {
      return c.run(argc, argv);
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "wisp: error: out of memory\n");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wisp: error: %s\n", e.what());
    }
    return 1;
  }
  if (!std::strcmp(command, "version") || !std::strcmp(command, "--version")) {
    std::printf("wisp %s\n", wisp_version());
    return 0;
  }
  std::fprintf(stderr, "wisp: error: unknown command '%s'\n%s", command,
               kUsage);
  return 2;
}
