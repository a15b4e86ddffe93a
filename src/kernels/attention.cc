// Attention of one query head over a KV cache, the inner loop of decoding.
#include <stddef.h>

#include "src/kernels/ops.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/attention.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/vector_ops-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void AttentionQueryImpl(const float* q, const float* keys, const float* values,
                        size_t n_keys, size_t head_dim, size_t kv_stride,
                        float scale, float* scores, float* out) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  for (size_t j = 0; j < n_keys; ++j) {
    scores[j] = scale * DotVec(d, q, keys + j * kv_stride, head_dim);
  }
  SoftmaxVec(d, scores, n_keys);

  // out is accumulated in place one value row at a time: head_dim is small
  // (64-128), so out stays in L1 while the value rows stream past.
  size_t i = 0;
  for (; i + N <= head_dim; i += N) hn::StoreU(hn::Zero(d), d, out + i);
  for (; i < head_dim; ++i) out[i] = 0.0f;
  for (size_t j = 0; j < n_keys; ++j) {
    const float* HWY_RESTRICT v = values + j * kv_stride;
    const auto p = hn::Set(d, scores[j]);
    i = 0;
    for (; i + N <= head_dim; i += N) {
      hn::StoreU(hn::MulAdd(p, hn::LoadU(d, v + i), hn::LoadU(d, out + i)), d,
                 out + i);
    }
    if (i < head_dim) {
      const size_t count = head_dim - i;
      StoreTail(
          d,
          hn::MulAdd(p, LoadTail(d, v + i, count), LoadTail(d, out + i, count)),
          out + i, count);
    }
  }
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(AttentionQueryImpl);

void AttentionQuery(const float* q, const float* keys, const float* values,
                    size_t n_keys, size_t head_dim, size_t kv_stride,
                    float scale, float* scores, float* out) {
  HWY_DYNAMIC_DISPATCH(AttentionQueryImpl)
  (q, keys, values, n_keys, head_dim, kv_stride, scale, scores, out);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
