#include "src/import/read_file.h"

#include <errno.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace wisp {
namespace {

absl::Status ErrnoError(int error, const char* verb, std::string_view what,
                        const std::string& path) {
  return absl::Status(absl::ErrnoToStatusCode(error),
                      absl::StrCat("cannot ", verb, " ",
                                   absl::string_view(what.data(), what.size()),
                                   " ", path, ": ", std::strerror(error)));
}

}  // namespace

absl::StatusOr<std::string> ReadFileBytes(const std::string& path,
                                          std::string_view what,
                                          uint64_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                             &std::fclose);
  if (file == nullptr) return ErrnoError(errno, "open", what, path);
  // Chunked rather than sized with fseek: the path may be a pipe.
  std::string bytes;
  std::string chunk(1 << 16, '\0');
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) {
    if (bytes.size() + n > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(absl::string_view(what.data(), what.size()), " ", path,
                       " is larger than ", max_bytes >> 20, " MiB"));
    }
    bytes.append(chunk.data(), n);
  }
  if (std::ferror(file.get())) return ErrnoError(errno, "read", what, path);
  return bytes;
}

}  // namespace wisp
