#include "src/cli/common.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/format/atomic_file.h"

namespace wisp::cli {

int ReportError(const std::string& message) {
  std::fprintf(stderr, "wisp: error: %s\n", message.c_str());
  return 1;
}

int ReportError(const absl::Status& status) {
  return ReportError(std::string(status.message()));
}

int ReportError(wisp_status status) {
  return ReportError(std::string(wisp_last_error()) + " (" +
                     wisp_status_name(status) + ")");
}

ModelPtr LoadModelOrReport(const std::string& path) {
  wisp_model* model = nullptr;
  const wisp_status status = wisp_model_load(path.c_str(), nullptr, &model);
  if (status != WISP_OK) ReportError(status);
  return ModelPtr(model);
}

FlagSpec ExactBf16Flag() { return {{"--exact-bf16"}, false}; }

bool HasExactBf16Flag(const Args& args) { return args.Has("--exact-bf16"); }

absl::Status ParseIds(const std::string& text, std::vector<int32_t>* ids) {
  ids->clear();
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int32_t id = 0;
    if (!absl::SimpleAtoi(part, &id)) {
      return absl::InvalidArgumentError(
          "--ids must be comma-separated "
          "integers, got '" +
          std::string(part) + "'");
    }
    ids->push_back(id);
  }
  return absl::OkStatus();
}

absl::Status CheckOutputPaths(const Args& args,
                              std::initializer_list<const char*> flags) {
  for (const char* flag : flags) {
    std::optional<std::string> path = args.Get(flag);
    if (!path) continue;
    absl::Status writable = CheckWritable(*path);
    if (!writable.ok()) {
      return absl::Status(writable.code(),
                          absl::StrCat(flag, ": ", writable.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace wisp::cli
