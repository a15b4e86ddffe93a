#include "src/import/llama2c_tokenizer.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using ::testing::HasSubstr;
using ::wisp::testing::SharedPath;

constexpr int32_t kVocabSize = 512;

std::string Tok512Path() { return SharedPath("models/stories260K/tok512.bin"); }

std::string Tok512Bytes() {
  absl::StatusOr<std::string> bytes = testing::ReadFileToString(Tok512Path());
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

void PutInt32(std::string* bytes, size_t offset, int32_t value) {
  std::memcpy(bytes->data() + offset, &value, 4);
}

// Offset of token `id`'s score field in a llama2.c tokenizer file.
size_t TokenOffset(const std::string& bytes, int id) {
  size_t offset = 4;
  for (int i = 0; i < id; ++i) {
    int32_t length = 0;
    std::memcpy(&length, bytes.data() + offset + 4, 4);
    offset += 8 + static_cast<size_t>(length);
  }
  return offset;
}

TEST(Llama2cTokenizerTest, ReadsTok512) {
  absl::StatusOr<TokenizerData> data =
      ReadLlama2cTokenizer(Tok512Path(), kVocabSize);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->kind, TokenizerKind::kSentencePieceBpe);
  ASSERT_EQ(data->pieces.size(), 512u);
  ASSERT_EQ(data->scores.size(), 512u);
  EXPECT_EQ(data->max_piece_length, 7u);
  EXPECT_EQ(data->unk_id, 0);
  EXPECT_EQ(data->bos_id, 1);
  EXPECT_EQ(data->eos_id, 2);
  EXPECT_EQ(data->pieces[0], "<unk>");
  EXPECT_EQ(data->pieces[1], "\n<s>\n");
  EXPECT_EQ(data->pieces[2], "\n</s>\n");
  EXPECT_EQ(data->pieces[3], "<0x00>");
  EXPECT_EQ(data->pieces[258], "<0xFF>");
  EXPECT_EQ(data->pieces[259], " t");
  EXPECT_EQ(data->scores[260], -1.0f);
  EXPECT_EQ(data->pieces[410], " ");
  EXPECT_TRUE(Tokenizer::Create(*data).ok());
}

TEST(Llama2cTokenizerTest, MissingFileIsNotFound) {
  const std::string path = SharedPath("models/stories260K/no_such_file.bin");
  absl::StatusOr<TokenizerData> data = ReadLlama2cTokenizer(path, kVocabSize);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(data.status().message()), HasSubstr(path));
}

TEST(Llama2cTokenizerTest, DirectoryIsAnErrorNotACrash) {
  EXPECT_FALSE(ReadLlama2cTokenizer(testing::TempDir(), kVocabSize).ok());
}

TEST(Llama2cTokenizerTest, RejectsNonPositiveVocabSize) {
  const std::string bytes = Tok512Bytes();
  for (int32_t size : {0, -1, -512}) {
    absl::StatusOr<TokenizerData> data =
        ParseLlama2cTokenizer(bytes, size, "tok");
    ASSERT_FALSE(data.ok());
    EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Llama2cTokenizerTest, EveryTruncationIsDataLoss) {
  const std::string bytes = Tok512Bytes();
  ASSERT_EQ(bytes.size(), 6227u);
  for (size_t size = 0; size < bytes.size(); ++size) {
    absl::StatusOr<TokenizerData> data = ParseLlama2cTokenizer(
        std::string_view(bytes).substr(0, size), kVocabSize, "tok512.bin");
    ASSERT_FALSE(data.ok()) << "size " << size;
    ASSERT_EQ(data.status().code(), absl::StatusCode::kDataLoss)
        << data.status();
    ASSERT_THAT(std::string(data.status().message()),
                HasSubstr("tok512.bin: offset "));
  }
  EXPECT_TRUE(ParseLlama2cTokenizer(bytes, kVocabSize, "tok512.bin").ok());
}

TEST(Llama2cTokenizerTest, TruncationMessageSaysWhere) {
  const std::string bytes = Tok512Bytes();
  const size_t token_7 = TokenOffset(bytes, 7);
  absl::StatusOr<TokenizerData> data = ParseLlama2cTokenizer(
      std::string_view(bytes).substr(0, token_7 + 3), kVocabSize, "t.bin");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().message(), "t.bin: offset " +
                                         std::to_string(token_7) +
                                         ": truncated at token 7 of 512");
}

TEST(Llama2cTokenizerTest, RejectsBadLengths) {
  const std::string good = Tok512Bytes();
  const size_t token_5 = TokenOffset(good, 5);
  for (int32_t length : {-1, -2147483647 - 1, 8, 1000, 2147483647}) {
    std::string bytes = good;
    PutInt32(&bytes, token_5 + 4, length);
    absl::StatusOr<TokenizerData> data =
        ParseLlama2cTokenizer(bytes, kVocabSize, "tok");
    ASSERT_FALSE(data.ok()) << length;
    EXPECT_EQ(data.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(data.status().message()),
                HasSubstr("token 5 has length"));
  }
  // A length within max_token_length but past the end of the bytes.
  std::string bytes = good;
  const size_t last = TokenOffset(good, 511);
  bytes.resize(last + 8 + 2);
  PutInt32(&bytes, last + 4, 5);
  absl::StatusOr<TokenizerData> data =
      ParseLlama2cTokenizer(bytes, kVocabSize, "tok");
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("truncated in token 511: 5 bytes expected, 2 left"));

  bytes = good;
  PutInt32(&bytes, 0, -7);
  data = ParseLlama2cTokenizer(bytes, kVocabSize, "tok");
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("negative max_token_length -7"));
}

TEST(Llama2cTokenizerTest, AbsurdVocabSizeFailsWithoutHugeAllocation) {
  absl::StatusOr<TokenizerData> data =
      ParseLlama2cTokenizer(Tok512Bytes(), 2147483647, "tok");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kDataLoss);
}

TEST(Llama2cTokenizerTest, IgnoresTrailingBytesAsLlama2cDoes) {
  absl::StatusOr<TokenizerData> data =
      ParseLlama2cTokenizer(Tok512Bytes() + "garbage", kVocabSize, "tok");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->pieces.size(), 512u);
  data = ParseLlama2cTokenizer(Tok512Bytes(), 300, "tok");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->pieces.size(), 300u);
}

// Random corruption must end in an error or in data the tokenizer either
// rejects or can use safely.
TEST(Llama2cTokenizerTest, CorruptedFilesNeverCrash) {
  const std::string good = Tok512Bytes();
  std::mt19937 rng(7);
  for (int iteration = 0; iteration < 300; ++iteration) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    absl::StatusOr<TokenizerData> data =
        ParseLlama2cTokenizer(bytes, kVocabSize, "tok");
    if (!data.ok()) continue;
    absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(*data);
    if (!t.ok()) continue;
    std::vector<int32_t> ids;
    ASSERT_TRUE((*t)->Encode("Once upon a time, Lily.", true, true, &ids).ok());
    for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < kVocabSize);
    (*t)->Decode(ids);
  }
}

}  // namespace
}  // namespace wisp
