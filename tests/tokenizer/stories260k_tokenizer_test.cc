// The tokenizer on the real stories260K vocabulary against llama2.c's own
// output (reference/tokenizer_cases.json, reference/greedy.json) and against
// a port of run.c's encode on fuzzed input.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/import/llama2c_tokenizer.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/support/json.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"
#include "tests/tokenizer/run_c_encode.h"

namespace wisp {
namespace {

using ::testing::ElementsAre;
using ::wisp::testing::JsonValue;
using ::wisp::testing::SharedPath;

constexpr int32_t kVocabSize = 512;

class Stories260kTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      absl::StatusOr<TokenizerData> data = ReadLlama2cTokenizer(
          SharedPath("models/stories260K/tok512.bin"), kVocabSize);
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

  static std::vector<int32_t> Encode(const std::string& text, bool bos,
                                     bool eos = false) {
    std::vector<int32_t> ids;
    absl::Status s = tokenizer_->Encode(text, bos, eos, &ids);
    EXPECT_TRUE(s.ok()) << s;
    return ids;
  }

  static TokenizerData* data_;
  static Tokenizer* tokenizer_;
};

TokenizerData* Stories260kTokenizerTest::data_ = nullptr;
Tokenizer* Stories260kTokenizerTest::tokenizer_ = nullptr;

TEST_F(Stories260kTokenizerTest, OnceUponATime) {
  EXPECT_THAT(Encode("Once upon a time", true),
              ElementsAre(1, 403, 407, 261, 378));
  EXPECT_THAT(Encode("Once upon a time", true, true),
              ElementsAre(1, 403, 407, 261, 378, 2));
  EXPECT_THAT(Encode("Once upon a time", false),
              ElementsAre(403, 407, 261, 378));
}

TEST_F(Stories260kTokenizerTest, MatchesLlama2cOnReferenceCases) {
  absl::StatusOr<JsonValue> cases = testing::ReadJsonFile(
      SharedPath("models/stories260K/reference/tokenizer_cases.json"));
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->size(), 24u);
  for (const JsonValue& c : cases->items()) {
    const std::string& text = c["text"].AsString();
    absl::StatusOr<std::vector<int64_t>> want = c["ids"].AsIntVector();
    ASSERT_TRUE(want.ok()) << want.status();
    const std::vector<int32_t> got = Encode(text, true);
    EXPECT_EQ(std::vector<int64_t>(got.begin(), got.end()), *want)
        << "text: \"" << text << "\"";
    EXPECT_EQ(tokenizer_->Decode(got), text);
  }
}

TEST_F(Stories260kTokenizerTest, GreedyOutputPrintsAsRunCDoes) {
  absl::StatusOr<JsonValue> greedy = testing::ReadJsonFile(
      SharedPath("models/stories260K/reference/greedy.json"));
  ASSERT_TRUE(greedy.ok()) << greedy.status();
  absl::StatusOr<std::vector<int64_t>> ids = (*greedy)["all_ids"].AsIntVector();
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 105u);
  // run.c never prints the first token (BOS); each later one is decoded
  // with the token before it.
  std::string printed;
  for (size_t i = 1; i < ids->size(); ++i) {
    printed += tokenizer_->DecodeToken(static_cast<int32_t>((*ids)[i - 1]),
                                       static_cast<int32_t>((*ids)[i]));
  }
  EXPECT_EQ(printed, (*greedy)["text"].AsString());

  absl::StatusOr<std::vector<int64_t>> prompt =
      (*greedy)["prompt_ids"].AsIntVector();
  ASSERT_TRUE(prompt.ok());
  const std::vector<int32_t> encoded =
      Encode((*greedy)["prompt"].AsString(), true);
  EXPECT_EQ(std::vector<int64_t>(encoded.begin(), encoded.end()), *prompt);
}

TEST_F(Stories260kTokenizerTest, RoundTripsTextWithAndWithoutSpecials) {
  for (const std::string text :
       {"", " ", "  two", "x ", "Lily saw a big, red ball.\n\"Hi!\" she said.",
        "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x98\x80!", "tab\there"}) {
    for (bool bos : {false, true}) {
      for (bool eos : {false, true}) {
        EXPECT_EQ(tokenizer_->Decode(Encode(text, bos, eos)), text)
            << "bos " << bos << " eos " << eos << " text \"" << text << "\"";
      }
    }
  }
}

TEST_F(Stories260kTokenizerTest, LongTextMatchesRunCPort) {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    text +=
        "Once upon a time, there was a little girl named Lily. She loved to "
        "play outside in the park. One day, she saw a big, red ball.\n";
  }
  const std::vector<int32_t> ids = Encode(text, true, true);
  EXPECT_EQ(ids, testing::RunCEncode(*data_, text, true, true));
  EXPECT_EQ(tokenizer_->Decode(ids), text);
}

// Random strings from two alphabets: raw bytes (mostly invalid UTF-8), and
// fragments that form real merges mixed with broken sequences.
std::string RandomText(std::mt19937& rng) {
  static const std::vector<std::string>* const kFragments =
      new std::vector<std::string>{" ",
                                   "  ",
                                   "the",
                                   " t",
                                   "he",
                                   "a",
                                   "Lily",
                                   ".",
                                   ",",
                                   "\n",
                                   "\t",
                                   "\"",
                                   "\xC3\xA9",
                                   "\xE6\x97\xA5",
                                   "\xF0\x9F\x98\x80",
                                   "\x80",
                                   "\xC3",
                                   "\xE2\x82",
                                   "\xFF",
                                   "\xC0\xAF",
                                   std::string(1, '\0'),
                                   "<s>",
                                   "<0x41>",
                                   "1",
                                   "9",
                                   "ball",
                                   "ed",
                                   "ing",
                                   " and"};
  std::string text;
  const int length = std::uniform_int_distribution<int>(0, 40)(rng);
  const bool raw_bytes = rng() % 2 == 0;
  for (int i = 0; i < length; ++i) {
    if (raw_bytes) {
      text.push_back(static_cast<char>(rng()));
    } else {
      text += (*kFragments)[rng() % kFragments->size()];
    }
  }
  return text;
}

TEST_F(Stories260kTokenizerTest, FuzzMatchesRunCPortAndRoundTrips) {
  std::mt19937 rng(20240613);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const std::string text = RandomText(rng);
    const bool bos = iteration % 3 != 0;
    const bool eos = iteration % 5 == 0;
    const std::vector<int32_t> ids = Encode(text, bos, eos);
    for (int32_t id : ids) {
      ASSERT_GE(id, 0);
      ASSERT_LT(id, kVocabSize);
    }
    ASSERT_EQ(ids, testing::RunCEncode(*data_, text, bos, eos))
        << "iteration " << iteration;
    ASSERT_EQ(tokenizer_->Decode(ids), text) << "iteration " << iteration;
  }
}

}  // namespace
}  // namespace wisp
