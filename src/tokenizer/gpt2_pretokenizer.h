// GPT-2's pre-tokenizer: the split that OpenAI's encoder makes with the
// regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// written out by hand, since std::regex has no \p{..} classes.
#ifndef WISP_TOKENIZER_GPT2_PRETOKENIZER_H_
#define WISP_TOKENIZER_GPT2_PRETOKENIZER_H_

#include <cstddef>
#include <string_view>

namespace wisp {

// The end (exclusive byte offset) of the word that starts at `begin`
// (< text.size()); words cover the text without gaps, so the next one starts
// where this one ends. The result is always greater than `begin`.
//
// Classes follow src/tokenizer/unicode_categories.h: \s is White_Space as
// the Python `regex` module has it (Python's GPT-2 encoder), so U+0085 is a
// space and U+FEFF is not; JavaScript ports differ on just these two.
// Bytes that are not part of well-formed UTF-8 count one at a time as
// "other" (neither letter, number nor space), the class of U+FFFD that a
// decoder would put there, so they group with punctuation.
size_t Gpt2WordEnd(std::string_view text, size_t begin);

}  // namespace wisp

#endif  // WISP_TOKENIZER_GPT2_PRETOKENIZER_H_
