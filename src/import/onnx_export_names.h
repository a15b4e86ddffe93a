// The names of an exported graph's initializers: which family's PyTorch
// names a config gets, and the ONNX name of each wisp tensor under them.
#ifndef WISP_IMPORT_ONNX_EXPORT_NAMES_H_
#define WISP_IMPORT_ONNX_EXPORT_NAMES_H_

#include <string>

#include "src/format/model_config.h"
#include "src/import/onnx_export.h"

namespace wisp {

// "llama2.c", "gpt2" or "bert" when `naming` is kFamily and the config is an
// instance of that family exactly as wisp's ONNX importer reads it back
// (onnx_architectures.cc); "wisp" otherwise.
std::string ChooseOnnxNaming(const ModelConfig& config, bool has_output_bias,
                             OnnxNaming naming);

// GPT-2 and BERT keep q, k and v as one c_attn [3 dim, dim] (and bias).
bool FusesQkv(const std::string& naming);

// The initializer name of wisp tensor `wisp_name` under `naming`; for
// fused namings, wq's name stands for the fused c_attn.
std::string OnnxTensorName(const std::string& naming,
                           const std::string& wisp_name);

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_EXPORT_NAMES_H_
