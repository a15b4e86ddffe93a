// A corrupt or hostile .wisp file must give a clear error, never a crash
// (this suite also runs under AddressSanitizer in CI).
#include <sys/stat.h>

#include <fstream>
#include <functional>

#include "gtest/gtest.h"
#include "src/format/crc32c.h"
#include "src/format/header_codec.h"
#include "src/format/wisp_file.h"
#include "src/format/wisp_generated.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

using testing::TempDir;

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class CorruptFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    good_path_ = TempDir() + "/good.wisp";
    testing::WriteRandomLlama(good_path_, testing::TinyLlamaConfig(), 7);
    good_ = *testing::ReadFileToString(good_path_);
    header_ = (*WispFile::Open(good_path_))->header();
  }

  absl::StatusCode OpenBytes(const std::string& bytes) {
    const std::string path = TempDir() + "/corrupt.wisp";
    WriteBytes(path, bytes);
    return WispFile::Open(path).status().code();
  }

  std::string good_path_;
  std::string good_;
  FileHeader header_;
};

TEST_F(CorruptFileTest, EveryTruncationIsDataLoss) {
  // Every length inside the header and metadata, then a stride through the
  // tensor bytes.
  for (size_t length = 0; length < good_.size();
       length += length < header_.data_offset + 64 ? 1 : 61) {
    const absl::StatusCode code = OpenBytes(good_.substr(0, length));
    ASSERT_EQ(code, absl::StatusCode::kDataLoss) << "length " << length;
  }
}

TEST_F(CorruptFileTest, EveryFlippedByteIsDetected) {
  for (size_t at = 0; at < good_.size();
       at += at < header_.data_offset + 64 ? 1 : 13) {
    std::string bytes = good_;
    bytes[at] ^= static_cast<char>(1 << (at % 8));
    const absl::StatusCode code = OpenBytes(bytes);
    ASSERT_NE(code, absl::StatusCode::kOk) << "flipped byte " << at;
  }
}

TEST_F(CorruptFileTest, TrailingGarbageIsDetected) {
  EXPECT_EQ(OpenBytes(good_ + "garbage"), absl::StatusCode::kDataLoss);
}

TEST_F(CorruptFileTest, NotAWispFile) {
  EXPECT_EQ(OpenBytes(std::string(4096, 'x')), absl::StatusCode::kDataLoss);
  EXPECT_EQ(OpenBytes(""), absl::StatusCode::kDataLoss);
  EXPECT_EQ(WispFile::Open(TempDir()).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a directory";
  // A pipe with no writer: refused at once (opening it had blocked).
  const std::string fifo = TempDir() + "/not_a_model.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(WispFile::Open(fifo).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Files whose checksums are all valid but whose metadata lies: the reader
// must catch the inconsistency itself.
struct CraftedTensor {
  std::string name = "t";
  fb::DType dtype = fb::DType::F32;
  std::vector<uint64_t> shape = {4};
  uint64_t offset = 0;
  uint64_t byte_length = 16;
  // The shape's 8-byte elements 4 bytes off their alignment, which the
  // FlatBuffers 2.0 verifier lets through.
  bool misaligned_shape = false;
};

// A [uint64] vector whose elements start 4 bytes past an 8-byte boundary of
// the finished buffer: built as 4-byte words (the builder then aligns the
// vector to 4 only), with a word of padding after the elements when the
// builder's position would align them.
flatbuffers::Offset<flatbuffers::Vector<uint64_t>> MisalignedVector(
    flatbuffers::FlatBufferBuilder& b, const std::vector<uint64_t>& values) {
  const size_t n = values.size();
  b.StartVector(2 * n + 1, sizeof(uint32_t));
  // The finished buffer's size is a multiple of 8, so an element at
  // GetSize() bytes from its end is 8-aligned when GetSize() is.
  if ((b.GetSize() + 8 * n) % 8 == 0) b.PushElement<uint32_t>(0);
  for (size_t i = n; i-- > 0;) {
    b.PushElement(static_cast<uint32_t>(values[i] >> 32));
    b.PushElement(static_cast<uint32_t>(values[i]));
  }
  return flatbuffers::Offset<flatbuffers::Vector<uint64_t>>(b.EndVector(n));
}

using TokenizerMaker = std::function<flatbuffers::Offset<fb::Tokenizer>(
    flatbuffers::FlatBufferBuilder&)>;

std::string CraftFile(
    const std::vector<CraftedTensor>& tensors, uint64_t data_length,
    const std::function<void(fb::ModelConfigBuilder&)>& tweak_config = nullptr,
    uint32_t format_version = FileHeader::kFormatVersion,
    const TokenizerMaker& make_tokenizer = nullptr) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Tensor>> entries;
  for (const CraftedTensor& t : tensors) {
    auto name = b.CreateString(t.name);
    auto shape = t.misaligned_shape ? MisalignedVector(b, t.shape)
                                    : b.CreateVector(t.shape);
    entries.push_back(
        fb::CreateTensor(b, name, t.dtype, shape, t.offset, t.byte_length, 0));
  }
  auto tensor_vector = b.CreateVector(entries);
  flatbuffers::Offset<fb::Tokenizer> tokenizer;
  if (make_tokenizer) tokenizer = make_tokenizer(b);
  flatbuffers::Offset<fb::ModelConfig> config;
  if (tweak_config) {
    fb::ModelConfigBuilder c(b);
    c.add_dim(16);
    c.add_hidden_dim(40);
    c.add_n_layers(1);
    c.add_n_heads(4);
    c.add_n_kv_heads(2);
    c.add_vocab_size(32);
    c.add_max_seq_len(64);
    tweak_config(c);
    config = c.Finish();
  }
  fb::FileBuilder file(b);
  file.add_tensors(tensor_vector);
  if (tweak_config) file.add_config(config);
  if (make_tokenizer) file.add_tokenizer(tokenizer);
  fb::FinishFileBuffer(b, file.Finish());

  FileHeader h;
  h.format_version = format_version;
  h.metadata_offset = FileHeader::kSize;
  h.metadata_length = b.GetSize();
  h.data_offset = (FileHeader::kSize + b.GetSize() + 63) / 64 * 64;
  h.data_length = data_length;
  h.metadata_crc32c = Crc32c(b.GetBufferPointer(), b.GetSize());
  const auto header = format_internal::EncodeHeader(h);
  std::string bytes(reinterpret_cast<const char*>(header.data()),
                    header.size());
  bytes.append(reinterpret_cast<const char*>(b.GetBufferPointer()),
               b.GetSize());
  bytes.resize(h.data_offset + data_length, '\0');
  return bytes;
}

absl::Status OpenCrafted(const std::string& bytes, bool verify = false) {
  const std::string path = TempDir() + "/crafted.wisp";
  WriteBytes(path, bytes);
  ReadOptions options;
  options.verify_checksums = verify;  // the structure alone must be caught
  return WispFile::Open(path, options).status();
}

TEST(CraftedFileTest, AWellFormedCraftedFileOpens) {
  EXPECT_TRUE(OpenCrafted(CraftFile({CraftedTensor{}}, 64)).ok());
}

TEST(CraftedFileTest, OffsetOutOfRange) {
  CraftedTensor t;
  t.offset = 128;
  absl::Status s = OpenCrafted(CraftFile({t}, 64));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("outside"), std::string::npos) << s;
  t.offset = ~uint64_t{0} - 63;  // would wrap around when added
  EXPECT_EQ(OpenCrafted(CraftFile({t}, 64)).code(),
            absl::StatusCode::kDataLoss);
}

