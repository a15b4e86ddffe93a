// ByteLevelBpe on small hand-made vocabularies: what Create rejects, and the
// merge order on rule sets that real GPT-2 files never contain (merges that
// create pairs ranked below themselves, repeated pieces and pairs), checked
// against the literal port of encoder.py.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/tokenizer/reference_bpe.h"

namespace wisp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wisp::testing::ReferenceBpe;

// The 256 single bytes as ids 0..255, then `extra` pieces, then `merges`
// given as piece strings.
TokenizerData MakeData(
    const std::vector<std::string>& extra,
    const std::vector<std::pair<std::string, std::string>>& merges) {
  TokenizerData data;
  data.kind = TokenizerKind::kByteLevelBpe;
  for (int b = 0; b < 256; ++b)
    data.pieces.emplace_back(1, static_cast<char>(b));
  for (const std::string& piece : extra) data.pieces.push_back(piece);
  const auto id_of = [&](const std::string& piece) {
    for (size_t id = 0; id < data.pieces.size(); ++id) {
      if (data.pieces[id] == piece) return static_cast<int32_t>(id);
    }
    ADD_FAILURE() << "no piece " << piece;
    return int32_t{0};
  };
  for (const auto& [left, right] : merges) {
    data.merges.emplace_back(id_of(left), id_of(right));
  }
  return data;
}

std::string CreateError(const TokenizerData& data) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  if (t.ok()) return "created";
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(t.status().message());
}

std::vector<int32_t> Encode(const Tokenizer& t, const std::string& text) {
  std::vector<int32_t> ids;
  EXPECT_TRUE(t.Encode(text, false, false, &ids).ok());
  return ids;
}

TEST(ByteLevelBpeDataTest, CreatesFromMinimalData) {
  const TokenizerData data = MakeData({"ab"}, {{"a", "b"}});
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(Encode(**t, "abab"), ElementsAre(256, 256));
}

TEST(ByteLevelBpeDataTest, RejectsBadData) {
  TokenizerData data = MakeData({"ab"}, {{"a", "b"}});
  data.pieces[256] = "";
  EXPECT_THAT(CreateError(data), HasSubstr("piece 256 is empty"));

  data = MakeData({"ab"}, {{"a", "b"}});
  data.pieces['q'] = "qq";
  EXPECT_THAT(CreateError(data), HasSubstr("no piece for the byte 113"));

  data = MakeData({"ab"}, {{"a", "b"}});
  data.merges.emplace_back(3, 257);
  EXPECT_THAT(CreateError(data), HasSubstr("merge 1 (3, 257) is out of range"));
  data.merges.back() = {-1, 3};
  EXPECT_THAT(CreateError(data), HasSubstr("out of range"));

  data = MakeData({"ab"}, {{"a", "b"}, {"b", "a"}});
  EXPECT_THAT(CreateError(data), HasSubstr("not in the vocabulary"));

  data = MakeData({}, {});
  data.mask_id = 256;
  EXPECT_THAT(CreateError(data), HasSubstr("mask_id 256"));
  data.mask_id = -1;
  data.pad_id = -2;
  EXPECT_THAT(CreateError(data), HasSubstr("pad_id -2"));
  data.pad_id = -1;
  data.eos_id = 256;
  EXPECT_THAT(CreateError(data), HasSubstr("eos_id 256"));
}

TEST(ByteLevelBpeDataTest, AddEosWithoutEosIsAnError) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t =
      Tokenizer::Create(MakeData({}, {}));
  ASSERT_TRUE(t.ok());
  std::vector<int32_t> ids;
  EXPECT_EQ((*t)->Encode("x", false, true, &ids).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE((*t)->Encode("x", true, false, &ids).ok());
  EXPECT_THAT(ids, ElementsAre('x'));
}

