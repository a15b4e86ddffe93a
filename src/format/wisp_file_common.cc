#include <cstring>

#include "absl/strings/str_cat.h"
#include "src/format/crc32c.h"
#include "src/format/header_codec.h"
#include "src/format/little_endian.h"
#include "src/format/wisp_file.h"

namespace wisp {

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return 4;
    case DType::kBF16:
    case DType::kF16:
      return 2;
    case DType::kI8:
      return 1;
  }
  return 0;
}

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kBF16:
      return "bf16";
    case DType::kF16:
      return "f16";
    case DType::kI8:
      return "i8";
  }
  return "unknown";
}

const char* FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kModel:
      return "model";
    case FileKind::kAdapter:
      return "adapter";
    case FileKind::kCheckpoint:
      return "checkpoint";
  }
  return "unknown";
}

uint64_t TensorView::num_elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

namespace format_internal {
namespace {

constexpr size_t kHeaderCrcOffset = 52;

// True if [offset, offset + length) lies inside [0, size), without overflow.
bool InBounds(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

std::array<uint8_t, FileHeader::kSize> EncodeHeader(const FileHeader& h) {
  std::array<uint8_t, FileHeader::kSize> out{};
  std::memcpy(out.data(), FileHeader::kMagic, sizeof(FileHeader::kMagic));
  PutLittleEndian<uint32_t>(out.data(), 8, h.format_version);
  PutLittleEndian<uint32_t>(out.data(), 12, FileHeader::kSize);
  PutLittleEndian<uint64_t>(out.data(), 16, h.metadata_offset);
  PutLittleEndian<uint64_t>(out.data(), 24, h.metadata_length);
  PutLittleEndian<uint64_t>(out.data(), 32, h.data_offset);
  PutLittleEndian<uint64_t>(out.data(), 40, h.data_length);
  PutLittleEndian<uint32_t>(out.data(), 48, h.metadata_crc32c);
  PutLittleEndian<uint32_t>(out.data(), kHeaderCrcOffset,
                            Crc32c(out.data(), kHeaderCrcOffset));
  return out;
}

absl::StatusOr<FileHeader> DecodeHeader(const uint8_t* in, uint64_t file_size) {
  // A foreign file is named as such even when it is short.
  if (file_size >= sizeof(FileHeader::kMagic) &&
      std::memcmp(in, FileHeader::kMagic, sizeof(FileHeader::kMagic)) != 0) {
    return absl::DataLossError("not a .wisp file (bad magic)");
  }
  if (file_size < FileHeader::kSize) {
    return absl::DataLossError(absl::StrCat(
        "file is ", file_size, " bytes, shorter than the ", FileHeader::kSize,
        "-byte header (truncated or not a .wisp file)"));
  }
  if (std::memcmp(in, FileHeader::kMagic, sizeof(FileHeader::kMagic)) != 0) {
    return absl::DataLossError("not a .wisp file (bad magic)");
  }
  FileHeader h;
  h.format_version = GetLittleEndian<uint32_t>(in, 8);
  if (h.format_version > FileHeader::kFormatVersion) {
    return absl::UnimplementedError(
        absl::StrCat("file format version ", h.format_version,
                     " is newer than this wisp (reads up to ",
                     FileHeader::kFormatVersion, ")"));
  }
  if (GetLittleEndian<uint32_t>(in, kHeaderCrcOffset) !=
      Crc32c(in, kHeaderCrcOffset)) {
    return absl::DataLossError("header checksum mismatch (corrupt header)");
  }
  for (size_t i = kHeaderCrcOffset + 4; i < FileHeader::kSize; ++i) {
    if (in[i] != 0)
      return absl::DataLossError("reserved header bytes not zero");
  }
  if (h.format_version == 0 ||
      GetLittleEndian<uint32_t>(in, 12) != FileHeader::kSize) {
    return absl::DataLossError("bad header version or size");
  }
  h.metadata_offset = GetLittleEndian<uint64_t>(in, 16);
  h.metadata_length = GetLittleEndian<uint64_t>(in, 24);
  h.data_offset = GetLittleEndian<uint64_t>(in, 32);
  h.data_length = GetLittleEndian<uint64_t>(in, 40);
  h.metadata_crc32c = GetLittleEndian<uint32_t>(in, 48);
  if (h.metadata_offset < FileHeader::kSize || h.metadata_length == 0 ||
      !InBounds(h.metadata_offset, h.metadata_length, file_size)) {
    return absl::DataLossError(absl::StrCat(
        "metadata section [", h.metadata_offset, ", +", h.metadata_length,
        ") lies outside the ", file_size, "-byte file (truncated?)"));
  }
  // The FlatBuffer is read in place from the mapping; its 8-byte fields
  // must be aligned in memory (the writer puts it at 64).
  if (h.metadata_offset % 8 != 0) {
    return absl::DataLossError(absl::StrCat(
        "metadata offset ", h.metadata_offset, " is not a multiple of 8"));
  }
  if (h.data_offset % FileHeader::kAlignment != 0 ||
      h.data_offset < h.metadata_offset + h.metadata_length ||
      !InBounds(h.data_offset, h.data_length, file_size)) {
    return absl::DataLossError(
        absl::StrCat("tensor section [", h.data_offset, ", +", h.data_length,
                     ") is misaligned or lies outside the ", file_size,
                     "-byte file (truncated?)"));
  }
  return h;
}

}  // namespace format_internal
}  // namespace wisp
