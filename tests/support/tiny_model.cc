#include "tests/support/tiny_model.h"

#include <cmath>
#include <cstring>
#include <random>

#include "gtest/gtest.h"
#include "src/kernels/bf16.h"
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

TinyModel MakeRandomModel(const ModelConfig& c, uint64_t seed) {
  TinyModel m;
  m.contents.config = c;
  m.contents.source = "random test model";
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  m.storage.reserve(16 + 24 * c.n_layers);
  auto add = [&](const std::string& name, std::vector<uint64_t> shape,
                 bool is_norm) {
    uint64_t n = 1;
    for (uint64_t d : shape) n *= d;
    // Scaled like a trained model (1/sqrt(fan_in)) so activations stay O(1)
    // and logits are informative rather than saturated.
    const bool is_bias = shape.size() == 1 && !is_norm;
    const float scale =
        is_norm   ? 0.1f
        : is_bias ? 0.05f
                  : 1.0f / std::sqrt(static_cast<float>(shape.back()));
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
  const bool layer_norm = c.norm == NormKind::kLayerNorm;
  // Biases small and random so that tests exercise them.
  auto norm = [&](const std::string& name) {
    add(name, {dim}, true);
    if (layer_norm) add(TensorNames::Bias(name), {dim}, false);
  };
  auto linear = [&](const std::string& name, uint64_t out, uint64_t in) {
    add(name, {out, in}, false);
    if (c.linear_bias) add(TensorNames::Bias(name), {out}, false);
  };
  add(TensorNames::TokenEmbedding(), {c.vocab_size, dim}, false);
  if (c.positions == PositionKind::kLearned) {
    add(TensorNames::PositionEmbedding(), {c.max_seq_len, dim}, false);
  }
  if (c.embedding_norm) norm(TensorNames::EmbeddingNorm());
  for (uint32_t l = 0; l < c.n_layers; ++l) {
    norm(TensorNames::AttentionNorm(l));
    linear(TensorNames::Wq(l), dim, dim);
    linear(TensorNames::Wk(l), kv, dim);
    linear(TensorNames::Wv(l), kv, dim);
    linear(TensorNames::Wo(l), dim, dim);
    norm(TensorNames::FfnNorm(l));
    linear(TensorNames::W1(l), hidden, dim);
    linear(TensorNames::W2(l), dim, hidden);
    if (c.mlp == MlpKind::kSwiGLU) linear(TensorNames::W3(l), hidden, dim);
  }
  if (c.final_norm) norm(TensorNames::FinalNorm());
  if (c.mlm_head) {
    linear(TensorNames::MlmDense(), dim, dim);
    norm(TensorNames::MlmNorm());
    add(TensorNames::Bias(TensorNames::Output()), {c.vocab_size}, false);
  }
  if (!c.tied_embeddings)
    add(TensorNames::Output(), {c.vocab_size, dim}, false);
  return m;
}

ModelConfig TinyGpt2Config() {
  ModelConfig c = TinyLlamaConfig();
  c.architecture = "gpt2";
  c.n_kv_heads = c.n_heads;
  c.norm = NormKind::kLayerNorm;
  c.positions = PositionKind::kLearned;
  c.mlp = MlpKind::kGeluTanh;
  c.linear_bias = true;
  return c;
}

ModelConfig TinyBertConfig() {
  ModelConfig c = TinyGpt2Config();
  c.architecture = "bert";
  c.norm_eps = 1e-12f;
  c.mlp = MlpKind::kGeluErf;
  c.mask = MaskKind::kBidirectional;
  c.norm_position = NormPosition::kPost;
  c.embedding_norm = true;
  c.final_norm = false;
  c.mlm_head = true;
  return c;
}

void WriteRandomModel(const std::string& path, const ModelConfig& config,
                      uint64_t seed) {
  TinyModel m = MakeRandomModel(config, seed);
  absl::Status status = WriteWispFile(path, m.contents);
  ASSERT_TRUE(status.ok()) << status;
}

TinyModel MakeRandomLlama(const ModelConfig& config, uint64_t seed) {
  return MakeRandomModel(config, seed);
}

void WriteRandomLlama(const std::string& path, const ModelConfig& config,
                      uint64_t seed) {
  WriteRandomModel(path, config, seed);
}

absl::Status WriteWidened(const WispFile& bf16, const std::string& path) {
  FileContents contents;
  contents.config = bf16.config();
  contents.tokenizer = bf16.tokenizer();
  std::vector<std::vector<float>> widened;
  widened.reserve(bf16.tensors().size());
  for (const TensorView& t : bf16.tensors()) {
    TensorToWrite out{t.name, t.dtype, t.shape,
                      absl::MakeConstSpan(t.data, t.byte_length)};
    if (t.dtype == DType::kBF16) {
      std::vector<float>& f = widened.emplace_back(t.num_elements());
      const uint16_t* bits = reinterpret_cast<const uint16_t*>(t.data);
      for (size_t i = 0; i < f.size(); ++i) f[i] = kernels::Bf16ToF32(bits[i]);
      out.dtype = DType::kF32;
      out.bytes = absl::MakeConstSpan(reinterpret_cast<uint8_t*>(f.data()),
                                      f.size() * sizeof(float));
    }
    contents.tensors.push_back(out);
  }
  return WriteWispFile(path, contents);
}

}  // namespace wisp::testing
