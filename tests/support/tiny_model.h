// Small randomly initialised LLaMA-family models, built in memory, for tests
// that must not depend on files: format round trips, corruption, forward vs
// reference, and (later) training.
#ifndef WISP_TESTS_SUPPORT_TINY_MODEL_H_
#define WISP_TESTS_SUPPORT_TINY_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "src/format/wisp_file.h"

namespace wisp::testing {

// dim 16, hidden 40, 2 layers, 4 heads, 2 KV heads, vocab 32, context 64.
ModelConfig TinyLlamaConfig();

// A model file's contents with seeded normal(0, 0.5)-ish weights (norm
// weights near 1). The tensors point into `storage`, which must outlive uses
// of `contents`.
struct TinyModel {
  FileContents contents;
  std::vector<std::vector<float>> storage;
};
TinyModel MakeRandomLlama(const ModelConfig& config, uint64_t seed);

// Writes MakeRandomLlama(config, seed) to `path`.
void WriteRandomLlama(const std::string& path, const ModelConfig& config,
                      uint64_t seed);

}  // namespace wisp::testing

#endif  // WISP_TESTS_SUPPORT_TINY_MODEL_H_
