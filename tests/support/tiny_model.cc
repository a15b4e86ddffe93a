#include "tests/support/tiny_model.h"

#include <cmath>
#include <cstring>
#include <random>

#include "gtest/gtest.h"
#include "src/model/tensor_names.h"

namespace wisp::testing {

ModelConfig TinyLlamaConfig() {
  ModelConfig c;
  c.dim = 16;
  c.hidden_dim = 40;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.vocab_size = 32;
  c.max_seq_len = 64;
  return c;
}

TinyModel MakeRandomLlama(const ModelConfig& c, uint64_t seed) {
  TinyModel m;
  m.contents.config = c;
  m.contents.source = "random test model";
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  m.storage.reserve(4 + 9 * c.n_layers);
  auto add = [&](const std::string& name, std::vector<uint64_t> shape,
                 bool is_norm) {
    uint64_t n = 1;
    for (uint64_t d : shape) n *= d;
    // Scaled like a trained model (1/sqrt(fan_in)) so activations stay O(1)
    // and logits are informative rather than saturated.
    const float scale =
        is_norm ? 0.1f : 1.0f / std::sqrt(static_cast<float>(shape.back()));
    std::vector<float> values(n);
    for (float& v : values) v = (is_norm ? 1.0f : 0.0f) + scale * normal(rng);
    m.storage.push_back(std::move(values));
    const std::vector<float>& data = m.storage.back();
    m.contents.tensors.push_back(
        {name, DType::kF32, std::move(shape),
         absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(data.data()),
                             data.size() * sizeof(float))});
  };
  const uint64_t dim = c.dim, hidden = c.hidden_dim, kv = c.kv_dim();
  add(TensorNames::TokenEmbedding(), {c.vocab_size, dim}, false);
  for (uint32_t l = 0; l < c.n_layers; ++l) {
    add(TensorNames::AttentionNorm(l), {dim}, true);
    add(TensorNames::Wq(l), {dim, dim}, false);
    add(TensorNames::Wk(l), {kv, dim}, false);
    add(TensorNames::Wv(l), {kv, dim}, false);
    add(TensorNames::Wo(l), {dim, dim}, false);
    add(TensorNames::FfnNorm(l), {dim}, true);
    add(TensorNames::W1(l), {hidden, dim}, false);
    add(TensorNames::W2(l), {dim, hidden}, false);
    add(TensorNames::W3(l), {hidden, dim}, false);
  }
  add(TensorNames::FinalNorm(), {dim}, true);
  if (!c.tied_embeddings)
    add(TensorNames::Output(), {c.vocab_size, dim}, false);
  return m;
}

void WriteRandomLlama(const std::string& path, const ModelConfig& config,
                      uint64_t seed) {
  TinyModel m = MakeRandomLlama(config, seed);
  absl::Status status = WriteWispFile(path, m.contents);
  ASSERT_TRUE(status.ok()) << status;
}

}  // namespace wisp::testing
