#include "src/cli/args.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace wisp::cli {

absl::StatusOr<Args> Args::Parse(int argc, char** argv, int first,
                                 const std::vector<FlagSpec>& specs,
                                 size_t max_positional) {
  Args args;
  bool flags_ended = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--" && !flags_ended) {
      flags_ended = true;
      continue;
    }
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      if (args.positional_.size() == max_positional) {
        // Most often a prompt with spaces that lost its quotes.
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected argument '", arg,
                         "' (quote values that contain spaces)"));
      }
      args.positional_.push_back(arg);
      continue;
    }
    std::optional<std::string> inline_value;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      for (const std::string& name : s.names) {
        if (name == arg) spec = &s;
      }
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
    const std::string& canonical = spec->names.front();
    if (args.values_.count(canonical)) {
      return absl::InvalidArgumentError(absl::StrCat(arg, " given twice"));
    }
    if (!spec->takes_value) {
      if (inline_value) {
        return absl::InvalidArgumentError(absl::StrCat(arg, " takes no value"));
      }
      args.values_[canonical] = "1";
    } else if (inline_value) {
      args.values_[canonical] = *inline_value;
    } else if (i + 1 < argc) {
      args.values_[canonical] = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
    }
  }
  return args;
}

bool Args::Has(const std::string& name) const { return values_.count(name); }

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::string> Args::Required(const std::string& name) const {
  std::optional<std::string> value = Get(name);
  if (!value) return absl::InvalidArgumentError(absl::StrCat("missing ", name));
  return *value;
}

absl::StatusOr<long long> Args::Int(const std::string& name, long long fallback,
                                    long long min, long long max) const {
  std::optional<std::string> text = Get(name);
  if (!text) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be an integer in [", min, ", ", max,
                     "], got '", *text, "'"));
  }
  return value;
}

absl::StatusOr<double> Args::Float(const std::string& name, double fallback,
                                   double min, double max) const {
  std::optional<std::string> text = Get(name);
  if (!text) return fallback;
  double value = 0;
  if (!absl::SimpleAtod(*text, &value) || !std::isfinite(value) ||
      value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a number in [", min, ", ", max, "], got '",
                     *text, "'"));
  }
  return value;
}

}  // namespace wisp::cli
