#include "src/format/crc32c.h"

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/format/crc32c_internal.h"

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

#if defined(__x86_64__)
// Each x86 path run directly, whichever one Crc32c picks on this machine.
struct Crc32cPath {
  const char* name;
  bool (*supported)();
  uint32_t (*crc)(const void*, size_t, uint32_t);
};

void PrintTo(const Crc32cPath& path, std::ostream* os) { *os << path.name; }

class Crc32cPathTest : public ::testing::TestWithParam<Crc32cPath> {
 protected:
  void SetUp() override {
    if (!GetParam().supported())
      GTEST_SKIP() << "CPU lacks " << GetParam().name;
  }
  uint32_t Crc(const uint8_t* p, size_t n, uint32_t crc = 0) const {
    return GetParam().crc(p, n, crc);
  }
};

// Every length up to 2048 (the folding path starts at 256 bytes and works in
// 64-byte blocks) at a random start 0..63 bytes past a 64-byte boundary.
TEST_P(Crc32cPathTest, MatchesTableOnEveryLengthAtRandomAlignments) {
  const std::vector<uint8_t> bytes = RandomBytes(2048 + 64 + 64, 7);
  const uint8_t* base =
      bytes.data() + (64 - reinterpret_cast<uintptr_t>(bytes.data()) % 64);
  std::mt19937 rng(8);
  for (size_t n = 0; n <= 2048; ++n) {
    const uint8_t* p = base + rng() % 64;
    const uint32_t start = rng();
    const uint32_t expected = Crc32cPortable(p, n, start);
    ASSERT_EQ(Crc(p, n, start), expected)
        << "offset " << (p - base) << " length " << n;
    // A heap block of exactly n bytes, so that AddressSanitizer sees any
    // read past the end.
    const std::vector<uint8_t> exact(p, p + n);
    ASSERT_EQ(Crc(exact.data(), n, start), expected) << "length " << n;
  }
}

TEST_P(Crc32cPathTest, MatchesBitwiseDefinitionOnLargeBuffers) {
  const std::vector<uint8_t> bytes = RandomBytes((1 << 20) + 13 + 64, 9);
  for (size_t offset : {0, 5, 63}) {
    for (size_t n : {size_t{(1 << 20) + 13}, size_t{(1 << 20) - 64},
                     size_t{3 * 8192 * 2 + 255}}) {
      EXPECT_EQ(Crc(bytes.data() + offset, n),
                BitwiseCrc32c(bytes.data() + offset, n))
          << "offset " << offset << " length " << n;
    }
  }
}

// A CRC continued across pieces cut at random points equals the one-shot CRC:
// the starting state enters the folds correctly at any length.
TEST_P(Crc32cPathTest, ContinuingAcrossRandomSplitsEqualsOneShot) {
  const std::vector<uint8_t> bytes = RandomBytes(300000, 10);
  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t total = rng() % bytes.size();
    const size_t offset = rng() % (bytes.size() - total + 1);
    const uint8_t* p = bytes.data() + offset;
    uint32_t crc = 0;
    for (size_t done = 0; done < total;) {
      // Short and long pieces alike, so both paths meet a non-zero state.
      const size_t limit = trial % 2 == 0 ? 1000 : total;
      const size_t piece = std::min(total - done, 1 + rng() % limit);
      crc = Crc(p + done, piece, crc);
      done += piece;
    }
    ASSERT_EQ(crc, Crc32cPortable(p, total)) << "trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(
    X86, Crc32cPathTest,
    ::testing::Values(Crc32cPath{"Sse42", crc32c_internal::CpuHasSse42,
                                 crc32c_internal::Crc32cSse42},
                      Crc32cPath{"Folding", crc32c_internal::CpuHasFolding,
                                 crc32c_internal::Crc32cFolding}),
    [](const ::testing::TestParamInfo<Crc32cPath>& info) {
      return std::string(info.param.name);
    });
#endif

}  // namespace
}  // namespace wisp
