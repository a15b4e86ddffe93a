// PieceTable against a plain std::map from bytes to the lowest id: exact
// lookups on vocabularies with repeated, empty and NUL-containing pieces,
// large enough that probe chains wrap around the slot array.
#include "src/tokenizer/piece_table.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace wisp {
namespace {

std::map<std::string, int32_t> LowestIds(
    const std::vector<std::string>& pieces) {
  std::map<std::string, int32_t> ids;
  for (size_t id = 0; id < pieces.size(); ++id) {
    ids.emplace(pieces[id], static_cast<int32_t>(id));  // keeps the first
  }
  return ids;
}

TEST(PieceTableTest, KeepsBytesAndTerminatesThem) {
  const std::vector<std::string> pieces = {"a", std::string("\0b", 2), "",
                                           "hello world, a longer piece"};
  const PieceTable table(pieces);
  ASSERT_EQ(table.size(), 4);
  for (int32_t id = 0; id < 4; ++id) {
    EXPECT_EQ(table.Piece(id), pieces[id]) << id;
    EXPECT_EQ(table.CStr(id)[pieces[id].size()], '\0') << id;
    EXPECT_EQ(table.Find(pieces[id]), id) << id;
  }
  EXPECT_EQ(table.Find("b"), -1);
  EXPECT_EQ(table.Find(std::string("\0", 1)), -1);
  EXPECT_FALSE(table.has_duplicates());
  EXPECT_EQ(table.Canonical(3), 3);
}

TEST(PieceTableTest, RepeatedPiecesResolveToTheLowestId) {
  const PieceTable table({"x", "yy", "x", "z", "yy", "x"});
  EXPECT_TRUE(table.has_duplicates());
  EXPECT_EQ(table.Find("x"), 0);
  EXPECT_EQ(table.Find("yy"), 1);
  EXPECT_EQ(table.Canonical(5), 0);
  EXPECT_EQ(table.Canonical(4), 1);
  EXPECT_EQ(table.Canonical(3), 3);
}

TEST(PieceTableTest, RandomVocabulariesMatchAMap) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    // Short strings over a tiny alphabet repeat often; sizes from a handful
    // (fewer than the build's prefetch distance) to tens of thousands.
    const size_t n = round < 5 ? 1 + rng() % 20 : 1 + rng() % 40000;
    std::vector<std::string> pieces(n);
    for (std::string& piece : pieces) {
      const size_t length = rng() % 12;
      for (size_t i = 0; i < length; ++i) piece.push_back("ab\0c"[rng() % 4]);
    }
    const PieceTable table(pieces);
    const std::map<std::string, int32_t> expected = LowestIds(pieces);
    ASSERT_EQ(table.size(), static_cast<int32_t>(n));
    EXPECT_EQ(table.has_duplicates(), expected.size() < n);
    for (size_t id = 0; id < n; ++id) {
      ASSERT_EQ(table.Piece(static_cast<int32_t>(id)), pieces[id]);
      ASSERT_EQ(table.Canonical(static_cast<int32_t>(id)),
                expected.at(pieces[id]));
    }
    for (int probe = 0; probe < 2000; ++probe) {
      std::string bytes;
      const size_t length = rng() % 14;
      for (size_t i = 0; i < length; ++i) bytes.push_back("abc\0d"[rng() % 5]);
      const auto it = expected.find(bytes);
      ASSERT_EQ(table.Find(bytes), it == expected.end() ? -1 : it->second)
          << "round " << round;
    }
  }
}

}  // namespace
}  // namespace wisp
