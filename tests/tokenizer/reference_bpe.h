// A literal port of OpenAI encoder.py's bpe() (strings, a dict of ranks, a
// full scan for the lowest-rank pair each round) over wisp's pre-tokenizer:
// quadratic, but plainly GPT-2's algorithm, to check the fast one against.
#ifndef WISP_TESTS_TOKENIZER_REFERENCE_BPE_H_
#define WISP_TESTS_TOKENIZER_REFERENCE_BPE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/tokenizer/tokenizer_data.h"

namespace wisp::testing {

class ReferenceBpe {
 public:
  // Like encoder.py's dicts: a repeated piece keeps its first (lowest) id
  // here since ids are assigned in order, a repeated merge its last rank.
  explicit ReferenceBpe(const TokenizerData& data);

  void AppendWord(const std::string& word, std::vector<int32_t>* ids) const;
  std::vector<int32_t> Encode(const std::string& text) const;

 private:
  std::map<std::string, int32_t> ids_;
  std::map<std::pair<std::string, std::string>, size_t> ranks_;
};

}  // namespace wisp::testing

#endif  // WISP_TESTS_TOKENIZER_REFERENCE_BPE_H_
