#include "src/format/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace wisp {
namespace {

// An I/O failure, with errno's text. Permission problems and the rest map to
// two codes that the C API both reports as WISP_ERR_IO.
absl::Status IoError(const char* what, const std::string& path) {
  const int error = errno;
  const std::string message =
      absl::StrCat("cannot ", what, " ", path, ": ", std::strerror(error));
  if (error == EACCES || error == EPERM || error == EROFS) {
    return absl::PermissionDeniedError(message);
  }
  return absl::UnavailableError(message);
}

// The file a write to `path` should land in: the final target of a symbolic
// link (when it resolves), else `path` itself.
std::string ResolveLink(const std::string& path) {
  struct stat link_info;
  if (::lstat(path.c_str(), &link_info) != 0 || !S_ISLNK(link_info.st_mode)) {
    return path;
  }
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return path;
  return resolved;
}

std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash + 1);
}

// Rejects what no file can be written at; sets *special for an existing
// file that is not a regular one.
absl::Status CheckTarget(const std::string& path, bool* special) {
  *special = false;
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  struct stat info;
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot write ", path, ": it is a folder"));
    }
    *special = !S_ISREG(info.st_mode);
  }
  return absl::OkStatus();
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(ResolveLink(path)) {
  tmp_ = absl::StrCat(path_, ".tmp.", getpid());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !direct_) ::unlink(tmp_.c_str());
}

absl::Status AtomicFile::Open() {
  absl::Status target = CheckTarget(path_, &direct_);
  if (!target.ok()) return target;
  if (direct_) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    return fd_ < 0 ? IoError("open", path_) : absl::OkStatus();
  }
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  // The temporary name is an implementation detail: errors name the output.
  return fd_ < 0 ? IoError("create", path_) : absl::OkStatus();
}

absl::Status AtomicFile::Write(const void* data, uint64_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size < (1u << 30) ? size : (1u << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("write", path_);
    p += n;
    size -= static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status AtomicFile::Commit() {
  if (direct_) {
    // Devices and pipes cannot be flushed (EINVAL) and have nothing to
    // rename; what they did with the bytes is theirs.
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return IoError("close", path_);
    committed_ = true;
    return absl::OkStatus();
  }
  if (::fsync(fd_) != 0) return IoError("flush", path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return IoError("close", path_);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return IoError("rename into", path_);
  }
  committed_ = true;
  const int dir_fd =
      ::open(FolderOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::Status CheckWritable(const std::string& path) {
  const std::string target = ResolveLink(path);
  bool special = false;
  absl::Status status = CheckTarget(target, &special);
  if (!status.ok() || special) return status;
  if (::access(FolderOf(target).c_str(), W_OK | X_OK) != 0) {
    return IoError("write into the folder of", target);
  }
  return absl::OkStatus();
}

}  // namespace wisp
