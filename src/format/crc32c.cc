#include "src/format/crc32c.h"

#include <array>
#include <cstring>

#include "src/format/crc32c_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace wisp {
namespace {

// Polynomials are reflected, as the CRC is: bit 31 holds x^0.
constexpr uint32_t kPolynomial = 0x82F63B78u;  // reflected Castagnoli
constexpr uint32_t kXPow0 = 1u << 31;

std::array<uint32_t, 256> MakeByteTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit)
      c = (c >> 1) ^ (kPolynomial & (0u - (c & 1u)));
    table[i] = c;
  }
  return table;
}

// a * b mod P in GF(2).
constexpr uint32_t MultiplyModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = kXPow0; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b >> 1) ^ (kPolynomial & (0u - (b & 1u)));
  }
  return product;
}

// x^n mod P, squaring x up through the bits of n.
constexpr uint32_t XPowModP(uint64_t n) {
  uint32_t power = kXPow0 >> 1;  // x^1
  uint32_t result = kXPow0;
  for (; n != 0; n >>= 1) {
    if (n & 1) result = MultiplyModP(power, result);
    power = MultiplyModP(power, power);
  }
  return result;
}

// x^(8 * bytes) mod P: appending `bytes` zero bytes multiplies a raw CRC
// state by this.
uint32_t XPow8NModP(uint64_t bytes) { return XPowModP(8 * bytes); }

uint32_t PortableRaw(const uint8_t* p, size_t size, uint32_t crc) {
  static const std::array<uint32_t, 256> table = MakeByteTable();
  for (size_t i = 0; i < size; ++i)
    crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// Multiplying a raw state by x^(8 * kBytes) mod P, one table per state byte:
// the shift that moves a stream's CRC past the streams that follow it.
template <size_t kBytes>
class ShiftOperator {
 public:
  ShiftOperator() {
    const uint32_t power = XPow8NModP(kBytes);
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b)
        tables_[k][b] = MultiplyModP(power, b << (8 * k));
    }
  }
  uint32_t Apply(uint32_t crc) const {
    return tables_[0][crc & 0xFF] ^ tables_[1][(crc >> 8) & 0xFF] ^
           tables_[2][(crc >> 16) & 0xFF] ^ tables_[3][crc >> 24];
  }

 private:
  uint32_t tables_[4][256];
};

__attribute__((target("sse4.2"))) inline uint64_t Crc8Bytes(uint64_t crc,
                                                            const uint8_t* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return __builtin_ia32_crc32di(crc, word);
}

