// Backward passes against finite differences: each op's backward kernel
// against central differences of a double-precision forward (tight), and the
// whole model's gradient against central differences of its float forward
// (looser: the float loss limits the difference quotient's precision).
#include <cmath>
#include <functional>
#include <random>

#include "gtest/gtest.h"
#include "src/kernels/attention.h"
#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/training_ops.h"
#include "src/train/parameters.h"
#include "src/train/train_graph.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// d f / d x[i] by central differences of f evaluated in double.
double NumericGradient(std::vector<float>& x, size_t i,
                       const std::function<double()>& f) {
  const float saved = x[i];
  const float h = 1e-3f * std::max(1.0f, std::abs(saved));
  x[i] = saved + h;
  const double plus = f();
  x[i] = saved - h;
  const double minus = f();
  x[i] = saved;
  // The step actually taken, in float.
  return (plus - minus) / (double(saved + h) - double(saved - h));
}

// Op-level checks: 1e-3 relative to the gradient's scale. The float kernels
// agree with exact derivatives to ~1e-6; the difference quotient's
// truncation error O(h^2) dominates.
void ExpectGradientsClose(const std::vector<float>& analytic,
                          std::vector<float>& x,
                          const std::function<double()>& f, const char* what) {
  double scale = 1e-6;
  for (float g : analytic) scale = std::max(scale, double(std::abs(g)));
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(analytic[i], NumericGradient(x, i, f), 1e-3 * scale)
        << what << "[" << i << "]";
  }
}

TEST(OpGradientTest, RmsNormBackward) {
  const size_t rows = 3, n = 17;
  std::vector<float> x = Random(rows * n, 1), w = Random(n, 2),
                     dy = Random(rows * n, 3);
  std::vector<float> y(rows * n), rstd(rows), dx(rows * n, 0), dw(n, 0);
  kernels::RmsNormForward(x.data(), w.data(), 1e-5f, y.data(), rstd.data(),
                          rows, n);
  kernels::RmsNormBackward(dy.data(), x.data(), w.data(), rstd.data(),
                           dx.data(), dw.data(), rows, n);
  auto f = [&] {
    double total = 0;
    for (size_t r = 0; r < rows; ++r) {
      double ss = 0;
      for (size_t i = 0; i < n; ++i) ss += double(x[r * n + i]) * x[r * n + i];
      const double s = 1.0 / std::sqrt(ss / n + 1e-5);
      for (size_t i = 0; i < n; ++i) {
        total += dy[r * n + i] * x[r * n + i] * s * w[i];
      }
    }
    return total;
  };
  ExpectGradientsClose(dx, x, f, "dx");
  ExpectGradientsClose(dw, w, f, "dweight");
}

TEST(OpGradientTest, SwiGLUBackward) {
  const size_t n = 33;
  std::vector<float> g = Random(n, 4, 3.0f), u = Random(n, 5),
                     dh = Random(n, 6);
  std::vector<float> dg(n), du(n);
  kernels::SwiGLUBackward(dh.data(), g.data(), u.data(), dg.data(), du.data(),
                          n);
  auto f = [&] {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      total += dh[i] * g[i] / (1.0 + std::exp(-double(g[i]))) * u[i];
    }
    return total;
  };
  ExpectGradientsClose(dg, g, f, "dgate");
  ExpectGradientsClose(du, u, f, "dup");
}

// Three queries of two heads sharing one KV head, seeing 5, 6 and 7 of the
// keys (a causal block after four cached positions); rows are padded (stride
// larger than the heads) as in the model's buffers.
TEST(OpGradientTest, AttentionHeadBackward) {
  const size_t queries = 3, group = 2, keys = 7, head_dim = 5;
  const size_t q_stride = group * head_dim + 1, kv_stride = 9;
  const float scale = 0.4f;
  const uint32_t visible[queries] = {5, 6, 7};
  std::vector<float> q = Random(queries * q_stride, 7),
                     k = Random(keys * kv_stride, 8),
                     v = Random(keys * kv_stride, 9),
                     dout = Random(queries * q_stride, 10);
  // f = sum over rows of dout . attention(q, k, v), in double.
  auto f = [&] {
    double total = 0;
    for (size_t i = 0; i < queries; ++i) {
      for (size_t g = 0; g < group; ++g) {
        const float* qr = q.data() + i * q_stride + g * head_dim;
        std::vector<double> s(visible[i]);
        double max_s = -1e300, sum = 0;
        for (size_t j = 0; j < visible[i]; ++j) {
          s[j] = 0;
          for (size_t d = 0; d < head_dim; ++d) {
            s[j] += double(qr[d]) * k[j * kv_stride + d];
          }
          s[j] *= scale;
          max_s = std::max(max_s, s[j]);
        }
        for (double& x : s) sum += (x = std::exp(x - max_s));
        for (size_t j = 0; j < visible[i]; ++j) {
          for (size_t d = 0; d < head_dim; ++d) {
            total += dout[i * q_stride + g * head_dim + d] * s[j] / sum *
                     v[j * kv_stride + d];
          }
        }
      }
    }
    return total;
  };
  kernels::AttentionHead head;
  head.q = q.data();
  head.q_stride = q_stride;
  head.n_queries = queries;
  head.group = group;
  head.keys = k.data();
  head.values = v.data();
  head.kv_stride = kv_stride;
  head.visible = visible;
  head.head_dim = head_dim;
  head.scale = scale;
  std::vector<float> out(queries * q_stride), lse(queries * group);
  head.out = out.data();
  head.out_stride = q_stride;
  std::vector<float> scratch(
      std::max(kernels::AttentionForwardScratch(head_dim, queries * group),
               kernels::AttentionBackwardScratch(head_dim, queries * group)));
  kernels::AttentionHeadForward(head, lse.data(), scratch.data());
  std::vector<float> dq(q.size(), 0), dk(k.size(), 0), dv(v.size(), 0);
  kernels::AttentionHeadBackward(head, lse.data(), dout.data(), dq.data(),
                                 dk.data(), dv.data(), scratch.data());
  ExpectGradientsClose(dq, q, f, "dq");
  ExpectGradientsClose(dk, k, f, "dk");
  ExpectGradientsClose(dv, v, f, "dv");
}

