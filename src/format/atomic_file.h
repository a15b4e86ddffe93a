// A file written so that readers never see it half done: the bytes go to
// PATH.tmp.<pid> in the same folder, which is flushed to disk and renamed
// over PATH (then the folder is flushed, so the rename itself survives a
// crash). Until Commit() succeeds nothing at PATH changes, and the temporary
// file is removed if the writer is destroyed first. Used for model files,
// checkpoints and ONNX exports alike.
//
// PATH is what gets written, never what stands in its way: a symbolic link
// is followed (the file it points to is replaced and the link stays), and an
// existing file that is not a regular one (/dev/null, a pipe) is written
// straight through, since renaming over it would replace the device node
// itself. A folder at PATH is an error.
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

  // Creates the temporary file. InvalidArgument for an empty path or a
  // folder at PATH; otherwise an I/O error (PermissionDenied or Unavailable,
  // WISP_ERR_IO through the C API) with the path and errno text if the
  // folder is missing or not writable.
  absl::Status Open();
  absl::Status Write(const void* data, uint64_t size);
  // Flushes, closes and renames into place.
  absl::Status Commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool direct_ = false;  // writing straight into a device or pipe
  bool committed_ = false;
};

// Whether a file could be created at `path` now: its folder exists and is
// writable, and `path` is not a folder. For callers that learn the output
// path long before they write it (a fine-tuning run), so that a typo fails
// at once rather than after the work. The same errors as AtomicFile::Open.
absl::Status CheckWritable(const std::string& path);

}  // namespace wisp

#endif  // WISP_FORMAT_ATOMIC_FILE_H_
