// What the opaque C handles are, and the helpers every C entry point uses to
// turn absl::Status into wisp_status plus the thread-local error message.
// No model logic lives in capi/.
#ifndef WISP_CAPI_HANDLES_H_
#define WISP_CAPI_HANDLES_H_

#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "src/infer/sampler.h"
#include "src/infer/session.h"
#include "src/model/model.h"
#include "src/train/trainer.h"
#include "wisp/wisp.h"

struct wisp_model {
  std::unique_ptr<wisp::Model> model;
};

struct wisp_session {
  std::unique_ptr<wisp::Session> session;
};

struct wisp_trainer {
  std::unique_ptr<wisp::Trainer> trainer;
};

namespace wisp::capi {

// Records `status` as the calling thread's last error and maps its code.
wisp_status Fail(const absl::Status& status);
wisp_status Fail(wisp_status code, const std::string& message);
// Clears the last error and returns WISP_OK.
wisp_status Ok();

// Runs `body` (returning wisp_status), converting any C++ exception into an
// error so that none crosses the C boundary.
template <class Body>
wisp_status Guarded(Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(WISP_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return Fail(WISP_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(WISP_ERR_INTERNAL, "internal error");
  }
}

// Copies a caller's versioned params struct over defaults: only the first
// struct_size bytes are read, so older callers with shorter structs work.
template <class Params>
wisp_status ReadParams(const Params* in, Params defaults, Params* out,
                       const char* what) {
  *out = defaults;
  if (in == nullptr) return WISP_OK;
  const size_t size = in->struct_size;
  if (size < sizeof(size_t) + sizeof(int32_t) || size > (1u << 16)) {
    return Fail(WISP_ERR_INVALID_ARGUMENT,
                std::string(what) +
                    ": struct_size is not set (use the "
                    "wisp_*_default_params function)");
  }
  const size_t n = size < sizeof(Params) ? size : sizeof(Params);
  std::memcpy(static_cast<void*>(out), in, n);
  out->struct_size = sizeof(Params);
  return WISP_OK;
}

// Ask-then-copy: stores the needed size, copies if it fits.
wisp_status CopyOut(const void* data, size_t count, size_t element_size,
                    void* buffer, size_t capacity, size_t* out_count);

absl::StatusOr<SamplerParams> ToSamplerParams(const wisp_sampler_params* in);

}  // namespace wisp::capi

#endif  // WISP_CAPI_HANDLES_H_
