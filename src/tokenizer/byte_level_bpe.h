// GPT-2's byte-level BPE (OpenAI's encoder.py): text is split into words by
// GPT-2's regex (gpt2_pretokenizer.h), each word's bytes start as one token
// each, and the adjacent pair with the lowest merge rank is merged, every
// occurrence left to right, until no adjacent pair has a rank.
#ifndef WISP_TOKENIZER_BYTE_LEVEL_BPE_H_
#define WISP_TOKENIZER_BYTE_LEVEL_BPE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/tokenizer/tokenizer.h"
#include "src/tokenizer/tokenizer_data.h"

namespace wisp {

// Pieces are raw bytes (not GPT-2's printable byte alphabet), so decoding is
// concatenation and any byte string round-trips: Decode(Encode(s)) == s.
// Where GPT-2's reference leaves things open:
//  - a piece that occurs twice stands for its lowest id;
//  - a merge pair listed twice takes its last rank (encoder.py builds a dict
//    from the list, so the last occurrence wins).
class ByteLevelBpe final : public Tokenizer {
 public:
  // Besides the common checks: no empty piece, every single byte is a piece,
  // merge ids are in range, the concatenation of each merge's two pieces is a
  // piece, and mask/pad ids are -1 or in range.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(
      const TokenizerData& data);

  // O(n log n) in the longest word. add_bos adds nothing when there is no
  // BOS id (GPT-2 has none; callers ask for BOS generically); add_eos
  // without an EOS id, a null `ids` and texts of 2 GiB or more are
  // InvalidArgument.
  absl::Status Encode(std::string_view text, bool add_bos, bool add_eos,
                      std::vector<int32_t>* ids) const override;
  // The piece's bytes; `prev_token` does not matter for this kind.
  std::string DecodeToken(int32_t prev_token, int32_t token) const override;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;  // id of the merged piece
  };
  class WordEncoder;

  explicit ByteLevelBpe(const TokenizerData& data);

  static uint64_t PairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  // The merge of (left, right), or null when the pair has no rank.
  const Merge* FindMerge(int32_t left, int32_t right) const;

  std::array<int32_t, 256> byte_id_;
  absl::flat_hash_map<uint64_t, Merge> merges_;
};

}  // namespace wisp

#endif  // WISP_TOKENIZER_BYTE_LEVEL_BPE_H_
