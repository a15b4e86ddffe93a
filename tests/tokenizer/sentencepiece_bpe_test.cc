// The SentencePiece BPE on small hand-made vocabularies, where each of
// run.c's rules can be seen on its own.
#include "src/tokenizer/sentencepiece_bpe.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/tokenizer/run_c_encode.h"

namespace wisp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// llama2.c's layout: <unk>, BOS, EOS, the 256 byte pieces, then `extra`.
TokenizerData MakeData(
    const std::vector<std::pair<std::string, float>>& extra) {
  TokenizerData data;
  data.kind = TokenizerKind::kSentencePieceBpe;
  data.pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    data.pieces.push_back(absl::StrFormat("<0x%02X>", b));
  }
  data.scores.assign(data.pieces.size(), 0.0f);
  for (const auto& [piece, score] : extra) {
    data.pieces.push_back(piece);
    data.scores.push_back(score);
  }
  data.unk_id = 0;
  data.bos_id = 1;
  data.eos_id = 2;
  return data;
}

constexpr int32_t kFirstExtra = 259;

std::unique_ptr<Tokenizer> MakeTokenizer(const TokenizerData& data) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

std::vector<int32_t> Encode(const Tokenizer& t, const std::string& text,
                            bool bos = false, bool eos = false) {
  std::vector<int32_t> ids = {12345};  // must be replaced, not appended to
  absl::Status s = t.Encode(text, bos, eos, &ids);
  EXPECT_TRUE(s.ok()) << s;
  return ids;
}

TEST(SentencePieceBpeTest, LeftmostPairWinsTies) {
  TokenizerData data =
      MakeData({{" ", -1}, {"a", -1}, {"b", -1}, {"ab", -5}, {"ba", -5}});
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  const int32_t sp = kFirstExtra, a = sp + 1, b = sp + 2, ab = sp + 3;
  EXPECT_THAT(Encode(*t, "aba"), ElementsAre(sp, ab, a));
  EXPECT_THAT(Encode(*t, "bab"), ElementsAre(sp, ab + 1, b));
  EXPECT_EQ(Encode(*t, "abababa", true, true),
            testing::RunCEncode(data, "abababa", true, true));
}

TEST(SentencePieceBpeTest, HighestScoreWinsOverPosition) {
  TokenizerData data = MakeData(
      {{" ", -1}, {"a", -1}, {"b", -1}, {"c", -1}, {"ab", -9}, {"bc", -2}});
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  const int32_t sp = kFirstExtra, a = sp + 1, bc = sp + 5;
  EXPECT_THAT(Encode(*t, "abc"), ElementsAre(sp, a, bc));
}

TEST(SentencePieceBpeTest, PairsAtOrBelowRunCThresholdNeverMerge) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  TokenizerData data = MakeData({{" ", -1},
                                 {"x", -1},
                                 {"y", -1},
                                 {"xy", -1e10f},
                                 {"yx", nan},
                                 {"xx", -9e9f}});
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  const int32_t sp = kFirstExtra, x = sp + 1, y = sp + 2, xx = sp + 5;
  EXPECT_THAT(Encode(*t, "xy"), ElementsAre(sp, x, y));
  EXPECT_THAT(Encode(*t, "yx"), ElementsAre(sp, y, x));
  EXPECT_THAT(Encode(*t, "xx"), ElementsAre(sp, xx));
}

TEST(SentencePieceBpeTest, BosTakesPartInMergesAsInRunC) {
  TokenizerData data = MakeData({{" ", -1}, {"\n<s>\n ", -1}, {"q", -1}});
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  EXPECT_THAT(Encode(*t, "q", true),
              ElementsAre(kFirstExtra + 1, kFirstExtra + 2));
  EXPECT_EQ(Encode(*t, "q", true), testing::RunCEncode(data, "q", true, false));
}

