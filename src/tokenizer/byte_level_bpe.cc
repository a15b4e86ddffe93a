#include "src/tokenizer/byte_level_bpe.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/tokenizer/gpt2_pretokenizer.h"

namespace wisp {
namespace {

constexpr size_t kMaxTextBytes = size_t{1} << 31;

absl::Status CheckOptionalId(const char* name, int32_t id, size_t n) {
  if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) {
    return absl::InvalidArgumentError(
        absl::StrCat("byte-level BPE tokenizer ", name, " ", id,
                     " is out of range for ", n, " pieces"));
  }
  return absl::OkStatus();
}

}  // namespace

// Merges one word. Symbols form a linked list over the word's bytes, each
// named by the index of its first byte; a min-heap holds candidate pairs
// keyed by (rank, index), so equal ranks pop left to right. GPT-2 merges
// every occurrence of the lowest-rank pair before looking at any pair those
// merges create, so pairs created in a round wait in `pending_` until the
// round ends. Heap entries are never removed early: a popped entry counts
// only if the pair now at its index still has its rank. Buffers are reused
// across the words of one Encode call.
class ByteLevelBpe::WordEncoder {
 public:
  explicit WordEncoder(const ByteLevelBpe& bpe) : bpe_(bpe) {}

  void Append(std::string_view word, std::vector<int32_t>* ids) {
    if (word.size() == 1) {
      ids->push_back(bpe_.byte_id_[static_cast<uint8_t>(word[0])]);
      return;
    }
    const auto [it, inserted] = cache_.try_emplace(
        absl::string_view(word.data(), word.size()), CachedIds{0, 0});
    if (!inserted) {
      // Copies from earlier in `ids`; resize first, since copying from a
      // vector into itself with insert is not allowed.
      const size_t old_size = ids->size();
      ids->resize(old_size + it->second.count);
      std::copy_n(ids->data() + it->second.begin, it->second.count,
                  ids->data() + old_size);
      return;
    }
    const size_t begin = ids->size();
    Merge(word);
    for (uint32_t i = 0; i != kNone; i = symbols_[i].next) {
      ids->push_back(symbols_[i].id);
    }
    it->second = CachedIds{begin, ids->size() - begin};
  }

 private:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  struct Symbol {
    int32_t id;  // -1 once merged into the symbol on its left
    uint32_t prev;
    uint32_t next;
  };
  struct CachedIds {
    size_t begin;  // where in the output the word's ids were first written
    size_t count;
  };

  void Merge(std::string_view word) {
    const uint32_t n = static_cast<uint32_t>(word.size());
    symbols_.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      symbols_[i] = {bpe_.byte_id_[static_cast<uint8_t>(word[i])],
                     i > 0 ? i - 1 : kNone, i + 1 < n ? i + 1 : kNone};
    }
    heap_.clear();
    pending_.clear();
    for (uint32_t i = 0; i + 1 < n; ++i) pending_.push_back(i);
    FlushPending();
    while (!heap_.empty()) {
      const uint32_t rank = static_cast<uint32_t>(heap_.front() >> 32);
      while (!heap_.empty() && (heap_.front() >> 32) == rank) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        const uint32_t left = static_cast<uint32_t>(heap_.back());
        heap_.pop_back();
        const ByteLevelBpe::Merge* merge = MergeAt(left);
        if (merge == nullptr || static_cast<uint32_t>(merge->rank) != rank) {
          continue;
        }
        Symbol& symbol = symbols_[left];
        Symbol& right = symbols_[symbol.next];
        symbol.id = merge->result;
        symbol.next = right.next;
        right.id = -1;
        if (symbol.next != kNone) {
          symbols_[symbol.next].prev = left;
          pending_.push_back(left);
        }
        if (symbol.prev != kNone) pending_.push_back(symbol.prev);
      }
      FlushPending();
    }
  }

  // The merge of the pair that starts at symbol `left`, or null.
  const ByteLevelBpe::Merge* MergeAt(uint32_t left) const {
    const Symbol& symbol = symbols_[left];
    if (symbol.id < 0 || symbol.next == kNone) return nullptr;
    return bpe_.FindMerge(symbol.id, symbols_[symbol.next].id);
  }

  void FlushPending() {
    for (uint32_t left : pending_) {
      if (const ByteLevelBpe::Merge* merge = MergeAt(left)) {
        heap_.push_back((static_cast<uint64_t>(merge->rank) << 32) | left);
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
      }
    }
    pending_.clear();
  }

  const ByteLevelBpe& bpe_;
  std::vector<Symbol> symbols_;
  std::vector<uint64_t> heap_;
  std::vector<uint32_t> pending_;
  // Words repeat a lot in text; keys point into the text being encoded.
  absl::flat_hash_map<absl::string_view, CachedIds> cache_;
};