TEST(CraftedFileTest, LengthRunsPastTheEnd) {
  CraftedTensor t;
  t.shape = {32};
  t.byte_length = 128;
  EXPECT_EQ(OpenCrafted(CraftFile({t}, 64)).code(),
            absl::StatusCode::kDataLoss);
}

TEST(CraftedFileTest, MisalignedOffset) {
  CraftedTensor t;
  t.offset = 4;
  EXPECT_EQ(OpenCrafted(CraftFile({t}, 128)).code(),
            absl::StatusCode::kDataLoss);
}

TEST(CraftedFileTest, ByteLengthDisagreesWithDtypeSize) {
  CraftedTensor t;
  t.dtype = fb::DType::BF16;  // 4 bf16 values are 8 bytes, not 16
  absl::Status s = OpenCrafted(CraftFile({t}, 64));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("byte length"), std::string::npos) << s;
}

TEST(CraftedFileTest, UnknownDtype) {
  CraftedTensor t;
  t.dtype = static_cast<fb::DType>(42);
  EXPECT_EQ(OpenCrafted(CraftFile({t}, 64)).code(),
            absl::StatusCode::kDataLoss);
}

TEST(CraftedFileTest, ZeroOrOverflowingDimensions) {
  CraftedTensor zero;
  zero.shape = {4, 0};
  EXPECT_EQ(OpenCrafted(CraftFile({zero}, 64)).code(),
            absl::StatusCode::kDataLoss);
  CraftedTensor huge;
  huge.shape = {1ull << 40, 1ull << 40};
  EXPECT_EQ(OpenCrafted(CraftFile({huge}, 64)).code(),
            absl::StatusCode::kDataLoss);
  CraftedTensor scalar;
  scalar.shape = {};
  EXPECT_EQ(OpenCrafted(CraftFile({scalar}, 64)).code(),
            absl::StatusCode::kDataLoss);
}

// Found by fuzzing model files (UBSan: a misaligned 8-byte load inside
// FlatBuffers): the verifier passes such a shape, the reader must not read
// it.
TEST(CraftedFileTest, MisalignedShapeIsDataLoss) {
  CraftedTensor aligned, misaligned;
  misaligned.misaligned_shape = true;
  for (const std::vector<uint64_t>& shape :
       {std::vector<uint64_t>{4}, std::vector<uint64_t>{2, 2}}) {
    aligned.shape = misaligned.shape = shape;
    EXPECT_TRUE(OpenCrafted(CraftFile({aligned}, 64)).ok());
    const absl::Status s = OpenCrafted(CraftFile({misaligned}, 64));
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_NE(s.message().find("misaligned"), std::string::npos) << s;
  }
}

