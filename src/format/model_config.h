// The configuration of the one wisp transformer, as stored in a weight file
// and used by the model. Every supported family (LLaMA, GPT-2, BERT) is a
// setting of these fields, not a separate code path.
#ifndef WISP_FORMAT_MODEL_CONFIG_H_
#define WISP_FORMAT_MODEL_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace wisp {

enum class NormKind : uint8_t { kRmsNorm = 0, kLayerNorm = 1 };
enum class PositionKind : uint8_t { kRotary = 0, kLearned = 1 };
enum class MlpKind : uint8_t { kSwiGLU = 0, kGeluTanh = 1, kGeluErf = 2 };
enum class MaskKind : uint8_t { kCausal = 0, kBidirectional = 1, kPrefix = 2 };
enum class NormPosition : uint8_t { kPre = 0, kPost = 1 };

struct ModelConfig {
  std::string architecture = "llama";
  uint32_t dim = 0;
  uint32_t hidden_dim = 0;
  uint32_t n_layers = 0;
  uint32_t n_heads = 0;
  uint32_t n_kv_heads = 0;
  uint32_t vocab_size = 0;
  uint32_t max_seq_len = 0;
  float norm_eps = 1e-5f;
  float rope_theta = 10000.0f;
  NormKind norm = NormKind::kRmsNorm;
  PositionKind positions = PositionKind::kRotary;
  MlpKind mlp = MlpKind::kSwiGLU;
  MaskKind mask = MaskKind::kCausal;
  bool tied_embeddings = true;
  NormPosition norm_position = NormPosition::kPre;
  bool linear_bias = false;
  bool embedding_norm = false;
  bool final_norm = true;
  bool mlm_head = false;

  uint32_t head_dim() const { return n_heads ? dim / n_heads : 0; }
  uint32_t kv_dim() const { return head_dim() * n_kv_heads; }
};

// Caps far above any model wisp targets, low enough that products of them
// cannot overflow 64 bits or exhaust memory before a tensor is even read.
constexpr uint32_t kMaxDim = 1 << 16;
constexpr uint32_t kMaxHiddenDim = 1 << 18;
constexpr uint32_t kMaxLayers = 1024;
constexpr uint32_t kMaxHeads = 1024;
constexpr uint32_t kMaxVocab = 1 << 22;
constexpr uint32_t kMaxSeqLen = 1 << 20;

// Checks that a config describes a model wisp can build: positive sizes that
// divide as attention needs, finite epsilon, and sizes up to the caps above
// (so that a corrupt file cannot ask for terabytes). InvalidArgument otherwise.
absl::Status ValidateConfig(const ModelConfig& config);

const char* NormKindName(NormKind kind);
const char* PositionKindName(PositionKind kind);
const char* MlpKindName(MlpKind kind);
const char* MaskKindName(MaskKind kind);

}  // namespace wisp

#endif  // WISP_FORMAT_MODEL_CONFIG_H_
