// A small command-line parser for the `wisp` subcommands: each subcommand
// declares its own flags, short and long spellings are aliases, and every
// mistake becomes a one-line error. (absl::flags is process-global and has no
// short aliases, which the documented interface needs.)
#ifndef WISP_CLI_ARGS_H_
#define WISP_CLI_ARGS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wisp::cli {

struct FlagSpec {
  std::vector<std::string> names;  // e.g. {"-m", "--model"}; first is canonical
  bool takes_value = true;
};

class Args {
 public:
  // Parses argv[first..argc). Unknown flags, missing values, repeated flags
  // and more than max_positional other arguments are InvalidArgument
  // errors. After "--" every argument is positional (a TEXT that starts
  // with '-').
  static absl::StatusOr<Args> Parse(int argc, char** argv, int first,
                                    const std::vector<FlagSpec>& specs,
                                    size_t max_positional = 0);

  bool Has(const std::string& name) const;
  std::optional<std::string> Get(const std::string& name) const;
  // The value of a required flag, or an error naming it.
  absl::StatusOr<std::string> Required(const std::string& name) const;
  // Typed values with range checks; `fallback` when the flag is absent.
  absl::StatusOr<long long> Int(const std::string& name, long long fallback,
                                long long min, long long max) const;
  absl::StatusOr<double> Float(const std::string& name, double fallback,
                               double min, double max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;  // canonical name -> value
  std::vector<std::string> positional_;
};

}  // namespace wisp::cli

#endif  // WISP_CLI_ARGS_H_
