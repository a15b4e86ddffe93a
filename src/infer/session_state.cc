#include "src/infer/session_state.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/format/crc32c.h"
#include "src/format/little_endian.h"

namespace wisp {
namespace {

constexpr char kMagic[8] = {'W', 'I', 'S', 'P', 'S', 'T', 'A', 'T'};
constexpr uint32_t kVersion = 1;
// magic, version, reserved, fingerprint, n_layers, kv_dim, vocab, flags,
// position, prefix_len, sampler (5 x 4 bytes + seed + 4 rng words).
constexpr size_t kFixedBytes =
    8 + 4 + 4 + 8 + 4 + 4 + 4 + 4 + 8 + 8 + 5 * 4 + 8 + 4 * 8;
constexpr size_t kCrcBytes = 4;

// Little-endian writer and reader, independent of the host's byte order.
class Writer {
 public:
  explicit Writer(uint8_t* out) : p_(out) {}
  void U32(uint32_t v) {
    PutLittleEndian(p_, 0, v);
    p_ += 4;
  }
  void U64(uint64_t v) {
    PutLittleEndian(p_, 0, v);
    p_ += 8;
  }
  void F32(float f) {
    uint32_t v;
    std::memcpy(&v, &f, 4);
    U32(v);
  }
  void Bytes(const void* data, size_t n) {
    if (n == 0) return;  // data may be null then (an empty vector)
    std::memcpy(p_, data, n);
    p_ += n;
  }
  uint8_t* position() const { return p_; }

