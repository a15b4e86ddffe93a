// wisp tokenize: the ids the model sees for a text, comma-separated.
#include <cstdio>
#include <vector>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"

namespace wisp::cli {

int RunTokenize(int argc, char** argv) {
  auto args =
      Args::Parse(argc, argv, 2, {{{"-m", "--model"}}, {{"--no-bos"}, false}},
                  /*max_positional=*/1);
  if (!args.ok()) return ReportError(args.status());
  auto model_path = args->Required("-m");
  if (!model_path.ok()) return ReportError(model_path.status());
  if (args->positional().size() != 1) {
    return ReportError("tokenize takes exactly one TEXT argument");
  }
  const std::string& text = args->positional()[0];
  wisp_model* raw_model = nullptr;
  wisp_status status =
      wisp_model_load(model_path->c_str(), nullptr, &raw_model);
  if (status != WISP_OK) return ReportError(status);
  ModelPtr model(raw_model);
  const int add_bos = args->Has("--no-bos") ? 0 : 1;
  size_t n = 0;
  status = wisp_tokenize(model.get(), text.data(), text.size(), add_bos,
                         nullptr, 0, &n);
  if (status != WISP_OK && status != WISP_ERR_BUFFER_TOO_SMALL) {
    return ReportError(status);
  }
  std::vector<int32_t> ids(n);
  status = wisp_tokenize(model.get(), text.data(), text.size(), add_bos,
                         ids.data(), ids.size(), &n);
  if (status != WISP_OK) return ReportError(status);
  for (size_t i = 0; i < ids.size(); ++i) {
    std::printf(i ? ",%d" : "%d", ids[i]);
  }
  std::printf("\n");
  return 0;
}

}  // namespace wisp::cli
