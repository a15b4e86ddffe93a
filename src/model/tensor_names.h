// The names of a model's tensors inside .wisp files. They follow the
// PyTorch/ONNX names of llama2.c's model.py (tok_embeddings.weight,
// layers.N.attention.wq.weight, ...), so that references and importers line
// up without renaming tables.
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