TEST(OpGradientTest, CrossEntropyBackward) {
  const size_t vocab = 23;
  std::vector<float> logits = Random(vocab, 11, 4.0f), dlogits(vocab);
  const float loss = kernels::CrossEntropyForwardBackward(
      logits.data(), 5, vocab, 1.0f, dlogits.data());
  auto f = [&] {
    double max_l = -1e300, total = 0;
    for (float l : logits) max_l = std::max(max_l, double(l));
    for (float l : logits) total += std::exp(l - max_l);
    return std::log(total) + max_l - logits[5];
  };
  EXPECT_NEAR(loss, f(), 1e-5);
  EXPECT_NEAR(kernels::CrossEntropy(logits.data(), 5, vocab), loss, 1e-6);
  ExpectGradientsClose(dlogits, logits, f, "dlogits");
  // Extreme logits stay finite.
  std::vector<float> huge = {1e30f, -1e30f, 0.0f};
  EXPECT_TRUE(std::isfinite(kernels::CrossEntropyForwardBackward(
      huge.data(), 0, 3, 1.0f, dlogits.data())));
}

TEST(OpGradientTest, LayerNormBackward) {
  const size_t rows = 3, n = 19;
  std::vector<float> x = Random(rows * n, 21, 2.0f), w = Random(n, 22),
                     b = Random(n, 23), dy = Random(rows * n, 24);
  for (float& v : x) v += 3.0f;  // a large mean, as LayerNorm meets it
  std::vector<float> y(rows * n), mean(rows), rstd(rows), dx(rows * n, 0),
      dw(n, 0), db(n, 0);
  kernels::LayerNormForward(x.data(), w.data(), b.data(), 1e-5f, y.data(),
                            mean.data(), rstd.data(), rows, n);
  kernels::LayerNormBackward(dy.data(), x.data(), w.data(), mean.data(),
                             rstd.data(), dx.data(), dw.data(), db.data(), rows,
                             n);
  auto f = [&] {
    double total = 0;
    for (size_t r = 0; r < rows; ++r) {
      double m = 0, var = 0;
      for (size_t i = 0; i < n; ++i) m += x[r * n + i];
      m /= n;
      for (size_t i = 0; i < n; ++i) {
        var += (x[r * n + i] - m) * (x[r * n + i] - m);
      }
      const double s = 1.0 / std::sqrt(var / n + 1e-5);
      for (size_t i = 0; i < n; ++i) {
        total += dy[r * n + i] * ((x[r * n + i] - m) * s * w[i] + b[i]);
      }
    }
    return total;
  };
  ExpectGradientsClose(dx, x, f, "dx");
  ExpectGradientsClose(dw, w, f, "dweight");
  ExpectGradientsClose(db, b, f, "dbias");
}

TEST(OpGradientTest, GeluBackward) {
  for (kernels::GeluKind kind :
       {kernels::GeluKind::kTanh, kernels::GeluKind::kErf}) {
    const size_t n = 41;
    std::vector<float> x = Random(n, 25, 3.0f), dy = Random(n, 26), dx(n);
    kernels::GeluBackward(kind, x.data(), dy.data(), dx.data(), n);
    auto f = [&] {
      double total = 0;
      for (size_t i = 0; i < n; ++i) {
        const double v = x[i];
        const double g = kind == kernels::GeluKind::kTanh
                             ? 0.5 * v *
                                   (1 + std::tanh(std::sqrt(2 / M_PI) *
                                                  (v + 0.044715 * v * v * v)))
                             : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        total += dy[i] * g;
      }
      return total;
    };
    ExpectGradientsClose(dx, x, f, "dx");
    // The forward agrees with the double formula too.
    std::vector<float> y(n);
    kernels::Gelu(kind, x.data(), y.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const double v = x[i];
      const double expected =
          kind == kernels::GeluKind::kTanh
              ? 0.5 * v *
                    (1 + std::tanh(std::sqrt(2 / M_PI) *
                                   (v + 0.044715 * v * v * v)))
              : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      EXPECT_NEAR(y[i], expected, 1e-6 * (1 + std::abs(expected)));
    }
  }
}

