// A line-by-line port of llama2.c run.c's `encode` (O(n^2) merges), kept as
// the oracle the real tokenizer is compared against. The one change: it
// takes a byte string, so NUL is an ordinary byte instead of the end.
#ifndef WISP_TESTS_TOKENIZER_RUN_C_ENCODE_H_
#define WISP_TESTS_TOKENIZER_RUN_C_ENCODE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "src/tokenizer/tokenizer_data.h"

namespace wisp::testing {

// Uses BOS 1 and EOS 2 as run.c does. Assumes " " is a piece.
std::vector<int32_t> RunCEncode(const TokenizerData& data,
                                const std::string& text, bool bos, bool eos);

}  // namespace wisp::testing

#endif  // WISP_TESTS_TOKENIZER_RUN_C_ENCODE_H_
