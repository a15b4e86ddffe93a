// Export of a .wisp model as a standard ONNX graph (opset 17, IR version 8)
// that ONNX Runtime and other ONNX tools run, so that a model fine-tuned in
// wisp can go back to the ecosystem. The graph computes what wisp's forward
// pass computes (src/model/forward.cc), for every configuration of the one
// transformer; docs/onnx.md lists the ops and how each setting maps.
//
// Interface of the graph:
//   input_ids       int64 [batch, sequence]  (sequence <= max_seq_len)
//   attention_mask  int64 [batch, sequence]  bidirectional models only:
//                   1 = token, 0 = padding (keys that are never attended)
//   prefix_length   int64 [batch]            prefix-LM models only: the
//                   prefix each row attends within bidirectionally (0 is
//                   causal, as when generating)
//   logits          float32 [batch, sequence, vocab]
#ifndef WISP_IMPORT_ONNX_EXPORT_H_
#define WISP_IMPORT_ONNX_EXPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wisp {

// How initializers are named.
enum class OnnxNaming {
  // The PyTorch names of the family the config is an instance of (llama2.c
  // for LLaMA-style models, GPT-2's transformer.h.N.attn.c_attn..., the
  // nanoGPT-style BERT names of tiny-bert), so that wisp's ONNX importer and
  // other tools recognise the file; wisp's own names for configs that are
  // no such family.
  kFamily,
  // Always wisp's tensor names (src/model/tensor_names.h).
  kWisp,
};

// Where the weights go.
enum class OnnxExternalData {
  kAuto,    // a side file only when the weights exceed protobuf's 2 GiB
  kNever,   // inside the .onnx file (fails for models over 2 GiB)
  kAlways,  // always in the side file OUT.onnx.data
};

struct OnnxExportOptions {
  OnnxNaming naming = OnnxNaming::kFamily;
  OnnxExternalData external_data = OnnxExternalData::kAuto;
  // Runs libonnx's checker (onnx::checker::check_model) on the graph before
  // anything is written.
  bool check = true;
};

// What an export produced, for messages.
struct OnnxExportSummary {
  std::string naming;  // "llama2.c", "gpt2", "bert" or "wisp"
  uint64_t nodes = 0;
  uint64_t initializers = 0;
  uint64_t weight_bytes = 0;
  std::string external_data_path;  // empty when the weights are inline
  std::vector<std::string> notes;
};

// Writes the model at `wisp_path` (a .wisp model or checkpoint with f32
// weights) as ONNX to `onnx_path`, atomically: a temporary file renamed into
// place, so a failure leaves any previous file untouched. With external data
// the side file `onnx_path + ".data"` is written (atomically) first.
// Errors: those of loading the model (NotFound, DataLoss, InvalidArgument,
// Unimplemented for non-f32 weights), InvalidArgument when libonnx's checker
// rejects the graph or an inline model would exceed 2 GiB, Internal for I/O.
absl::Status ExportOnnx(const std::string& wisp_path,
                        const std::string& onnx_path,
                        const OnnxExportOptions& options,
                        OnnxExportSummary* summary = nullptr);

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_EXPORT_H_
