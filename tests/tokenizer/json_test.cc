#include "tests/support/json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_paths.h"

namespace wisp::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(JsonTest, ParsesEveryKindOfValue) {
  absl::StatusOr<JsonValue> v = ParseJson(
      R"( {"a": [1, -2.5e1, 0, 1E2], "b": true, "c": false, "d": null,
           "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "o": {}} )");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->is_object());
  EXPECT_EQ(v->size(), 6u);
  EXPECT_EQ(v->members()[0].first, "a");  // file order kept
  EXPECT_EQ((*v)["a"].size(), 4u);
  EXPECT_EQ((*v)["a"][0].AsInt(), 1);
  EXPECT_EQ((*v)["a"][1].AsDouble(), -25.0);
  EXPECT_EQ((*v)["a"][3].AsInt(), 100);
  EXPECT_TRUE((*v)["b"].AsBool());
  EXPECT_TRUE((*v)["c"].is_bool());
  EXPECT_FALSE((*v)["c"].AsBool());
  EXPECT_TRUE((*v)["d"].is_null());
  EXPECT_EQ((*v)["s"].AsString(), "x\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_TRUE((*v)["o"].is_object());
  EXPECT_EQ((*v)["o"].size(), 0u);
}

TEST(JsonTest, MissingKeysAndIndicesGiveNull) {
  absl::StatusOr<JsonValue> v = ParseJson(R"({"a": [1]})");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->contains("b"));
  EXPECT_TRUE((*v)["b"]["c"][3].is_null());
  EXPECT_TRUE((*v)["a"][1].is_null());
  EXPECT_TRUE((*v)["a"][-1].is_null());
  EXPECT_EQ((*v)["a"][0u].AsInt(), 1);
  EXPECT_EQ((*v)["a"].AsString(), "");
  EXPECT_EQ((*v)["a"].AsInt(), 0);
}

TEST(JsonTest, IntegersAreExactBeyondDoublePrecision) {
  absl::StatusOr<JsonValue> v =
      ParseJson("[9007199254740993, -9223372036854775808, 2.0, 2.5]");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[0].AsInt(), 9007199254740993);
  EXPECT_EQ((*v)[1].AsInt(), INT64_MIN);
  EXPECT_EQ((*v)[2].AsInt(), 2);
  absl::StatusOr<std::vector<int64_t>> ints =
      ParseJson("[1, 2e0, -3]")->AsIntVector();
  ASSERT_TRUE(ints.ok());
  EXPECT_THAT(*ints, ElementsAre(1, 2, -3));
  EXPECT_FALSE(v->AsIntVector().ok());  // 2.5 is not an integer
  EXPECT_THAT(
      *v->AsDoubleVector(),
      ElementsAre(9007199254740992.0, -9223372036854775808.0, 2.0, 2.5));
}

TEST(JsonTest, RejectsWhatRfc8259Rejects) {
  for (const char* bad : {"",
                          " ",
                          "[1,]",
                          R"({"a":1,})",
                          "01",
                          "1.",
                          ".5",
                          "+1",
                          "1e",
                          "-",
                          "1e999",
                          "[1] x",
                          "\"a\tb\"",
                          "nul",
                          "tru",
                          "{\"a\" 1}",
                          "[",
                          "{",
                          "\"abc",
                          R"("\x")",
                          R"("\u12G4")",
                          R"("\ud800")",
                          R"("\ud800\u0041")",
                          R"("\udc00")",
                          "{1:2}",
                          "'a'",
                          "NaN",
                          "Infinity",
                          "[1 2]"}) {
    absl::StatusOr<JsonValue> v = ParseJson(bad);
    EXPECT_FALSE(v.ok()) << bad;
    if (!v.ok()) {
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(v.status().message()), HasSubstr("line 1"));
    }
  }
}

TEST(JsonTest, ErrorsNameLineAndColumn) {
  absl::StatusOr<JsonValue> v = ParseJson("{\n  \"a\": [1,\n  ]\n}");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("line 3, column 3"));
}

TEST(JsonTest, DeepNestingIsAnErrorNotAStackOverflow) {
  EXPECT_FALSE(ParseJson(std::string(100000, '[')).ok());
  std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
}

TEST(JsonTest, ReadsFiles) {
  absl::StatusOr<JsonValue> v = ReadJsonFile(
      SharedPath("models/stories260K/reference/tokenizer_cases.json"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->is_array());
  EXPECT_EQ((*v)[1]["text"].AsString(), "Once upon a time");

  v = ReadJsonFile("/nonexistent/x.json");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace wisp::testing
