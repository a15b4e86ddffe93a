// The character classes of GPT-2's pre-tokenizer regex: \p{L} (General
// Category L*), \p{N} (N*) and \s (the White_Space property, as the Python
// `regex` module matches it). The table is generated from Python's
// unicodedata by scripts/gen_unicode_tables.py; code points assigned after
// kUnicodeVersion are kOther.
#ifndef WISP_TOKENIZER_UNICODE_CATEGORIES_H_
#define WISP_TOKENIZER_UNICODE_CATEGORIES_H_

#include <cstdint>

namespace wisp::unicode {

enum class CharClass : uint8_t { kOther, kLetter, kNumber, kSpace };

extern const char kUnicodeVersion[];

// Any value, including surrogates and values above U+10FFFF (kOther).
CharClass Classify(char32_t code_point);

}  // namespace wisp::unicode

#endif  // WISP_TOKENIZER_UNICODE_CATEGORIES_H_
