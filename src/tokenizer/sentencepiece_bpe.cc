#include "src/tokenizer/sentencepiece_bpe.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wisp {
namespace {

// run.c starts its search for the best pair at this score and only takes a
// pair that beats it, so pairs scoring at or below it never merge.
constexpr float kNoMergeScore = -1e10f;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// run.c's test for a byte piece. sscanf, not a stricter parser, because run.c
// also accepts forms like "<0x4" or "<0x41junk" and a compatible decoder
// must turn the same pieces into bytes.
int16_t ByteOfPiece(const char* piece) {
  unsigned char byte = 0;
  if (std::sscanf(piece, "<0x%02hhX>", &byte) == 1) return byte;
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> SentencePieceBpe::Create(
    const TokenizerData& data) {
  if (data.scores.size() != data.pieces.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SentencePiece BPE tokenizer has ", data.pieces.size(),
                     " pieces but ", data.scores.size(), " scores"));
  }
  constexpr size_t kMinPieces = kFirstByteId + 256;
  if (data.pieces.size() < kMinPieces) {
    return absl::InvalidArgumentError(
        absl::StrCat("SentencePiece BPE tokenizer has ", data.pieces.size(),
                     " pieces; byte fallback needs at least ", kMinPieces));
  }
  for (int b = 0; b < 256; ++b) {
    const std::string expected = absl::StrFormat("<0x%02X>", b);
    if (data.pieces[kFirstByteId + b] != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("SentencePiece BPE tokenizer piece ", kFirstByteId + b,
                       " should be the byte piece ", expected));
    }
  }
  return std::unique_ptr<Tokenizer>(new SentencePieceBpe(data));
}

SentencePieceBpe::SentencePieceBpe(const TokenizerData& data)
    : Tokenizer(data), scores_(data.scores), max_piece_length_(0) {
  const PieceTable& all = pieces();
  byte_value_.resize(all.size());
  byte_value_after_bos_.resize(all.size());
  for (int32_t id = 0; id < all.size(); ++id) {
    const std::string_view piece = all.Piece(id);
    max_piece_length_ = std::max(max_piece_length_, piece.size());
    byte_value_[id] = ByteOfPiece(all.CStr(id));
    byte_value_after_bos_[id] = !piece.empty() && piece[0] == ' '
                                    ? ByteOfPiece(all.CStr(id) + 1)
                                    : byte_value_[id];
  }
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    single_byte_id_[b] = Lookup(std::string_view(&c, 1));
  }
  dummy_prefix_id_ = Lookup(" ");
  if (dummy_prefix_id_ < 0) dummy_prefix_id_ = kFirstByteId + ' ';
}

int32_t SentencePieceBpe::Lookup(std::string_view piece) const {
  return pieces().Find(piece);
}

absl::Status SentencePieceBpe::Encode(std::string_view text, bool add_bos,
                                      bool add_eos,
                                      std::vector<int32_t>* ids) const {
  if (ids == nullptr) return absl::InvalidArgumentError("ids is null");
  if (add_bos && bos_id() < 0) {
    return absl::InvalidArgumentError("tokenizer has no BOS token");
  }
  if (add_eos && eos_id() < 0) {
    return absl::InvalidArgumentError("tokenizer has no EOS token");
  }
  // Merge numbers its nodes with 32 bits; text longer than this should be
  // encoded in pieces anyway.
  constexpr size_t kMaxTextBytes = size_t{1} << 31;
  if (text.size() >= kMaxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "text of ", text.size(), " bytes is too long to encode at once"));
  }
  ids->clear();
  ids->reserve(text.size() + 3);
  if (add_bos) ids->push_back(bos_id());
  if (!text.empty()) ids->push_back(dummy_prefix_id_);
  AppendCodepointIds(text, ids);
  Merge(ids);
  if (add_eos) ids->push_back(eos_id());
  return absl::OkStatus();
}

