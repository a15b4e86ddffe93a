// Reading and writing .wisp files: a 64-byte header, a FlatBuffer of metadata
// (src/format/wisp.fbs), then the tensor bytes, each 64-byte aligned. The
// layout is documented in docs/file-format.md.
#ifndef WISP_FORMAT_WISP_FILE_H_
#define WISP_FORMAT_WISP_FILE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "src/format/mapped_file.h"
#include "src/format/model_config.h"
#include "src/tokenizer/tokenizer_data.h"

namespace wisp {

enum class FileKind : uint8_t { kModel = 0, kAdapter = 1, kCheckpoint = 2 };
enum class DType : uint8_t { kF32 = 0, kBF16 = 1, kF16 = 2, kI8 = 3 };

size_t DTypeSize(DType dtype);
const char* DTypeName(DType dtype);
const char* FileKindName(FileKind kind);

// The fixed header at the start of every file; all fields little-endian.
struct FileHeader {
  static constexpr char kMagic[8] = {'W', 'I', 'S', 'P', 'F', 'I', 'L', 'E'};
  static constexpr uint32_t kFormatVersion = 1;
  static constexpr uint32_t kSize = 64;
  static constexpr uint64_t kAlignment = 64;

  uint32_t format_version = kFormatVersion;
  uint64_t metadata_offset = 0;  // the FlatBuffer
  uint64_t metadata_length = 0;
  uint64_t data_offset = 0;  // the tensor section, kAlignment-aligned
  uint64_t data_length = 0;
  uint32_t metadata_crc32c = 0;
};

// A tensor of a verified file: its bytes point into the mapping.
struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;
  const uint8_t* data = nullptr;
  uint64_t offset = 0;  // within the tensor section
  uint64_t byte_length = 0;
  uint32_t crc32c = 0;

  uint64_t num_elements() const;
  const float* f32() const { return reinterpret_cast<const float*>(data); }
};

// The progress of a training run, stored in checkpoint files.
struct TrainingState {
  uint64_t step = 0;
  uint64_t data_epoch = 0;
  uint64_t data_cursor = 0;
  std::vector<uint64_t> rng_state;
  uint64_t seed = 0;
  uint64_t tokens_seen = 0;
};

struct ReadOptions {
  // Check every tensor's CRC-32C (reads all bytes once). The header, the
  // metadata and all offsets, lengths, shapes and dtypes are always checked.
  bool verify_checksums = true;
};

// An opened and fully verified .wisp file. Immutable and safe to share across
// threads; tensor views stay valid as long as the WispFile lives.
class WispFile {
 public:
  // Errors: NotFound (cannot open), DataLoss (truncated, corrupt, checksum
  // mismatch), InvalidArgument (well-formed but unusable, e.g. bad config),
  // Unimplemented (a newer format version).
  static absl::StatusOr<std::unique_ptr<WispFile>> Open(
      const std::string& path, const ReadOptions& options = {});

  FileKind kind() const { return kind_; }
  const ModelConfig& config() const { return config_; }
  bool has_config() const { return has_config_; }
  const TokenizerData& tokenizer() const { return tokenizer_; }
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const std::string& source() const { return source_; }
  // Present in checkpoints.
  const TrainingState* training() const {
    return has_training_ ? &training_ : nullptr;
  }
  const FileHeader& header() const { return header_; }
  const std::string& path() const { return file_->path(); }
  uint64_t file_size() const { return file_->size(); }

  // The tensor called `name`, or null.
  const TensorView* Find(const std::string& name) const;

 private:
  WispFile() = default;
  absl::Status Parse(const ReadOptions& options);

  std::unique_ptr<MappedFile> file_;
  FileHeader header_;
  FileKind kind_ = FileKind::kModel;
  bool has_config_ = false;
  ModelConfig config_;
  TokenizerData tokenizer_;
  std::vector<TensorView> tensors_;
  std::string source_;
  bool has_training_ = false;
  TrainingState training_;
};

// What to write; tensor bytes are borrowed from the caller.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;
  absl::Span<const uint8_t> bytes;
};

struct FileContents {
  FileKind kind = FileKind::kModel;
  bool has_config = true;
  ModelConfig config;
  TokenizerData tokenizer;
  std::vector<TensorToWrite> tensors;
  std::string source;
  const TrainingState* training = nullptr;  // written when set
};

// Called after each tensor is written with (bytes written, total bytes);
// returning false cancels the write (Cancelled, nothing left behind).
using WriteProgress = std::function<bool(uint64_t done, uint64_t total)>;

// Writes `contents` to `path` atomically: into a temporary file in the same
// folder, flushed to disk, then renamed over `path`. A crash or error at any
// point leaves either the old file or the new one, never a torn one.
absl::Status WriteWispFile(const std::string& path,
                           const FileContents& contents,
                           const WriteProgress& progress = nullptr);

}  // namespace wisp

#endif  // WISP_FORMAT_WISP_FILE_H_
