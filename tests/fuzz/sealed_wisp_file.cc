#include "tests/fuzz/sealed_wisp_file.h"

#include <algorithm>
#include <cstring>

#include "flatbuffers/flatbuffers.h"
#include "src/format/crc32c.h"
#include "src/format/header_codec.h"
#include "src/format/metadata_alignment.h"
#include "src/format/wisp_file.h"
#include "src/format/wisp_generated.h"

namespace wisp::fuzz {
namespace {

constexpr uint64_t kMaxDataBytes = uint64_t{8} << 20;

bool InSection(const fb::Tensor* t, uint64_t section) {
  return t->offset() <= section && t->byte_length() <= section - t->offset();
}

// The end of the furthest tensor, if within kMaxDataBytes; else 0.
uint64_t DataExtent(const fb::File* file) {
  if (file == nullptr || file->tensors() == nullptr) return 0;
  uint64_t extent = 0;
  for (const fb::Tensor* t : *file->tensors()) {
    if (InSection(t, kMaxDataBytes)) {
      extent = std::max(extent, t->offset() + t->byte_length());
    }
  }
  return extent;
}

}  // namespace

MetadataCopy::MetadataCopy(const uint8_t* data, size_t size)
    : words_((size + 7) / 8), size_(size) {
  if (size == 0) return;
  std::memcpy(words_.data(), data, size);
  flatbuffers::Verifier verifier(this->data(), size);
  // The reader's checks before any field is read (the object API's UnPack
  // reads them all): misaligned arrays are undefined behaviour to read.
  if (fb::VerifyFileBuffer(verifier) &&
      format_internal::WideArraysAligned(*fb::GetFile(this->data()))) {
    file_ = fb::GetFile(this->data());
  }
}

std::string SealWispFile(const uint8_t* metadata, size_t size,
                         bool tensor_checksums) {
  MetadataCopy meta(metadata, size);
  const fb::File* file = meta.file();
  FileHeader h;
  h.metadata_offset = FileHeader::kSize;
  h.metadata_length = size;
  h.data_offset = (FileHeader::kSize + size + FileHeader::kAlignment - 1) /
                  FileHeader::kAlignment * FileHeader::kAlignment;
  h.data_length = DataExtent(file);

  // Zeros between tensors (a verifying reader checks the padding), small
  // floats inside them.
  std::string data(h.data_length, '\0');
  const auto* tensors = file != nullptr ? file->tensors() : nullptr;
  if (tensors != nullptr) {
    for (const fb::Tensor* t : *tensors) {
      if (!InSection(t, h.data_length)) continue;
      for (uint64_t i = 0; i + 4 <= t->byte_length(); i += 4) {
        const float v =
            0.05f * static_cast<float>(int((i * 2654435761u) >> 29) - 4);
        std::memcpy(&data[t->offset() + i], &v, 4);
      }
    }
  }
  // A second pass, once every tensor is written: overlapping tensors (which
  // the reader must refuse) then get checksums of their final bytes.
  if (tensor_checksums && tensors != nullptr) {
    for (const fb::Tensor* t : *tensors) {
      if (!InSection(t, h.data_length)) continue;
      const uint32_t crc = Crc32c(data.data() + t->offset(), t->byte_length());
      // The generated classes (no --gen-mutable) inherit Table privately;
      // SetField writes only a field the buffer holds, inside the verified
      // copy.
      reinterpret_cast<flatbuffers::Table*>(const_cast<fb::Tensor*>(t))
          ->SetField<uint32_t>(fb::Tensor::VT_CRC32C, crc, 0);
    }
  }
  h.metadata_crc32c = Crc32c(meta.data(), meta.size());
  const auto header = format_internal::EncodeHeader(h);
  std::string out(reinterpret_cast<const char*>(header.data()), header.size());
  out.append(reinterpret_cast<const char*>(meta.data()), meta.size());
  out.resize(h.data_offset, '\0');
  out += data;
  return out;
}

}  // namespace wisp::fuzz
