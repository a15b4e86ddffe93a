#include "src/tokenizer/piece_table.h"

#include <cstring>

namespace wisp {

PieceTable::PieceTable(const std::vector<std::string>& pieces) {
  size_t total = 0;
  for (const std::string& piece : pieces) total += piece.size() + 1;
  bytes_.reserve(total);
  offsets_.reserve(pieces.size() + 1);
  for (const std::string& piece : pieces) {
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
    bytes_.append(piece.data(), piece.size());
    bytes_.push_back('\0');
  }
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));

  uint64_t capacity = 16;
  while (capacity < 2 * uint64_t{pieces.size()}) capacity *= 2;
  slots_.assign(capacity, kEmpty);
  mask_ = capacity - 1;
  // Slots are probed in random order, and the table is larger than L1:
  // hashing kAhead pieces ahead and prefetching their slots overlaps the
  // cache misses, which otherwise take most of the build.
  constexpr int32_t kAhead = 16;
  uint64_t ahead[kAhead];  // slot of piece j at j % kAhead
  const int32_t n = size();
  for (int32_t id = -kAhead; id < n; ++id) {
    if (id >= 0) Insert(id, ahead[id % kAhead]);
    const int32_t next = id + kAhead;
    if (next < n) {
      const uint64_t slot = Hash(Piece(next)) & mask_;
      ahead[next % kAhead] = slot;
      __builtin_prefetch(&slots_[slot], 1);
    }
  }
}

void PieceTable::Insert(int32_t id, uint64_t slot) {
  const std::string_view piece = Piece(id);
  for (uint64_t i = slot;; i = (i + 1) & mask_) {
    if (slots_[i] == kEmpty) {
      slots_[i] = static_cast<uint32_t>(id);
      return;
    }
    // A duplicate keeps the lowest id, which is already there.
    if (Piece(static_cast<int32_t>(slots_[i])) == piece) {
      has_duplicates_ = true;
      return;
    }
  }
}

int32_t PieceTable::Find(std::string_view bytes) const {
  for (uint64_t i = Hash(bytes) & mask_;; i = (i + 1) & mask_) {
    const uint32_t id = slots_[i];
    if (id == kEmpty) return -1;
    if (Piece(static_cast<int32_t>(id)) == bytes) {
      return static_cast<int32_t>(id);
    }
  }
}

uint64_t PieceTable::Hash(std::string_view bytes) {
  // Pieces are short, so 8 bytes at a time with a multiply-xorshift mix
  // (splitmix64's constants) is several times faster than a general string
  // hash and spreads ids well enough for linear probing.
  constexpr uint64_t kMul = 0xbf58476d1ce4e5b9u;
  uint64_t h = bytes.size() * 0x9e3779b97f4a7c15u;
  const char* p = bytes.data();
  size_t left = bytes.size();
  for (; left >= 8; p += 8, left -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * kMul;
    h ^= h >> 31;
  }
  if (left > 0) {
    uint64_t word = 0;
    std::memcpy(&word, p, left);
    h = (h ^ word) * kMul;
  }
  h ^= h >> 29;
  h *= 0x94d049bb133111ebu;
  return h ^ (h >> 32);
}

}  // namespace wisp
