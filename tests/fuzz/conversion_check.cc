#include "tests/fuzz/conversion_check.h"

#include <memory>

#include "src/format/wisp_file.h"
#include "tests/fuzz/fuzz_support.h"
#include "wisp/convert.h"

namespace wisp::fuzz {

void CheckConversion(wisp_status status, const std::string& out_path) {
  if (status != WISP_OK) {
    const std::string error = wisp_convert_last_error();
    if (error.empty()) Fail("a failed conversion left no message");
    Note("convert: " + error);
    return;
  }
  Note("converted");
  absl::StatusOr<std::unique_ptr<WispFile>> file = WispFile::Open(out_path);
  if (!file.ok()) {
    Fail("the converter wrote a file the reader refuses: " +
         std::string(file.status().message()));
  }
}

}  // namespace wisp::fuzz
