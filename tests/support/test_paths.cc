#include "tests/support/test_paths.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace wisp::testing {

std::string SharedPath(const std::string& relative) {
  return absl::StrCat(WISP_SHARED_DIR, "/", relative);
}

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(WISP_SOURCE_DIR, "/", relative);
}

namespace {

// The process's temporary directory, removed with everything in it when the
// process that made it exits normally. Every ctest entry is a process of its
// own, so without the removal each run left hundreds of directories behind
// (69 GB of them had filled this machine's disk). A forked child, such as a
// death test's, exits without touching its parent's directory.
class ProcessTempDir {
 public:
  ProcessTempDir() : owner_(getpid()) {
    const char* base = getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(base && *base ? base : "/tmp", "/wisp_test_XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ProcessTempDir() {
    if (path_.empty() || getpid() != owner_) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ProcessTempDir(const ProcessTempDir&) = delete;
  ProcessTempDir& operator=(const ProcessTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  pid_t owner_;
  std::string path_;
};

}  // namespace

std::string TempDir() {
  static const ProcessTempDir dir;
  return dir.path().empty() ? std::string("/tmp") : dir.path();
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
