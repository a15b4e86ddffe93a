#include "src/import/onnx_tensor_mapper.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace wisp {

std::string ShapeString(const std::vector<uint64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

absl::StatusOr<const OnnxTensor*> TensorMapper::Get(
    const std::string& name, const std::vector<uint64_t>& shape) {
  const OnnxTensor* t = graph_.Find(name);
  if (t == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing tensor '", name, "'"));
  }
  if (t->data_type != static_cast<int32_t>(OnnxType::kFloat)) {
    const bool half =
        t->data_type == static_cast<int32_t>(OnnxType::kFloat16) ||
        t->data_type == static_cast<int32_t>(OnnxType::kBFloat16);
    const std::string message =
        absl::StrCat("tensor '", name, "' is ", OnnxTypeName(t->data_type),
                     "; only FLOAT (float32) weights can be imported",
                     half ? " for now (export the model in float32)" : "");
    return half ? absl::UnimplementedError(message)
                : absl::InvalidArgumentError(message);
  }
  std::vector<uint64_t> dims(t->dims.begin(), t->dims.end());
  if (!shape.empty() && dims != shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "' has shape ", ShapeString(dims),
                     ", expected ", ShapeString(shape)));
  }
  return t;
}

absl::Status TensorMapper::Copy(const std::string& dst, const std::string& src,
                                const std::vector<uint64_t>& shape) {
  absl::StatusOr<const OnnxTensor*> t = Get(src, shape);
  if (!t.ok()) return t.status();
  out_->tensors.push_back({dst, DType::kF32, shape, (*t)->bytes});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> TensorMapper::Matrix(const std::string& src,
                                                        uint64_t rows,
                                                        uint64_t cols,
                                                        bool transposed) {
  absl::StatusOr<const OnnxTensor*> t =
      Get(src, transposed ? std::vector<uint64_t>{cols, rows}
                          : std::vector<uint64_t>{rows, cols});
  if (!t.ok()) return t.status();
  std::vector<float> m = (*t)->Floats();
  if (!transposed) return m;
  std::vector<float> result(m.size());
  for (uint64_t r = 0; r < rows; ++r) {
    for (uint64_t c = 0; c < cols; ++c) result[r * cols + c] = m[c * rows + r];
  }
  return result;
}

void TensorMapper::Add(const std::string& dst, std::vector<uint64_t> shape,
                       std::vector<float> values) {
  const std::vector<float>& kept =
      out_->storage.emplace_back(std::move(values));
  out_->tensors.push_back(
      {dst, DType::kF32, std::move(shape),
       absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(kept.data()),
                           kept.size() * sizeof(float))});
}

void TensorMapper::AddRows(const std::string& dst, const std::vector<float>& m,
                           uint64_t cols, uint64_t begin, uint64_t count) {
  Add(dst, {count, cols},
      std::vector<float>(m.begin() + begin * cols,
                         m.begin() + (begin + count) * cols));
}

void TensorMapper::AddSlice(const std::string& dst, const std::vector<float>& v,
                            uint64_t begin, uint64_t count) {
  Add(dst, {count},
      std::vector<float>(v.begin() + begin, v.begin() + begin + count));
}

}  // namespace wisp
