// A loaded model: the verified weight file, its weights bound for the forward
// pass, the tokenizer and precomputed rotary tables. Immutable after Load but
// for one atomic setting (exact bf16 products), so one Model serves any
// number of sessions on any threads.
#ifndef WISP_MODEL_MODEL_H_
#define WISP_MODEL_MODEL_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "src/format/wisp_file.h"
#include "src/model/weights.h"
#include "src/tokenizer/tokenizer.h"

namespace wisp {

struct LoadOptions {
  bool verify_checksums = true;
};

class Model {
 public:
  static absl::StatusOr<std::unique_ptr<Model>> Load(
      const std::string& path, const LoadOptions& options = {});

  const ModelConfig& config() const { return file_->config(); }

  // InvalidArgument naming the first id outside [0, vocab_size), if any.
  absl::Status CheckTokenIds(absl::Span<const int32_t> ids) const;
  // The f32 tensors; weight matrices stored as bf16 are null here and set in
  // bf16_weights() instead (whose layers always match the model's).
  const ModelWeights& weights() const { return weights_; }
  const ModelWeightsBf16& bf16_weights() const { return bf16_weights_; }
  // True when any weight matrix is bf16: code that needs every weight as f32
  // (training, evaluation) must widen them first.
  bool has_bf16_weights() const;
  // Whether bf16 weight matrices always multiply f32 activations, widened
  // exactly (kernels::Bf16Products::kExact), instead of letting prompts round
  // the activations to bf16 for the CPU's bf16 dot-product instructions. No
  // effect on f32 models. Off after Load; the setter may run while sessions use
  // the model on other threads: each forward pass reads the setting once
  // (ForwardBlock), so a pass that has started keeps its products.
  bool exact_bf16_products() const {
    return exact_bf16_products_.load(std::memory_order_relaxed);
  }
  void set_exact_bf16_products(bool exact) {
    exact_bf16_products_.store(exact, std::memory_order_relaxed);
  }
  const WispFile& file() const { return *file_; }
  // Null when the file carries no tokenizer.
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }

  // cos/sin of the rotary angle for `pos`: head_dim / 2 values each.
  const float* rope_cos(size_t pos) const {
    return rope_cos_.data() + pos * (config().head_dim() / 2);
  }
  const float* rope_sin(size_t pos) const {
    return rope_sin_.data() + pos * (config().head_dim() / 2);
  }

 private:
  Model() = default;
  void BuildRopeTables();

  std::unique_ptr<WispFile> file_;
  ModelWeights weights_;
  ModelWeightsBf16 bf16_weights_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<float> rope_cos_;
  std::vector<float> rope_sin_;
  // Relaxed: an independent flag that orders no other data.
  std::atomic<bool> exact_bf16_products_{false};
};

}  // namespace wisp

#endif  // WISP_MODEL_MODEL_H_
