#include "tests/support/test_paths.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace wisp::testing {

std::string SharedPath(const std::string& relative) {
  return absl::StrCat(WISP_SHARED_DIR, "/", relative);
}

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(WISP_SOURCE_DIR, "/", relative);
}

std::string TempDir() {
  static const std::string dir = [] {
    const char* base = getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(base && *base ? base : "/tmp", "/wisp_test_XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) return std::string("/tmp");
    return pattern;
  }();
  return dir;
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::StatusOr<std::vector<float>> ReadFloats(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() % sizeof(float) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": size not a multiple of 4"));
  }
  std::vector<float> values(bytes->size() / sizeof(float));
  std::memcpy(values.data(), bytes->data(), bytes->size());
  return values;
}

}  // namespace wisp::testing
