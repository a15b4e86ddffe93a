#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "src/format/crc32c.h"
#include "src/format/crc32c_parallel.h"
#include "src/format/header_codec.h"
#include "src/format/metadata_alignment.h"
#include "src/format/wisp_file.h"
#include "src/format/wisp_generated.h"

namespace wisp {
namespace {

constexpr size_t kMaxRank = 8;

absl::Status Corrupt(const std::string& path, const std::string& what) {
  return absl::DataLossError(absl::StrCat(path, ": ", what));
}

ModelConfig ConfigFromFlatBuffer(const fb::ModelConfig& c) {
  ModelConfig config;
  if (c.architecture()) config.architecture = c.architecture()->str();
  config.dim = c.dim();
  config.hidden_dim = c.hidden_dim();
  config.n_layers = c.n_layers();
  config.n_heads = c.n_heads();
  config.n_kv_heads = c.n_kv_heads();
  config.vocab_size = c.vocab_size();
  config.max_seq_len = c.max_seq_len();
  config.norm_eps = c.norm_eps();
  config.rope_theta = c.rope_theta();
  config.norm = static_cast<NormKind>(c.norm());
  config.positions = static_cast<PositionKind>(c.positions());
  config.mlp = static_cast<MlpKind>(c.mlp());
  config.mask = static_cast<MaskKind>(c.mask());
  config.tied_embeddings = c.tied_embeddings();
  config.norm_position = static_cast<NormPosition>(c.norm_position());
  config.linear_bias = c.linear_bias();
  config.embedding_norm = c.embedding_norm();
  config.final_norm = c.final_norm();
  config.mlm_head = c.mlm_head();
  return config;
}

absl::StatusOr<TokenizerData> TokenizerFromFlatBuffer(const fb::Tokenizer& t) {
  TokenizerData data;
  if (static_cast<uint8_t>(t.kind()) > 2) {
    return absl::DataLossError("unknown tokenizer kind");
  }
  data.kind = static_cast<TokenizerKind>(t.kind());
  data.bos_id = t.bos_id();
  data.eos_id = t.eos_id();
  data.unk_id = t.unk_id();
  data.max_piece_length = t.max_piece_length();
  data.mask_id = t.mask_id();
  data.pad_id = t.pad_id();
  const auto* offsets = t.piece_offsets();
  const auto* bytes = t.piece_bytes();
  const size_t num_bytes = bytes ? bytes->size() : 0;
  // Offsets without bytes can only name empty pieces (the check below).
  const char* piece_bytes =
      bytes ? reinterpret_cast<const char*>(bytes->data()) : "";
  if (offsets && offsets->size() > 0) {
    const size_t n = offsets->size() - 1;
    data.pieces.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t begin = offsets->Get(i), end = offsets->Get(i + 1);
      if (begin > end || end > num_bytes) {
        return absl::DataLossError(
            absl::StrCat("tokenizer piece ", i, " has bad offsets"));
      }
      data.pieces.emplace_back(piece_bytes + begin, end - begin);
    }
  }
  if (const auto* scores = t.scores()) {
    data.scores.assign(scores->begin(), scores->end());
  }
  if (!data.scores.empty() && data.scores.size() != data.pieces.size()) {
    return absl::DataLossError(
        "tokenizer has a different number of scores "
        "and pieces");
  }
  const int32_t n = static_cast<int32_t>(data.pieces.size());
  if (const auto* merges = t.merges()) {
    if (merges->size() % 2 != 0) {
      return absl::DataLossError("tokenizer merges are not pairs");
    }
    data.merges.reserve(merges->size() / 2);
    for (size_t i = 0; i < merges->size(); i += 2) {
      const int32_t left = merges->Get(i), right = merges->Get(i + 1);
      if (left < 0 || left >= n || right < 0 || right >= n) {
        return absl::DataLossError(absl::StrCat("tokenizer merge ", i / 2,
                                                " names a token id out "
                                                "of range"));
      }
      data.merges.emplace_back(left, right);
    }
  }
  for (int32_t id :
       {data.bos_id, data.eos_id, data.unk_id, data.mask_id, data.pad_id}) {
    if (id < -1 || id >= n) {
      return absl::DataLossError(
          absl::StrCat("tokenizer special id ", id, " is out of range"));
    }
  }
  return data;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WispFile>> WispFile::Open(
    const std::string& path, const ReadOptions& options) {
  absl::StatusOr<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(path);
  if (!mapped.ok()) return mapped.status();
  std::unique_ptr<WispFile> file(new WispFile());
  file->file_ = std::move(*mapped);
  absl::Status status = file->Parse(options);
  if (!status.ok()) return status;
  return file;
}

const TensorView* WispFile::Find(const std::string& name) const {
  for (const TensorView& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

absl::Status WispFile::Parse(const ReadOptions& options) {
  const std::string& path = file_->path();
  const uint8_t* base = file_->data();
  absl::StatusOr<FileHeader> header =
      format_internal::DecodeHeader(base, file_->size());
  if (!header.ok()) {
    return absl::Status(header.status().code(),
                        absl::StrCat(path, ": ", header.status().message()));
  }
  header_ = *header;

  const uint8_t* meta = base + header_.metadata_offset;
  if (Crc32c(meta, header_.metadata_length) != header_.metadata_crc32c) {
    return Corrupt(path, "metadata checksum mismatch");
  }
  flatbuffers::Verifier verifier(meta, header_.metadata_length);
  if (!fb::VerifyFileBuffer(verifier)) {
    return Corrupt(path, "metadata fails FlatBuffers verification");
  }
  const fb::File* root = fb::GetFile(meta);
  if (!format_internal::WideArraysAligned(*root)) {
    return Corrupt(path, "metadata has a misaligned 64-bit array");
  }
  if (static_cast<uint8_t>(root->kind()) > 2) {
    return Corrupt(path, "unknown file kind");
  }
  kind_ = static_cast<FileKind>(root->kind());
  if (root->source()) source_ = root->source()->str();
  if (const fb::TrainingState* t = root->training()) {
    has_training_ = true;
    training_.step = t->step();
    training_.data_epoch = t->data_epoch();
    training_.data_cursor = t->data_cursor();
    if (t->rng_state()) {
      training_.rng_state.assign(t->rng_state()->begin(),
                                 t->rng_state()->end());
    }
    training_.seed = t->seed();
    training_.tokens_seen = t->tokens_seen();
  }
  if (root->config()) {
    has_config_ = true;
    config_ = ConfigFromFlatBuffer(*root->config());
    absl::Status valid = ValidateConfig(config_);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", valid.message()));
    }
  }
  if (root->tokenizer()) {
    absl::StatusOr<TokenizerData> tokenizer =
        TokenizerFromFlatBuffer(*root->tokenizer());
    if (!tokenizer.ok()) {
      return Corrupt(path, std::string(tokenizer.status().message()));
    }
    tokenizer_ = std::move(*tokenizer);
  }

  // Every tensor must lie inside the data section, aligned, with a byte
  // length that its dtype and shape explain, and no two may overlap.
  const uint8_t* data = base + header_.data_offset;
  absl::flat_hash_set<std::string> names;
  std::vector<std::pair<uint64_t, uint64_t>> extents;
  if (const auto* tensors = root->tensors()) {
    tensors_.reserve(tensors->size());
    for (const fb::Tensor* t : *tensors) {
      TensorView view;
      view.name = t->name()->str();
      const std::string where = absl::StrCat("tensor '", view.name, "': ");
      if (!names.insert(view.name).second) {
        return Corrupt(path, where + "duplicate name");
      }
      if (static_cast<uint8_t>(t->dtype()) > 3) {
        return Corrupt(path, where + "unknown dtype");
      }
      view.dtype = static_cast<DType>(t->dtype());
      if (!t->shape() || t->shape()->size() == 0 ||
          t->shape()->size() > kMaxRank) {
        return Corrupt(path, where + "rank must be 1 to 8");
      }
      uint64_t elements = 1;
      for (uint64_t d : *t->shape()) {
        if (d == 0 || elements > std::numeric_limits<uint64_t>::max() / d) {
          return Corrupt(path, where + "zero or overflowing dimension");
        }
        elements *= d;
        view.shape.push_back(d);
      }
      const uint64_t size = DTypeSize(view.dtype);
      if (elements > std::numeric_limits<uint64_t>::max() / size ||
          elements * size != t->byte_length()) {
        return Corrupt(path,
                       absl::StrCat(where, "byte length ", t->byte_length(),
                                    " does not match ", DTypeName(view.dtype),
                                    " shape with ", elements, " elements"));
      }
      const uint64_t offset = t->offset();
      view.byte_length = t->byte_length();
      if (offset % FileHeader::kAlignment != 0 ||
          offset > header_.data_length ||
          view.byte_length > header_.data_length - offset) {
        return Corrupt(
            path,
            absl::StrCat(where, "bytes [", offset, ", +", view.byte_length,
                         ") are misaligned or outside the ",
                         header_.data_length, "-byte tensor section"));
      }
      view.data = data + offset;
      view.offset = offset;
      view.crc32c = t->crc32c();
      extents.emplace_back(offset, view.byte_length);
      tensors_.push_back(std::move(view));
    }
  }
  std::sort(extents.begin(), extents.end());
  for (size_t i = 1; i < extents.size(); ++i) {
    if (extents[i - 1].first + extents[i - 1].second > extents[i].first) {
      return Corrupt(path, "two tensors overlap");
    }
  }
  if (options.verify_checksums) {
    // Two threads: one core's CRC is slower than the page cache can deliver
    // the 500 MB of GPT-2, and a load must not take more of the machine.
    std::vector<ByteRange> ranges;
    ranges.reserve(tensors_.size());
    for (const TensorView& view : tensors_) {
      ranges.push_back({view.data, view.byte_length});
    }
    const std::vector<uint32_t> crcs = Crc32cOfRanges(ranges, 2);
    for (size_t i = 0; i < tensors_.size(); ++i) {
      if (crcs[i] != tensors_[i].crc32c) {
        return Corrupt(path, absl::StrCat("tensor '", tensors_[i].name,
                                          "': checksum mismatch (corrupt "
                                          "bytes)"));
      }
    }
    // With checksums on, every byte of the file is accounted for: padding
    // must be zero, so that no flipped byte anywhere goes unnoticed.
    uint64_t covered = header_.metadata_offset + header_.metadata_length;
    auto check_zeros = [&](uint64_t begin, uint64_t end) {
      for (uint64_t i = begin; i < end; ++i) {
        if (base[i] != 0) return false;
      }
      return true;
    };
    if (!check_zeros(FileHeader::kSize, header_.metadata_offset) ||
        !check_zeros(covered, header_.data_offset)) {
      return Corrupt(path, "non-zero padding before the tensor section");
    }
    uint64_t cursor = 0;
    for (const auto& [offset, length] : extents) {
      if (!check_zeros(header_.data_offset + cursor,
                       header_.data_offset + offset)) {
        return Corrupt(path, "non-zero padding between tensors");
      }
      cursor = offset + length;
    }
    if (!check_zeros(header_.data_offset + cursor,
                     header_.data_offset + header_.data_length) ||
        header_.data_offset + header_.data_length != file_->size()) {
      return Corrupt(path, "unexpected bytes after the last tensor");
    }
  }
  return absl::OkStatus();
}

}  // namespace wisp
