// Causal-LM examples from a token stream: windows of `seq` input tokens whose
// targets are the same tokens shifted by one, padded with kIgnoreTarget when
// the data is shorter than a window. A held-out tail is kept for evaluation,
// and training windows are visited in a seeded, per-epoch shuffled order
// whose position can be saved and restored exactly.
#ifndef WISP_TRAIN_DATASET_H_
#define WISP_TRAIN_DATASET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/tokenizer/tokenizer.h"
#include "src/train/objectives.h"
#include "src/train/train_graph.h"

namespace wisp {

struct DataPosition {
  uint64_t epoch = 0;
  uint64_t cursor = 0;  // windows of this epoch already used
};

// InvalidArgument unless 0 <= eval_fraction <= 0.5: the held-out share
// Dataset::Create and the trainer's options accept.
absl::Status ValidateEvalFraction(float eval_fraction);

class Dataset {
 public:
  // Cuts `tokens` into windows of `seq` tokens (the last one may be short)
  // and keeps the last `eval_fraction` of them (at least one, if there are
  // two or more windows and the fraction is positive) for evaluation.
  // InvalidArgument for fewer than 2 tokens, seq 0 or a fraction outside
  // [0, 0.5].
  static absl::StatusOr<Dataset> Create(std::vector<int32_t> tokens, size_t seq,
                                        float eval_fraction, uint64_t seed);
  // One window per example (truncated to seq + 1 tokens), each with its
  // prefix length for prefix LM. InvalidArgument if no example has 2 tokens.
  static absl::StatusOr<Dataset> CreateFromExamples(
      const std::vector<std::vector<int32_t>>& examples,
      const std::vector<int32_t>& prefix_lengths, size_t seq,
      float eval_fraction, uint64_t seed);

  size_t seq() const { return seq_; }
  size_t train_windows() const { return train_windows_; }
  size_t eval_windows() const { return windows_.size() - train_windows_; }

  // Fills inputs/targets [batch, seq] with the next training windows,
  // wrapping into a freshly shuffled next epoch when one runs out; lengths
  // and prefixes (may be null) receive each window's real input tokens and
  // prefix length (0: none given).
  void NextBatch(size_t batch, int32_t* inputs, int32_t* targets,
                 int32_t* lengths = nullptr, int32_t* prefixes = nullptr);

  // Window `w` (training windows first, then held-out ones).
  void Window(size_t w, int32_t* inputs, int32_t* targets,
              int32_t* length = nullptr, int32_t* prefix = nullptr) const;

  const DataPosition& position() const { return position_; }
  // Continues a run: its shuffling seed and where it stood.
  void Restore(uint64_t seed, const DataPosition& position);

 private:
  void Shuffle();
  // Holds out the last eval_fraction of the windows.
  void Split(float eval_fraction);

  std::vector<int32_t> tokens_;
  size_t seq_ = 0;
  struct WindowSpec {
    size_t start;    // offset into tokens_
    size_t end;      // one past the last token the window may read
    int32_t prefix;  // prefix length, 0: none
  };
  std::vector<WindowSpec> windows_;
  size_t train_windows_ = 0;
  uint64_t seed_ = 0;
  DataPosition position_;
  std::vector<size_t> order_;  // this epoch's order of training windows
};

struct TextDataOptions {
  size_t seq_len = 64;
  Objective objective = Objective::kCausal;
  // Prefix LM: each line holding this separator is one example whose prefix
  // ends with it ("Translate to French: cheese => fromage" with " => ").
  // Empty: windows of running text with a random prefix each.
  std::string prefix_separator;
  float eval_fraction = 0.0f;
  uint64_t seed = 0;
};

// Tokenizes `text` (with the tokenizer's BOS before each stream or example)
// into a Dataset for the objective. Data shorter than one window trains on
// windows of its own length.
absl::StatusOr<Dataset> DatasetFromText(const Tokenizer& tokenizer,
                                        std::string_view text,
                                        const TextDataOptions& options);

}  // namespace wisp

#endif  // WISP_TRAIN_DATASET_H_
