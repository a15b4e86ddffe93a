// GPT-2's byte-level BPE on the real GPT-2 vocabulary: the shared test
// vectors (made with gpt-3-encoder), a literal port of encoder.py's bpe() on
// fuzzed text, round trips of arbitrary bytes, and the .wisp format.
#include "src/tokenizer/byte_level_bpe.h"

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/format/wisp_file.h"
#include "src/import/gpt2_tokenizer.h"
#include "src/tokenizer/tokenizer.h"
#include "src/tokenizer/utf8.h"
#include "tests/support/json.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"
#include "tests/tokenizer/reference_bpe.h"

namespace wisp {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::wisp::testing::JsonValue;
using ::wisp::testing::ReferenceBpe;
using ::wisp::testing::SharedPath;

constexpr int32_t kEndOfText = 50256;

class Gpt2BpeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      absl::StatusOr<TokenizerData> data =
          ReadGpt2Tokenizer(SharedPath("models/gpt2-tokenizer/encoder.json"),
                            SharedPath("models/gpt2-tokenizer/vocab.bpe"));
      ASSERT_TRUE(data.ok()) << data.status();
      data_ = new TokenizerData(*std::move(data));
      absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(*data_);
      ASSERT_TRUE(t.ok()) << t.status();
      tokenizer_ = t->release();
    });
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete data_;
    tokenizer_ = nullptr;
    data_ = nullptr;
  }
  inline static ::wisp::testing::SuiteSetup setup_;
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(setup_.Check());
    ASSERT_NE(tokenizer_, nullptr);
  }

  static std::vector<int32_t> Encode(const std::string& text, bool bos = false,
                                     bool eos = false) {
    std::vector<int32_t> ids;
    absl::Status s = tokenizer_->Encode(text, bos, eos, &ids);
    EXPECT_TRUE(s.ok()) << s;
    return ids;
  }

  // Encodes, checks the ids are in range and decode to `text` again.
  static void ExpectRoundTrip(const std::string& text) {
    const std::vector<int32_t> ids = Encode(text);
    for (int32_t id : ids) {
      ASSERT_GE(id, 0);
      ASSERT_LT(id, tokenizer_->vocab_size());
    }
    ASSERT_EQ(tokenizer_->Decode(ids), text);
  }

  static const JsonValue& Vectors() {
    static const JsonValue* vectors = [] {
      absl::StatusOr<JsonValue> v = testing::ReadJsonFile(
          SharedPath("models/gpt2-tokenizer/test_vectors.json"));
      EXPECT_TRUE(v.ok()) << v.status();
      return new JsonValue(v.ok() ? *std::move(v) : JsonValue());
    }();
    return *vectors;
  }

  static TokenizerData* data_;
  static Tokenizer* tokenizer_;
};

TokenizerData* Gpt2BpeTest::data_ = nullptr;
Tokenizer* Gpt2BpeTest::tokenizer_ = nullptr;

TEST_F(Gpt2BpeTest, Specials) {
  EXPECT_EQ(tokenizer_->vocab_size(), 50257);
  EXPECT_EQ(tokenizer_->bos_id(), -1);
  EXPECT_EQ(tokenizer_->eos_id(), kEndOfText);
  EXPECT_EQ(tokenizer_->unk_id(), -1);
  EXPECT_EQ(tokenizer_->Piece(kEndOfText), "<|endoftext|>");
  EXPECT_EQ(tokenizer_->Piece(220), " ");
  EXPECT_EQ(tokenizer_->Piece(50257), "");
  EXPECT_EQ(tokenizer_->Piece(-1), "");
}

TEST_F(Gpt2BpeTest, ILoveNewYorkZoo) {
  EXPECT_THAT(Encode("I love New York Zoo"),
              ElementsAre(40, 1842, 968, 1971, 21980));
}

TEST_F(Gpt2BpeTest, TestVectors) {
  const JsonValue& cases = Vectors()["cases"];
  ASSERT_EQ(cases.size(), 35u);
  for (const JsonValue& c : cases.items()) {
    const std::string& text = c["text"].AsString();
    absl::StatusOr<std::vector<int64_t>> expected = c["ids"].AsIntVector();
    ASSERT_TRUE(expected.ok()) << expected.status();
    const std::vector<int32_t> ids = Encode(text);
    EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.end()), *expected)
        << "text: " << text;
    EXPECT_EQ(tokenizer_->Decode(ids), text);
  }
}

TEST_F(Gpt2BpeTest, EndOfTextInTheTextIsOrdinaryText) {
  const std::vector<int32_t> ids = Encode("<|endoftext|>");
  EXPECT_EQ(ids.size(), 7u);
  EXPECT_THAT(ids, ::testing::Not(::testing::Contains(kEndOfText)));
}

TEST_F(Gpt2BpeTest, BosIsNeverAddedAndEosOnlyOnRequest) {
  EXPECT_THAT(Encode("", /*bos=*/true), IsEmpty());
  EXPECT_THAT(Encode("a", /*bos=*/true, /*eos=*/true),
              ElementsAre(64, kEndOfText));
  EXPECT_THAT(Encode("", /*bos=*/false, /*eos=*/true), ElementsAre(kEndOfText));
  // Decode gives no text for EOS; DecodeToken gives its piece.
  EXPECT_EQ(tokenizer_->Decode({64, kEndOfText}), "a");
  EXPECT_EQ(tokenizer_->DecodeToken(-1, kEndOfText), "<|endoftext|>");
  EXPECT_EQ(tokenizer_->DecodeToken(64, 220), " ");
  EXPECT_EQ(tokenizer_->DecodeToken(-1, 50257), "");
}

