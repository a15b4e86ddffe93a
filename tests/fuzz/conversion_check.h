// What the converter targets check after each conversion.
#ifndef WISP_TESTS_FUZZ_CONVERSION_CHECK_H_
#define WISP_TESTS_FUZZ_CONVERSION_CHECK_H_

#include <string>

#include "wisp/wisp.h"

namespace wisp::fuzz {

// A failed conversion must leave a message; a successful one a file at
// `out_path` that opens as a valid .wisp file (checksums verified).
void CheckConversion(wisp_status status, const std::string& out_path);

}  // namespace wisp::fuzz

#endif  // WISP_TESTS_FUZZ_CONVERSION_CHECK_H_
