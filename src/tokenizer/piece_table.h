// A tokenizer's vocabulary in three flat arrays: every piece's bytes in one
// buffer, their offsets, and an open-addressing index from bytes to id.
// Building it for GPT-2's 50257 pieces touches about 1 MB, against several
// MB of separate strings and string-keyed hash slots; on a fresh process
// every new page costs a fault and every random probe a cache miss, which
// were most of what building GPT-2's tokenizer cost.
#ifndef WISP_TOKENIZER_PIECE_TABLE_H_
#define WISP_TOKENIZER_PIECE_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wisp {

class PieceTable {
 public:
  // The largest number of bytes all pieces may take together (each counts
  // one more byte for its terminating NUL); Tokenizer::ValidateCommon
  // rejects larger vocabularies before a table is built.
  static constexpr uint64_t kMaxTotalBytes = uint64_t{0xFFFFFFFF};

  // Copies `pieces` (id = index). Their total size, NULs included, must be
  // at most kMaxTotalBytes.
  explicit PieceTable(const std::vector<std::string>& pieces);

  int32_t size() const { return static_cast<int32_t>(offsets_.size()) - 1; }
  // The bytes of piece `id`, which must be in [0, size()).
  std::string_view Piece(int32_t id) const {
    return std::string_view(bytes_.data() + offsets_[id],
                            offsets_[id + 1] - offsets_[id] - 1);
  }
  // The same bytes followed by a NUL, for C string parsers.
  const char* CStr(int32_t id) const { return bytes_.data() + offsets_[id]; }
  // The lowest id whose piece is exactly `bytes`, or -1.
  int32_t Find(std::string_view bytes) const;
  // True when some piece occurs under more than one id.
  bool has_duplicates() const { return has_duplicates_; }
  // The lowest id with the same bytes as piece `id` (in range): `id` itself
  // unless the vocabulary repeats a piece.
  int32_t Canonical(int32_t id) const {
    return has_duplicates_ ? Find(Piece(id)) : id;
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  static uint64_t Hash(std::string_view bytes);
  // Adds `id` at the first free slot from `slot` on, unless its bytes are
  // already there under a lower id.
  void Insert(int32_t id, uint64_t slot);

  std::string bytes_;              // the pieces in id order, each NUL-ended
  std::vector<uint32_t> offsets_;  // piece i starts at offsets_[i]; size + 1
  // Ids by hash, linear probing, at most half full; kEmpty marks a free slot.
  std::vector<uint32_t> slots_;
  uint64_t mask_ = 0;
  bool has_duplicates_ = false;
};

}  // namespace wisp

#endif  // WISP_TOKENIZER_PIECE_TABLE_H_
