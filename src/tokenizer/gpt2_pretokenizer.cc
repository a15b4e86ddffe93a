#include "src/tokenizer/gpt2_pretokenizer.h"

#include "src/tokenizer/unicode_categories.h"
#include "src/tokenizer/utf8.h"

namespace wisp {
namespace {

using unicode::CharClass;

struct Char {
  size_t length;  // bytes, at least 1
  CharClass char_class;
};

// Ill-formed bytes classify as U+FFFD, which is "other" (So).
Char CharAt(std::string_view text, size_t at) {
  const Utf8Char c = DecodeUtf8(text, at);
  return {c.length, unicode::Classify(c.code_point)};
}

// End of the run of characters of class `c` starting at `at`.
size_t RunEnd(std::string_view text, size_t at, CharClass c) {
  while (at < text.size()) {
    const Char next = CharAt(text, at);
    if (next.char_class != c) break;
    at += next.length;
  }
  return at;
}

// The contractions 's 't 're 've 'm 'll 'd (lower case only, as in GPT-2):
// their length at `at`, or 0.
size_t ContractionLength(std::string_view text, size_t at) {
  const std::string_view rest = text.substr(at);
  if (rest.size() < 2 || rest[0] != '\'') return 0;
  switch (rest[1]) {
    case 's':
    case 't':
    case 'm':
    case 'd':
      return 2;
    case 'r':
    case 'v':
      return rest.size() >= 3 && rest[2] == 'e' ? 3 : 0;
    case 'l':
      return rest.size() >= 3 && rest[2] == 'l' ? 3 : 0;
    default:
      return 0;
  }
}

}  // namespace

size_t Gpt2WordEnd(std::string_view text, size_t begin) {
  if (const size_t n = ContractionLength(text, begin); n > 0) {
    return begin + n;
  }
  const Char first = CharAt(text, begin);
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an ASCII space joins the
  // run that follows it, if that run is not of spaces.
  if (text[begin] == ' ' && begin + 1 < text.size()) {
    const Char second = CharAt(text, begin + 1);
    if (second.char_class != CharClass::kSpace) {
      return RunEnd(text, begin + 1, second.char_class);
    }
  }
  if (first.char_class != CharClass::kSpace) {
    return RunEnd(text, begin, first.char_class);
  }
  // `\s+(?!\S)`: a run of spaces that is followed by more text leaves its
  // last space to start the next word (as " " + letters, say). A run of one
  // such space falls through to `\s+` and is a word alone.
  size_t last_start = begin;
  size_t end = begin + first.length;
  while (end < text.size()) {
    const Char next = CharAt(text, end);
    if (next.char_class != CharClass::kSpace) {
      return last_start == begin ? end : last_start;
    }
    last_start = end;
    end += next.length;
  }
  return end;
}

}  // namespace wisp
