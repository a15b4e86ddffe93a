// Shared pieces of the `wisp` subcommands: error reporting (one line on
// stderr, non-zero exit) and RAII owners for C API handles, which the run-time
// commands use exactly as an embedding application would.
#ifndef WISP_CLI_COMMON_H_
#define WISP_CLI_COMMON_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/cli/args.h"
#include "wisp/wisp.h"

namespace wisp::cli {

// Prints "wisp: error: <message>" and returns the exit status 1.
int ReportError(const std::string& message);
int ReportError(const absl::Status& status);
// For C API failures: the status name and wisp_last_error().
int ReportError(wisp_status status);

struct ModelDeleter {
  void operator()(wisp_model* m) const { wisp_model_free(m); }
};
struct SessionDeleter {
  void operator()(wisp_session* s) const { wisp_session_free(s); }
};
using ModelPtr = std::unique_ptr<wisp_model, ModelDeleter>;
using SessionPtr = std::unique_ptr<wisp_session, SessionDeleter>;

struct TrainerDeleter {
  void operator()(wisp_trainer* t) const { wisp_trainer_free(t); }
};
using TrainerPtr = std::unique_ptr<wisp_trainer, TrainerDeleter>;

// Loads a model through the C API; on failure prints the error and returns
// null.
ModelPtr LoadModelOrReport(const std::string& path);

// --exact-bf16, a flag of the commands that run a model (generate, logits,
// bench): they call wisp_model_set_exact_bf16_products(model, 1) once it is
// loaded.
FlagSpec ExactBf16Flag();
// Whether `args` has --exact-bf16.
bool HasExactBf16Flag(const Args& args);

// Whether files can be written at the paths of those of `flags` that are
// given (CheckWritable): commands check before their work, so that a typo in
// a folder name fails at once. The error names the flag.
absl::Status CheckOutputPaths(const Args& args,
                              std::initializer_list<const char*> flags);

// Parses "1,403,407" into ids; InvalidArgument on anything else.
absl::Status ParseIds(const std::string& text, std::vector<int32_t>* ids);

}  // namespace wisp::cli

#endif  // WISP_CLI_COMMON_H_