TEST(SentencePieceBpeTest, MergesChainIntoLongPieces) {
  TokenizerData data = MakeData({{" ", -1},
                                 {"h", -1},
                                 {"e", -1},
                                 {"l", -1},
                                 {"o", -1},
                                 {"he", -2},
                                 {"ll", -3},
                                 {"hell", -4},
                                 {"hello", -5},
                                 {" hello", -6}});
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  EXPECT_THAT(Encode(*t, "hello"), ElementsAre(kFirstExtra + 9));
  EXPECT_EQ(Encode(*t, "hellohello hell"),
            testing::RunCEncode(data, "hellohello hell", false, false));
}

TEST(SentencePieceBpeTest, CodepointsAreLookedUpWholeElseBytes) {
  TokenizerData data = MakeData({{" ", -1}, {"\xC3\xA9", -1}});  // é
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  const int32_t sp = kFirstExtra, e_acute = sp + 1;
  EXPECT_THAT(Encode(*t, "\xC3\xA9"), ElementsAre(sp, e_acute));
  // è is not a piece: its two bytes fall back to <0xC3> <0xA8>.
  EXPECT_THAT(Encode(*t, "\xC3\xA8"), ElementsAre(sp, 0xC3 + 3, 0xA8 + 3));
  // A stray continuation byte, a truncated sequence at the end, an overlong
  // encoding and a run of 5 continuation bytes (grouped 4 + 1).
  for (const std::string text :
       {"\x80", "a\xC3", "\xC0\xAF", "\xE2\x82", "\xF0\x9F\x98",
        "\x80\x80\x80\x80\x80", "\xC3\xA9\x80", "\xFF\xFE"}) {
    std::vector<int32_t> ids = Encode(*t, text);
    EXPECT_EQ(ids, testing::RunCEncode(data, text, false, false));
    EXPECT_EQ(t->Decode(ids), text);
  }
}

TEST(SentencePieceBpeTest, NulIsAnOrdinaryByte) {
  auto t = MakeTokenizer(MakeData({{" ", -1}, {"a", -1}}));
  ASSERT_NE(t, nullptr);
  const std::string text("a\0a", 3);
  EXPECT_THAT(Encode(*t, text),
              ElementsAre(kFirstExtra, kFirstExtra + 1, 3, kFirstExtra + 1));
  EXPECT_EQ(t->Decode(Encode(*t, text)), text);
}

TEST(SentencePieceBpeTest, DummyPrefixFallsBackToByteWithoutSpacePiece) {
  auto t = MakeTokenizer(MakeData({{"a", -1}}));
  ASSERT_NE(t, nullptr);
  EXPECT_THAT(Encode(*t, "a"), ElementsAre(' ' + 3, kFirstExtra));
  EXPECT_THAT(Encode(*t, ""), ElementsAre());
  EXPECT_THAT(Encode(*t, "", true, true), ElementsAre(1, 2));
}

TEST(SentencePieceBpeTest, DecodeTokenFollowsRunC) {
  auto t = MakeTokenizer(MakeData(
      {{" ", -1}, {" hi", -1}, {" <0x41>", -1}, {"<0x4", -1}, {"<0x", -1}}));
  ASSERT_NE(t, nullptr);
  const int32_t sp = kFirstExtra, hi = sp + 1;
  EXPECT_EQ(t->DecodeToken(-1, hi), " hi");
  EXPECT_EQ(t->DecodeToken(1, hi), "hi");  // after BOS the space goes
  EXPECT_EQ(t->DecodeToken(1, sp), "");
  EXPECT_EQ(t->DecodeToken(5, 'A' + 3), "A");
  EXPECT_EQ(t->DecodeToken(5, 3), std::string(1, '\0'));
  EXPECT_EQ(t->DecodeToken(5, 0xFF + 3), "\xFF");
  // run.c parses the piece after dropping the space, and its sscanf also
  // takes a short hex form.
  EXPECT_EQ(t->DecodeToken(1, sp + 2), "A");
  EXPECT_EQ(t->DecodeToken(5, sp + 2), " <0x41>");
  EXPECT_EQ(t->DecodeToken(5, sp + 3), "\x04");
  EXPECT_EQ(t->DecodeToken(5, sp + 4), "<0x");
  EXPECT_EQ(t->DecodeToken(1, -1), "");
  EXPECT_EQ(t->DecodeToken(1, t->vocab_size()), "");
  EXPECT_EQ(t->DecodeToken(1, std::numeric_limits<int32_t>::min()), "");
}

