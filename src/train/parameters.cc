#include "src/train/parameters.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace wisp {

void Parameters::Layout(const std::vector<TensorView>& like) {
  size_t total = 0;
  for (const TensorView& t : like) total += t.num_elements();
  values_.assign(total, 0.0f);
  views_.clear();
  size_t offset = 0;
  for (const TensorView& t : like) {
    TensorView view;
    view.name = t.name;
    view.dtype = DType::kF32;
    view.shape = t.shape;
    view.data = bytes() + offset * sizeof(float);
    view.offset = offset * sizeof(float);
    view.byte_length = t.num_elements() * sizeof(float);
    views_.push_back(std::move(view));
    offset += t.num_elements();
  }
}

absl::StatusOr<Parameters> Parameters::CopyFrom(const Model& model) {
  Parameters p;
  for (const TensorView& t : model.file().tensors()) {
    if (t.dtype != DType::kF32) {
      return absl::UnimplementedError(
          absl::StrCat("training needs f32 weights; tensor '", t.name, "' is ",
                       DTypeName(t.dtype)));
    }
  }
  p.Layout(model.file().tensors());
  for (size_t i = 0; i < p.views_.size(); ++i) {
    const TensorView& src = model.file().tensors()[i];
    std::memcpy(p.Mutable(p.views_[i]), src.data, src.byte_length);
  }
  return p;
}

Parameters Parameters::ZerosLike(const Parameters& other) {
  Parameters p;
  p.Layout(other.views_);
  return p;
}

// Copies keep the layout but must re-point the views at their own buffer.
Parameters::Parameters(const Parameters& other) { *this = other; }

Parameters& Parameters::operator=(const Parameters& other) {
  if (this == &other) return *this;
  Layout(other.views_);
  values_ = other.values_;
  return *this;
}

void Parameters::SetZero() { std::fill(values_.begin(), values_.end(), 0.0f); }

const TensorView* Parameters::Find(const std::string& name) const {
  for (const TensorView& t : views_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

absl::StatusOr<ModelWeights> Parameters::Bind(const ModelConfig& config) const {
  return BindWeights(
      config, [this](const std::string& name) { return Find(name); },
      "trainable parameters");
}

absl::StatusOr<ModelGradients> Parameters::BindMutable(
    const ModelConfig& config) {
  absl::StatusOr<ModelWeights> bound = Bind(config);
  if (!bound.ok()) return bound.status();
  // The buffer is ours and writable; Bind only typed it const.
  auto mutable_ptr = [](const float* p) { return const_cast<float*>(p); };
  ModelGradients g;
  g.token_embedding = mutable_ptr(bound->token_embedding);
  g.final_norm = mutable_ptr(bound->final_norm);
  g.output = mutable_ptr(bound->output);
  for (const LayerWeights& l : bound->layers) {
    g.layers.push_back({mutable_ptr(l.attention_norm), mutable_ptr(l.wq),
                        mutable_ptr(l.wk), mutable_ptr(l.wv), mutable_ptr(l.wo),
                        mutable_ptr(l.ffn_norm), mutable_ptr(l.w1),
                        mutable_ptr(l.w2), mutable_ptr(l.w3)});
  }
  return g;
}

std::vector<TensorToWrite> Parameters::ToWrite(
    const std::string& prefix) const {
  std::vector<TensorToWrite> out;
  for (const TensorView& t : views_) {
    out.push_back({prefix + t.name, DType::kF32, t.shape,
                   absl::MakeConstSpan(t.data, t.byte_length)});
  }
  return out;
}

absl::Status Parameters::LoadFrom(const WispFile& file,
                                  const std::string& prefix) {
  for (const TensorView& t : views_) {
    const TensorView* src = file.Find(prefix + t.name);
    if (src == nullptr || src->shape != t.shape || src->dtype != DType::kF32) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.path(), ": tensor '", prefix, t.name,
                       "' is missing or has another shape or dtype"));
    }
    std::memcpy(Mutable(t), src->data, src->byte_length);
  }
  return absl::OkStatus();
}

}  // namespace wisp
