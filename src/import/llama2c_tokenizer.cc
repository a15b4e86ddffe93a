#include "src/import/llama2c_tokenizer.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/import/read_file.h"

namespace wisp {
namespace {

// llama2.c's fixed special ids.
constexpr int32_t kUnkId = 0;
constexpr int32_t kBosId = 1;
constexpr int32_t kEosId = 2;

// Reads little-endian fields from a byte range, tracking the offset so every
// error can say where the file went wrong.
class FieldReader {
 public:
  FieldReader(std::string_view bytes, std::string_view name)
      : bytes_(bytes), name_(name.data(), name.size()) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }

  // The 4-byte fields are copied byte by byte: the format is little-endian
  // and so are all targets wisp builds for (checked at compile time below).
  bool Read4(void* out) {
    if (remaining() < 4) return false;
    std::memcpy(out, bytes_.data() + offset_, 4);
    offset_ += 4;
    return true;
  }
  std::string_view Take(size_t n) {
    std::string_view s = bytes_.substr(offset_, n);
    offset_ += n;
    return s;
  }

  absl::Status Error(size_t at, absl::string_view what) const {
    return absl::DataLossError(
        absl::StrCat(name_, ": offset ", at, ": ", what));
  }

 private:
  std::string_view bytes_;
  absl::string_view name_;
  size_t offset_ = 0;
};

static_assert(sizeof(float) == 4, "llama2.c scores are float32");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "llama2.c files are little-endian; add byte swapping for this target"
#endif

}  // namespace

absl::StatusOr<TokenizerData> ParseLlama2cTokenizer(std::string_view bytes,
                                                    int32_t vocab_size,
                                                    std::string_view name) {
  if (vocab_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(absl::string_view(name.data(), name.size()),
                     ": vocabulary size ", vocab_size, " must be positive"));
  }
  FieldReader in(bytes, name);
  int32_t max_token_length = 0;
  if (!in.Read4(&max_token_length)) {
    return in.Error(0, "truncated: no max_token_length header");
  }
  if (max_token_length < 0) {
    return in.Error(
        0, absl::StrCat("negative max_token_length ", max_token_length));
  }

  TokenizerData data;
  data.kind = TokenizerKind::kSentencePieceBpe;
  data.unk_id = kUnkId;
  data.bos_id = kBosId;
  data.eos_id = kEosId;
  data.max_piece_length = static_cast<uint32_t>(max_token_length);
  // Bounded by what the bytes can hold (8 per token), so an absurd
  // vocab_size cannot make this allocate much.
  const size_t expected = std::min<size_t>(vocab_size, in.remaining() / 8);
  data.pieces.reserve(expected);
  data.scores.reserve(expected);
  for (int32_t id = 0; id < vocab_size; ++id) {
    const size_t at = in.offset();
    float score = 0.0f;
    int32_t length = 0;
    if (!in.Read4(&score) || !in.Read4(&length)) {
      return in.Error(
          at, absl::StrCat("truncated at token ", id, " of ", vocab_size));
    }
    if (length < 0 || length > max_token_length) {
      return in.Error(at + 4, absl::StrCat("token ", id, " has length ", length,
                                           ", outside 0..", max_token_length));
    }
    if (static_cast<size_t>(length) > in.remaining()) {
      return in.Error(
          at + 8, absl::StrCat("truncated in token ", id, ": ", length,
                               " bytes expected, ", in.remaining(), " left"));
    }
    data.scores.push_back(score);
    data.pieces.emplace_back(in.Take(static_cast<size_t>(length)));
  }
  return data;
}

absl::StatusOr<TokenizerData> ReadLlama2cTokenizer(const std::string& path,
                                                   int32_t vocab_size) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path, "tokenizer file");
  if (!bytes.ok()) return bytes.status();
  return ParseLlama2cTokenizer(*bytes, vocab_size, path);
}

}  // namespace wisp
