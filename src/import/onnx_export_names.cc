#include "src/import/onnx_export_names.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace wisp {

std::string ChooseOnnxNaming(const ModelConfig& c, bool has_output_bias,
                             OnnxNaming naming) {
  if (naming == OnnxNaming::kWisp) return "wisp";
  const bool learned_ln =
      c.norm == NormKind::kLayerNorm && c.positions == PositionKind::kLearned &&
      c.mlp != MlpKind::kSwiGLU && c.linear_bias && c.n_kv_heads == c.n_heads;
  if (c.norm == NormKind::kRmsNorm && c.positions == PositionKind::kRotary &&
      c.mlp == MlpKind::kSwiGLU && c.mask == MaskKind::kCausal &&
      c.norm_position == NormPosition::kPre && !c.linear_bias &&
      !c.embedding_norm && c.final_norm && !c.mlm_head && !has_output_bias) {
    return "llama2.c";
  }
  if (learned_ln && c.mask == MaskKind::kCausal &&
      c.norm_position == NormPosition::kPre && !c.embedding_norm &&
      c.final_norm && !c.mlm_head && !has_output_bias) {
    return "gpt2";
  }
  if (learned_ln && c.mask == MaskKind::kBidirectional &&
      c.norm_position == NormPosition::kPost && c.embedding_norm &&
      !c.final_norm && c.mlm_head && c.tied_embeddings && has_output_bias) {
    return "bert";
  }
  return "wisp";
}

bool FusesQkv(const std::string& naming) {
  return naming == "gpt2" || naming == "bert";
}

std::string OnnxTensorName(const std::string& naming,
                           const std::string& wisp_name) {
  // llama2.c's names are wisp's.
  if (!FusesQkv(naming)) return wisp_name;
  const std::string top = naming == "gpt2" ? "transformer." : "";
  const std::string kind =
      absl::EndsWith(wisp_name, ".bias") ? ".bias" : ".weight";
  const std::string module =
      wisp_name.substr(0, wisp_name.size() - kind.size());
  if (module == "tok_embeddings") return top + "wte" + kind;
  if (module == "pos_embeddings") return top + "wpe" + kind;
  if (module == "emb_norm") return "ln_emb" + kind;
  if (module == "norm") return top + "ln_f" + kind;
  // BERT's decoder bias is a parameter of its own; its decoder is tied.
  if (module == "output")
    return naming == "bert" ? "mlm_bias" : "lm_head" + kind;
  if (module == "mlm_head.dense") return "mlm_dense" + kind;
  if (module == "mlm_head.norm") return "mlm_ln" + kind;
  static const std::pair<const char*, const char*> kParts[] = {
      {"attention_norm", "ln_1"},      {"attention.wq", "attn.c_attn"},
      {"attention.wo", "attn.c_proj"}, {"ffn_norm", "ln_2"},
      {"feed_forward.w1", "mlp.c_fc"}, {"feed_forward.w2", "mlp.c_proj"},
  };
  // layers.N.<part>
  const std::string layers = "layers.";
  const size_t dot = module.find('.', layers.size());
  if (!absl::StartsWith(module, layers) || dot == std::string::npos) {
    return wisp_name;
  }
  const std::string layer = module.substr(layers.size(), dot - layers.size());
  const std::string part = module.substr(dot + 1);
  for (const auto& [from, to] : kParts) {
    if (part == from) return absl::StrCat(top, "h.", layer, ".", to, kind);
  }
  return wisp_name;  // no other tensor exists in these families
}

}  // namespace wisp
