#include "src/model/model.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace wisp {

absl::StatusOr<std::unique_ptr<Model>> Model::Load(const std::string& path,
                                                   const LoadOptions& options) {
  ReadOptions read;
  read.verify_checksums = options.verify_checksums;
  absl::StatusOr<std::unique_ptr<WispFile>> file = WispFile::Open(path, read);
  if (!file.ok()) return file.status();
  std::unique_ptr<Model> model(new Model());
  model->file_ = std::move(*file);
  const WispFile& f = *model->file_;
  if (!f.has_config()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the file has no model config"));
  }
  absl::StatusOr<ModelWeights> weights = BindWeights(
      f.config(), [&f](const std::string& name) { return f.Find(name); }, path,
      &model->bf16_weights_);
  if (!weights.ok()) return weights.status();
  model->weights_ = std::move(*weights);
  const TokenizerData& tokenizer = model->file_->tokenizer();
  if (tokenizer.kind != TokenizerKind::kNone) {
    if (tokenizer.pieces.size() != model->config().vocab_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tokenizer has ", tokenizer.pieces.size(),
                       " tokens, the model ", model->config().vocab_size));
    }
    absl::StatusOr<std::unique_ptr<Tokenizer>> created =
        Tokenizer::Create(tokenizer);
    if (!created.ok()) return created.status();
    model->tokenizer_ = std::move(*created);
  }
  if (model->config().positions == PositionKind::kRotary) {
    model->BuildRopeTables();
  }
  return model;
}

bool Model::has_bf16_weights() const {
  for (const TensorView& t : file_->tensors()) {
    if (t.dtype == DType::kBF16) return true;
  }
  return false;
}

absl::Status Model::CheckTokenIds(absl::Span<const int32_t> ids) const {
  const uint32_t vocab = config().vocab_size;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || static_cast<uint32_t>(ids[i]) >= vocab) {
      return absl::InvalidArgumentError(
          absl::StrCat("token ", ids[i], " at index ", i,
                       " is outside the vocabulary [0, ", vocab, ")"));
    }
  }
  return absl::OkStatus();
}

void Model::BuildRopeTables() {
  const ModelConfig& c = config();
  const size_t half = c.head_dim() / 2;
  rope_cos_.resize(size_t{c.max_seq_len} * half);
  rope_sin_.resize(size_t{c.max_seq_len} * half);
  for (size_t pos = 0; pos < c.max_seq_len; ++pos) {
    for (size_t i = 0; i < half; ++i) {
      // Angles in double: positions up to 1M times frequencies near 1 would
      // lose most of float's mantissa before cos/sin.
      const double freq = std::pow(static_cast<double>(c.rope_theta),
                                   -static_cast<double>(2 * i) / c.head_dim());
      const double angle = static_cast<double>(pos) * freq;
      rope_cos_[pos * half + i] = static_cast<float>(std::cos(angle));
      rope_sin_[pos * half + i] = static_cast<float>(std::sin(angle));
    }
  }
}

}  // namespace wisp
