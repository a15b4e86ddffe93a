#include <vector>

#include "absl/strings/str_cat.h"
#include "src/format/atomic_file.h"
#include "src/format/crc32c.h"
#include "src/format/header_codec.h"
#include "src/format/wisp_file.h"
#include "src/format/wisp_generated.h"

namespace wisp {
namespace {

uint64_t AlignUp(uint64_t value) {
  const uint64_t a = FileHeader::kAlignment;
  return (value + a - 1) / a * a;
}

flatbuffers::Offset<fb::ModelConfig> BuildConfig(
    flatbuffers::FlatBufferBuilder& b, const ModelConfig& c) {
  auto arch = b.CreateString(c.architecture);
  fb::ModelConfigBuilder config(b);
  config.add_architecture(arch);
  config.add_dim(c.dim);
  config.add_hidden_dim(c.hidden_dim);
  config.add_n_layers(c.n_layers);
  config.add_n_heads(c.n_heads);
  config.add_n_kv_heads(c.n_kv_heads);
  config.add_vocab_size(c.vocab_size);
  config.add_max_seq_len(c.max_seq_len);
  config.add_norm_eps(c.norm_eps);
  config.add_rope_theta(c.rope_theta);
  config.add_norm(static_cast<fb::NormKind>(c.norm));
  config.add_positions(static_cast<fb::PositionKind>(c.positions));
  config.add_mlp(static_cast<fb::MlpKind>(c.mlp));
  config.add_mask(static_cast<fb::MaskKind>(c.mask));
  config.add_tied_embeddings(c.tied_embeddings);
  config.add_norm_position(static_cast<fb::NormPosition>(c.norm_position));
  config.add_linear_bias(c.linear_bias);
  config.add_embedding_norm(c.embedding_norm);
  config.add_final_norm(c.final_norm);
  config.add_mlm_head(c.mlm_head);
  return config.Finish();
}

flatbuffers::Offset<fb::Tokenizer> BuildTokenizer(
    flatbuffers::FlatBufferBuilder& b, const TokenizerData& t) {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offsets = {0};
  for (const std::string& piece : t.pieces) {
    bytes.insert(bytes.end(), piece.begin(), piece.end());
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  auto piece_bytes = b.CreateVector(bytes);
  auto piece_offsets = b.CreateVector(offsets);
  auto scores = b.CreateVector(t.scores);
  std::vector<int32_t> flat_merges;
  for (const auto& [left, right] : t.merges) {
    flat_merges.push_back(left);
    flat_merges.push_back(right);
  }
  auto merges = b.CreateVector(flat_merges);
  fb::TokenizerBuilder tokenizer(b);
  tokenizer.add_kind(static_cast<fb::TokenizerKind>(t.kind));
  tokenizer.add_piece_bytes(piece_bytes);
  tokenizer.add_piece_offsets(piece_offsets);
  tokenizer.add_scores(scores);
  tokenizer.add_bos_id(t.bos_id);
  tokenizer.add_eos_id(t.eos_id);
  tokenizer.add_unk_id(t.unk_id);
  tokenizer.add_max_piece_length(t.max_piece_length);
  tokenizer.add_merges(merges);
  tokenizer.add_mask_id(t.mask_id);
  tokenizer.add_pad_id(t.pad_id);
  return tokenizer.Finish();
}

absl::Status WriteZeros(AtomicFile& out, uint64_t size) {
  static const uint8_t zeros[FileHeader::kAlignment] = {};
  return out.Write(zeros, size);
}

}  // namespace

absl::Status WriteWispFile(const std::string& path,
                           const FileContents& contents,
                           const WriteProgress& progress) {
  if (contents.has_config) {
    absl::Status valid = ValidateConfig(contents.config);
    if (!valid.ok()) return valid;
  }
  // Lay the tensors out first: the directory records their offsets.
  std::vector<uint64_t> offsets;
  uint64_t data_length = 0;
  for (const TensorToWrite& t : contents.tensors) {
    uint64_t elements = 1;
    for (uint64_t d : t.shape) elements *= d;
    if (t.shape.empty() || elements * DTypeSize(t.dtype) != t.bytes.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor '", t.name, "': ", t.bytes.size(),
                       " bytes do not match its dtype and shape"));
    }
    offsets.push_back(data_length);
    data_length = AlignUp(data_length + t.bytes.size());
  }

  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (size_t i = 0; i < contents.tensors.size(); ++i) {
    const TensorToWrite& t = contents.tensors[i];
    auto name = b.CreateString(t.name);
    auto shape = b.CreateVector(t.shape);
    tensors.push_back(fb::CreateTensor(b, name, static_cast<fb::DType>(t.dtype),
                                       shape, offsets[i], t.bytes.size(),
                                       Crc32c(t.bytes.data(), t.bytes.size())));
  }
  auto tensor_vector = b.CreateVector(tensors);
  auto source = b.CreateString(contents.source);
  flatbuffers::Offset<fb::ModelConfig> config;
  if (contents.has_config) config = BuildConfig(b, contents.config);
  flatbuffers::Offset<fb::Tokenizer> tokenizer;
  if (contents.tokenizer.kind != TokenizerKind::kNone) {
    tokenizer = BuildTokenizer(b, contents.tokenizer);
  }
  flatbuffers::Offset<fb::TrainingState> training;
  if (contents.training) {
    const TrainingState& t = *contents.training;
    training = fb::CreateTrainingState(b, t.step, t.data_epoch, t.data_cursor,
                                       b.CreateVector(t.rng_state), t.seed,
                                       t.tokens_seen);
  }
  fb::FileBuilder file(b);
  file.add_kind(static_cast<fb::FileKind>(contents.kind));
  if (contents.has_config) file.add_config(config);
  if (contents.tokenizer.kind != TokenizerKind::kNone) {
    file.add_tokenizer(tokenizer);
  }
  file.add_tensors(tensor_vector);
  file.add_source(source);
  if (contents.training) file.add_training(training);
  fb::FinishFileBuffer(b, file.Finish());

  FileHeader header;
  header.metadata_offset = FileHeader::kSize;
  header.metadata_length = b.GetSize();
  header.data_offset = AlignUp(header.metadata_offset + header.metadata_length);
  header.data_length = data_length;
  header.metadata_crc32c = Crc32c(b.GetBufferPointer(), b.GetSize());

  AtomicFile out(path);
  absl::Status status = out.Open();
  const auto header_bytes = format_internal::EncodeHeader(header);
  if (status.ok()) status = out.Write(header_bytes.data(), header_bytes.size());
  if (status.ok()) status = out.Write(b.GetBufferPointer(), b.GetSize());
  if (status.ok()) {
    status = WriteZeros(out, header.data_offset - header.metadata_offset -
                                 header.metadata_length);
  }
  uint64_t written = 0;
  for (size_t i = 0; status.ok() && i < contents.tensors.size(); ++i) {
    const TensorToWrite& t = contents.tensors[i];
    status = out.Write(t.bytes.data(), t.bytes.size());
    if (status.ok())
      status = WriteZeros(out, AlignUp(t.bytes.size()) - t.bytes.size());
    written += t.bytes.size();
    if (status.ok() && progress && !progress(written, data_length)) {
      status = absl::CancelledError("write cancelled");
    }
  }
  if (!status.ok()) return status;
  return out.Commit();
}

}  // namespace wisp
