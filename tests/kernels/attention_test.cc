// The fused attention kernels (attention.h) against the scalar double
// references (reference_ops.h), query row by query row, on every target: odd
// head sizes and key counts around the tile of 16, grouped query heads, a KV
// row stride larger than one head (a cache row holds every head of a
// position), and each mask's visible-key pattern.
#include "src/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/core/thread_pool.h"
#include "src/kernels/attention_heads.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace wisp::kernels {
namespace {

using ::wisp::testing::KernelTest;
using ::wisp::testing::RandomFloats;

class AttentionTest : public KernelTest {};
WISP_INSTANTIATE_PER_TARGET(AttentionTest);

// Keys each query sees under the models' masks; `start` is the position of
// the first query (decoding after a prompt).
std::vector<uint32_t> Visible(const std::string& mask, size_t n_queries,
                              size_t start) {
  std::vector<uint32_t> visible(n_queries);
  for (size_t i = 0; i < n_queries; ++i) {
    const size_t pos = start + i, prefix = (start + n_queries) / 2;
    if (mask == "causal") visible[i] = pos + 1;
    if (mask == "bidirectional") visible[i] = start + n_queries;
    if (mask == "prefix") visible[i] = pos < prefix ? prefix : pos + 1;
    // Not a model's mask, but within the contract: rows see any [0, n),
    // including nothing.
    if (mask == "ragged") visible[i] = (i * 37 + 5) % (start + n_queries + 1);
  }
  return visible;
}

// Inputs of one KV head with `group` query heads.
struct Case {
  Case(size_t n_queries, size_t group, size_t head_dim, size_t n_keys)
      : kv_stride(3 * head_dim + 5), q_stride(group * head_dim + 3) {
    q = RandomFloats(n_queries * q_stride, 40, -2, 2);
    keys = RandomFloats(n_keys * kv_stride + 1, 41);
    values = RandomFloats(n_keys * kv_stride + 1, 42);
    out.assign(n_queries * q_stride, 9.0f);
    head.q = q.data();
    head.q_stride = q_stride;
    head.n_queries = n_queries;
    head.group = group;
    head.keys = keys.data();
    head.values = values.data();
    head.kv_stride = kv_stride;
    head.head_dim = head_dim;
    head.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    head.out = out.data();
    head.out_stride = q_stride;
  }
  size_t kv_stride, q_stride;
  std::vector<float> q, keys, values, out;
  AttentionHead head;
};

// Scratch for either kernel on `head`, filled with garbage that must not
// matter.
std::vector<float> Scratch(const AttentionHead& head) {
  const size_t rows = head.n_queries * head.group;
  return std::vector<float>(
      std::max(AttentionForwardScratch(head.head_dim, rows),
               AttentionBackwardScratch(head.head_dim, rows)),
      NAN);
}

// A Case whose queries follow `start` earlier positions and see the keys
// `mask` gives them, with the forward pass run: out and the log-sum-exps
// filled, as the reference tests check them or start from them.
struct MaskedCase : Case {
  MaskedCase(const char* mask, size_t n_queries, size_t group, size_t head_dim,
             size_t start)
      : Case(n_queries, group, head_dim, start + n_queries),
        n_keys(start + n_queries),
        visible(Visible(mask, n_queries, start)),
        lse(n_queries * group) {
    head.visible = visible.data();
    AttentionHeadForward(head, lse.data(), Scratch(head).data());
  }
  size_t n_keys;
  std::vector<uint32_t> visible;
  std::vector<float> lse;
};

// log(sum_j exp(s_j)) of a row's scaled scores, in double.
double ReferenceLse(const AttentionHead& h, const float* q, size_t n_keys) {
  double max = -INFINITY, sum = 0.0;
  std::vector<double> s(n_keys);
  for (size_t j = 0; j < n_keys; ++j) {
    s[j] = h.scale * reference::Dot(q, h.keys + j * h.kv_stride, h.head_dim);
    max = std::max(max, s[j]);
  }
  for (size_t j = 0; j < n_keys; ++j) sum += std::exp(s[j] - max);
  return max + std::log(sum);
}

// Outputs are convex combinations of values in [-1, 1]: the float error of
// the scores (|q.k| scale <= 2 sqrt(head_dim), a few roundoffs) and of the
// running sum (one rounding per key, 300 keys at most) stays below 1e-5
// absolute. The log-sum-exp is of order 1 to 10 and inherits the sum's
// relative error as absolute error: 3e-5.
TEST_P(AttentionTest, ForwardMatchesReference) {
  for (const char* mask : {"causal", "bidirectional", "prefix", "ragged"}) {
    for (size_t head_dim : {1, 3, 8, 16, 17, 64, 65}) {
      for (size_t group : {1, 3}) {
        for (size_t n_queries : {1, 7, 33}) {
          for (size_t start : {0, 9, 270}) {
            const MaskedCase c(mask, n_queries, group, head_dim, start);
            for (size_t i = 0; i < n_queries; ++i) {
              for (size_t g = 0; g < group; ++g) {
                const float* q = c.q.data() + i * c.q_stride + g * head_dim;
                const float* out = c.out.data() + i * c.q_stride + g * head_dim;
                std::vector<double> probs(c.visible[i]), want(head_dim, 0.0);
                reference::AttentionQuery(
                    q, c.keys.data(), c.values.data(), c.visible[i], head_dim,
                    c.kv_stride, c.head.scale, probs.data(), want.data());
                SCOPED_TRACE(::testing::Message()
                             << mask << " head_dim=" << head_dim
                             << " group=" << group << " queries=" << n_queries
                             << " start=" << start << " i=" << i << " g=" << g);
                for (size_t k = 0; k < head_dim; ++k) {
                  ASSERT_NEAR(out[k], want[k], 1e-5) << "k=" << k;
                }
                if (c.visible[i] == 0) {
                  ASSERT_EQ(c.lse[i * group + g], -INFINITY);
                } else {
                  ASSERT_NEAR(c.lse[i * group + g],
                              ReferenceLse(c.head, q, c.visible[i]), 3e-5);
                }
              }
              // The padding between rows is not written.
              for (size_t k = group * head_dim; k < c.q_stride; ++k) {
                ASSERT_EQ(c.out[i * c.q_stride + k], 9.0f);
              }
            }
          }
        }
      }
    }
  }
}

// Runs the queries [first, first + count) of `all`'s inputs as one call
// into a fresh output; returns that output and fills lse for those rows.
std::vector<float> ForwardOfQueries(size_t n_queries, size_t group,
                                    size_t head_dim, const uint32_t* visible,
                                    size_t first, size_t count,
                                    std::vector<float>* lse) {
  Case part(n_queries, group, head_dim, n_queries);
  part.head.q += first * part.q_stride;
  part.head.out += first * part.q_stride;
  part.head.visible = visible + first;
  part.head.n_queries = count;
  AttentionHeadForward(part.head, lse->data() + first * group,
                       Scratch(part.head).data());
  return part.out;
}

// A row's result must not depend on the other rows of its call, as long as
// the call takes the same path (kAttentionMinLaneRows): callers split
// queries into blocks independently of the thread count, and this is what
// makes inference bitwise identical for any number of threads. Splits cut
// through lane chunks (32 rows) and group heads at odd places.
TEST_P(AttentionTest, RowsIndependentOfBlock) {
  for (const char* mask : {"causal", "prefix", "ragged"}) {
    for (size_t head_dim : {8, 17, 64}) {
      const size_t n_queries = 45, group = 2;
      const std::vector<uint32_t> visible = Visible(mask, n_queries, 0);
      // Lane path: 90 rows at once against calls of 10, 26 and 54 rows.
      // Key path: single queries (2 rows) against calls of 3 (6 rows).
      const std::vector<std::vector<size_t>> splits = {
          {0, n_queries}, {0, 5, 18, n_queries}, {0, 1, 2, 3}, {0, 3}};
      std::vector<std::vector<float>> outs, lses;
      for (const std::vector<size_t>& cuts : splits) {
        std::vector<float> lse(n_queries * group, 7.0f);
        std::vector<float> out;
        for (size_t c = 0; c + 1 < cuts.size(); ++c) {
          const std::vector<float> part =
              ForwardOfQueries(n_queries, group, head_dim, visible.data(),
                               cuts[c], cuts[c + 1] - cuts[c], &lse);
          if (out.empty()) out.assign(part.size(), 0.0f);
          const size_t stride = part.size() / n_queries;
          for (size_t k = cuts[c] * stride; k < cuts[c + 1] * stride; ++k) {
            out[k] = part[k];
          }
        }
        outs.push_back(out);
        lses.push_back(lse);
      }
      SCOPED_TRACE(::testing::Message() << mask << " head_dim=" << head_dim);
      const size_t stride = outs[0].size() / n_queries;
      // Lane path.
      for (size_t k = 0; k < n_queries * stride; ++k) {
        ASSERT_EQ(outs[0][k], outs[1][k]) << "k=" << k;
      }
      for (size_t r = 0; r < n_queries * group; ++r) {
        ASSERT_EQ(lses[0][r], lses[1][r]) << "r=" << r;
      }
      // Key path: the first three queries.
      for (size_t k = 0; k < 3 * stride; ++k) {
        ASSERT_EQ(outs[2][k], outs[3][k]) << "k=" << k;
      }
      for (size_t r = 0; r < 3 * group; ++r) {
        ASSERT_EQ(lses[2][r], lses[3][r]) << "r=" << r;
      }
    }
  }
}

// The backward against the per-row reference with exact (double)
// probabilities. Gradients start non-zero: the kernel must add to them.
// Error: each gradient sums at most keys + rows products of inputs in
// [-2, 2] and probabilities, each a few roundoffs off, and the recomputed
// probabilities carry the log-sum-exp's error (3e-5, relative on p): 1e-4
// relative to 1 + |gradient| covers both.
// Rows (queries x group) from 1 to 105 cross the lane path's threshold
// (7 and 8 rows) and its chunks; queries after 40 earlier positions see
// several key tiles more than there are queries.
TEST_P(AttentionTest, BackwardMatchesReference) {
  for (const char* mask : {"causal", "bidirectional", "prefix", "ragged"}) {
    for (size_t head_dim : {1, 3, 8, 17, 64}) {
      for (size_t group : {1, 3}) {
        for (size_t n_queries : {1, 7, 8, 16, 35}) {
          for (size_t start : {0, 40}) {
            const MaskedCase c(mask, n_queries, group, head_dim, start);
            const std::vector<float> dout =
                RandomFloats(n_queries * c.q_stride, 43);
            std::vector<float> dq = RandomFloats(n_queries * c.q_stride, 44);
            std::vector<float> dk =
                RandomFloats(c.n_keys * c.kv_stride + 1, 45);
            std::vector<float> dv =
                RandomFloats(c.n_keys * c.kv_stride + 1, 46);
            std::vector<double> want_dq(dq.begin(), dq.end());
            std::vector<double> want_dk(dk.begin(), dk.end());
            std::vector<double> want_dv(dv.begin(), dv.end());
            for (size_t i = 0; i < n_queries; ++i) {
              for (size_t g = 0; g < group; ++g) {
                const size_t row = i * c.q_stride + g * head_dim;
                std::vector<double> probs(c.visible[i]), out(head_dim);
                reference::AttentionQuery(c.q.data() + row, c.keys.data(),
                                          c.values.data(), c.visible[i],
                                          head_dim, c.kv_stride, c.head.scale,
                                          probs.data(), out.data());
                reference::AttentionQueryBackward(
                    dout.data() + row, c.q.data() + row, c.keys.data(),
                    c.values.data(), probs.data(), c.visible[i], head_dim,
                    c.kv_stride, c.head.scale, want_dq.data() + row,
                    want_dk.data(), want_dv.data());
              }
            }
            // Sentinels past the scratch the kernel may use.
            std::vector<float> scratch = Scratch(c.head);
            const size_t used = scratch.size();
            scratch.resize(used + 64, 12345.0f);
            AttentionHeadBackward(c.head, c.lse.data(), dout.data(), dq.data(),
                                  dk.data(), dv.data(), scratch.data());
            SCOPED_TRACE(::testing::Message()
                         << mask << " head_dim=" << head_dim
                         << " group=" << group << " queries=" << n_queries
                         << " start=" << start);
            for (size_t k = used; k < scratch.size(); ++k) {
              ASSERT_EQ(scratch[k], 12345.0f) << "scratch overrun at " << k;
            }
            for (size_t k = 0; k < dq.size(); ++k) {
              ASSERT_NEAR(dq[k], want_dq[k], 1e-4 * (1 + std::fabs(want_dq[k])))
                  << "dq " << k;
            }
            for (size_t k = 0; k < dk.size(); ++k) {
              ASSERT_NEAR(dk[k], want_dk[k], 1e-4 * (1 + std::fabs(want_dk[k])))
                  << "dk " << k;
              ASSERT_NEAR(dv[k], want_dv[k], 1e-4 * (1 + std::fabs(want_dv[k])))
                  << "dv " << k;
            }
          }
        }
      }
    }
  }
}

TEST_P(AttentionTest, NoQueriesTouchesNothing) {
  Case c(3, 1, 8, 3);
  const std::vector<uint32_t> visible = Visible("causal", 3, 0);
  c.head.visible = visible.data();
  c.head.n_queries = 0;
  AttentionHeadForward(c.head, nullptr, Scratch(c.head).data());
  for (float v : c.out) EXPECT_EQ(v, 9.0f);
}

// AttentionForwardHeads cuts the queries into blocks of 32 / group and
// hands each pool thread a contiguous run of (KV head, block) tasks: on any
// pool, and with more threads than tasks, every output must be written,
// with the bits of the per-head kernel called on each block.
TEST_P(AttentionTest, HeadsOnAnyPoolMatchOneCallPerHead) {
  const size_t n_heads = 6, head_dim = 16, dim = n_heads * head_dim;
  ThreadPool pool2(2), pool3(3), pool8(8);
  for (size_t n_kv_heads : {6, 3, 2}) {
    const size_t group = n_heads / n_kv_heads, kv_dim = n_kv_heads * head_dim;
    for (const char* mask : {"causal", "prefix", "ragged"}) {
      for (size_t n : {1, 100}) {
        const std::vector<float> q = RandomFloats(n * dim, 50, -2, 2);
        const std::vector<float> keys = RandomFloats(n * kv_dim, 51);
        const std::vector<float> values = RandomFloats(n * kv_dim, 52);
        const std::vector<uint32_t> visible = Visible(mask, n, 0);
        std::vector<float> want(n * dim, NAN);
        const size_t block = 32 / group;
        for (size_t h = 0; h < n_kv_heads; ++h) {
          for (size_t i0 = 0; i0 < n; i0 += block) {
            AttentionHead head;
            head.q = q.data() + i0 * dim + h * group * head_dim;
            head.q_stride = dim;
            head.n_queries = std::min(block, n - i0);
            head.group = group;
            head.keys = keys.data() + h * head_dim;
            head.values = values.data() + h * head_dim;
            head.kv_stride = kv_dim;
            head.visible = visible.data() + i0;
            head.head_dim = head_dim;
            head.scale = 0.25f;
            head.out = want.data() + i0 * dim + h * group * head_dim;
            head.out_stride = dim;
            AttentionHeadForward(head, nullptr, Scratch(head).data());
          }
        }
        AttentionHeads a;
        a.q = q.data();
        a.q_stride = dim;
        a.n_queries = n;
        a.n_heads = n_heads;
        a.n_kv_heads = n_kv_heads;
        a.head_dim = head_dim;
        a.keys = keys.data();
        a.values = values.data();
        a.kv_stride = kv_dim;
        a.visible = visible.data();
        a.scale = 0.25f;
        a.out_stride = dim;
        const size_t per_thread =
            AttentionHeadsScratchPerThread(head_dim, group);
        for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &pool2,
                                 &pool3, static_cast<ThreadPool*>(&pool8)}) {
          const size_t threads = pool ? pool->num_threads() : 1;
          std::vector<float> scratch(threads * per_thread, NAN);
          std::vector<float> got(n * dim, 9.0f);
          a.out = got.data();
          AttentionForwardHeads(a, pool, scratch.data(), per_thread);
          for (size_t i = 0; i < got.size(); ++i) {
            // NaN (a row that sees no key) equals itself here.
            ASSERT_TRUE(got[i] == want[i] ||
                        (std::isnan(got[i]) && std::isnan(want[i])))
                << mask << " kv_heads=" << n_kv_heads << " n=" << n
                << " threads=" << threads << " i=" << i << ": " << got[i]
                << " vs " << want[i];
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace wisp::kernels
