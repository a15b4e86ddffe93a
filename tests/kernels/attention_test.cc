// AttentionQuery against the double-precision reference on every target, for
// odd head sizes, key counts and a KV row stride larger than one head (as in
// a cache holding all heads of a position in one row).
#include <cmath>
#include <cstddef>
#include <vector>

#include "gtest/gtest.h"
#include "src/kernels/ops.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::RandomFloats;

class AttentionTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(AttentionTest);

// Probabilities carry the softmax error (2e-6 relative) plus that of the
// scores' dot products (1e-6 * sqrt(head_dim) of their scale, times the
// score's magnitude through exp). Outputs are convex combinations of values
// in [-1, 1], so an absolute 1e-5 bounds both.
TEST_P(AttentionTest, MatchesReference) {
  for (size_t head_dim : {1, 3, 16, 17, 32, 63, 64, 65, 128}) {
    for (size_t n_keys : {1, 2, 7, 64, 65, 300}) {
      const size_t kv_stride = head_dim * 3 + 5;
      const std::vector<float> q = RandomFloats(head_dim, 30, -2, 2);
      const std::vector<float> keys = RandomFloats(n_keys * kv_stride, 31);
      const std::vector<float> values = RandomFloats(n_keys * kv_stride, 32);
      const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
      std::vector<double> want_probs(n_keys), want_out(head_dim);
      reference::AttentionQuery(q.data(), keys.data(), values.data(), n_keys,
                                head_dim, kv_stride, scale, want_probs.data(),
                                want_out.data());
      std::vector<float> scores(n_keys), out(head_dim);
      AttentionQuery(q.data(), keys.data(), values.data(), n_keys, head_dim,
                     kv_stride, scale, scores.data(), out.data());
      for (size_t j = 0; j < n_keys; ++j) {
        ASSERT_NEAR(scores[j], want_probs[j], 1e-5 * want_probs[j] + 1e-12)
            << "head_dim=" << head_dim << " n_keys=" << n_keys << " j=" << j;
      }
      for (size_t i = 0; i < head_dim; ++i) {
        ASSERT_NEAR(out[i], want_out[i], 1e-5)
            << "head_dim=" << head_dim << " n_keys=" << n_keys << " i=" << i;
      }
    }
  }
}

TEST_P(AttentionTest, NoKeysGivesZeros) {
  std::vector<float> q(5, 1.0f), out(5, 7.0f);
  AttentionQuery(q.data(), nullptr, nullptr, 0, 5, 5, 1.0f, nullptr,
                 out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace wisp::kernels
