#include "tests/import/onnx_export_fixtures.h"

#include "tests/support/tiny_model.h"

namespace wisp::testing {

std::vector<ExportCase> ExportCases() {
  std::vector<ExportCase> cases;
  ModelConfig c = TinyLlamaConfig();  // grouped-query: 4 heads, 2 KV heads
  cases.push_back({"llama_gqa", c, "llama2.c"});
  c.tied_embeddings = false;
  c.rope_theta = 500000.0f;
  cases.push_back({"llama_untied", c, "llama2.c"});
  c = TinyLlamaConfig();
  c.mask = MaskKind::kPrefix;
  cases.push_back({"llama_prefix", c, "wisp"});

  c = TinyGpt2Config();
  cases.push_back({"gpt2", c, "gpt2"});
  c.tied_embeddings = false;
  c.mlp = MlpKind::kGeluErf;
  cases.push_back({"gpt2_untied_erf", c, "gpt2"});
  c = TinyGpt2Config();
  c.n_kv_heads = 2;
  c.mask = MaskKind::kPrefix;
  cases.push_back({"gpt2_gqa_prefix", c, "wisp"});

  c = TinyBertConfig();
  cases.push_back({"bert", c, "bert"});
  c.mlp = MlpKind::kGeluTanh;
  cases.push_back({"bert_tanh", c, "bert"});

  // LayerNorm with rotary positions and grouped-query attention, post-norm
  // with an embedding norm and an MLM head over a separate classifier.
  c = TinyBertConfig();
  c.positions = PositionKind::kRotary;
  c.n_kv_heads = 1;
  c.mlp = MlpKind::kGeluTanh;
  c.mask = MaskKind::kCausal;
  c.tied_embeddings = false;
  c.final_norm = true;
  cases.push_back({"mixed_post_rotary", c, "wisp"});
  // RMSNorm with learned positions, SwiGLU, bidirectional, no final norm,
  // an MLM head (GELU erf), biases.
  c = TinyLlamaConfig();
  c.positions = PositionKind::kLearned;
  c.mask = MaskKind::kBidirectional;
  c.final_norm = false;
  c.mlm_head = true;
  c.linear_bias = true;
  cases.push_back({"mixed_rms_bidirectional", c, "wisp"});
  return cases;
}

}  // namespace wisp::testing
