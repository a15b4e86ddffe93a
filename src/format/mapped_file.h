// A read-only memory mapping of a whole file. Weights are used in place from
// the mapping, so loading a model costs page faults, not copies.
#ifndef WISP_FORMAT_MAPPED_FILE_H_
#define WISP_FORMAT_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace wisp {

class MappedFile {
 public:
  // NotFound if the file cannot be opened, DataLoss if it is empty,
  // Internal if mmap fails.
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(
      const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

}  // namespace wisp

#endif  // WISP_FORMAT_MAPPED_FILE_H_
