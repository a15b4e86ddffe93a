#include "src/format/crc32c.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace wisp {
namespace {

TEST(Crc32cTest, MatchesPublishedCheckValues) {
  // RFC 3720 (iSCSI) test vectors and the standard "123456789" check value.
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  const std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(Crc32c("", 0), 0u);
}

TEST(Crc32cTest, ExtendingEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  for (size_t split : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    const uint32_t first = Crc32c(data.data(), split);
    EXPECT_EQ(Crc32c(data.data() + split, data.size() - split, first),
              Crc32c(data.data(), data.size()))
        << split;
  }
}

// The definition, one bit at a time: independent of both the byte table and
// the hardware path.
uint32_t BitwiseCrc32c(const uint8_t* p, size_t size) {
  uint32_t crc = ~0u;
  for (size_t i = 0; i < size; ++i) {
    crc ^= p[i];
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

TEST(Crc32cTest, PortableMatchesBitwiseDefinition) {
  const std::vector<uint8_t> bytes = RandomBytes(1000, 1);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    EXPECT_EQ(Crc32cPortable(bytes.data(), n), BitwiseCrc32c(bytes.data(), n))
        << n;
  }
}

// Every length 0..4096 at aligned and odd start addresses, where the fast
// path switches between its three-stream blocks, 8-byte words and bytes.
TEST(Crc32cTest, FastPathMatchesTableOnEveryShortLengthAndAlignment) {
  const std::vector<uint8_t> bytes = RandomBytes(4096 + 8, 2);
  for (size_t offset : {0, 1, 3, 7}) {
    for (size_t n = 0; n <= 4096; ++n) {
      ASSERT_EQ(Crc32c(bytes.data() + offset, n),
                Crc32cPortable(bytes.data() + offset, n))
          << "offset " << offset << " length " << n;
    }
  }
}

// Lengths around the 3 x 8 KiB block of the long streams, with a non-zero
// starting CRC, against the bit-at-a-time definition.
TEST(Crc32cTest, FastPathMatchesBitwiseOnLongBuffers) {
  const std::vector<uint8_t> bytes = RandomBytes(200000, 3);
  std::mt19937 rng(4);
  std::vector<size_t> lengths = {24575, 24576, 24577, 49152 + 768 + 9,
                                 bytes.size() - 5};
  for (int i = 0; i < 20; ++i) lengths.push_back(rng() % (bytes.size() - 5));
  for (size_t n : lengths) {
    const size_t offset = n % 5;
    EXPECT_EQ(Crc32c(bytes.data() + offset, n),
              BitwiseCrc32c(bytes.data() + offset, n))
        << n;
    const size_t half = n / 2;
    EXPECT_EQ(Crc32c(bytes.data() + offset + half, n - half,
                     Crc32c(bytes.data() + offset, half)),
              Crc32cPortable(bytes.data() + offset, n))
        << n;
  }
}

TEST(Crc32cTest, CombineEqualsCrcOfConcatenation) {
  const std::vector<uint8_t> bytes = RandomBytes(100000, 5);
  std::mt19937 rng(6);
  for (int i = 0; i < 200; ++i) {
    const size_t total = rng() % bytes.size();
    const size_t split = total == 0 ? 0 : rng() % (total + 1);
    const uint32_t a = Crc32cPortable(bytes.data(), split);
    const uint32_t b = Crc32cPortable(bytes.data() + split, total - split);
    ASSERT_EQ(Crc32cCombine(a, b, total - split),
              Crc32cPortable(bytes.data(), total))
        << "split " << split << " of " << total;
  }
  EXPECT_EQ(Crc32cCombine(0x12345678u, 0u, 0), 0x12345678u);
}

}  // namespace
}  // namespace wisp
