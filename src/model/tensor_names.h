// The names of a model's tensors inside .wisp files, the same for every
// family. They follow the PyTorch names of llama2.c's model.py
// (tok_embeddings.weight, layers.N.attention.wq.weight, ...); other families
// are renamed on import (GPT-2's fused c_attn is split into wq, wk, wv).
// Biases and LayerNorm shifts are the weight's name with ".bias".
#ifndef WISP_MODEL_TENSOR_NAMES_H_
#define WISP_MODEL_TENSOR_NAMES_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace wisp {

struct TensorNames {
  static std::string TokenEmbedding() { return "tok_embeddings.weight"; }
  static std::string FinalNorm() { return "norm.weight"; }
  static std::string Output() { return "output.weight"; }
  // Learned absolute positions [max_seq_len, dim] (GPT-2, BERT).
  static std::string PositionEmbedding() { return "pos_embeddings.weight"; }
  // The norm on the embeddings (BERT).
  static std::string EmbeddingNorm() { return "emb_norm.weight"; }
  // The masked-LM head before the decoder (BERT): dense, GELU, norm.
  static std::string MlmDense() { return "mlm_head.dense.weight"; }
  static std::string MlmNorm() { return "mlm_head.norm.weight"; }

  // The bias that goes with a weight: "x.weight" -> "x.bias" (LayerNorm
  // shifts, linear biases, the decoder bias "output.bias").
  static std::string Bias(const std::string& weight_name) {
    const std::string suffix = ".weight";
    return weight_name.substr(0, weight_name.size() - suffix.size()) + ".bias";
  }

  static std::string AttentionNorm(uint32_t l) {
    return Layer(l, "attention_norm.weight");
  }
  static std::string Wq(uint32_t l) { return Layer(l, "attention.wq.weight"); }
  static std::string Wk(uint32_t l) { return Layer(l, "attention.wk.weight"); }
  static std::string Wv(uint32_t l) { return Layer(l, "attention.wv.weight"); }
  static std::string Wo(uint32_t l) { return Layer(l, "attention.wo.weight"); }
  static std::string FfnNorm(uint32_t l) { return Layer(l, "ffn_norm.weight"); }
  static std::string W1(uint32_t l) {
    return Layer(l, "feed_forward.w1.weight");
  }
  static std::string W2(uint32_t l) {
    return Layer(l, "feed_forward.w2.weight");
  }
  static std::string W3(uint32_t l) {
    return Layer(l, "feed_forward.w3.weight");
  }

 private:
  static std::string Layer(uint32_t l, const char* suffix) {
    return absl::StrCat("layers.", l, ".", suffix);
  }
};

}  // namespace wisp

#endif  // WISP_MODEL_TENSOR_NAMES_H_
