// Round trips through the writer and the verifying reader.
#include "src/format/wisp_file.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

using testing::MakeRandomLlama;
using testing::TempDir;
using testing::TinyLlamaConfig;

TEST(WispFileTest, RoundTripKeepsConfigTokenizerAndTensors) {
  testing::TinyModel m = MakeRandomLlama(TinyLlamaConfig(), 1);
  m.contents.config.rope_theta = 500000.0f;
  m.contents.tokenizer.kind = TokenizerKind::kSentencePieceBpe;
  for (int i = 0; i < 32; ++i) {
    m.contents.tokenizer.pieces.push_back(i == 5 ? std::string("\xff\0x", 3)
                                                 : absl::StrCat("p", i));
    m.contents.tokenizer.scores.push_back(-0.5f * i);
  }
  m.contents.tokenizer.bos_id = 1;
  m.contents.tokenizer.eos_id = 2;
  m.contents.tokenizer.max_piece_length = 3;
  const std::string path = TempDir() + "/roundtrip.wisp";
  ASSERT_TRUE(WriteWispFile(path, m.contents).ok());

  auto file = WispFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const WispFile& f = **file;
  EXPECT_EQ(f.kind(), FileKind::kModel);
  EXPECT_EQ(f.source(), "random test model");
  EXPECT_EQ(f.config().dim, 16u);
  EXPECT_EQ(f.config().n_kv_heads, 2u);
  EXPECT_EQ(f.config().rope_theta, 500000.0f);
  EXPECT_EQ(f.tokenizer().pieces, m.contents.tokenizer.pieces);
  EXPECT_EQ(f.tokenizer().scores, m.contents.tokenizer.scores);
  EXPECT_EQ(f.tokenizer().eos_id, 2);
  ASSERT_EQ(f.tensors().size(), m.contents.tensors.size());
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const TensorView& t = f.tensors()[i];
    const TensorToWrite& w = m.contents.tensors[i];
    EXPECT_EQ(t.name, w.name);
    EXPECT_EQ(t.shape, w.shape);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % FileHeader::kAlignment, 0u)
        << "tensors are 64-byte aligned in the mapping";
    ASSERT_EQ(t.byte_length, w.bytes.size());
    EXPECT_EQ(std::memcmp(t.data, w.bytes.data(), w.bytes.size()), 0);
  }
  EXPECT_NE(f.Find("norm.weight"), nullptr);
  EXPECT_EQ(f.Find("no.such.tensor"), nullptr);
}

TEST(WispFileTest, WriteReplacesAtomicallyAndLeavesNoTemporary) {
  const std::string path = TempDir() + "/atomic.wisp";
  testing::WriteRandomLlama(path, TinyLlamaConfig(), 1);
  testing::WriteRandomLlama(path, TinyLlamaConfig(), 2);
  EXPECT_TRUE(WispFile::Open(path).ok());
  struct stat st;
  EXPECT_NE(stat((path + ".tmp." + std::to_string(getpid())).c_str(), &st), 0);
}

TEST(WispFileTest, CancelledWriteKeepsThePreviousFile) {
  const std::string path = TempDir() + "/cancel.wisp";
  testing::WriteRandomLlama(path, TinyLlamaConfig(), 1);
  auto before = testing::ReadFileToString(path);
  testing::TinyModel m = MakeRandomLlama(TinyLlamaConfig(), 2);
  absl::Status status = WriteWispFile(
      path, m.contents,
      [](uint64_t done, uint64_t total) { return done < total / 2; });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(*testing::ReadFileToString(path), *before);
}

TEST(WispFileTest, WriterRejectsBytesThatDoNotMatchTheShape) {
  testing::TinyModel m = MakeRandomLlama(TinyLlamaConfig(), 1);
  m.contents.tensors[0].shape = {7, 7};
  EXPECT_EQ(WriteWispFile(TempDir() + "/bad.wisp", m.contents).code(),
            absl::StatusCode::kInvalidArgument);
}

// BF16 tensors take 2 bytes per element: an odd element count round-trips,
// and bytes sized for f32 (or one byte short) are refused, by the writer
// here and by the reader in CraftedFileTest.ByteLengthDisagreesWithDtypeSize.
TEST(WispFileTest, Bf16TensorsRoundTripAndWrongSizesAreRejected) {
  testing::TinyModel m = MakeRandomLlama(TinyLlamaConfig(), 1);
  const uint16_t bits[3] = {0x3f80, 0xc000, 0x7f80};  // 1, -2, +inf
  TensorToWrite t;
  t.name = "extra.bf16";
  t.dtype = DType::kBF16;
  t.shape = {3};
  t.bytes = absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bits), 6);
  m.contents.tensors.push_back(t);
  const std::string path = TempDir() + "/bf16.wisp";
  ASSERT_TRUE(WriteWispFile(path, m.contents).ok());
  auto file = WispFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const TensorView* view = (*file)->Find("extra.bf16");
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->dtype, DType::kBF16);
  EXPECT_EQ(view->byte_length, 6u);
  EXPECT_EQ(std::memcmp(view->data, bits, 6), 0);

  const float f32_sized[3] = {1, -2, 3};
  for (size_t bytes : {size_t{5}, sizeof(f32_sized)}) {
    m.contents.tensors.back().bytes =
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(f32_sized), bytes);
    absl::Status status = WriteWispFile(TempDir() + "/bad.wisp", m.contents);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bytes;
    EXPECT_NE(status.message().find("extra.bf16"), std::string::npos) << status;
  }
}

TEST(WispFileTest, WriterReportsAnUnwritableFolder) {
  testing::TinyModel m = MakeRandomLlama(TinyLlamaConfig(), 1);
  absl::Status status = WriteWispFile("/nonexistent/dir/x.wisp", m.contents);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent/dir"), std::string::npos);
}

TEST(WispFileTest, MissingFileIsNotFound) {
  auto file = WispFile::Open(TempDir() + "/does-not-exist.wisp");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
}

TEST(WispFileTest, ChecksumVerificationCanBeSkipped) {
  const std::string path = TempDir() + "/skip.wisp";
  testing::WriteRandomLlama(path, TinyLlamaConfig(), 3);
  auto bytes = testing::ReadFileToString(path);
  auto file = WispFile::Open(path);
  ASSERT_TRUE(file.ok());
  // Flip one byte inside a tensor: only the checksum can notice.
  const uint64_t at = (*file)->header().data_offset + 4;
  std::string corrupt = *bytes;
  corrupt[at] ^= 0x10;
  std::ofstream(path, std::ios::binary) << corrupt;
  EXPECT_EQ(WispFile::Open(path).status().code(), absl::StatusCode::kDataLoss);
  ReadOptions options;
  options.verify_checksums = false;
  EXPECT_TRUE(WispFile::Open(path, options).ok());
}

}  // namespace
}  // namespace wisp
