// The scalar bf16 conversions against values worked out by hand: exact
// widening, round-to-nearest-even at and around ties, and the special values.
#include "src/kernels/bf16.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "gtest/gtest.h"

namespace wisp::kernels {
namespace {

float FromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

TEST(Bf16Test, WideningIsExact) {
  EXPECT_EQ(Bf16ToF32(0x3f80), 1.0f);
  EXPECT_EQ(Bf16ToF32(0xc040), -3.0f);
  EXPECT_EQ(Bf16ToF32(0x0000), 0.0f);
  EXPECT_TRUE(std::signbit(Bf16ToF32(0x8000)));
  EXPECT_EQ(Bf16ToF32(0x7f80), std::numeric_limits<float>::infinity());
  EXPECT_EQ(Bf16ToF32(0x0001), FromBits(0x00010000));  // a subnormal
}

TEST(Bf16Test, RoundsToNearestEven) {
  // Exactly representable values keep their bits.
  EXPECT_EQ(F32ToBf16(1.0f), 0x3f80);
  EXPECT_EQ(F32ToBf16(-2.5f), 0xc020);
  // Below, at and above the half-way point between 0x3f80 and 0x3f81.
  EXPECT_EQ(F32ToBf16(FromBits(0x3f807fff)), 0x3f80);
  EXPECT_EQ(F32ToBf16(FromBits(0x3f808000)), 0x3f80);  // tie: to even
  EXPECT_EQ(F32ToBf16(FromBits(0x3f808001)), 0x3f81);
  EXPECT_EQ(F32ToBf16(FromBits(0x3f818000)), 0x3f82);  // tie: to even
  // A carry into the exponent.
  EXPECT_EQ(F32ToBf16(FromBits(0x3fffffff)), 0x4000);
  // Every float is within half a bf16 unit (2^-9 relative) of its rounding.
  for (float f : {0.1f, -3.14159f, 1e-30f, 6.5e4f, 123456.789f}) {
    const float back = Bf16ToF32(F32ToBf16(f));
    EXPECT_LE(std::fabs(back - f), std::ldexp(std::fabs(f), -9)) << f;
  }
}

TEST(Bf16Test, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(F32ToBf16(inf), 0x7f80);
  EXPECT_EQ(F32ToBf16(-inf), 0xff80);
  // The largest float rounds up to infinity, as in IEEE rounding.
  EXPECT_EQ(F32ToBf16(std::numeric_limits<float>::max()), 0x7f80);
  // A NaN whose payload lives only in the low bits stays a NaN.
  const uint16_t nan = F32ToBf16(FromBits(0x7f800001));
  EXPECT_TRUE(std::isnan(Bf16ToF32(nan)));
  EXPECT_TRUE(std::isnan(Bf16ToF32(F32ToBf16(-std::nanf("")))));
  EXPECT_TRUE(std::signbit(Bf16ToF32(F32ToBf16(-std::nanf("")))));
}

}  // namespace
}  // namespace wisp::kernels
