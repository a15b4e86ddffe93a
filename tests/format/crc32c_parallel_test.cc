#include "src/format/crc32c_parallel.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "src/format/crc32c.h"

namespace wisp {
namespace {

// Ranges that straddle the 4 MiB pieces (one byte short, exact, one over,
// several pieces) and empty ones, 20 MiB in all so that threads start.
TEST(Crc32cOfRangesTest, EqualsCrc32cOfEachRangeOnAnyThreadCount) {
  constexpr size_t kMiB = size_t{1} << 20;
  std::vector<uint8_t> bytes(20 * kMiB);
  std::mt19937 rng(7);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  const std::vector<size_t> sizes = {
      0, 4 * kMiB - 1, 4 * kMiB, 0, 4 * kMiB + 1, 7 * kMiB + 13, 5};
  std::vector<ByteRange> ranges;
  size_t offset = 0;
  for (size_t size : sizes) {
    ranges.push_back({bytes.data() + offset, size});
    offset += size;
  }
  ASSERT_LE(offset, bytes.size());
  for (int threads : {1, 2, 3}) {
    const std::vector<uint32_t> crcs = Crc32cOfRanges(ranges, threads);
    ASSERT_EQ(crcs.size(), ranges.size());
    for (size_t i = 0; i < ranges.size(); ++i) {
      EXPECT_EQ(crcs[i], Crc32c(ranges[i].data, ranges[i].size))
          << "range " << i << " on " << threads << " threads";
    }
  }
  EXPECT_TRUE(Crc32cOfRanges({}, 2).empty());
}

}  // namespace
}  // namespace wisp
