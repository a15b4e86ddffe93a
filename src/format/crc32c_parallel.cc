#include "src/format/crc32c_parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "src/format/crc32c.h"

namespace wisp {
namespace {

// Large enough that joining CRCs costs nothing next to computing them, small
// enough that the last pieces even out the threads' shares.
constexpr size_t kPieceBytes = size_t{4} << 20;
constexpr size_t kMinBytesForThreads = size_t{8} << 20;

struct Piece {
  size_t range;
  size_t begin;
  size_t size;
  uint32_t crc;
};

}  // namespace

std::vector<uint32_t> Crc32cOfRanges(const std::vector<ByteRange>& ranges,
                                     int max_threads) {
  std::vector<Piece> pieces;
  size_t total = 0;
  for (size_t r = 0; r < ranges.size(); ++r) {
    total += ranges[r].size;
    for (size_t begin = 0; begin == 0 || begin < ranges[r].size;
         begin += kPieceBytes) {
      pieces.push_back(
          {r, begin, std::min(kPieceBytes, ranges[r].size - begin), 0});
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < pieces.size(); i = next++) {
      Piece& piece = pieces[i];
      const auto* bytes = static_cast<const uint8_t*>(ranges[piece.range].data);
      piece.crc = Crc32c(bytes + piece.begin, piece.size);
    }
  };
  int threads = total < kMinBytesForThreads ? 1 : max_threads;
  threads =
      std::max(1, std::min<int>(threads, static_cast<int>(pieces.size())));
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& helper : helpers) helper.join();

  std::vector<uint32_t> crcs(ranges.size(), 0);
  for (const Piece& piece : pieces) {
    crcs[piece.range] = piece.begin == 0 ? piece.crc
                                         : Crc32cCombine(crcs[piece.range],
                                                         piece.crc, piece.size);
  }
  return crcs;
}

}  // namespace wisp
