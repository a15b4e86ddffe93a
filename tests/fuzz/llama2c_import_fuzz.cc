// Fuzzes wisp_convert_llama2c: the input is a llama2.c checkpoint (header
// of seven int32, then float32 weights), converted with the stories260K
// tokenizer. Seeds: a tiny checkpoint and stories260K itself. A file the
// converter writes must open as a valid .wisp file.
#include <string>

#include "tests/fuzz/conversion_check.h"
#include "tests/fuzz/fuzz_support.h"
#include "wisp/convert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp;
  const std::string in = fuzz::ScratchPath("model.bin");
  const std::string out = fuzz::ScratchPath("model.wisp");
  if (!fuzz::WriteScratchFile(in, data, size)) return 0;
  wisp_convert_params params = wisp_convert_default_params();
  params.tokenizer_path = WISP_LLAMA2C_TOKENIZER;
  const wisp_status status =
      wisp_convert_llama2c(in.c_str(), &params, out.c_str());
  fuzz::CheckConversion(status, out);
  return 0;
}
