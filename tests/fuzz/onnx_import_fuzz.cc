// Fuzzes wisp_convert_onnx: the input is an ONNX file (seeds: tiny GPT-2,
// BERT and llama exports). Protobuf parses any bytes; what is under test is
// everything after: recognising the architecture, shapes and dtypes of
// initialisers, raw and typed tensor data, external data paths. A file the
// converter writes must open as a valid .wisp file.
#include <string>

#include "tests/fuzz/conversion_check.h"
#include "tests/fuzz/fuzz_support.h"
#include "wisp/convert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp;
  const std::string in = fuzz::ScratchPath("model.onnx");
  const std::string out = fuzz::ScratchPath("model.wisp");
  if (!fuzz::WriteScratchFile(in, data, size)) return 0;
  const wisp_status status =
      wisp_convert_onnx(in.c_str(), nullptr, out.c_str());
  fuzz::CheckConversion(status, out);
  return 0;
}
