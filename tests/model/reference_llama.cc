#include "tests/model/reference_llama.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "gtest/gtest.h"
#include "tests/support/test_paths.h"

namespace wisp::testing {
namespace {

using Vec = std::vector<double>;

// y = W x, W [out, in] row-major.
Vec MatVec(const float* w, const Vec& x, int out) {
  Vec y(out, 0.0);
  const size_t in = x.size();
  for (int i = 0; i < out; ++i) {
    for (size_t j = 0; j < in; ++j) y[i] += double(w[i * in + j]) * x[j];
  }
  return y;
}

Vec RmsNorm(const Vec& x, const float* weight) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double scale = 1.0 / std::sqrt(ss / x.size() + 1e-5);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * scale * weight[i];
  return y;
}

void Rope(Vec& x, int n_heads, int head_size, int pos) {
  for (int h = 0; h < n_heads; ++h) {
    for (int i = 0; i < head_size; i += 2) {
      const double freq = std::pow(10000.0, -double(i) / head_size);
      const double c = std::cos(pos * freq), s = std::sin(pos * freq);
      double& a = x[h * head_size + i];
      double& b = x[h * head_size + i + 1];
      const double a0 = a, b0 = b;
      a = a0 * c - b0 * s;
      b = a0 * s + b0 * c;
    }
  }
}

}  // namespace

Llama2cCheckpoint ReadLlama2cCheckpoint(const std::string& path) {
  auto bytes = ReadFileToString(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  Llama2cCheckpoint m{};
  int32_t h[7];
  std::memcpy(h, bytes->data(), sizeof(h));
  m.dim = h[0];
  m.hidden_dim = h[1];
  m.n_layers = h[2];
  m.n_heads = h[3];
  m.n_kv_heads = h[4];
  m.shared_classifier = h[5] > 0;
  m.vocab_size = std::abs(h[5]);
  m.seq_len = h[6];
  m.floats.resize((bytes->size() - sizeof(h)) / sizeof(float));
  std::memcpy(m.floats.data(), bytes->data() + sizeof(h),
              m.floats.size() * sizeof(float));
  return m;
}

void WriteRandomLlama2cCheckpoint(const std::string& path, int dim,
                                  int hidden_dim, int n_layers, int n_heads,
                                  int n_kv_heads, int vocab_size, int seq_len,
                                  uint64_t seed) {
  const int32_t header[7] = {dim,        hidden_dim, n_layers, n_heads,
                             n_kv_heads, vocab_size, seq_len};
  const size_t vocab = std::abs(vocab_size);
  const size_t kv_dim = size_t(dim) / n_heads * n_kv_heads;
  const size_t L = n_layers, D = dim, H = hidden_dim;
  const size_t head_size = D / n_heads;
  // Sections in run.c's order, with a flag for norm weights.
  const std::vector<std::pair<size_t, bool>> sections = {
      {vocab * D, false},
      {L * D, true},
      {L * D * D, false},
      {L * kv_dim * D, false},
      {L * kv_dim * D, false},
      {L * D * D, false},
      {L * D, true},
      {L * H * D, false},
      {L * D * H, false},
      {L * H * D, false},
      {D, true},
      {seq_len * head_size, false}};
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> floats;
  for (const auto& [count, is_norm] : sections) {
    for (size_t i = 0; i < count; ++i) {
      floats.push_back(is_norm ? 1.0f + 0.1f * normal(rng)
                               : normal(rng) / std::sqrt(float(D)));
    }
  }
  if (vocab_size < 0) {
    for (size_t i = 0; i < vocab * D; ++i) {
      floats.push_back(normal(rng) / std::sqrt(float(D)));
    }
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  out.write(reinterpret_cast<const char*>(floats.data()),
            floats.size() * sizeof(float));
}

void WriteLlama2cTokenizer(const std::string& path, int vocab_size) {
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    pieces.push_back(name);
  }
  for (int i = 0; static_cast<int>(pieces.size()) < vocab_size; ++i) {
    pieces.push_back(" w" + std::to_string(i));
  }
  pieces.resize(vocab_size);
  int32_t max_len = 0;
  for (const std::string& p : pieces) {
    max_len = std::max<int32_t>(max_len, p.size());
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&max_len), 4);
  for (size_t i = 0; i < pieces.size(); ++i) {
    const float score = -static_cast<float>(i);
    const int32_t len = static_cast<int32_t>(pieces[i].size());
    out.write(reinterpret_cast<const char*>(&score), 4);
    out.write(reinterpret_cast<const char*>(&len), 4);
    out.write(pieces[i].data(), len);
  }
}

