// Trainable parameters: every tensor of a model as owned, mutable f32 values
// in one contiguous buffer, so that the optimizer, gradient clipping and
// checkpoints work on a single array. Gradients and optimizer moments are
// Parameters of the same layout.
#ifndef WISP_TRAIN_PARAMETERS_H_
#define WISP_TRAIN_PARAMETERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/core/large_buffer.h"
#include "src/format/wisp_file.h"
#include "src/model/model.h"
#include "src/model/weights.h"

namespace wisp {

class Parameters {
 public:
  // Copies the f32 weights of `model`, in its file's tensor order.
  static absl::StatusOr<Parameters> CopyFrom(const Model& model);
  // The same layout, all zeros.
  static Parameters ZerosLike(const Parameters& other);

  Parameters() = default;
  Parameters(const Parameters& other);
  Parameters& operator=(const Parameters& other);
  // Moving keeps the buffer, so the views stay valid.
  Parameters(Parameters&&) = default;
  Parameters& operator=(Parameters&&) = default;

  float* data() { return values_.get(); }
  const float* data() const { return values_.get(); }
  size_t size() const { return values_.size(); }
  void SetZero();

  // Tensor views into this buffer (dtype f32), for binding and for writing.
  const std::vector<TensorView>& tensors() const { return views_; }
  const TensorView* Find(const std::string& name) const;
  float* Mutable(const TensorView& view) {
    return values_.get() + (view.data - bytes()) / sizeof(float);
  }
  // Whether AdamW decays this tensor: matrices and embeddings (rank >= 2),
  // not norm weights or biases.
  static bool Decays(const TensorView& view) { return view.shape.size() >= 2; }

  // The weights of a model with `config` bound to this buffer.
  absl::StatusOr<ModelWeights> Bind(const ModelConfig& config) const;
  // The same, writable: for gradients and for the optimizer's view.
  absl::StatusOr<ModelGradients> BindMutable(const ModelConfig& config);

  // The tensors as a file writer wants them (borrowing this buffer), with
  // names prefixed by `prefix` (e.g. "adam.m." for optimizer moments).
  std::vector<TensorToWrite> ToWrite(const std::string& prefix = "") const;

  // Copies values from `file` tensors named prefix + name, checking shapes.
  absl::Status LoadFrom(const WispFile& file, const std::string& prefix = "");

 private:
  const uint8_t* bytes() const {
    return reinterpret_cast<const uint8_t*>(values_.get());
  }
  void Layout(const std::vector<TensorView>& like);

  // Zeroed at allocation without being written (AllocateLargeZeroed): the
  // gradients and both moments of a 124M model are 1.5 GB whose pages the
  // first step's threads then commit in parallel.
  LargeArray<float> values_;
  std::vector<TensorView> views_;
};

}  // namespace wisp

#endif  // WISP_TRAIN_PARAMETERS_H_
