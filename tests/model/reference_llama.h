// An independent, deliberately plain reference of llama2.c's forward pass
// (run.c's `forward`), computed in double from a llama2.c checkpoint read
// directly. It shares no code with wisp's importer, format, model or kernels,
// so agreement with it checks all of them at once.
#ifndef WISP_TESTS_MODEL_REFERENCE_LLAMA_H_
#define WISP_TESTS_MODEL_REFERENCE_LLAMA_H_

#include <cstdint>
#include <string>
#include <vector>

namespace wisp::testing {

struct Llama2cCheckpoint {
  int dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
  bool shared_classifier;
  std::vector<float> floats;  // everything after the header
};

// Reads a llama2.c checkpoint (aborts the test on malformed input: it is only
// used on files the tests wrote or on the shared reference model).
Llama2cCheckpoint ReadLlama2cCheckpoint(const std::string& path);

// Writes a checkpoint with seeded random weights; `vocab_size` < 0 writes an
// unshared classifier, as llama2.c does.
void WriteRandomLlama2cCheckpoint(const std::string& path, int dim,
                                  int hidden_dim, int n_layers, int n_heads,
                                  int n_kv_heads, int vocab_size, int seq_len,
                                  uint64_t seed);

// Writes a llama2.c tokenizer file: <unk>, <s>, </s>, the 256 byte pieces,
// then made-up pieces up to `vocab_size`.
void WriteLlama2cTokenizer(const std::string& path, int vocab_size);

// Logits [ids.size(), vocab] for the sequence, position by position.
std::vector<float> ReferenceLogits(const Llama2cCheckpoint& model,
                                   const std::vector<int32_t>& ids);

}  // namespace wisp::testing

#endif  // WISP_TESTS_MODEL_REFERENCE_LLAMA_H_
