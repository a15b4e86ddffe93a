#include "src/tokenizer/tokenizer.h"

#include <cstddef>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/tokenizer/byte_level_bpe.h"
#include "src/tokenizer/sentencepiece_bpe.h"

namespace wisp {

Tokenizer::Tokenizer(const TokenizerData& data)
    : pieces_(data.pieces),
      bos_id_(data.bos_id),
      eos_id_(data.eos_id),
      unk_id_(data.unk_id) {}

absl::Status Tokenizer::ValidateCommon(const TokenizerData& data) {
  const size_t n = data.pieces.size();
  if (n == 0) return absl::InvalidArgumentError("tokenizer has no pieces");
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("tokenizer has ", n, " pieces, more than int32 ids hold"));
  }
  const std::pair<const char*, int32_t> specials[] = {{"bos_id", data.bos_id},
                                                      {"eos_id", data.eos_id},
                                                      {"unk_id", data.unk_id}};
  for (const auto& [name, id] : specials) {
    if (id < -1 || id >= static_cast<int32_t>(n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tokenizer ", name, " ", id,
                       " is out of range for a vocabulary of ", n, " pieces"));
    }
  }
  uint64_t total_bytes = 0;
  for (const std::string& piece : data.pieces) total_bytes += piece.size() + 1;
  if (total_bytes > PieceTable::kMaxTotalBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("tokenizer pieces take ", total_bytes,
                     " bytes, more than ", PieceTable::kMaxTotalBytes));
  }
  if (data.max_piece_length != 0) {
    for (size_t id = 0; id < n; ++id) {
      if (data.pieces[id].size() > data.max_piece_length) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tokenizer piece ", id, " has ", data.pieces[id].size(),
            " bytes, more than max_piece_length ", data.max_piece_length));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Create(
    const TokenizerData& data) {
  absl::Status common = ValidateCommon(data);
  if (!common.ok()) return common;
  switch (data.kind) {
    case TokenizerKind::kSentencePieceBpe:
      return SentencePieceBpe::Create(data);
    case TokenizerKind::kByteLevelBpe:
      return ByteLevelBpe::Create(data);
    case TokenizerKind::kNone:
      return absl::InvalidArgumentError("tokenizer kind is not set");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tokenizer kind ", static_cast<int>(data.kind)));
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids) const {
  std::string text;
  int32_t prev = bos_id_;
  for (int32_t id : ids) {
    if (id != bos_id_ && id != eos_id_) text += DecodeToken(prev, id);
    prev = id;
  }
  return text;
}

std::string_view Tokenizer::Piece(int32_t id) const {
  return InRange(id) ? pieces_.Piece(id) : std::string_view();
}

}  // namespace wisp