void SentencePieceBpe::AppendCodepointIds(std::string_view text,
                                          std::vector<int32_t>* ids) const {
  constexpr size_t kMaxCodepointBytes = 4;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i++;
    while (i < text.size() && IsContinuationByte(text[i]) &&
           i - start < kMaxCodepointBytes) {
      ++i;
    }
    const std::string_view codepoint = text.substr(start, i - start);
    const int32_t id =
        codepoint.size() == 1
            ? single_byte_id_[static_cast<unsigned char>(codepoint[0])]
            : Lookup(codepoint);
    if (id >= 0) {
      ids->push_back(id);
      continue;
    }
    for (char c : codepoint) {
      ids->push_back(kFirstByteId + static_cast<unsigned char>(c));
    }
  }
}

// run.c rescans all pairs after every merge (O(n^2)). This keeps the pairs in
// a max-heap over a linked list instead and skips stale entries when popped.
// Nodes never move, so "leftmost" is "smallest node index", and popping the
// best (score, -index) picks the same pair run.c's scan does.
void SentencePieceBpe::Merge(std::vector<int32_t>* ids) const {
  std::vector<int32_t>& token = *ids;
  // Encode bounds the text so that 32-bit node indices suffice; they halve
  // the heap's memory traffic, which dominates on long texts.
  const uint32_t n = static_cast<uint32_t>(token.size());
  if (n < 2) return;
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> prev(n), next(n);
  for (uint32_t i = 0; i < n; ++i) {
    prev[i] = i == 0 ? kNone : i - 1;
    next[i] = i + 1 == n ? kNone : i + 1;
  }
  // Bumped whenever a node's token changes, so entries built from its old
  // token can be told apart.
  std::vector<uint32_t> version(n, 0);

  struct Candidate {
    float score;
    int32_t merged_id;
    uint32_t left;
    uint32_t right;
    uint32_t left_version;
    uint32_t right_version;
  };
  const auto lower_priority = [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  };
  std::vector<Candidate> heap;
  heap.reserve(n);
  std::string joined;
  joined.reserve(2 * max_piece_length_);
  const PieceTable& all = pieces();
  // Appends the pair's candidate, if it is one; the caller restores the heap.
  const auto add_candidate = [&](uint32_t left, uint32_t right) {
    const std::string_view a = all.Piece(token[left]);
    const std::string_view b = all.Piece(token[right]);
    if (a.size() + b.size() > max_piece_length_) return false;
    joined.assign(a.data(), a.size()).append(b.data(), b.size());
    const int32_t id = Lookup(joined);
    if (id < 0 || !(scores_[id] > kNoMergeScore)) return false;
    heap.push_back(
        Candidate{scores_[id], id, left, right, version[left], version[right]});
    return true;
  };
  const auto push_candidate = [&](uint32_t left, uint32_t right) {
    if (add_candidate(left, right)) {
      std::push_heap(heap.begin(), heap.end(), lower_priority);
    }
  };

  for (uint32_t i = 0; i + 1 < n; ++i) add_candidate(i, i + 1);
  std::make_heap(heap.begin(), heap.end(), lower_priority);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lower_priority);
    const Candidate c = heap.back();
    heap.pop_back();
    if (next[c.left] != c.right || version[c.left] != c.left_version ||
        version[c.right] != c.right_version) {
      continue;
    }
    token[c.left] = c.merged_id;
    ++version[c.left];
    next[c.left] = next[c.right];
    if (next[c.right] != kNone) prev[next[c.right]] = c.left;
    next[c.right] = kNone;
    if (prev[c.left] != kNone) push_candidate(prev[c.left], c.left);
    if (next[c.left] != kNone) push_candidate(c.left, next[c.left]);
  }

  // Node 0 is never a right-hand side, so it still heads the list.
  uint32_t out = 0;
  for (uint32_t i = 0; i != kNone; i = next[i]) token[out++] = token[i];
  token.resize(out);
}

std::string SentencePieceBpe::DecodeToken(int32_t prev_token,
                                          int32_t token) const {
  if (!InRange(token)) return std::string();
  std::string_view piece = Piece(token);
  int16_t byte = byte_value_[token];
  // SentencePiece's decoder drops the dummy-prefix space after BOS.
  if (bos_id() >= 0 && prev_token == bos_id() && !piece.empty() &&
      piece[0] == ' ') {
    piece.remove_prefix(1);
    byte = byte_value_after_bos_[token];
  }
  if (byte != kNoByte) return std::string(1, static_cast<char>(byte));
  return std::string(piece);
}

}  // namespace wisp
