// The C API of libwisp_convert (include/wisp/convert.h): parameter checks,
// status translation and the converter's own thread-local error message.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/import/onnx_export.h"
#include "src/import/onnx_import.h"
#include "src/tokenizer/utf8.h"
#include "wisp/convert.h"

namespace wisp {
namespace {

thread_local std::string last_error;

wisp_status Fail(wisp_status code, std::string message) {
  last_error = ShortenForMessage(std::move(message));
  return code;
}

wisp_status Translate(const absl::Status& status) {
  static constexpr std::pair<absl::StatusCode, wisp_status> kCodes[] = {
      {absl::StatusCode::kOk, WISP_OK},
      {absl::StatusCode::kInvalidArgument, WISP_ERR_INVALID_ARGUMENT},
      {absl::StatusCode::kFailedPrecondition, WISP_ERR_INVALID_ARGUMENT},
      {absl::StatusCode::kNotFound, WISP_ERR_NOT_FOUND},
      {absl::StatusCode::kDataLoss, WISP_ERR_CORRUPT},
      {absl::StatusCode::kUnimplemented, WISP_ERR_UNSUPPORTED},
      {absl::StatusCode::kOutOfRange, WISP_ERR_OUT_OF_RANGE},
      {absl::StatusCode::kCancelled, WISP_ERR_CANCELLED},
      {absl::StatusCode::kResourceExhausted, WISP_ERR_OUT_OF_MEMORY},
      {absl::StatusCode::kPermissionDenied, WISP_ERR_IO},
      {absl::StatusCode::kUnavailable, WISP_ERR_IO},
  };
  wisp_status code = WISP_ERR_INTERNAL;
  for (const auto& [from, to] : kCodes) {
    if (from == status.code()) code = to;
  }
  return Fail(code, std::string(status.message()));
}

// Runs `body`, turning exceptions (allocation failures inside protobuf or
// the standard library) into statuses so none crosses the C boundary.
template <typename Body>
wisp_status Guarded(Body body) {
  try {
    return Translate(body());
  } catch (const std::bad_alloc&) {
    return Fail(WISP_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return Fail(WISP_ERR_INTERNAL, e.what());
  } catch (...) {
    return Fail(WISP_ERR_INTERNAL, "unknown exception");
  }
}

// The caller's params over the defaults: only the first struct_size bytes
// are read, so callers built against an older header keep working.
absl::Status ReadParams(const wisp_convert_params* params,
                        wisp_convert_params* out) {
  *out = wisp_convert_default_params();
  if (params == nullptr) return absl::OkStatus();
  const size_t size = params->struct_size;
  if (size < offsetof(wisp_convert_params, tokenizer_path) || size > 65536) {
    return absl::InvalidArgumentError(
        "params->struct_size must be sizeof(wisp_convert_params)");
  }
  std::memcpy(out, params, std::min(size, sizeof(*out)));
  out->struct_size = sizeof(*out);
  // A C caller can store any integer in the enum; reading it as the enum
  // would be undefined for values outside it.
  std::underlying_type_t<wisp_convert_arch> arch;
  std::memcpy(&arch, &out->arch, sizeof(arch));
  if (arch < WISP_CONVERT_ARCH_AUTO || arch > WISP_CONVERT_ARCH_BERT) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown params->arch ", arch));
  }
  if (out->n_heads < 0 || out->n_kv_heads < 0 || out->max_seq_len < 0 ||
      !(out->norm_eps >= 0) || !(out->rope_theta >= 0)) {
    return absl::InvalidArgumentError(
        "params overrides must be 0 (from the graph) or positive");
  }
  return absl::OkStatus();
}

// As ReadParams, for export: the caller's first struct_size bytes over the
// defaults, enums read as integers (a C caller may store any value).
absl::Status ReadExportParams(const wisp_convert_export_params* params,
                              OnnxExportOptions* options) {
  wisp_convert_export_params p = wisp_convert_export_default_params();
  if (params != nullptr) {
    const size_t size = params->struct_size;
    if (size < sizeof(size_t) || size > 65536) {
      return absl::InvalidArgumentError(
          "params->struct_size must be sizeof(wisp_convert_export_params)");
    }
    std::memcpy(&p, params, std::min(size, sizeof(p)));
  }
  std::underlying_type_t<wisp_convert_export_names> names;
  std::underlying_type_t<wisp_convert_external_data> external;
  std::memcpy(&names, &p.names, sizeof(names));
  std::memcpy(&external, &p.external_data, sizeof(external));
  if (names < WISP_CONVERT_EXPORT_NAMES_FAMILY ||
      names > WISP_CONVERT_EXPORT_NAMES_WISP) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown params->names ", names));
  }
  if (external < WISP_CONVERT_EXTERNAL_DATA_AUTO ||
      external > WISP_CONVERT_EXTERNAL_DATA_ALWAYS) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown params->external_data ", external));
  }
  static constexpr OnnxExternalData kExternal[] = {OnnxExternalData::kAuto,
                                                   OnnxExternalData::kNever,
                                                   OnnxExternalData::kAlways};
  options->naming = names == WISP_CONVERT_EXPORT_NAMES_WISP
                        ? OnnxNaming::kWisp
                        : OnnxNaming::kFamily;
  options->external_data = kExternal[external];
  options->check = p.skip_check == 0;
  return absl::OkStatus();
}

