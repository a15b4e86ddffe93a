// Decoding UTF-8 that may be malformed, one character at a time.
#ifndef WISP_TOKENIZER_UTF8_H_
#define WISP_TOKENIZER_UTF8_H_

#include <cstddef>
#include <string>
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

// `text` cut to at most max_bytes for an error message, at a character
// boundary, with " ... (N more bytes)" where it was cut: messages quote
// their inputs (paths, separators), which may be megabytes, and the C APIs'
// last errors end up in their callers' logs.
constexpr size_t kMaxMessageBytes = 4096;
std::string ShortenForMessage(std::string text,
                              size_t max_bytes = kMaxMessageBytes);

}  // namespace wisp

#endif  // WISP_TOKENIZER_UTF8_H_
