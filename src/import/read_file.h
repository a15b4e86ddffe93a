// Whole-file reads for importers, with errors that name the file.
#ifndef WISP_IMPORT_READ_FILE_H_
#define WISP_IMPORT_READ_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace wisp {

// Files read whole are at most this large unless the caller says otherwise:
// an endless stream (/dev/zero) must end in an error, not exhaust memory.
constexpr uint64_t kMaxReadBytes = uint64_t{1} << 30;

// The bytes of `path` (a file or a pipe). Errors carry the errno's status
// code (NotFound, PermissionDenied, ...) and say "cannot open/read <what>
// <path>"; InvalidArgument past max_bytes.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path,
                                          std::string_view what,
                                          uint64_t max_bytes = kMaxReadBytes);

}  // namespace wisp

#endif  // WISP_IMPORT_READ_FILE_H_
