// Whole-file reads for importers, with errors that name the file.
#ifndef WISP_IMPORT_READ_FILE_H_
#define WISP_IMPORT_READ_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace wisp {

// The bytes of `path`. Errors carry the errno's status code (NotFound,
// PermissionDenied, ...) and say "cannot open/read <what> <path>".
absl::StatusOr<std::string> ReadFileBytes(const std::string& path,
                                          std::string_view what);

}  // namespace wisp

#endif  // WISP_IMPORT_READ_FILE_H_
