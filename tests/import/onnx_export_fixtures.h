// The model configurations the ONNX export is tested with: the three
// families and mixtures of switches no family uses, so that every setting of
// the one transformer (model_config.h) goes through the exporter, the
// ONNX importer (round trip) and ONNX Runtime (tests/onnxrt).
#ifndef WISP_TESTS_IMPORT_ONNX_EXPORT_FIXTURES_H_
#define WISP_TESTS_IMPORT_ONNX_EXPORT_FIXTURES_H_

#include <string>
#include <vector>

#include "src/format/model_config.h"

namespace wisp::testing {

struct ExportCase {
  std::string name;
  ModelConfig config;
  // The tensor naming the exporter should pick ("llama2.c", "gpt2", "bert"
  // or "wisp"); the families' names can be imported back.
  std::string naming;
};

std::vector<ExportCase> ExportCases();

}  // namespace wisp::testing

#endif  // WISP_TESTS_IMPORT_ONNX_EXPORT_FIXTURES_H_
