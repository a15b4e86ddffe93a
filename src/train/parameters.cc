#include "src/train/parameters.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "src/kernels/bf16.h"

namespace wisp {

void Parameters::Layout(const std::vector<TensorView>& like) {
  size_t total = 0;
  for (const TensorView& t : like) total += t.num_elements();
  values_ = LargeArray<float>::Zeroed(total);
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
    if (t.dtype != DType::kF32 && t.dtype != DType::kBF16) {
      return absl::UnimplementedError(
          absl::StrCat("training needs f32 or bf16 weights; tensor '", t.name,
                       "' is ", DTypeName(t.dtype)));
    }
  }
  p.Layout(model.file().tensors());
  for (size_t i = 0; i < p.views_.size(); ++i) {
    const TensorView& src = model.file().tensors()[i];
    float* dst = p.Mutable(p.views_[i]);
    if (src.dtype == DType::kF32) {
      std::memcpy(dst, src.data, src.byte_length);
    } else {
      // bf16 weights train as f32 master copies (exact widening), so a
      // fine-tuned or exported model is f32.
      const uint16_t* bits = reinterpret_cast<const uint16_t*>(src.data);
      for (uint64_t j = 0; j < src.num_elements(); ++j) {
        dst[j] = kernels::Bf16ToF32(bits[j]);
      }
    }
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
  std::copy(other.data(), other.data() + other.size(), data());
  return *this;
}

void Parameters::SetZero() { std::fill(data(), data() + size(), 0.0f); }

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
  auto m = [](const float* p) { return const_cast<float*>(p); };
  const ModelWeights& w = *bound;
  ModelGradients g;
  g.token_embedding = m(w.token_embedding);
  g.position_embedding = m(w.position_embedding);
  g.embedding_norm = m(w.embedding_norm);
  g.embedding_norm_bias = m(w.embedding_norm_bias);
  g.final_norm = m(w.final_norm);
  g.final_norm_bias = m(w.final_norm_bias);
  g.mlm_dense = m(w.mlm_dense);
  g.mlm_dense_bias = m(w.mlm_dense_bias);
  g.mlm_norm = m(w.mlm_norm);
  g.mlm_norm_bias = m(w.mlm_norm_bias);
  g.output = m(w.output);
  g.output_bias = m(w.output_bias);
  for (const LayerWeights& l : w.layers) {
    LayerTensors<float> gl;
    gl.attention_norm = m(l.attention_norm);
    gl.attention_norm_bias = m(l.attention_norm_bias);
    gl.wq = m(l.wq);
    gl.wk = m(l.wk);
    gl.wv = m(l.wv);
    gl.wo = m(l.wo);
    gl.wq_bias = m(l.wq_bias);
    gl.wk_bias = m(l.wk_bias);
    gl.wv_bias = m(l.wv_bias);
    gl.wo_bias = m(l.wo_bias);
    gl.ffn_norm = m(l.ffn_norm);
    gl.ffn_norm_bias = m(l.ffn_norm_bias);
    gl.w1 = m(l.w1);
    gl.w2 = m(l.w2);
    gl.w3 = m(l.w3);
    gl.w1_bias = m(l.w1_bias);
    gl.w2_bias = m(l.w2_bias);
    gl.w3_bias = m(l.w3_bias);
    g.layers.push_back(gl);
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