std::vector<float> ReferenceLogits(const Llama2cCheckpoint& m,
                                   const std::vector<int32_t>& ids) {
  const int D = m.dim, H = m.hidden_dim, L = m.n_layers, V = m.vocab_size;
  const int head_size = D / m.n_heads;
  const int kv_dim = head_size * m.n_kv_heads;
  const int group = m.n_heads / m.n_kv_heads;
  const float* p = m.floats.data();
  const float* tok = p;
  p += size_t(V) * D;
  const float* rms_att = p;
  p += size_t(L) * D;
  const float* wq = p;
  p += size_t(L) * D * D;
  const float* wk = p;
  p += size_t(L) * kv_dim * D;
  const float* wv = p;
  p += size_t(L) * kv_dim * D;
  const float* wo = p;
  p += size_t(L) * D * D;
  const float* rms_ffn = p;
  p += size_t(L) * D;
  const float* w1 = p;
  p += size_t(L) * H * D;
  const float* w2 = p;
  p += size_t(L) * D * H;
  const float* w3 = p;
  p += size_t(L) * H * D;
  const float* rms_final = p;
  p += D;
  p += size_t(m.seq_len) * head_size;
  const float* classifier = m.shared_classifier ? tok : p;

  const size_t T = ids.size();
  std::vector<std::vector<Vec>> keys(L), values(L);
  std::vector<float> logits;
  for (size_t pos = 0; pos < T; ++pos) {
    Vec x(tok + size_t(ids[pos]) * D, tok + size_t(ids[pos] + 1) * D);
    for (int l = 0; l < L; ++l) {
      Vec xb = RmsNorm(x, rms_att + l * D);
      Vec q = MatVec(wq + size_t(l) * D * D, xb, D);
      Vec k = MatVec(wk + size_t(l) * kv_dim * D, xb, kv_dim);
      Vec v = MatVec(wv + size_t(l) * kv_dim * D, xb, kv_dim);
      Rope(q, m.n_heads, head_size, pos);
      Rope(k, m.n_kv_heads, head_size, pos);
      keys[l].push_back(k);
      values[l].push_back(v);
      Vec att(D, 0.0);
      for (int h = 0; h < m.n_heads; ++h) {
        const int kvh = h / group;
        Vec scores(pos + 1);
        double max_score = -1e300;
        for (size_t t = 0; t <= pos; ++t) {
          double s = 0;
          for (int i = 0; i < head_size; ++i) {
            s += q[h * head_size + i] * keys[l][t][kvh * head_size + i];
          }
          scores[t] = s / std::sqrt(double(head_size));
          max_score = std::max(max_score, scores[t]);
        }
        double total = 0;
        for (double& s : scores) total += (s = std::exp(s - max_score));
        for (size_t t = 0; t <= pos; ++t) {
          for (int i = 0; i < head_size; ++i) {
            att[h * head_size + i] +=
                scores[t] / total * values[l][t][kvh * head_size + i];
          }
        }
      }
      Vec o = MatVec(wo + size_t(l) * D * D, att, D);
      for (int i = 0; i < D; ++i) x[i] += o[i];
      xb = RmsNorm(x, rms_ffn + l * D);
      Vec gate = MatVec(w1 + size_t(l) * H * D, xb, H);
      Vec up = MatVec(w3 + size_t(l) * H * D, xb, H);
      for (int i = 0; i < H; ++i) {
        gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
      }
      Vec down = MatVec(w2 + size_t(l) * D * H, gate, D);
      for (int i = 0; i < D; ++i) x[i] += down[i];
    }
    Vec out = MatVec(classifier, RmsNorm(x, rms_final), V);
    logits.insert(logits.end(), out.begin(), out.end());
  }
  return logits;
}

}  // namespace wisp::testing
