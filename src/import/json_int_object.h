// A strict reader (RFC 8259) for one shape of JSON: an object whose values
// are all non-negative integers, such as GPT-2's encoder.json. The library
// needs no more JSON than this, so it carries no general parser.
#ifndef WISP_IMPORT_JSON_INT_OBJECT_H_
#define WISP_IMPORT_JSON_INT_OBJECT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace wisp {

struct JsonIntMember {
  std::string key;  // UTF-8, escapes decoded
  int32_t value;
  int line;  // 1-based, where the key starts
};

// Members in file order (duplicate keys are kept: the caller decides).
// Errors are DataLoss "<name>:<line>:<column>: <what>" for malformed JSON,
// invalid UTF-8 or lone surrogates in strings, and values that are not
// integers in 0..2^31-1.
absl::StatusOr<std::vector<JsonIntMember>> ParseJsonIntObject(
    std::string_view text, std::string_view name);

}  // namespace wisp

#endif  // WISP_IMPORT_JSON_INT_OBJECT_H_
