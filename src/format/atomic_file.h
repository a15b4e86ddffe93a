// A file written so that readers never see it half done: the bytes go to
// PATH.tmp.<pid> in the same folder, which is flushed to disk and renamed
// over PATH (then the folder is flushed, so the rename itself survives a
// crash). Until Commit() succeeds nothing at PATH changes, and the temporary
// file is removed if the writer is destroyed first. Used for model files,
// checkpoints and ONNX exports alike.
#ifndef WISP_FORMAT_ATOMIC_FILE_H_
#define WISP_FORMAT_ATOMIC_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace wisp {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Creates the temporary file. Internal error (with the path and errno
  // text) if the folder is missing or not writable.
  absl::Status Open();
  absl::Status Write(const void* data, uint64_t size);
  // Flushes, closes and renames into place.
  absl::Status Commit();

 private:
  static absl::Status Error(const char* what, const std::string& path);
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace wisp

#endif  // WISP_FORMAT_ATOMIC_FILE_H_
