// Import of transformer language models exported to ONNX (torch.onnx.export)
// into .wisp files. The importer reads the weights (initializers, Constant
// nodes, external data files) by their PyTorch names, renames and reshapes
// them into wisp's tensors (src/model/tensor_names.h), and derives the
// config from the weight shapes and from constants in the graph.
//
// Supported (FLOAT weights, initializers keeping their PyTorch names):
//   - llama: llama2.c names (tok_embeddings.weight, layers.N.attention.wq...)
//     and Hugging Face LLaMA names (model.embed_tokens.weight,
//     model.layers.N.self_attn.q_proj.weight, ...). Hugging Face rotates
//     halves (pairs i, i + hd/2); wisp rotates consecutive pairs (2i, 2i+1),
//     so wq and wk rows are permuted within each head on import.
//   - gpt2: transformer.wte.weight, transformer.h.N.attn.c_attn.weight, ...
//     as PyTorch Linear ([out, in]) or Hugging Face Conv1D ([in, out],
//     recognised by c_attn's shape and transposed); the fused c_attn is
//     split into wq, wk, wv.
//   - bert: the nanoGPT-style names of tiny-bert (wte, ln_emb, h.N, mlm_dense,
//     mlm_ln, mlm_bias) and Hugging Face BERT names (bert.embeddings...,
//     bert.encoder.layer.N..., cls.predictions...). Token type embeddings
//     are folded in: row 0 is added to every position embedding, which is
//     exact for inputs that are all of token type 0 (wisp has no segments).
// Not supported: FLOAT16 / BFLOAT16 / quantized weights (Unimplemented),
// graphs whose constant folding renamed the weights (onnx::MatMul_123),
// biases on LLaMA projections, sparse initializers, other architectures.
#ifndef WISP_IMPORT_ONNX_IMPORT_H_
#define WISP_IMPORT_ONNX_IMPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/format/wisp_file.h"

namespace wisp {

enum class OnnxArchitecture { kAuto, kLlama, kGpt2, kBert };

// "auto", "llama", "gpt2", "bert" -> the enum; InvalidArgument otherwise.
absl::StatusOr<OnnxArchitecture> ParseOnnxArchitecture(const std::string& s);

struct OnnxImportOptions {
  OnnxArchitecture architecture = OnnxArchitecture::kAuto;
  // Tokenizer to embed: a llama2.c tokenizer file, or GPT-2's encoder.json
  // and vocab.bpe. None given: the file carries no tokenizer.
  std::string llama2c_tokenizer;
  std::string gpt2_vocab;
  std::string gpt2_merges;
  // Overrides of what the graph says (0: take it from the graph).
  uint32_t n_heads = 0;
  uint32_t n_kv_heads = 0;
  uint32_t max_seq_len = 0;  // rotary models without a table: 2048
  float norm_eps = 0;
  float rope_theta = 0;  // rotary models without tables: 10000
};

// Converts `onnx_path` into a .wisp model at `out_path` (written atomically;
// `progress` as for WriteWispFile). Errors: NotFound for missing files;
// DataLoss for corrupt protobuf or tensor data; InvalidArgument for an
// unknown architecture (the message lists some tensor names seen), missing
// tensors or wrong shapes; Unimplemented for weight types not yet read.
absl::Status ConvertOnnx(const std::string& onnx_path,
                         const OnnxImportOptions& options,
                         const std::string& out_path,
                         const WriteProgress& progress = nullptr);

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_IMPORT_H_
