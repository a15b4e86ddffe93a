#include <string>

#include "absl/strings/str_cat.h"
#include "capi/handles.h"
#include "src/tokenizer/utf8.h"

namespace wisp::capi {
namespace {

thread_local std::string last_error;

wisp_status CodeOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return WISP_OK;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return WISP_ERR_INVALID_ARGUMENT;
    case absl::StatusCode::kNotFound:
      return WISP_ERR_NOT_FOUND;
    case absl::StatusCode::kDataLoss:
      return WISP_ERR_CORRUPT;
    case absl::StatusCode::kUnimplemented:
      return WISP_ERR_UNSUPPORTED;
    case absl::StatusCode::kOutOfRange:
      return WISP_ERR_OUT_OF_RANGE;
    case absl::StatusCode::kCancelled:
      return WISP_ERR_CANCELLED;
    case absl::StatusCode::kResourceExhausted:
      return WISP_ERR_OUT_OF_MEMORY;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnavailable:
      return WISP_ERR_IO;
    default:
      return WISP_ERR_INTERNAL;
  }
}

}  // namespace

wisp_status Fail(const absl::Status& status) {
  return Fail(CodeOf(status), std::string(status.message()));
}

wisp_status Fail(wisp_status code, const std::string& message) {
  last_error = ShortenForMessage(message);
  return code;
}

wisp_status Ok() {
  last_error.clear();
  return WISP_OK;
}

wisp_status CopyOut(const void* data, size_t count, size_t element_size,
                    void* buffer, size_t capacity, size_t* out_count) {
  if (out_count == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "size out-parameter is NULL");
  }
  *out_count = count;
  if (count > capacity) {
    return Fail(
        WISP_ERR_BUFFER_TOO_SMALL,
        absl::StrCat("buffer holds ", capacity, ", ", count, " needed"));
  }
  if (count > 0) {
    if (buffer == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "output buffer is NULL");
    }
    std::memcpy(buffer, data, count * element_size);
  }
  return Ok();
}

}  // namespace wisp::capi

extern "C" {

const char* wisp_version(void) { return WISP_VERSION_STRING; }

int wisp_api_version(void) { return WISP_API_VERSION; }

const char* wisp_last_error(void) { return wisp::capi::last_error.c_str(); }

const char* wisp_status_name(wisp_status status) {
  switch (status) {
    case WISP_OK:
      return "WISP_OK";
    case WISP_ERR_INVALID_ARGUMENT:
      return "WISP_ERR_INVALID_ARGUMENT";
    case WISP_ERR_NOT_FOUND:
      return "WISP_ERR_NOT_FOUND";
    case WISP_ERR_CORRUPT:
      return "WISP_ERR_CORRUPT";
    case WISP_ERR_UNSUPPORTED:
      return "WISP_ERR_UNSUPPORTED";
    case WISP_ERR_OUT_OF_RANGE:
      return "WISP_ERR_OUT_OF_RANGE";
    case WISP_ERR_BUFFER_TOO_SMALL:
      return "WISP_ERR_BUFFER_TOO_SMALL";
    case WISP_ERR_CANCELLED:
      return "WISP_ERR_CANCELLED";
    case WISP_ERR_OUT_OF_MEMORY:
      return "WISP_ERR_OUT_OF_MEMORY";
    case WISP_ERR_IO:
      return "WISP_ERR_IO";
    case WISP_ERR_INTERNAL:
      return "WISP_ERR_INTERNAL";
    case WISP_ERR_MISMATCH:
      return "WISP_ERR_MISMATCH";
  }
  return "WISP_ERR_UNKNOWN";
}

}  // extern "C"
