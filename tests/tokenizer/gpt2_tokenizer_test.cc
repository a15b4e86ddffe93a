// Reading GPT-2's encoder.json and vocab.bpe: the real files, small
// malformed ones, and truncations and garbage that must give errors.
#include "src/import/gpt2_tokenizer.h"

#include <cstdint>
#include <fstream>
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

std::string EncoderPath() {
  return SharedPath("models/gpt2-tokenizer/encoder.json");
}
std::string MergesPath() {
  return SharedPath("models/gpt2-tokenizer/vocab.bpe");
}

std::string ReadShared(const std::string& path) {
  absl::StatusOr<std::string> bytes = testing::ReadFileToString(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

// A few tokens in GPT-2's byte alphabet ("\u0120" and "\xC4\xA0" are "Ġ", a
// space): enough for the readers, which do not need all 256 bytes.
constexpr char kEncoder[] =
    R"({"a": 0, "b": 1, "\u0120": 2, "ab": 3, "\u0120ab": 4,)"
    "\n"
    R"( "<|endoftext|>": 5})";
constexpr char kMerges[] = "#version: 0.2\na b\n\xC4\xA0 ab\n";

// One bad input and what its error must be.
struct ErrorCase {
  std::string input;
  absl::StatusCode code;
  std::string message;
};

absl::Status ParseError(const std::string& encoder, const std::string& merges) {
  absl::StatusOr<TokenizerData> data =
      ParseGpt2Tokenizer(encoder, merges, "encoder.json", "vocab.bpe");
  return data.ok() ? absl::OkStatus() : data.status();
}

TEST(Gpt2TokenizerTest, ReadsTheGpt2Files) {
  absl::StatusOr<TokenizerData> data =
      ReadGpt2Tokenizer(EncoderPath(), MergesPath());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->kind, TokenizerKind::kByteLevelBpe);
  ASSERT_EQ(data->pieces.size(), 50257u);
  ASSERT_EQ(data->merges.size(), 50000u);
  EXPECT_EQ(data->eos_id, 50256);
  EXPECT_EQ(data->bos_id, -1);
  EXPECT_EQ(data->unk_id, -1);
  EXPECT_EQ(data->pieces[0], "!");
  EXPECT_EQ(data->pieces[220], " ");   // "Ġ"
  EXPECT_EQ(data->pieces[198], "\n");  // "Ċ"
  EXPECT_EQ(data->pieces[50256], "<|endoftext|>");
  // The first merge is "Ġ t": (" ", "t").
  EXPECT_EQ(data->merges[0], std::make_pair(220, 83));
  EXPECT_TRUE(data->scores.empty());
}

TEST(Gpt2TokenizerTest, ParsesASmallVocabulary) {
  absl::StatusOr<TokenizerData> data =
      ParseGpt2Tokenizer(kEncoder, kMerges, "e", "m");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->pieces, (std::vector<std::string>{"a", "b", " ", "ab", " ab",
                                                    "<|endoftext|>"}));
  EXPECT_EQ(data->merges,
            (std::vector<std::pair<int32_t, int32_t>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(data->eos_id, 5);
  // CRLF line ends and a missing final newline are fine.
  EXPECT_TRUE(ParseError(kEncoder, "#version: 0.2\r\na b\r\n\xC4\xA0 ab").ok());
}

TEST(Gpt2TokenizerTest, MissingFileIsNotFound) {
  const std::string missing = SharedPath("models/gpt2-tokenizer/nope.json");
  absl::StatusOr<TokenizerData> data = ReadGpt2Tokenizer(missing, MergesPath());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(data.status().message()), HasSubstr(missing));
  data = ReadGpt2Tokenizer(EncoderPath(), missing);
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(ReadGpt2Tokenizer(testing::TempDir(), MergesPath()).ok());
}

void ExpectError(const ErrorCase& c, const absl::Status& s) {
  EXPECT_EQ(s.code(), c.code) << c.input;
  EXPECT_THAT(std::string(s.message()), HasSubstr(c.message)) << c.input;
}

constexpr auto kDataLoss = absl::StatusCode::kDataLoss;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

TEST(Gpt2TokenizerTest, MalformedEncoderIsDataLossWithAPosition) {
  const ErrorCase cases[] = {
      {"", kDataLoss, "encoder.json:1:1: expected '{' (at end of file)"},
      {"[]", kDataLoss, "expected '{'"},
      {"{\"a\": 0,}", kDataLoss, "1:9: expected a string key"},
      {"{\"a\" 0}", kDataLoss, "expected ':'"},
      {"{\"a\": 0 \"b\": 1}", kDataLoss, "expected ',' or '}'"},
      {"{\"a\": -1}", kDataLoss, "non-negative integer"},
      {"{\"a\": 1.5}", kDataLoss, "not a fraction"},
      {"{\"a\": 1e3}", kDataLoss, "not a fraction"},
      {"{\"a\": 01}", kDataLoss, "leading zero"},
      {"{\"a\": \"0\"}", kDataLoss, "expected an integer"},
      {"{\"a\": 2147483648}", kDataLoss, "larger than 2^31-1"},
      {"{\"a\": 0}}", kDataLoss, "unexpected text after the object"},
      {"{\"a\": 0", kDataLoss, "expected ',' or '}' (at end of file)"},
      {"{\"a", kDataLoss, "unterminated string"},
      {"{\"a\tb\": 0}", kDataLoss, "control character"},
      {"{\"\\x\": 0}", kDataLoss, "invalid escape"},
      {"{\"\\u12\": 0}", kDataLoss, "four hex digits"},
      {"{\"\\udc00\": 0}", kDataLoss, "lone low surrogate"},
      {"{\"\\ud800x\": 0}", kDataLoss, "without a low surrogate"},
      {"{\"\xC3\": 0}", kDataLoss, "invalid UTF-8"},
      {"{\n\n  \"a\": x}", kDataLoss, "encoder.json:3:8: expected an integer"},
  };
  for (const ErrorCase& c : cases) ExpectError(c, ParseError(c.input, kMerges));
}

TEST(Gpt2TokenizerTest, InconsistentEncoderIsInvalidArgument) {
  const ErrorCase cases[] = {
      {"{}", kInvalid, "no tokens"},
      {"{\"a\": 0, \"b\": 2}", kInvalid, "id 2 is out of range"},
      {"{\"a\": 0, \"b\": 0}", kInvalid, "id 0 is used twice"},
      {"{\"a\": 0, \"a\": 1}", kInvalid, "token \"a\" appears twice"},
      {"{\"a\": 0, \" \": 1}", kInvalid, "outside GPT-2's byte alphabet"},
      {"{\"a\": 0, \"\\u0144\": 1}", kInvalid, "outside GPT-2's byte alphabet"},
      {"{\"a\": 0, \"\": 1}", kInvalid, "empty token"},
      {"{\"a\": 0,\n\"b\": 1,\n\"b\": 2}", kInvalid, "encoder.json:3: token"},
  };
  for (const ErrorCase& c : cases) {
    ExpectError(c, ParseError(c.input, "#version: 0.2\n"));
  }
}

TEST(Gpt2TokenizerTest, BadMergesNameTheLine) {
  const ErrorCase cases[] = {
      {"", kDataLoss, "vocab.bpe: empty file"},
      {"a b\n", kDataLoss, "vocab.bpe:1: expected a \"#version\" first line"},
      {"#version\na b\n\nb a\n", kDataLoss,
       "vocab.bpe:3: expected \"left right\""},
      {"#version\nab\n", kDataLoss, "vocab.bpe:2: expected \"left right\""},
      {"#version\na  b\n", kDataLoss, "expected \"left right\""},
      {"#version\n a\n", kDataLoss, "expected \"left right\""},
      {"#version\na \n", kDataLoss, "expected \"left right\""},
      {"#version\na b c\n", kDataLoss, "expected \"left right\""},
      {"#version\na b\na c\n", kInvalid, "vocab.bpe:3: \"c\" is not in the"},
      {"#version\nb a\n", kInvalid,
       "vocab.bpe:2: merging makes \"ba\", which is not in the vocabulary"},
      {"#version\na \xFF\n", kInvalid, "outside GPT-2's byte alphabet"},
  };
  for (const ErrorCase& c : cases)
    ExpectError(c, ParseError(kEncoder, c.input));
}

TEST(Gpt2TokenizerTest, TruncatedFilesAreErrorsNotCrashes) {
  // Every cut of the small files, and a few of the real ones (each parse of
  // those takes a while under the sanitizers).
  const std::string small_encoder = kEncoder;
  for (size_t cut = 0; cut < small_encoder.size(); ++cut) {
    EXPECT_FALSE(ParseError(small_encoder.substr(0, cut), kMerges).ok()) << cut;
  }
  const std::string small_merges = kMerges;
  for (size_t cut = 0; cut < small_merges.size(); ++cut) {
    // Cut between lines the file is only shorter; inside a token it names
    // one the vocabulary lacks, or is no "#version" header.
    (void)ParseError(kEncoder, small_merges.substr(0, cut));
  }
  EXPECT_FALSE(ParseError(kEncoder, "#version: 0.2\na b\n\xC4\xA0 a").ok());

  const std::string encoder = ReadShared(EncoderPath());
  const std::string merges = ReadShared(MergesPath());
  ASSERT_FALSE(encoder.empty());
  std::mt19937 rng(5);
  for (int i = 0; i < 4; ++i) {
    const size_t cut = rng() % encoder.size();
    EXPECT_FALSE(ParseError(encoder.substr(0, cut), merges).ok()) << cut;
  }
  for (int i = 0; i < 4; ++i) {
    const size_t cut = rng() % merges.size();
    absl::StatusOr<TokenizerData> data = ParseGpt2Tokenizer(
        encoder, merges.substr(0, cut), "encoder.json", "vocab.bpe");
    if (data.ok()) {
      EXPECT_TRUE(Tokenizer::Create(*data).ok()) << cut;
    }
  }
}

TEST(Gpt2TokenizerTest, GarbageIsAnErrorNotACrash) {
  std::mt19937 rng(11);
  const std::string small_encoder = kEncoder;
  for (int i = 0; i < 500; ++i) {
    std::string garbage(rng() % 64, '\0');
    for (char& c : garbage) c = static_cast<char>(rng() & 0xFF);
    EXPECT_FALSE(ParseError(garbage, kMerges).ok());
    // Flip one byte of a good file: an error or, rarely, other valid data.
    std::string flipped = small_encoder;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
    absl::StatusOr<TokenizerData> data =
        ParseGpt2Tokenizer(flipped, kMerges, "e", "m");
    if (data.ok()) {
      EXPECT_EQ(data->pieces.size(), 6u);
    }
    std::string merges = kMerges;
    merges[rng() % merges.size()] ^= static_cast<char>(1 + rng() % 255);
    (void)ParseGpt2Tokenizer(kEncoder, merges, "e", "m");
  }
}

}  // namespace
}  // namespace wisp