 private:
  uint8_t* p_;
};

class Reader {
 public:
  explicit Reader(const uint8_t* in) : p_(in) {}
  uint32_t U32() {
    const uint32_t v = GetLittleEndian<uint32_t>(p_, 0);
    p_ += 4;
    return v;
  }
  uint64_t U64() {
    const uint64_t v = GetLittleEndian<uint64_t>(p_, 0);
    p_ += 8;
    return v;
  }
  float F32() {
    const uint32_t v = U32();
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  const uint8_t* Skip(size_t n) {
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

 private:
  const uint8_t* p_;
};

// Floats and int32s are stored little-endian; on a little-endian host (every
// platform wisp targets today) that is a plain copy.
constexpr bool kHostIsLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
static_assert(kHostIsLittleEndian, "session state I/O assumes little-endian");

size_t PayloadBytes(size_t position, size_t n_layers, size_t kv_dim,
                    size_t vocab, bool has_logits) {
  return position * 4 + 2 * n_layers * position * kv_dim * 4 +
         (has_logits ? vocab * 4 : 0);
}

}  // namespace

uint64_t SessionState::ModelFingerprint(const Model& model) {
  // The metadata checksum covers the config, tokenizer and the tensor table
  // with every tensor's CRC; a second hash over the tensor CRCs and sizes
  // widens it to 64 bits.
  const WispFile& file = model.file();
  uint32_t tensors = 0;
  for (const TensorView& t : file.tensors()) {
    const uint64_t fields[2] = {t.crc32c, t.byte_length};
    tensors = Crc32c(fields, sizeof(fields), tensors);
  }
  return (uint64_t{file.header().metadata_crc32c} << 32) | tensors;
}

size_t SessionState::Size(const Session& session) {
  const ModelConfig& c = session.model().config();
  return kFixedBytes +
         PayloadBytes(session.position(), c.n_layers, c.kv_dim(), c.vocab_size,
                      session.has_logits_) +
         kCrcBytes;
}

void SessionState::Save(const Session& session, uint8_t* out) {
  const ModelConfig& c = session.model().config();
  const size_t position = session.position();
  const size_t kv_dim = c.kv_dim();
  Writer w(out);
  w.Bytes(kMagic, sizeof(kMagic));
  w.U32(kVersion);
  w.U32(0);
  w.U64(ModelFingerprint(session.model()));
  w.U32(c.n_layers);
  w.U32(static_cast<uint32_t>(kv_dim));
  w.U32(c.vocab_size);
  w.U32(session.has_logits_ ? 1 : 0);
  w.U64(position);
  w.U64(session.prefix_len_);
  const SamplerParams& sp = session.sampler_.params();
  w.F32(sp.temperature);
  w.U32(static_cast<uint32_t>(sp.top_k));
  w.F32(sp.top_p);
  w.F32(sp.repetition_penalty);
  w.U32(static_cast<uint32_t>(sp.repetition_last_n));
  w.U64(sp.seed);
  for (uint64_t word : session.sampler_.rng().state()) w.U64(word);
  w.Bytes(session.history_.data(), position * sizeof(int32_t));
  // The cache is [layer][capacity][kv_dim]; only the first `position` rows
  // of each layer hold anything.
  for (const float* cache : {session.keys_.get(), session.values_.get()}) {
    for (size_t layer = 0; layer < c.n_layers; ++layer) {
      w.Bytes(cache + layer * session.capacity_ * kv_dim,
              position * kv_dim * sizeof(float));
    }
  }
  if (session.has_logits_) {
    w.Bytes(session.logits_.data(), c.vocab_size * sizeof(float));
  }
  w.U32(Crc32c(out, static_cast<size_t>(w.position() - out)));
}

absl::Status SessionState::Load(absl::Span<const uint8_t> bytes,
                                Session* session) {
  const ModelConfig& c = session->model().config();
  if (bytes.size() < kFixedBytes + kCrcBytes ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::DataLossError(
        absl::StrCat("not a wisp session state (", bytes.size(),
                     " bytes, expected the WISPSTAT header)"));
  }
  Reader r(bytes.data() + sizeof(kMagic));
  const uint32_t version = r.U32();
  if (version != kVersion) {
    return absl::DataLossError(absl::StrCat("session state version ", version,
                                            " is not supported (this build "
                                            "reads version ",
                                            kVersion, ")"));
  }
  r.U32();  // reserved
  const uint64_t fingerprint = r.U64();
  const uint32_t n_layers = r.U32(), kv_dim = r.U32(), vocab = r.U32();
  const uint32_t flags = r.U32();
  const uint64_t position = r.U64(), prefix_len = r.U64();
  // Size and checksum first: a damaged state must read as damaged, not as
  // one from another model.
  const bool has_logits = (flags & 1) != 0;
  // Bounded dimensions keep the size arithmetic below from overflowing.
  const bool dims_ok =
      n_layers <= (1u << 16) && kv_dim <= (1u << 20) && vocab <= (1u << 24);
  const uint64_t bytes_per_token = 4 + uint64_t{2} * n_layers * kv_dim * 4;
  if (flags > 1 || !dims_ok ||
      position > (bytes.size() - kFixedBytes) / bytes_per_token ||
      bytes.size() !=
          kFixedBytes +
              PayloadBytes(position, n_layers, kv_dim, vocab, has_logits) +
              kCrcBytes) {
    return absl::DataLossError(
        absl::StrCat("session state is truncated or damaged: ", bytes.size(),
                     " bytes do not match its header (", position, " tokens)"));
  }
  const size_t body = bytes.size() - kCrcBytes;
  Reader crc_reader(bytes.data() + body);
  if (Crc32c(bytes.data(), body) != crc_reader.U32()) {
    return absl::DataLossError("session state is damaged: checksum mismatch");
  }
  if (fingerprint != ModelFingerprint(session->model()) ||
      n_layers != c.n_layers || kv_dim != c.kv_dim() || vocab != c.vocab_size) {
    return absl::FailedPreconditionError(
        "session state was saved from a different model (its weight file "
        "fingerprint differs); restore it into a session on the model it "
        "was saved with");
  }
  if (position > session->capacity_) {
    return absl::OutOfRangeError(absl::StrCat("session state holds ", position,
                                              " tokens, more than this "
                                              "session's context length ",
                                              session->capacity_));
  }
  if (prefix_len > position || (position > 0 && !has_logits)) {
    return absl::DataLossError("session state is inconsistent");
  }
  SamplerParams sp;
  sp.temperature = r.F32();
  sp.top_k = static_cast<int32_t>(r.U32());
  sp.top_p = r.F32();
  sp.repetition_penalty = r.F32();
  sp.repetition_last_n = static_cast<int32_t>(r.U32());
  sp.seed = r.U64();
  std::vector<uint64_t> rng(4);
  for (uint64_t& word : rng) word = r.U64();
  if (absl::Status valid = ValidateSamplerParams(sp); !valid.ok()) {
    return valid;
  }
  Rng check;
  if (!check.set_state(rng)) {
    return absl::DataLossError("session state has an invalid random state");
  }
  std::vector<int32_t> tokens(position);
  // memcpy with a null pointer is undefined even for 0 bytes, and an empty
  // vector's data() may be null.
  if (position > 0) {
    std::memcpy(tokens.data(), r.Skip(position * 4), position * 4);
  }
  if (absl::Status ids = session->model().CheckTokenIds(tokens); !ids.ok()) {
    return absl::DataLossError(
        absl::StrCat("session state is inconsistent: ", ids.message()));
  }

  // Everything is checked: from here on nothing fails.
  Session& s = *session;
  s.history_.assign(tokens.begin(), tokens.end());  // keeps its capacity
  s.prefix_len_ = prefix_len;
  for (float* cache : {s.keys_.get(), s.values_.get()}) {
    for (size_t layer = 0; layer < n_layers; ++layer) {
      std::memcpy(cache + layer * s.capacity_ * kv_dim,
                  r.Skip(position * kv_dim * 4), position * kv_dim * 4);
    }
  }
  s.has_logits_ = has_logits;
  if (has_logits) std::memcpy(s.logits_.data(), r.Skip(vocab * 4), vocab * 4);
  s.sampler_.Reset(sp);
  s.sampler_.rng().set_state(rng);
  return absl::OkStatus();
}

}  // namespace wisp
