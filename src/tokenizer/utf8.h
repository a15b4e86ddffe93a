// Decoding UTF-8 that may be malformed, one character at a time.
#ifndef WISP_TOKENIZER_UTF8_H_
#define WISP_TOKENIZER_UTF8_H_

#include <cstddef>
#include <string_view>

namespace wisp {

struct Utf8Char {
  size_t length;  // bytes, at least 1
  char32_t code_point;
  bool valid;  // false: the first byte alone, with code_point U+FFFD
};

// The character at `at` (< text.size()) by Unicode's table of well-formed
// UTF-8 (section 3.9, table 3-7): overlong forms, surrogates and values past
// U+10FFFF are not characters. An ill-formed sequence gives its first byte
// alone, so decoding moves on one byte and never skips good characters.
Utf8Char DecodeUtf8(std::string_view text, size_t at);

}  // namespace wisp

#endif  // WISP_TOKENIZER_UTF8_H_