TEST(ByteLevelBpeDataTest, BosIsAddedWhenThereIsOne) {
  TokenizerData data = MakeData({}, {});
  data.bos_id = 7;
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Decode({7, 'h', 'i'}), "hi");
  std::vector<int32_t> ids;
  ASSERT_TRUE((*t)->Encode("hi", true, false, &ids).ok());
  EXPECT_THAT(ids, ElementsAre(7, 'h', 'i'));
}

TEST(ByteLevelBpeDataTest, AllOccurrencesOfAPairMergeBeforeLowerRanksTheyMake) {
  // Rank 0 is (ab, a), a pair that only exists once rank 1 (a, b) merged.
  // encoder.py merges every (a, b) of "abab" before it looks again, and
  // then no (ab, a) is left; merging (ab, a) as soon as it appeared would
  // give "aba" "b".
  const TokenizerData data = MakeData({"ab", "aba"}, {{"ab", "a"}, {"a", "b"}});
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(Encode(**t, "abab"), ElementsAre(256, 256));
  EXPECT_EQ(Encode(**t, "abab"), ReferenceBpe(data).Encode("abab"));
  EXPECT_THAT(Encode(**t, "aba"), ElementsAre(257));
}

TEST(ByteLevelBpeDataTest, OverlappingPairsMergeLeftToRight) {
  const TokenizerData data = MakeData({"aa"}, {{"a", "a"}});
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(Encode(**t, "aaa"), ElementsAre(256, 'a'));
  EXPECT_THAT(Encode(**t, "aaaa"), ElementsAre(256, 256));
}

TEST(ByteLevelBpeDataTest, RepeatedPairTakesItsLastRankAndPiecesTheirLowestId) {
  // (b, c) at rank 0 and again at rank 2, after (a, b): "abc" -> "ab" "c".
  TokenizerData data =
      MakeData({"ab", "bc", "ab"}, {{"b", "c"}, {"a", "b"}, {"b", "c"}});
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(Encode(**t, "abc"), ElementsAre(256, 'c'));
  EXPECT_EQ(Encode(**t, "abc"), ReferenceBpe(data).Encode("abc"));
  // A merge naming the second copy of "ab" acts as if it named the first.
  data.merges = {{258, 'c'}};
  data.pieces.push_back("abc");
  t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(Encode(**t, "abc"), ElementsAre('a', 'b', 'c'));
  data.merges = {{'a', 'b'}, {258, 'c'}};
  t = Tokenizer::Create(data);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(Encode(**t, "abc"), ElementsAre(259));
}

TEST(ByteLevelBpeDataTest, RandomRuleSetsMatchTheReference) {
  std::mt19937 rng(7);
  for (int round = 0; round < 60; ++round) {
    // Rules over a, b, c built bottom-up, then listed in a random order, so
    // ranks often disagree with the order pieces were made in.
    std::vector<std::string> made = {"a", "b", "c"};
    std::vector<std::pair<std::string, std::string>> merges;
    std::vector<std::string> extra;
    absl::flat_hash_map<std::string, bool> have = {
        {"a", true}, {"b", true}, {"c", true}};
    for (int i = 0; i < 25; ++i) {
      const std::string& left = made[rng() % made.size()];
      const std::string& right = made[rng() % made.size()];
      const std::string piece = left + right;
      merges.emplace_back(left, right);
      if (!have[piece]) {
        have[piece] = true;
        extra.push_back(piece);
        made.push_back(piece);
      }
    }
    std::shuffle(merges.begin(), merges.end(), rng);
    const TokenizerData data = MakeData(extra, merges);
    absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(data);
    ASSERT_TRUE(t.ok()) << t.status();
    const ReferenceBpe reference(data);
    for (int k = 0; k < 50; ++k) {
      std::string text;
      const size_t n = rng() % 24;
      for (size_t j = 0; j < n; ++j) text += "abc "[rng() % 4];
      ASSERT_EQ(Encode(**t, text), reference.Encode(text)) << text;
      ASSERT_EQ((*t)->Decode(Encode(**t, text)), text);
    }
  }
}

}  // namespace
}  // namespace wisp
