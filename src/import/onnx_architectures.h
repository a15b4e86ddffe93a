// The naming conventions of the model families wisp imports from ONNX, and
// the mapping of their weights onto wisp's tensors and config.
#ifndef WISP_IMPORT_ONNX_ARCHITECTURES_H_
#define WISP_IMPORT_ONNX_ARCHITECTURES_H_

#include "absl/status/status.h"
#include "src/format/wisp_file.h"
#include "src/import/onnx_graph.h"
#include "src/import/onnx_import.h"
#include "src/import/onnx_tensor_mapper.h"

namespace wisp {

// Recognises the naming convention (restricted to options.architecture
// unless kAuto), derives the config and fills `out`. Errors name the ONNX
// tensor concerned: InvalidArgument for unknown names, missing tensors and
// wrong shapes, Unimplemented for FLOAT16 / BFLOAT16 weights.
absl::Status MapOnnxModel(const OnnxGraph& graph,
                          const OnnxImportOptions& options, ImportedModel* out);

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_ARCHITECTURES_H_
