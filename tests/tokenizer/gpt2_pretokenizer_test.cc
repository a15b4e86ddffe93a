// GPT-2's pre-tokenizer split, its character classes and the UTF-8 decoder
// under it, each checked on cases where the regex's behaviour is known.
#include "src/tokenizer/gpt2_pretokenizer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/tokenizer/unicode_categories.h"
#include "src/tokenizer/utf8.h"

namespace wisp {
namespace {

using ::testing::ElementsAre;
using unicode::CharClass;
using unicode::Classify;

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> words;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = Gpt2WordEnd(text, begin);
    EXPECT_GT(end, begin);
    EXPECT_LE(end, text.size());
    if (end <= begin || end > text.size()) break;
    words.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return words;
}

TEST(UnicodeCategoriesTest, Letters) {
  for (char32_t cp : {U'A', U'z', U'é', U'ж', U'中', U'ß', U'ẞ', U'İ', U'ı',
                      U'ª', U'ʰ', U'の', U'ا', U'𝐀'}) {
    EXPECT_EQ(Classify(cp), CharClass::kLetter) << std::hex << cp;
  }
}

TEST(UnicodeCategoriesTest, Numbers) {
  for (char32_t cp : {U'0', U'9', U'٣', U'½', U'²', U'Ⅻ', U'①', U'𝟘'}) {
    EXPECT_EQ(Classify(cp), CharClass::kNumber) << std::hex << cp;
  }
}

TEST(UnicodeCategoriesTest, WhiteSpaceAsPythonRegexHasIt) {
  for (char32_t cp : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
                      0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}) {
    EXPECT_EQ(Classify(cp), CharClass::kSpace) << std::hex << cp;
  }
  // Zero-width space and the BOM are format characters, not White_Space;
  // 0x1C..0x1F are spaces to Python's str.isspace but not to the regex.
  for (char32_t cp : {0x200B, 0xFEFF, 0x1C, 0x1F, 0x180E}) {
    EXPECT_EQ(Classify(cp), CharClass::kOther) << std::hex << cp;
  }
}

TEST(UnicodeCategoriesTest, Other) {
  for (char32_t cp :
       {U'€', U'!', U'_', U'\'', U'😀', U'\u0301', U'\u200D', char32_t{0},
        char32_t{0x7F}, char32_t{0xD800}, char32_t{0xFFFD}, char32_t{0x10FFFF},
        char32_t{0x110000}, char32_t{0xFFFFFFFF}}) {
    EXPECT_EQ(Classify(cp), CharClass::kOther) << std::hex << cp;
  }
  EXPECT_STREQ(unicode::kUnicodeVersion, "14.0.0");
}

TEST(Utf8Test, DecodesWellFormedCharacters) {
  const std::string text = "a\u00e9\u4e2d\U0001F600";
  Utf8Char c = DecodeUtf8(text, 0);
  EXPECT_EQ(c.length, 1u);
  EXPECT_EQ(c.code_point, U'a');
  c = DecodeUtf8(text, 1);
  EXPECT_EQ(c.length, 2u);
  EXPECT_EQ(c.code_point, U'é');
  c = DecodeUtf8(text, 3);
  EXPECT_EQ(c.length, 3u);
  EXPECT_EQ(c.code_point, U'中');
  c = DecodeUtf8(text, 6);
  EXPECT_EQ(c.length, 4u);
  EXPECT_EQ(c.code_point, U'😀');
  EXPECT_TRUE(c.valid);
}

TEST(Utf8Test, IllFormedBytesAreSingleInvalidCharacters) {
  for (const std::string bad :
       {"\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
        "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",
        "\xE2\x82", "\xF0\x9F\x98", "\xC3"}) {
    const Utf8Char c = DecodeUtf8(bad, 0);
    EXPECT_FALSE(c.valid) << bad;
    EXPECT_EQ(c.length, 1u) << bad;
    EXPECT_EQ(c.code_point, 0xFFFDu);
  }
  // A truncated sequence does not swallow the character after it.
  const std::string text =
      "\xE2\x82"
      "A";
  EXPECT_EQ(DecodeUtf8(text, 1).length, 1u);
  EXPECT_EQ(DecodeUtf8(text, 2).code_point, U'A');
}

TEST(Gpt2PreTokenizerTest, WordsTakeOneLeadingSpace) {
  EXPECT_THAT(Split("Hello world, 123 times!!"),
              ElementsAre("Hello", " world", ",", " 123", " times", "!!"));
}

TEST(Gpt2PreTokenizerTest, ContractionsAreLowerCaseOnly) {
  EXPECT_THAT(Split("I'm they'll he'd HELLO'S 'sam"),
              ElementsAre("I", "'m", " they", "'ll", " he", "'d", " HELLO", "'",
                          "S", " '", "sam"));
  EXPECT_THAT(Split("'re've'x"), ElementsAre("'re", "'ve", "'", "x"));
}

TEST(Gpt2PreTokenizerTest, SpaceRunsLeaveTheirLastSpaceToTheNextWord) {
  EXPECT_THAT(Split("a    b"), ElementsAre("a", "   ", " b"));
  EXPECT_THAT(Split("a \n\nb"), ElementsAre("a", " \n", "\n", "b"));
  EXPECT_THAT(Split("a\tb"), ElementsAre("a", "\t", "b"));
  EXPECT_THAT(Split("  x  "), ElementsAre(" ", " x", "  "));
  EXPECT_THAT(Split("x\r\ny"), ElementsAre("x", "\r", "\n", "y"));
  EXPECT_THAT(Split(" "), ElementsAre(" "));
  EXPECT_THAT(Split("   "), ElementsAre("   "));
}

TEST(Gpt2PreTokenizerTest, OnlyAnAsciiSpaceJoinsTheNextWord) {
  // A no-break space is \s but not " ", so it stands alone before a letter.
  EXPECT_THAT(Split("\xC2\xA0nbsp"), ElementsAre("\xC2\xA0", "nbsp"));
  // A zero-width space is "other", so it leads a run of punctuation.
  EXPECT_THAT(Split(" \xE2\x80\x8B-zero"),
              ElementsAre(" \xE2\x80\x8B-", "zero"));
}

TEST(Gpt2PreTokenizerTest, ClassesSplitRuns) {
  EXPECT_THAT(Split("abc123def"), ElementsAre("abc", "123", "def"));
  EXPECT_THAT(Split("caf\xC3\xA9 \xC2\xBD\xD9\xA3"),
              ElementsAre("caf\xC3\xA9", " \xC2\xBD\xD9\xA3"));
}

TEST(Gpt2PreTokenizerTest, InvalidBytesGroupWithPunctuation) {
  EXPECT_THAT(Split("a\xFF\xFE!b \x80"),
              ElementsAre("a", "\xFF\xFE!", "b", " \x80"));
  // A lone lead byte before a letter does not take the letter with it.
  EXPECT_THAT(Split("\xC3"
                    "A"),
              ElementsAre("\xC3", "A"));
}

}  // namespace
}  // namespace wisp