absl::StatusOr<std::unique_ptr<Tokenizer>> ByteLevelBpe::Create(
    const TokenizerData& data) {
  const std::vector<std::string>& pieces = data.pieces;
  const size_t n = pieces.size();
  for (size_t id = 0; id < n; ++id) {
    if (pieces[id].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("byte-level BPE tokenizer piece ", id, " is empty"));
    }
  }
  if (absl::Status s = CheckOptionalId("mask_id", data.mask_id, n); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckOptionalId("pad_id", data.pad_id, n); !s.ok()) {
    return s;
  }
  if (data.merges.size() >
      static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("byte-level BPE tokenizer has ", data.merges.size(),
                     " merges, more than int32 ranks hold"));
  }
  std::unique_ptr<ByteLevelBpe> bpe(new ByteLevelBpe(data));
  const PieceTable& table = bpe->pieces();
  for (int b = 0; b < 256; ++b) {
    const char byte = static_cast<char>(b);
    bpe->byte_id_[b] = table.Find(std::string_view(&byte, 1));
    if (bpe->byte_id_[b] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "byte-level BPE tokenizer has no piece for the byte ", b));
    }
  }
  bpe->merges_.reserve(data.merges.size());
  std::string merged;
  int32_t previous_result = -1;
  for (size_t rank = 0; rank < data.merges.size(); ++rank) {
    const auto [left, right] = data.merges[rank];
    if (left < 0 || right < 0 || static_cast<size_t>(left) >= n ||
        static_cast<size_t>(right) >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("byte-level BPE merge ", rank, " (", left, ", ", right,
                       ") is out of range for ", n, " pieces"));
    }
    const std::string_view left_piece = table.Piece(left);
    const std::string_view right_piece = table.Piece(right);
    merged.assign(left_piece.data(), left_piece.size())
        .append(right_piece.data(), right_piece.size());
    // GPT-2's vocabulary lists each merge's piece right after the previous
    // one's, so checking that id first skips a hash probe per merge; without
    // duplicate pieces any id holding these bytes is the only one.
    const int32_t guess = previous_result + 1;
    const int32_t result =
        !table.has_duplicates() && guess < table.size() &&
                table.Piece(guess) == std::string_view(merged)
            ? guess
            : table.Find(merged);
    previous_result = result;
    if (result < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("byte-level BPE merge ", rank, " (", left, ", ", right,
                       ") makes a piece that is not in the vocabulary"));
    }
    // Keyed by the pieces' canonical (lowest) ids, so duplicate pieces merge
    // alike; insert_or_assign lets a repeated pair take its last rank.
    bpe->merges_.insert_or_assign(
        PairKey(table.Canonical(left), table.Canonical(right)),
        Merge{static_cast<int32_t>(rank), result});
  }
  return std::unique_ptr<Tokenizer>(std::move(bpe));
}

ByteLevelBpe::ByteLevelBpe(const TokenizerData& data) : Tokenizer(data) {
  byte_id_.fill(-1);
}

const ByteLevelBpe::Merge* ByteLevelBpe::FindMerge(int32_t left,
                                                   int32_t right) const {
  auto it = merges_.find(PairKey(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

absl::Status ByteLevelBpe::Encode(std::string_view text, bool add_bos,
                                  bool add_eos,
                                  std::vector<int32_t>* ids) const {
  if (ids == nullptr) return absl::InvalidArgumentError("ids is null");
  ids->clear();
  if (text.size() >= kMaxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "text of ", text.size(), " bytes is too long to encode at once"));
  }
  if (add_eos && eos_id() < 0) {
    return absl::InvalidArgumentError(
        "cannot add EOS: the tokenizer has no EOS token");
  }
  if (add_bos && bos_id() >= 0) ids->push_back(bos_id());
  WordEncoder encoder(*this);
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = Gpt2WordEnd(text, begin);
    encoder.Append(text.substr(begin, end - begin), ids);
    begin = end;
  }
  if (add_eos) ids->push_back(eos_id());
  return absl::OkStatus();
}

std::string ByteLevelBpe::DecodeToken(int32_t prev_token, int32_t token) const {
  return std::string(Piece(token));
}

}  // namespace wisp
