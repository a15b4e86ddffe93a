// Scalar bfloat16 conversions. A bf16 is the upper 16 bits of an IEEE float32;
// wisp keeps it as raw uint16_t bits (as .wisp files store it) so that no
// compiler bf16 type is needed. Header-only: the converter, the embedding
// lookup, the GEMV tail and the tests share these.
#ifndef WISP_KERNELS_BF16_H_
#define WISP_KERNELS_BF16_H_

#include <cstdint>
#include <cstring>

namespace wisp::kernels {

// Exact: every bf16 value is a float.
inline float Bf16ToF32(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, sizeof(f));
  return f;
}

// Rounds to the nearest bf16, ties to even (what PyTorch's .to(bfloat16)
// does). Infinities stay infinite, finite values too large round to
// infinity, and NaNs stay NaN (quietened, sign kept) rather than rounding
// into an infinity.
inline uint16_t F32ToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  }
  const uint32_t lsb = (bits >> 16) & 1u;
  return static_cast<uint16_t>((bits + 0x7fffu + lsb) >> 16);
}

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_BF16_H_
