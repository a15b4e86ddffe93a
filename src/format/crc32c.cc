#include "src/format/crc32c.h"

#include <array>
#include <cstring>

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
uint32_t MultiplyModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = kXPow0; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b >> 1) ^ (kPolynomial & (0u - (b & 1u)));
  }
  return product;
}

// x^(8 * bytes) mod P: appending `bytes` zero bytes multiplies a raw CRC
// state by this. Squares x^8 up through the bits of `bytes`.
uint32_t XPow8NModP(uint64_t bytes) {
  uint32_t power = kXPow0 >> 8;  // x^8
  uint32_t result = kXPow0;
  for (; bytes != 0; bytes >>= 1) {
    if (bytes & 1) result = MultiplyModP(power, result);
    power = MultiplyModP(power, power);
  }
  return result;
}

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
#endif

}  // namespace

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
#if defined(__x86_64__)
  static const bool has_sse42 = __builtin_cpu_supports("sse4.2");
  if (has_sse42) return ~HardwareRaw(p, size, ~crc);
#endif
  return ~PortableRaw(p, size, ~crc);
}

uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc) {
  return ~PortableRaw(static_cast<const uint8_t*>(data), size, ~crc);
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  // The pre- and post-inversions of A's and B's CRCs cancel in the sum.
  return MultiplyModP(XPow8NModP(length_b), crc_a) ^ crc_b;
}

}  // namespace wisp