struct ModelCase {
  const char* name;
  ModelConfig (*config)();
};

ModelConfig GqaTied() { return testing::TinyLlamaConfig(); }
ModelConfig MhaUntied() {
  ModelConfig c = testing::TinyLlamaConfig();
  c.n_kv_heads = 4;
  c.tied_embeddings = false;
  return c;
}
ModelConfig MqaPrefix() {
  ModelConfig c = testing::TinyLlamaConfig();
  c.n_kv_heads = 1;
  c.mask = MaskKind::kPrefix;
  return c;
}
ModelConfig Gpt2() { return testing::TinyGpt2Config(); }
ModelConfig Bert() { return testing::TinyBertConfig(); }
ModelConfig BertUntiedCausalPreNorm() {
  ModelConfig c = testing::TinyBertConfig();
  c.tied_embeddings = false;
  c.norm_position = NormPosition::kPre;
  c.final_norm = true;
  c.mask = MaskKind::kCausal;
  return c;
}

class ModelGradientTest : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelGradientTest, MatchesFiniteDifferencesOfTheLoss) {
  const ModelConfig config = GetParam().config();
  const std::string path =
      testing::TempDir() + "/fd_" + GetParam().name + ".wisp";
  testing::WriteRandomModel(path, config, 17);
  auto model = Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status();
  auto params = Parameters::CopyFrom(**model);
  ASSERT_TRUE(params.ok());
  Parameters grads = Parameters::ZerosLike(*params);
  auto weights = params->Bind(config);
  auto grad_view = grads.BindMutable(config);
  ASSERT_TRUE(weights.ok() && grad_view.ok());

  // Two sequences of 9 tokens; some targets ignored.
  const size_t B = 2, T = 9;
  std::mt19937 rng(3);
  std::vector<int32_t> inputs(B * T), targets(B * T);
  for (size_t i = 0; i < B * T; ++i) {
    inputs[i] = rng() % config.vocab_size;
    targets[i] =
        i % 4 == 1 ? kIgnoreTarget : int32_t(rng() % config.vocab_size);
  }
  // The second sequence ends in two padding tokens; prefixes of 3 and 4.
  const int32_t lengths[] = {9, 7}, prefixes[] = {3, 4};
  const TrainBatch batch{inputs.data(), targets.data(), B, T,
                         lengths,       prefixes};
  TrainGraph graph(**model);
  ThreadPool pool(2);
  graph.Forward(*weights, batch, &pool, 1.0f / CountTargets(batch));
  graph.Backward(*weights, batch, &*grad_view, &pool);

  auto mean_loss = [&] {
    const LossSum l = graph.Forward(*weights, batch, nullptr);
    return l.sum / l.count;
  };
  // Probe coordinates of every tensor, including both uses of a tied
  // embedding (lookup rows of input tokens and classifier rows).
  size_t checked = 0;
  for (const TensorView& t : params->tensors()) {
    const size_t base = t.offset / sizeof(float);
    for (int probe = 0; probe < 4; ++probe) {
      const size_t i = base + rng() % t.num_elements();
      float* p = params->data() + i;
      const float saved = *p, h = 1e-2f;
      *p = saved + h;
      const double plus = mean_loss();
      *p = saved - h;
      const double minus = mean_loss();
      *p = saved;
      const double numeric = (plus - minus) / (2.0 * h);
      // Float losses near 3.5 carry ~1e-6 of rounding, so the quotient is
      // good to ~1e-4 absolute; curvature adds O(h^2).
      EXPECT_NEAR(grads.data()[i], numeric, 5e-4 + 2e-2 * std::abs(numeric))
          << t.name << " element " << i - base;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40u);
}

void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.name; }

INSTANTIATE_TEST_SUITE_P(
    Configs, ModelGradientTest,
    ::testing::Values(ModelCase{"gqa_tied", GqaTied},
                      ModelCase{"mha_untied", MhaUntied},
                      ModelCase{"mqa_prefix", MqaPrefix},
                      ModelCase{"gpt2", Gpt2}, ModelCase{"bert", Bert},
                      ModelCase{"bert_untied_causal_prenorm",
                                BertUntiedCausalPreNorm}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace wisp