TEST(SentencePieceBpeTest, DecodeSkipsControlTokensAndDropsDummyPrefix) {
  auto t = MakeTokenizer(MakeData({{" ", -1}, {" hi", -1}}));
  ASSERT_NE(t, nullptr);
  const int32_t sp = kFirstExtra, hi = sp + 1;
  EXPECT_EQ(t->Decode({1, hi, hi, 2}), "hi hi");
  EXPECT_EQ(t->Decode({hi, hi}), "hi hi");
  EXPECT_EQ(t->Decode({sp, sp, hi}), "  hi");  // dummy, " ", " hi"
  EXPECT_EQ(t->Decode({}), "");
}

TEST(SentencePieceBpeTest, AccessorsReflectData) {
  auto t = MakeTokenizer(MakeData({{" ", -1}}));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->vocab_size(), 260);
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_EQ(t->eos_id(), 2);
  EXPECT_EQ(t->unk_id(), 0);
  EXPECT_EQ(t->Piece(1), "\n<s>\n");
  EXPECT_EQ(t->Piece(3 + 0xAB), "<0xAB>");
  EXPECT_EQ(t->Piece(-1), "");
  EXPECT_EQ(t->Piece(260), "");
}

TEST(SentencePieceBpeTest, EncodeRejectsMissingSpecialsAndNullOutput) {
  TokenizerData data = MakeData({{" ", -1}});
  data.bos_id = -1;
  data.eos_id = -1;
  auto t = MakeTokenizer(data);
  ASSERT_NE(t, nullptr);
  std::vector<int32_t> ids;
  EXPECT_EQ(t->Encode("a", true, false, &ids).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t->Encode("a", false, true, &ids).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t->Encode("a", false, false, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  // Without a BOS id nothing counts as "after BOS".
  EXPECT_EQ(t->DecodeToken(-1, kFirstExtra), " ");
}

void ExpectInvalid(const TokenizerData& data, const std::string& message) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(message));
}

TEST(TokenizerCreateTest, RejectsInconsistentData) {
  const TokenizerData good = MakeData({{" ", -1}});
  ASSERT_TRUE(Tokenizer::Create(good).ok());

  TokenizerData d = good;
  d.kind = TokenizerKind::kNone;
  ExpectInvalid(d, "kind is not set");
  d.kind = TokenizerKind::kByteLevelBpe;
  ExpectInvalid(d, "byte-level BPE tokenizer has no piece for the byte 0");
  d.kind = static_cast<TokenizerKind>(77);
  ExpectInvalid(d, "unknown tokenizer kind 77");

  d = good;
  d.scores.pop_back();
  ExpectInvalid(d, "260 pieces but 259 scores");
  d = good;
  d.pieces.clear();
  d.scores.clear();
  ExpectInvalid(d, "no pieces");
  d = good;
  d.pieces.resize(100);
  d.scores.resize(100);
  ExpectInvalid(d, "at least 259");
  d = good;
  d.pieces[3 + 0x41] = "A";
  ExpectInvalid(d, "piece 68 should be the byte piece <0x41>");
  d = good;
  d.bos_id = 260;
  ExpectInvalid(d, "bos_id 260 is out of range");
  d = good;
  d.eos_id = -2;
  ExpectInvalid(d, "eos_id -2");
  d = good;
  d.unk_id = 1000;
  ExpectInvalid(d, "unk_id 1000");
  d = good;
  d.max_piece_length = 5;
  ExpectInvalid(d, "more than max_piece_length 5");
  d.max_piece_length = 6;
  EXPECT_TRUE(Tokenizer::Create(d).ok());
}

}  // namespace
}  // namespace wisp