// Runs three streams of kStride bytes each side by side while at least
// 3 * kStride bytes remain; the crc32 instruction has a latency of three
// cycles and a throughput of one, so three chains keep it busy.
template <size_t kStride>
__attribute__((target("sse4.2"))) uint32_t ThreeStreams(const uint8_t*& p,
                                                        size_t& size,
                                                        uint32_t crc) {
  static const ShiftOperator<kStride> shift;
  while (size >= 3 * kStride) {
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    for (size_t i = 0; i < kStride; i += 8) {
      c0 = Crc8Bytes(c0, p + i);
      c1 = Crc8Bytes(c1, p + kStride + i);
      c2 = Crc8Bytes(c2, p + 2 * kStride + i);
    }
    // Raw CRCs are linear: crc(A B) = crc(A) * x^(8|B|) ^ crc0(B).
    crc = shift.Apply(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    crc = shift.Apply(crc) ^ static_cast<uint32_t>(c2);
    p += 3 * kStride;
    size -= 3 * kStride;
  }
  return crc;
}

__attribute__((target("sse4.2"))) uint32_t HardwareRaw(const uint8_t* p,
                                                       size_t size,
                                                       uint32_t crc) {
  crc = ThreeStreams<8192>(p, size, crc);
  crc = ThreeStreams<256>(p, size, crc);
  uint64_t c = crc;
  for (; size >= 8; p += 8, size -= 8) c = Crc8Bytes(c, p);
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; size > 0; --size) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

// Folding (Intel, "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ"), in the reflected domain. A 128-bit lane of message, loaded
// little-endian, holds its first bit in bit 0: the highest power. A lane
// followed by n more message bits adds lane(x) * x^n to the message
// polynomial, and only that sum mod P matters; so a lane can be replaced by
// an equivalent one D bits further on and XORed into the data there.
// Split the lane into its low qword H (higher powers) and high qword L:
// lane * x^D = H * x^(64+D) + L * x^D. A carry-less product of two reflected
// qwords comes out one bit short (bit k of a 128-bit lane stands for
// x^(127-k), of the product for x^(126-k)), and a 32-bit reflected constant
// in the low half of a qword stands for itself times x^32. So multiplying H
// by the constant x^(D+31) mod P and L by x^(D-33) mod P yields a lane worth
// H * x^(64+D) + L * x^D, of degree at most 127: it fits the lane.
struct FoldConstants {
  uint64_t high_powers;  // for the low qword: x^(D+31) mod P
  uint64_t low_powers;   // for the high qword: x^(D-33) mod P
};
constexpr FoldConstants MakeFoldConstants(uint64_t distance_bits) {
  return {XPowModP(distance_bits + 31), XPowModP(distance_bits - 33)};
}
constexpr size_t kFoldBlock = 64;  // one 512-bit register: four lanes
constexpr FoldConstants kFoldOneBlock = MakeFoldConstants(8 * kFoldBlock);
constexpr FoldConstants kFoldFourBlocks = MakeFoldConstants(8 * 4 * kFoldBlock);

#define WISP_FOLD_TARGET __attribute__((target("sse4.2,avx512f,vpclmulqdq")))

WISP_FOLD_TARGET inline __m512i Broadcast(FoldConstants k) {
  // Not _mm512_broadcast_i32x4: GCC 12's reads an uninitialised register.
  const auto high = static_cast<long long>(k.high_powers);
  const auto low = static_cast<long long>(k.low_powers);
  return _mm512_set_epi64(low, high, low, high, low, high, low, high);
}

// Moves the four lanes of `acc` forward by the constants' distance and adds
// them to `data`, the block found there.
WISP_FOLD_TARGET inline __m512i Fold(__m512i acc, __m512i constants,
                                     __m512i data) {
  const __m512i high = _mm512_clmulepi64_epi128(acc, constants, 0x00);
  const __m512i low = _mm512_clmulepi64_epi128(acc, constants, 0x11);
  return _mm512_ternarylogic_epi64(high, low, data, 0x96);  // three-way XOR
}

WISP_FOLD_TARGET inline __m512i Load(const uint8_t* p) {
  return _mm512_loadu_si512(p);
}

// Folds whole 64-byte blocks of data[0, size >= 4 * kFoldBlock) into one
// block, leaving p and size at the tail of fewer than kFoldBlock bytes, and
// returns the raw CRC (state 0) of that block: the raw CRC, from `crc`, of
// the bytes consumed. Four independent registers per step hide the latency
// of the multiplications.
WISP_FOLD_TARGET uint32_t FoldBlocks(const uint8_t*& p, size_t& size,
                                     uint32_t crc) {
  const __m512i four_blocks = Broadcast(kFoldFourBlocks);
  const __m512i one_block = Broadcast(kFoldOneBlock);
  // The starting state adds to the first 32 message bits.
  __m512i a0 = _mm512_xor_si512(
      Load(p), _mm512_maskz_set1_epi32(1, static_cast<int>(crc)));
  __m512i a1 = Load(p + kFoldBlock);
  __m512i a2 = Load(p + 2 * kFoldBlock);
  __m512i a3 = Load(p + 3 * kFoldBlock);
  p += 4 * kFoldBlock;
  size -= 4 * kFoldBlock;
  for (; size >= 4 * kFoldBlock; p += 4 * kFoldBlock, size -= 4 * kFoldBlock) {
    a0 = Fold(a0, four_blocks, Load(p));
    a1 = Fold(a1, four_blocks, Load(p + kFoldBlock));
    a2 = Fold(a2, four_blocks, Load(p + 2 * kFoldBlock));
    a3 = Fold(a3, four_blocks, Load(p + 3 * kFoldBlock));
  }
  __m512i folded =
      Fold(Fold(Fold(a0, one_block, a1), one_block, a2), one_block, a3);
  for (; size >= kFoldBlock; p += kFoldBlock, size -= kFoldBlock)
    folded = Fold(folded, one_block, Load(p));
  alignas(64) uint8_t block[kFoldBlock];
  _mm512_store_si512(block, folded);
  uint64_t c = 0;
  for (size_t i = 0; i < kFoldBlock; i += 8) c = Crc8Bytes(c, block + i);
  return static_cast<uint32_t>(c);
}

// Below this the three-stream path is as quick as setting up the folds.
constexpr size_t kMinFoldBytes = 4 * kFoldBlock;
#endif

}  // namespace

#if defined(__x86_64__)
namespace crc32c_internal {

bool CpuHasSse42() { return __builtin_cpu_supports("sse4.2"); }

bool CpuHasFolding() {
  return CpuHasSse42() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("vpclmulqdq");
}

uint32_t Crc32cSse42(const void* data, size_t size, uint32_t crc) {
  return ~HardwareRaw(static_cast<const uint8_t*>(data), size, ~crc);
}

uint32_t Crc32cFolding(const void* data, size_t size, uint32_t crc) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint32_t raw = ~crc;
  if (size >= kMinFoldBytes) raw = FoldBlocks(p, size, raw);
  return ~HardwareRaw(p, size, raw);
}

}  // namespace crc32c_internal
#endif

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
#if defined(__x86_64__)
  static const bool has_folding = crc32c_internal::CpuHasFolding();
  static const bool has_sse42 = crc32c_internal::CpuHasSse42();
  if (has_folding) return crc32c_internal::Crc32cFolding(data, size, crc);
  if (has_sse42) return crc32c_internal::Crc32cSse42(data, size, crc);
#endif
  return ~PortableRaw(static_cast<const uint8_t*>(data), size, ~crc);
}

uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc) {
  return ~PortableRaw(static_cast<const uint8_t*>(data), size, ~crc);
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  // The pre- and post-inversions of A's and B's CRCs cancel in the sum.
  return MultiplyModP(XPow8NModP(length_b), crc_a) ^ crc_b;
}

}  // namespace wisp
