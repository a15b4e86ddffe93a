#include "src/import/llama2c_checkpoint.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/format/mapped_file.h"
#include "src/import/llama2c_tokenizer.h"
#include "src/model/tensor_names.h"

namespace wisp {
namespace {

constexpr size_t kHeaderInts = 7;

absl::StatusOr<ModelConfig> ReadConfig(const MappedFile& file,
                                       bool* shared_classifier) {
  if (file.size() < kHeaderInts * sizeof(int32_t)) {
    return absl::DataLossError(
        absl::StrCat(file.path(), ": too short for a llama2.c header"));
  }
  int32_t h[kHeaderInts];
  std::memcpy(h, file.data(), sizeof(h));
  for (int i = 0; i < 7; ++i) {
    if (i != 5 && h[i] <= 0) {
      return absl::DataLossError(
          absl::StrCat(file.path(), ": llama2.c header field ", i, " is ", h[i],
                       " (not a llama2.c legacy checkpoint?)"));
    }
  }
  if (h[5] == 0 || h[5] == INT32_MIN) {
    return absl::DataLossError(absl::StrCat(file.path(), ": vocab size 0"));
  }
  *shared_classifier = h[5] > 0;
  ModelConfig config;
  config.architecture = "llama";
  config.dim = static_cast<uint32_t>(h[0]);
  config.hidden_dim = static_cast<uint32_t>(h[1]);
  config.n_layers = static_cast<uint32_t>(h[2]);
  config.n_heads = static_cast<uint32_t>(h[3]);
  config.n_kv_heads = static_cast<uint32_t>(h[4]);
  config.vocab_size = static_cast<uint32_t>(h[5] > 0 ? h[5] : -h[5]);
  config.max_seq_len = static_cast<uint32_t>(h[6]);
  config.norm_eps = 1e-5f;  // run.c's rmsnorm constant
  config.rope_theta = 10000.0f;
  config.tied_embeddings = *shared_classifier;
  absl::Status valid = ValidateConfig(config);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path(), ": ", valid.message()));
  }
  return config;
}

// Cuts the float array after the header into named tensors, in run.c's order.
class WeightCursor {
 public:
  WeightCursor(const MappedFile& file, FileContents* out)
      : file_(file), out_(out), offset_(kHeaderInts * sizeof(int32_t)) {}

  // Takes the next tensor of `shape` and names it `name`.
  absl::Status Take(const std::string& name, std::vector<uint64_t> shape) {
    uint64_t elements = 1;
    for (uint64_t d : shape) elements *= d;
    const uint64_t bytes = elements * sizeof(float);
    absl::Status status = Check(bytes, name);
    if (!status.ok()) return status;
    out_->tensors.push_back(
        {name, DType::kF32, std::move(shape),
         absl::MakeConstSpan(file_.data() + offset_, bytes)});
    offset_ += bytes;
    return absl::OkStatus();
  }
  absl::Status Skip(uint64_t floats, const std::string& what) {
    absl::Status status = Check(floats * sizeof(float), what);
    if (status.ok()) offset_ += floats * sizeof(float);
    return status;
  }
  uint64_t offset() const { return offset_; }

 private:
  absl::Status Check(uint64_t bytes, const std::string& what) const {
    if (bytes > file_.size() - offset_) {
      return absl::DataLossError(absl::StrCat(
          file_.path(), ": truncated: ", what, " needs ", bytes,
          " bytes at offset ", offset_, " but the file has ", file_.size()));
    }
    return absl::OkStatus();
  }
  const MappedFile& file_;
  FileContents* out_;
  uint64_t offset_;
};

}  // namespace

absl::Status ConvertLlama2c(const std::string& checkpoint_path,
                            const std::string& tokenizer_path,
                            const std::string& out_path,
                            const WriteProgress& progress) {
  absl::StatusOr<std::unique_ptr<MappedFile>> file =
      MappedFile::Open(checkpoint_path);
  if (!file.ok()) return file.status();
  bool shared = true;
  absl::StatusOr<ModelConfig> config = ReadConfig(**file, &shared);
  if (!config.ok()) return config.status();

  FileContents contents;
  contents.kind = FileKind::kModel;
  contents.config = *config;
  contents.source = absl::StrCat("llama2.c checkpoint ", checkpoint_path);
  absl::StatusOr<TokenizerData> tokenizer = ReadLlama2cTokenizer(
      tokenizer_path, static_cast<int32_t>(config->vocab_size));
  if (!tokenizer.ok()) return tokenizer.status();
  contents.tokenizer = std::move(*tokenizer);

  const ModelConfig& c = *config;
  const uint64_t dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim();
  WeightCursor cursor(**file, &contents);
  // run.c stores each kind of weight for all layers together.
  struct PerLayer {
    std::string (*name)(uint32_t);
    std::vector<uint64_t> shape;
  };
  absl::Status status =
      cursor.Take(TensorNames::TokenEmbedding(), {c.vocab_size, dim});
  const PerLayer per_layer[] = {
      {&TensorNames::AttentionNorm, {dim}}, {&TensorNames::Wq, {dim, dim}},
      {&TensorNames::Wk, {kv_dim, dim}},    {&TensorNames::Wv, {kv_dim, dim}},
      {&TensorNames::Wo, {dim, dim}},       {&TensorNames::FfnNorm, {dim}},
      {&TensorNames::W1, {hidden, dim}},    {&TensorNames::W2, {dim, hidden}},
      {&TensorNames::W3, {hidden, dim}},
  };
  for (const PerLayer& kind : per_layer) {
    for (uint32_t l = 0; status.ok() && l < c.n_layers; ++l) {
      status = cursor.Take(kind.name(l), kind.shape);
    }
  }
  if (status.ok()) status = cursor.Take(TensorNames::FinalNorm(), {dim});
  // Legacy RoPE tables (freq_cis_real and _imag): wisp computes its own.
  if (status.ok()) {
    status = cursor.Skip(uint64_t{c.max_seq_len} * c.head_dim(), "RoPE tables");
  }
  if (status.ok() && !shared) {
    status = cursor.Take(TensorNames::Output(), {c.vocab_size, dim});
  }
  if (!status.ok()) return status;
  if (cursor.offset() != (*file)->size()) {
    return absl::DataLossError(absl::StrCat(
        checkpoint_path, ": ", (*file)->size() - cursor.offset(),
        " unexpected bytes after the weights (not a legacy llama2.c "
        "checkpoint, or a wrong header)"));
  }
  return WriteWispFile(out_path, contents, progress);
}

}  // namespace wisp
