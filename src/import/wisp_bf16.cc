#include "src/import/wisp_bf16.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/kernels/bf16.h"
#include "src/model/tensor_names.h"

namespace wisp {
namespace {

bool IsWeightMatrix(const TensorView& t) {
  return t.shape.size() == 2 && t.name != TensorNames::PositionEmbedding();
}

}  // namespace

absl::Status ConvertWispToBf16(const std::string& in_path,
                               const std::string& out_path,
                               const WriteProgress& progress) {
  absl::StatusOr<std::unique_ptr<WispFile>> file = WispFile::Open(in_path);
  if (!file.ok()) return file.status();
  const WispFile& in = **file;
  if (in.kind() != FileKind::kModel || !in.has_config()) {
    return absl::InvalidArgumentError(
        absl::StrCat(in_path, ": only model files convert to bf16, this is a ",
                     FileKindName(in.kind())));
  }
  FileContents contents;
  contents.kind = FileKind::kModel;
  contents.config = in.config();
  contents.tokenizer = in.tokenizer();
  contents.source = in.source();
  // The rounded tensors live here until written; the rest are borrowed from
  // the input's mapping, which stays open until then.
  std::vector<std::vector<uint16_t>> rounded;
  rounded.reserve(in.tensors().size());
  for (const TensorView& t : in.tensors()) {
    TensorToWrite out;
    out.name = t.name;
    out.shape = t.shape;
    out.dtype = t.dtype;
    out.bytes = absl::MakeConstSpan(t.data, t.byte_length);
    if (t.dtype == DType::kF32 && IsWeightMatrix(t)) {
      std::vector<uint16_t>& half = rounded.emplace_back(t.num_elements());
      const float* values = t.f32();
      for (size_t i = 0; i < half.size(); ++i) {
        half[i] = kernels::F32ToBf16(values[i]);
      }
      out.dtype = DType::kBF16;
      out.bytes =
          absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(half.data()),
                              half.size() * sizeof(uint16_t));
    }
    contents.tensors.push_back(std::move(out));
  }
  return WriteWispFile(out_path, contents, progress);
}

}  // namespace wisp
