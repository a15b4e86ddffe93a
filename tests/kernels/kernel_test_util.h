// Shared pieces of the kernel tests: seeded random inputs and the fixture
// that runs each test once per Highway target compiled into wisp_kernels.
#ifndef WISP_TESTS_KERNELS_KERNEL_TEST_UTIL_H_
#define WISP_TESTS_KERNELS_KERNEL_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "hwy/tests/hwy_gtest.h"
#include "src/kernels/ops.h"

namespace wisp::testing {

// Sizes that are not multiples of any vector width, next to some that are.
inline const std::vector<size_t>& OddSizes() {
  static const std::vector<size_t> sizes = {1,   2,   3,   7,   15,  16, 17,
                                            31,  32,  33,  63,  64,  65, 100,
                                            127, 128, 129, 257, 1000};
  return sizes;
}

inline std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo = -1,
                                       float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// hwy::TestWithParamTarget restricts dynamic dispatch to the target under
// test, so the public kernels (dispatched inside wisp_kernels) run that
// target's code. The target list comes from this file's HWY_TARGETS, which
// matches the library's because wisp_kernels exports HWY_DISABLED_TARGETS.
class KernelTest : public hwy::TestWithParamTarget {
 protected:
  void SetUp() override {
    hwy::TestWithParamTarget::SetUp();
    ASSERT_STREQ(kernels::ActiveTargetName(), hwy::TargetName(GetParam()));
  }
};

}  // namespace wisp::testing

// HWY_TARGET_INSTANTIATE_TEST_SUITE_P with fully qualified names: Highway's
// macro says `testing::`, which inside namespace wisp means wisp::testing.
#define WISP_INSTANTIATE_PER_TARGET(suite)                        \
  INSTANTIATE_TEST_SUITE_P(                                       \
      suite##Group, suite,                                        \
      ::testing::ValuesIn(::hwy::SupportedAndGeneratedTargets()), \
      ::hwy::TestParamTargetName)

#endif  // WISP_TESTS_KERNELS_KERNEL_TEST_UTIL_H_
