// The BPE with scores of llama2.c (run.c `encode` / `decode`), which follows
// SentencePiece's BPE: a dummy-prefix space, whole-codepoint lookup with
// byte fallback, then merges of the highest-scoring adjacent pair.
#ifndef WISP_TOKENIZER_SENTENCEPIECE_BPE_H_
#define WISP_TOKENIZER_SENTENCEPIECE_BPE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/tokenizer/tokenizer.h"
#include "src/tokenizer/tokenizer_data.h"

namespace wisp {

// Gives the same ids as run.c for every text run.c can take (it stops at the
// first NUL; here NUL is an ordinary byte, encoded as <0x00>), including its
// quirks:
//  - BOS takes part in the merges (run.c merges over the whole array);
//  - a codepoint is at most 4 bytes: a lead byte plus the continuation bytes
//    that follow (up to 3), or a run of up to 4 stray continuation bytes;
//    looked up whole, else each byte b becomes id b + 3;
//  - merges whose score is not above -1e10 (or NaN) never happen;
//  - among equal scores the leftmost pair merges first.
// Differences, all on input run.c mishandles: when " " is not a piece the
// dummy prefix falls back to <0x20> (run.c would emit -1); duplicate pieces
// resolve to the lowest id (run.c's bsearch picks any).
class SentencePieceBpe final : public Tokenizer {
 public:
  // Besides the common checks: one score per piece, and ids 3..258 must be
  // the byte pieces <0x00>..<0xFF>, since byte fallback maps byte b to b + 3.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(
      const TokenizerData& data);

  // O(n log n) in the text length; texts of 2 GiB or more are rejected
  // (InvalidArgument) because merge nodes are numbered with 32 bits.
  absl::Status Encode(std::string_view text, bool add_bos, bool add_eos,
                      std::vector<int32_t>* ids) const override;
  // run.c's decode: after BOS one leading space of the piece is dropped; a
  // piece that run.c's sscanf("<0x%02hhX>") accepts becomes that byte.
  std::string DecodeToken(int32_t prev_token, int32_t token) const override;

 private:
  static constexpr int32_t kFirstByteId = 3;
  static constexpr int kNoByte = -1;

  explicit SentencePieceBpe(const TokenizerData& data);

  // Id of `piece` in the vocabulary, or -1.
  int32_t Lookup(std::string_view piece) const;
  // Appends the ids of `text` before merging (dummy prefix not included).
  void AppendCodepointIds(std::string_view text,
                          std::vector<int32_t>* ids) const;
  // Merges `*ids` in place exactly as run.c's loop would.
  void Merge(std::vector<int32_t>* ids) const;

  std::vector<float> scores_;
  std::array<int32_t, 256> single_byte_id_;  // Lookup of each 1-byte string
  int32_t dummy_prefix_id_;
  size_t max_piece_length_;  // longest piece; longer pairs cannot match
  // Per id: the byte the piece decodes to, or kNoByte; and the same for the
  // piece with its leading space dropped (the after-BOS case).
  std::vector<int16_t> byte_value_;
  std::vector<int16_t> byte_value_after_bos_;
};

}  // namespace wisp

#endif  // WISP_TOKENIZER_SENTENCEPIECE_BPE_H_