TEST(CraftedFileTest, OverlappingTensors) {
  CraftedTensor a, b;
  b.name = "u";
  EXPECT_EQ(OpenCrafted(CraftFile({a, b}, 64)).code(),
            absl::StatusCode::kDataLoss);
}

TEST(CraftedFileTest, DuplicateNames) {
  CraftedTensor a, b;
  b.offset = 64;
  EXPECT_EQ(OpenCrafted(CraftFile({a, b}, 128)).code(),
            absl::StatusCode::kDataLoss);
}

TEST(CraftedFileTest, ImpossibleConfigIsInvalidArgument) {
  absl::Status s = OpenCrafted(
      CraftFile({CraftedTensor{}}, 64, [](fb::ModelConfigBuilder& c) {
        c.add_n_heads(3);  // 16 % 3 != 0
      }));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("n_heads"), std::string::npos) << s;
  EXPECT_EQ(OpenCrafted(CraftFile({CraftedTensor{}}, 64,
                                  [](fb::ModelConfigBuilder& c) {
                                    c.add_dim(1u << 31);  // absurd
                                  }))
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenCrafted(CraftFile({CraftedTensor{}}, 64,
                                  [](fb::ModelConfigBuilder& c) {
                                    c.add_norm_eps(-1.0f);
                                  }))
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// Found by tests/fuzz/model_file_fuzz: piece offsets with no piece bytes
// made the reader call a member of a null vector (UBSan).
TEST(CraftedFileTest, PieceOffsetsWithoutBytesNameEmptyPieces) {
  const auto offsets_only = [](flatbuffers::FlatBufferBuilder& b) {
    auto offsets = b.CreateVector(std::vector<uint32_t>{0, 0, 0});
    fb::TokenizerBuilder t(b);
    t.add_kind(fb::TokenizerKind::SentencePieceBpe);
    t.add_piece_offsets(offsets);
    return t.Finish();
  };
  const std::string path = TempDir() + "/offsets_only.wisp";
  WriteBytes(path, CraftFile({CraftedTensor{}}, 64, nullptr,
                             FileHeader::kFormatVersion, offsets_only));
  ReadOptions options;
  options.verify_checksums = false;  // crafted tensors carry no checksum
  absl::StatusOr<std::unique_ptr<WispFile>> file =
      WispFile::Open(path, options);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->tokenizer().pieces, (std::vector<std::string>{"", ""}));
  // A non-empty piece needs bytes.
  const auto past_the_bytes = [](flatbuffers::FlatBufferBuilder& b) {
    auto offsets = b.CreateVector(std::vector<uint32_t>{0, 1});
    fb::TokenizerBuilder t(b);
    t.add_piece_offsets(offsets);
    return t.Finish();
  };
  EXPECT_EQ(OpenCrafted(CraftFile({CraftedTensor{}}, 64, nullptr,
                                  FileHeader::kFormatVersion, past_the_bytes))
                .code(),
            absl::StatusCode::kDataLoss);
}

// The metadata moved `shift` bytes further into the file (zeros before it).
std::string WithMetadataShifted(const std::string& file, uint64_t shift) {
  FileHeader h = *format_internal::DecodeHeader(
      reinterpret_cast<const uint8_t*>(file.data()), file.size());
  const std::string metadata =
      file.substr(h.metadata_offset, h.metadata_length);
  const std::string data = file.substr(h.data_offset, h.data_length);
  h.metadata_offset += shift;
  h.data_offset = (h.metadata_offset + h.metadata_length + 63) / 64 * 64;
  const auto header = format_internal::EncodeHeader(h);
  std::string out(reinterpret_cast<const char*>(header.data()), header.size());
  out.resize(h.metadata_offset, '\0');
  out += metadata;
  out.resize(h.data_offset, '\0');
  return out + data;
}

// The FlatBuffer is read in place from the mapping, so a misaligned one
// would make its 8-byte reads misaligned (UB; found when model_file_fuzz's
// mutator read its inputs in place the same way).
TEST(CraftedFileTest, MisalignedMetadataIsDataLoss) {
  const std::string file = CraftFile({CraftedTensor{}}, 64);
  EXPECT_TRUE(OpenCrafted(WithMetadataShifted(file, 8)).ok());
  const absl::Status s = OpenCrafted(WithMetadataShifted(file, 4));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("multiple of 8"), std::string::npos) << s;
}

TEST(CraftedFileTest, NewerFormatVersionIsUnimplemented) {
  absl::Status s = OpenCrafted(CraftFile({CraftedTensor{}}, 64, nullptr,
                                         FileHeader::kFormatVersion + 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace wisp
