// Where tests find shared data (../shared next to the checkout) and the
// project's own files.
#ifndef WISP_TESTS_SUPPORT_TEST_PATHS_H_
#define WISP_TESTS_SUPPORT_TEST_PATHS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wisp::testing {

// Absolute path of `relative` inside ../shared.
std::string SharedPath(const std::string& relative);
// Absolute path of `relative` inside the source tree.
std::string SourcePath(const std::string& relative);
// A fresh, empty temporary directory for this test process, removed with
// its contents when the process exits normally.
std::string TempDir();

absl::StatusOr<std::string> ReadFileToString(const std::string& path);
// Reads a raw little-endian float32 file.
absl::StatusOr<std::vector<float>> ReadFloats(const std::string& path);

}  // namespace wisp::testing

#endif  // WISP_TESTS_SUPPORT_TEST_PATHS_H_
