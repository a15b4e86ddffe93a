// The tokenizer as stored in a weight file: the vocabulary and what a
// tokenizer implementation needs to rebuild itself. Kept separate from the
// algorithms so the file format does not depend on them.
#ifndef WISP_TOKENIZER_TOKENIZER_DATA_H_
#define WISP_TOKENIZER_TOKENIZER_DATA_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wisp {

enum class TokenizerKind : uint8_t {
  kNone = 0,
  // llama2.c / SentencePiece-style BPE: merges pick the highest-scoring pair,
  // byte-fallback pieces <0xNN>, a dummy-prefix space.
  kSentencePieceBpe = 1,
  // GPT-2 byte-level BPE (merges by rank); reserved for a later issue.
  kByteLevelBpe = 2,
};

struct TokenizerData {
  TokenizerKind kind = TokenizerKind::kNone;
  std::vector<std::string> pieces;  // raw bytes of each token, id = index
  std::vector<float> scores;        // one per piece (SentencePiece BPE)
  int32_t bos_id = -1;              // -1: none
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  uint32_t max_piece_length = 0;
  // Byte-level BPE merge rules, (left id, right id), lowest rank first.
  std::vector<std::pair<int32_t, int32_t>> merges;
  int32_t mask_id = -1;  // -1: none
  int32_t pad_id = -1;
};

}  // namespace wisp

#endif  // WISP_TOKENIZER_TOKENIZER_DATA_H_
