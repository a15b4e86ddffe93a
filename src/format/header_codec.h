// Byte-exact encoding of the 64-byte .wisp header (internal to src/format).
#ifndef WISP_FORMAT_HEADER_CODEC_H_
#define WISP_FORMAT_HEADER_CODEC_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "src/format/wisp_file.h"

namespace wisp::format_internal {

std::array<uint8_t, FileHeader::kSize> EncodeHeader(const FileHeader& header);

// Checks magic, version, the header's own checksum and that every section
// lies inside a file of `file_size` bytes.
absl::StatusOr<FileHeader> DecodeHeader(const uint8_t* bytes,
                                        uint64_t file_size);

}  // namespace wisp::format_internal

#endif  // WISP_FORMAT_HEADER_CODEC_H_