TEST_F(Gpt2BpeTest, EncodeReplacesTheOutput) {
  std::vector<int32_t> ids = {1, 2, 3};
  ASSERT_TRUE(tokenizer_->Encode("a", false, false, &ids).ok());
  EXPECT_THAT(ids, ElementsAre(64));
  EXPECT_EQ(tokenizer_->Encode("a", false, false, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(Gpt2BpeTest, RepeatedWordsGiveTheSameIds) {
  // The second "hello" comes from the per-call word cache.
  EXPECT_THAT(Encode(" hello hello hello"), ElementsAre(23748, 23748, 23748));
}

TEST_F(Gpt2BpeTest, InvalidUtf8RoundTrips) {
  for (const std::string& text : std::vector<std::string>{
           "\xFF", "\x80\x80", "abc\xC3", "\xC3(", "\xED\xA0\x80 surrogate",
           "\xF4\x90\x80\x80", "x \xE2\x82 y", std::string("a\0b", 3),
           "\xC0\xAF\xE0\x80\xAF"}) {
    ExpectRoundTrip(text);
  }
  // Each stray byte is one byte token: it is "other", alone here.
  EXPECT_EQ(Encode("\xFF").size(), 1u);
  EXPECT_EQ(tokenizer_->Piece(Encode("\xFF")[0]), "\xFF");
}

TEST_F(Gpt2BpeTest, EveryByteAlone) {
  for (int b = 0; b < 256; ++b) {
    const std::string text(1, static_cast<char>(b));
    const std::vector<int32_t> ids = Encode(text);
    ASSERT_EQ(ids.size(), 1u) << b;
    EXPECT_EQ(tokenizer_->Piece(ids[0]), text);
  }
}

TEST_F(Gpt2BpeTest, LongWordsAreFastAndExact) {
  // One 64 KiB word: quadratic merging would take seconds here.
  const std::string word(1 << 16, 'a');
  const std::vector<int32_t> ids = Encode(word);
  EXPECT_EQ(tokenizer_->Decode(ids), word);
  const std::string pattern = "abcabcab";
  std::string mixed;
  while (mixed.size() < 300) mixed += pattern;
  EXPECT_EQ(Encode(mixed), ReferenceBpe(*data_).Encode(mixed));
}

TEST_F(Gpt2BpeTest, FuzzedBytesRoundTrip) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng() % 48, '\0');
    for (char& c : text) c = static_cast<char>(rng() & 0xFF);
    ExpectRoundTrip(text);
    if (HasFatalFailure()) return;
  }
}

TEST_F(Gpt2BpeTest, FuzzedMixesOfTestTextsMatchTheReference) {
  // The characters of all test texts, plus stray bytes and the pieces of
  // the regex's alternatives, strung together at random.
  std::set<std::string> alphabet = {
      "'",  "s",  "t",    "re",   "ll",   " ",        "\n",
      "\t", "\r", "\xFF", "\xC3", "\x80", "\xC2\x85", "\xEF\xBB\xBF"};
  for (const JsonValue& c : Vectors()["cases"].items()) {
    const std::string& text = c["text"].AsString();
    for (size_t at = 0; at < text.size();) {
      const size_t length = DecodeUtf8(text, at).length;
      alphabet.insert(text.substr(at, length));
      at += length;
    }
  }
  const std::vector<std::string> chars(alphabet.begin(), alphabet.end());
  const ReferenceBpe reference(*data_);
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    const size_t n = rng() % 40;
    for (size_t k = 0; k < n; ++k) text += chars[rng() % chars.size()];
    ASSERT_EQ(Encode(text), reference.Encode(text)) << text;
    ExpectRoundTrip(text);
    if (HasFatalFailure()) return;
  }
}

TEST_F(Gpt2BpeTest, RoundTripsThroughAWispFile) {
  FileContents contents;
  contents.has_config = false;
  contents.tokenizer = *data_;
  const std::string path = testing::TempDir() + "/gpt2_tokenizer.wisp";
  ASSERT_TRUE(WriteWispFile(path, contents).ok());
  absl::StatusOr<std::unique_ptr<WispFile>> file = WispFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->tokenizer().merges, data_->merges);
  absl::StatusOr<std::unique_ptr<Tokenizer>> loaded =
      Tokenizer::Create((*file)->tokenizer());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->eos_id(), kEndOfText);
  EXPECT_EQ((*loaded)->bos_id(), -1);
  for (const JsonValue& c : Vectors()["cases"].items()) {
    std::vector<int32_t> ids;
    ASSERT_TRUE(
        (*loaded)->Encode(c["text"].AsString(), false, false, &ids).ok());
    EXPECT_EQ(ids, Encode(c["text"].AsString()));
  }
}

}  // namespace
}  // namespace wisp