WriteProgress ProgressOf(const wisp_convert_params& p) {
  if (p.progress == nullptr) return nullptr;
  return
      [fn = p.progress, user = p.progress_user_data](
          uint64_t done, uint64_t total) { return fn(done, total, user) == 0; };
}

std::string Text(const char* s) { return s == nullptr ? "" : s; }

}  // namespace
}  // namespace wisp

extern "C" {

wisp_convert_params wisp_convert_default_params(void) {
  wisp_convert_params params = {};
  params.struct_size = sizeof(params);
  params.arch = WISP_CONVERT_ARCH_AUTO;
  return params;
}

wisp_status wisp_convert_onnx(const char* onnx_path,
                              const wisp_convert_params* params,
                              const char* out_path) {
  return wisp::Guarded([&] {
    if (onnx_path == nullptr || out_path == nullptr) {
      return absl::InvalidArgumentError("onnx_path and out_path are required");
    }
    wisp_convert_params p;
    absl::Status status = wisp::ReadParams(params, &p);
    if (!status.ok()) return status;
    static constexpr wisp::OnnxArchitecture kArchs[] = {
        wisp::OnnxArchitecture::kAuto, wisp::OnnxArchitecture::kLlama,
        wisp::OnnxArchitecture::kGpt2, wisp::OnnxArchitecture::kBert};
    wisp::OnnxImportOptions options;
    options.architecture = kArchs[p.arch];
    options.llama2c_tokenizer = wisp::Text(p.tokenizer_path);
    options.gpt2_vocab = wisp::Text(p.gpt2_vocab_path);
    options.gpt2_merges = wisp::Text(p.gpt2_merges_path);
    options.n_heads = static_cast<uint32_t>(p.n_heads);
    options.n_kv_heads = static_cast<uint32_t>(p.n_kv_heads);
    options.max_seq_len = static_cast<uint32_t>(p.max_seq_len);
    options.norm_eps = p.norm_eps;
    options.rope_theta = p.rope_theta;
    return wisp::ConvertOnnx(onnx_path, options, out_path, wisp::ProgressOf(p));
  });
}

wisp_status wisp_convert_llama2c(const char* checkpoint_path,
                                 const wisp_convert_params* params,
                                 const char* out_path) {
  return wisp::Guarded([&] {
    if (checkpoint_path == nullptr || out_path == nullptr) {
      return absl::InvalidArgumentError(
          "checkpoint_path and out_path are required");
    }
    wisp_convert_params p;
    absl::Status status = wisp::ReadParams(params, &p);
    if (!status.ok()) return status;
    if (p.tokenizer_path == nullptr) {
      return absl::InvalidArgumentError(
          "params->tokenizer_path (the llama2.c tokenizer file) is required");
    }
    return wisp::ConvertLlama2c(checkpoint_path, p.tokenizer_path, out_path,
                                wisp::ProgressOf(p));
  });
}

wisp_convert_export_params wisp_convert_export_default_params(void) {
  wisp_convert_export_params params = {};
  params.struct_size = sizeof(params);
  params.names = WISP_CONVERT_EXPORT_NAMES_FAMILY;
  params.external_data = WISP_CONVERT_EXTERNAL_DATA_AUTO;
  return params;
}

wisp_status wisp_convert_export_onnx(const char* wisp_path,
                                     const wisp_convert_export_params* params,
                                     const char* onnx_path) {
  return wisp::Guarded([&] {
    if (wisp_path == nullptr || onnx_path == nullptr) {
      return absl::InvalidArgumentError("wisp_path and onnx_path are required");
    }
    wisp::OnnxExportOptions options;
    absl::Status status = wisp::ReadExportParams(params, &options);
    if (!status.ok()) return status;
    return wisp::ExportOnnx(wisp_path, onnx_path, options);
  });
}

const char* wisp_convert_last_error(void) { return wisp::last_error.c_str(); }

}  // extern "C"
