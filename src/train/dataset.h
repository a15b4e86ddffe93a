// Causal-LM examples from a token stream: windows of `seq` input tokens whose
// targets are the same tokens shifted by one, padded with kIgnoreTarget when
// the data is shorter than a window. A held-out tail is kept for evaluation,
// and training windows are visited in a seeded, per-epoch shuffled order
// whose position can be saved and restored exactly.
#ifndef WISP_TRAIN_DATASET_H_
#define WISP_TRAIN_DATASET_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "src/train/train_graph.h"

namespace wisp {

struct DataPosition {
  uint64_t epoch = 0;
  uint64_t cursor = 0;  // windows of this epoch already used
};

class Dataset {
 public:
  // Cuts `tokens` into windows of `seq` tokens (the last one may be short)
  // and keeps the last `eval_fraction` of them (at least one, if there are
  // two or more windows and the fraction is positive) for evaluation.
  // InvalidArgument for fewer than 2 tokens, seq 0 or a fraction outside
  // [0, 0.5].
  static absl::StatusOr<Dataset> Create(std::vector<int32_t> tokens, size_t seq,
                                        float eval_fraction, uint64_t seed);

  size_t seq() const { return seq_; }
  size_t train_windows() const { return train_windows_; }
  size_t eval_windows() const { return windows_.size() - train_windows_; }

  // Fills inputs/targets [batch, seq] with the next training windows,
  // wrapping into a freshly shuffled next epoch when one runs out.
  void NextBatch(size_t batch, int32_t* inputs, int32_t* targets);

  // Window `w` (training windows first, then held-out ones).
  void Window(size_t w, int32_t* inputs, int32_t* targets) const;

  const DataPosition& position() const { return position_; }
  // Continues a run: its shuffling seed and where it stood.
  void Restore(uint64_t seed, const DataPosition& position);

 private:
  void Shuffle();

  std::vector<int32_t> tokens_;
  size_t seq_ = 0;
  std::vector<size_t> windows_;  // start offsets into tokens_
  size_t train_windows_ = 0;
  uint64_t seed_ = 0;
  DataPosition position_;
  std::vector<size_t> order_;  // this epoch's order of training windows
};

}  // namespace wisp

#endif  // WISP_TRAIN_DATASET_H_
