// What the fuzz targets that drive the C API share.
#ifndef WISP_TESTS_FUZZ_CAPI_SUPPORT_H_
#define WISP_TESTS_FUZZ_CAPI_SUPPORT_H_

#include <cstdint>

#include "wisp/wisp.h"

namespace wisp::fuzz {

// The default model (stories260K), loaded on first use and kept until the
// process exits.
const wisp_model* DefaultModel();

// Its vocabulary size.
int32_t DefaultVocabSize();

// Fails (see Fail) when a call failed without leaving a message.
void Check(wisp_status status);

}  // namespace wisp::fuzz

#endif  // WISP_TESTS_FUZZ_CAPI_SUPPORT_H_
