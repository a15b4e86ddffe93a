#include "src/format/model_config.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace wisp {
namespace {

absl::Status CheckRange(const char* name, uint32_t value, uint32_t max) {
  if (value == 0 || value > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: ", name, " = ", value, " is outside [1, ", max, "]"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const ModelConfig& c) {
  for (const auto& [name, value, max] :
       {std::tuple<const char*, uint32_t, uint32_t>{"dim", c.dim, kMaxDim},
        {"hidden_dim", c.hidden_dim, kMaxHiddenDim},
        {"n_layers", c.n_layers, kMaxLayers},
        {"n_heads", c.n_heads, kMaxHeads},
        {"n_kv_heads", c.n_kv_heads, kMaxHeads},
        {"vocab_size", c.vocab_size, kMaxVocab},
        {"max_seq_len", c.max_seq_len, kMaxSeqLen}}) {
    absl::Status status = CheckRange(name, value, max);
    if (!status.ok()) return status;
  }
  if (c.dim % c.n_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: dim ", c.dim, " is not a multiple of n_heads ", c.n_heads));
  }
  if (c.n_kv_heads > c.n_heads || c.n_heads % c.n_kv_heads != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: n_heads ", c.n_heads,
                     " is not a multiple of n_kv_heads ", c.n_kv_heads));
  }
  if (c.positions == PositionKind::kRotary && c.head_dim() % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: rotary positions need an even head size, got ", c.head_dim()));
  }
  if (!std::isfinite(c.norm_eps) || c.norm_eps <= 0.0f) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: norm_eps must be positive, got ", c.norm_eps));
  }
  if (c.positions == PositionKind::kRotary &&
      (!std::isfinite(c.rope_theta) || c.rope_theta <= 1.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: rope_theta must be > 1, got ", c.rope_theta));
  }
  if (static_cast<uint8_t>(c.norm) > 1 ||
      static_cast<uint8_t>(c.positions) > 1 ||
      static_cast<uint8_t>(c.mlp) > 2 || static_cast<uint8_t>(c.mask) > 2 ||
      static_cast<uint8_t>(c.norm_position) > 1) {
    return absl::InvalidArgumentError(
        "config: unknown norm, position, MLP or "
        "mask kind");
  }
  return absl::OkStatus();
}

const char* NormKindName(NormKind kind) {
  return kind == NormKind::kRmsNorm ? "rmsnorm" : "layernorm";
}
const char* PositionKindName(PositionKind kind) {
  return kind == PositionKind::kRotary ? "rotary" : "learned";
}
const char* MlpKindName(MlpKind kind) {
  switch (kind) {
    case MlpKind::kSwiGLU:
      return "swiglu";
    case MlpKind::kGeluTanh:
      return "gelu_tanh";
    case MlpKind::kGeluErf:
      return "gelu_erf";
  }
  return "unknown";
}
const char* MaskKindName(MaskKind kind) {
  switch (kind) {
    case MaskKind::kCausal:
      return "causal";
    case MaskKind::kBidirectional:
      return "bidirectional";
    case MaskKind::kPrefix:
      return "prefix";
  }
  return "unknown";
}

}  // namespace wisp
