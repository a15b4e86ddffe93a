// Text <-> token ids. One interface for every tokenizer kind a weight file
// can carry, so sessions and trainers do not care which algorithm is behind.
#ifndef WISP_TOKENIZER_TOKENIZER_H_
#define WISP_TOKENIZER_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/tokenizer/piece_table.h"
#include "src/tokenizer/tokenizer_data.h"

namespace wisp {

// Immutable after Create, so one instance may be shared across threads.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Validates `data` (piece/score counts agree, special ids in range, kind
  // supported and its own invariants hold) and builds the lookup tables.
  // Bad data gives InvalidArgument naming what is wrong.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(
      const TokenizerData& data);

  // Replaces `*ids` with the encoding of `text` (any bytes: invalid UTF-8 is
  // encoded, never rejected). add_bos / add_eos fail with InvalidArgument
  // when the vocabulary has no such token.
  virtual absl::Status Encode(std::string_view text, bool add_bos, bool add_eos,
                              std::vector<int32_t>* ids) const = 0;

  // The bytes `token` stands for when it follows `prev_token` (pass -1 when
  // there is none); prev matters because a tokenizer may print the first
  // token after BOS differently. An id out of range gives "". Bytes of
  // multi-byte characters may be split across tokens: concatenate before
  // treating the result as UTF-8.
  virtual std::string DecodeToken(int32_t prev_token, int32_t token) const = 0;

  // The text of a whole sequence: DecodeToken(prev, id) for each id, where
  // the first id is treated as following BOS (prev = bos_id()) whether or not
  // the sequence starts with BOS, so a leading dummy-prefix space is dropped
  // either way. BOS and EOS ids give no text. For the SentencePiece BPE this
  // makes Decode(Encode(text, ...)) == text for any text whose tokens are not
  // themselves BOS/EOS or a <0xNN> piece formed by merging (neither happens
  // with the stories260K vocabulary).
  std::string Decode(const std::vector<int32_t>& ids) const;

  int32_t vocab_size() const { return pieces_.size(); }
  int32_t bos_id() const { return bos_id_; }  // -1: none
  int32_t eos_id() const { return eos_id_; }  // -1: none
  int32_t unk_id() const { return unk_id_; }  // -1: none
  // The raw piece as stored in the vocabulary ("" for an id out of range).
  std::string_view Piece(int32_t id) const;

 protected:
  // Checks what every kind shares; Create calls it before building.
  static absl::Status ValidateCommon(const TokenizerData& data);
  explicit Tokenizer(const TokenizerData& data);

  bool InRange(int32_t id) const { return id >= 0 && id < pieces_.size(); }
  const PieceTable& pieces() const { return pieces_; }

 private:
  PieceTable pieces_;
  int32_t bos_id_;
  int32_t eos_id_;
  int32_t unk_id_;
};

}  // namespace wisp

#endif  // WISP_TOKENIZER_TOKENIZER_H_
