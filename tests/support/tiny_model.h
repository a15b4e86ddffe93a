// Small randomly initialised LLaMA-family models, built in memory, for tests
// that must not depend on files: format round trips, corruption, forward vs
// reference, and (later) training.
#ifndef WISP_TESTS_SUPPORT_TINY_MODEL_H_
#define WISP_TESTS_SUPPORT_TINY_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "src/format/wisp_file.h"

namespace wisp::testing {

// dim 16, hidden 40, 2 layers, 4 heads, 2 KV heads, vocab 32, context 64.
ModelConfig TinyLlamaConfig();
// The same sizes as GPT-2 (LayerNorm, learned positions, GELU tanh, biases,
// 4 KV heads) and as BERT (post-norm, embedding norm, GELU erf,
// bidirectional, MLM head with decoder bias, no final norm).
ModelConfig TinyGpt2Config();
ModelConfig TinyBertConfig();

// A model file's contents with seeded normal(0, 0.5)-ish weights (norm
// weights near 1). The tensors point into `storage`, which must outlive uses
// of `contents`.
struct TinyModel {
  FileContents contents;
  std::vector<std::vector<float>> storage;
};
// Any configuration of the one transformer, every tensor it needs.
TinyModel MakeRandomModel(const ModelConfig& config, uint64_t seed);
TinyModel MakeRandomLlama(const ModelConfig& config, uint64_t seed);

// Writes MakeRandomModel(config, seed) to `path`.
void WriteRandomModel(const std::string& path, const ModelConfig& config,
                      uint64_t seed);
void WriteRandomLlama(const std::string& path, const ModelConfig& config,
                      uint64_t seed);

// Writes `path` as the model `bf16` with every bf16 tensor widened to f32
// (exactly): the reference that runs rounded weights through the f32
// kernels.
absl::Status WriteWidened(const WispFile& bf16, const std::string& path);

}  // namespace wisp::testing

#endif  // WISP_TESTS_SUPPORT_TINY_MODEL_H_
