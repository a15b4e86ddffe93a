// Builds a .wisp file around fuzzed metadata, so that mutations of the
// metadata get past the checksums that would otherwise stop nearly all of
// them (the checksums are tested on their own in tests/format).
#ifndef WISP_TESTS_FUZZ_SEALED_WISP_FILE_H_
#define WISP_TESTS_FUZZ_SEALED_WISP_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wisp::fb {
struct File;
}  // namespace wisp::fb

namespace wisp::fuzz {

// A copy of .wisp metadata bytes, 8-byte aligned in memory as the reader's
// mapping keeps them (a FlatBuffer's 8-byte fields are read in place, and a
// fuzzer's input may sit at any address), and its root table if it
// verifies.
class MetadataCopy {
 public:
  MetadataCopy(const uint8_t* data, size_t size);
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words_.data()); }
  size_t size() const { return size_; }
  // The File table inside the copy, or null if the bytes are not a valid
  // .wisp FlatBuffer.
  const fb::File* file() const { return file_; }

 private:
  std::vector<uint64_t> words_;
  size_t size_;
  const fb::File* file_ = nullptr;
};

// A file of: a valid header, `metadata` with its checksum, and a tensor
// section as long as the furthest tensor the metadata names (up to 8 MiB;
// none if the metadata is not a valid FlatBuffer): small floats of both
// signs inside the tensors, zeros between them. With `tensor_checksums`, every
// tensor entry's checksum is set to that of its bytes, so the file passes a
// verifying load too.
std::string SealWispFile(const uint8_t* metadata, size_t size,
                         bool tensor_checksums);

}  // namespace wisp::fuzz

#endif  // WISP_TESTS_FUZZ_SEALED_WISP_FILE_H_
