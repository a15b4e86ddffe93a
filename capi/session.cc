// C entry points for sessions: feeding, logits, sampling and generation.
#include <string>

#include "absl/strings/str_cat.h"
#include "capi/handles.h"
#include "src/infer/session_state.h"

using wisp::capi::CopyOut;
using wisp::capi::Fail;
using wisp::capi::Guarded;
using wisp::capi::Ok;

namespace wisp::capi {

absl::StatusOr<SamplerParams> ToSamplerParams(const wisp_sampler_params* in) {
  wisp_sampler_params p;
  if (ReadParams(in, wisp_sampler_default_params(), &p,
                 "wisp_sampler_params") != WISP_OK) {
    return absl::InvalidArgumentError(wisp_last_error());
  }
  SamplerParams params;
  params.temperature = p.temperature;
  params.top_k = p.top_k;
  params.top_p = p.top_p;
  params.repetition_penalty = p.repetition_penalty;
  params.repetition_last_n = p.repetition_last_n;
  params.seed = p.seed;
  absl::Status valid = ValidateSamplerParams(params);
  if (!valid.ok()) return valid;
  return params;
}

namespace {

// Generation shared by wisp_session_generate (a fresh sampler per call) and
// wisp_session_continue (the session's own): streams each token's text.
wisp_status GenerateWith(Sampler* sampler, Session& s, size_t max_tokens,
                         wisp_token_callback callback, void* user_data,
                         size_t* out_n_generated,
                         wisp_stop_reason* out_reason) {
  const Tokenizer* tokenizer = s.model().tokenizer();
  size_t generated = 0;
  auto on_token = [&](int32_t token) {
    ++generated;
    if (callback == nullptr) return true;
    std::string text;
    if (tokenizer != nullptr) {
      const size_t n = s.history().size();
      text = tokenizer->DecodeToken(n >= 2 ? s.history()[n - 2] : -1, token);
    }
    return callback(token, text.data(), text.size(), user_data) == 0;
  };
  auto reason = s.Generate(sampler, max_tokens, on_token);
  if (out_n_generated) *out_n_generated = generated;
  if (!reason.ok()) return Fail(reason.status());
  if (out_reason) {
    *out_reason = static_cast<wisp_stop_reason>(static_cast<int>(*reason));
  }
  return Ok();
}

}  // namespace
}  // namespace wisp::capi

using wisp::capi::GenerateWith;

extern "C" {

wisp_session_params wisp_session_default_params(void) {
  wisp_session_params params = {};
  params.struct_size = sizeof(params);
  params.n_threads = 1;
  params.context_length = 0;
  return params;
}

wisp_sampler_params wisp_sampler_default_params(void) {
  wisp_sampler_params params = {};
  params.struct_size = sizeof(params);
  const wisp::SamplerParams defaults;
  params.temperature = defaults.temperature;
  params.top_k = defaults.top_k;
  params.top_p = defaults.top_p;
  params.repetition_penalty = defaults.repetition_penalty;
  params.repetition_last_n = defaults.repetition_last_n;
  params.seed = defaults.seed;
  return params;
}

wisp_status wisp_session_create(const wisp_model* model,
                                const wisp_session_params* params,
                                wisp_session** out_session) {
  return Guarded([&] {
    if (model == nullptr || out_session == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "model or out_session is NULL");
    }
    wisp_session_params p;
    wisp_status s = wisp::capi::ReadParams(
        params, wisp_session_default_params(), &p, "wisp_session_params");
    if (s != WISP_OK) return s;
    if (p.n_threads < 1 || p.context_length < 0) {
      return Fail(WISP_ERR_INVALID_ARGUMENT,
                  absl::StrCat("n_threads must be >= 1 and context_length >= "
                               "0, got ",
                               p.n_threads, " and ", p.context_length));
    }
    wisp::SessionOptions options;
    options.num_threads = static_cast<size_t>(p.n_threads);
    options.context_length = static_cast<size_t>(p.context_length);
    auto session = wisp::Session::Create(*model->model, options);
    if (!session.ok()) return Fail(session.status());
    *out_session = new wisp_session{std::move(*session)};
    return Ok();
  });
}

void wisp_session_free(wisp_session* session) { delete session; }

wisp_status wisp_session_reset(wisp_session* session) {
  if (session == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "session is NULL");
  }
  session->session->Reset();
  return Ok();
}

wisp_status wisp_session_position(const wisp_session* session,
                                  size_t* out_position) {
  if (session == nullptr || out_position == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "session or out_position is NULL");
  }
  *out_position = session->session->position();
  return Ok();
}

wisp_status wisp_session_threads(const wisp_session* session,
                                 int32_t* out_threads) {
  if (session == nullptr || out_threads == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "session or out_threads is NULL");
  }
  // At most the 1024 that creation accepts: fits.
  *out_threads = static_cast<int32_t>(session->session->threads());
  return Ok();
}

wisp_status wisp_session_feed(wisp_session* session, const int32_t* ids,
                              size_t n_ids, float* logits,
                              size_t logits_capacity) {
  return Guarded([&] {
    if (session == nullptr || (ids == nullptr && n_ids > 0)) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session or ids is NULL");
    }
    const size_t vocab = session->session->model().config().vocab_size;
    if (logits != nullptr && logits_capacity / vocab < n_ids) {
      return Fail(WISP_ERR_INVALID_ARGUMENT,
                  absl::StrCat("logits buffer holds ", logits_capacity,
                               " floats, ", n_ids, " x ", vocab, " needed"));
    }
    absl::Status fed =
        session->session->Feed(absl::MakeConstSpan(ids, n_ids), logits);
    return fed.ok() ? Ok() : Fail(fed);
  });
}

wisp_status wisp_session_logits(const wisp_session* session, float* logits,
                                size_t capacity, size_t* out_n) {
  if (session == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "session is NULL");
  }
  absl::Span<const float> last = session->session->last_logits();
  if (last.empty()) {
    return Fail(WISP_ERR_OUT_OF_RANGE, "no logits yet: feed tokens first");
  }
  return CopyOut(last.data(), last.size(), sizeof(float), logits, capacity,
                 out_n);
}

wisp_status wisp_session_sample(wisp_session* session,
                                const wisp_sampler_params* params,
                                int32_t* out_token) {
  return Guarded([&] {
    if (session == nullptr || out_token == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session or out_token is NULL");
    }
    auto sampler_params = wisp::capi::ToSamplerParams(params);
    if (!sampler_params.ok()) return Fail(sampler_params.status());
    if (session->session->last_logits().empty()) {
      return Fail(WISP_ERR_OUT_OF_RANGE, "no logits yet: feed tokens first");
    }
    wisp::Sampler sampler(*sampler_params);
    auto token = session->session->SampleNext(&sampler);
    if (!token.ok()) return Fail(token.status());
    *out_token = *token;
    return Ok();
  });
}

wisp_status wisp_session_generate(wisp_session* session,
                                  const wisp_sampler_params* params,
                                  size_t max_tokens,
                                  wisp_token_callback callback, void* user_data,
                                  size_t* out_n_generated,
                                  wisp_stop_reason* out_reason) {
  return Guarded([&] {
    if (session == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session is NULL");
    }
    auto sampler_params = wisp::capi::ToSamplerParams(params);
    if (!sampler_params.ok()) return Fail(sampler_params.status());
    wisp::Session& s = *session->session;
    if (s.last_logits().empty()) {
      return Fail(WISP_ERR_OUT_OF_RANGE,
                  "nothing to continue: feed a prompt "
                  "first");
    }
    wisp::Sampler sampler(*sampler_params);
    return GenerateWith(&sampler, s, max_tokens, callback, user_data,
                        out_n_generated, out_reason);
  });
}

wisp_status wisp_session_set_sampler(wisp_session* session,
                                     const wisp_sampler_params* params) {
  return Guarded([&] {
    if (session == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session is NULL");
    }
    auto sampler_params = wisp::capi::ToSamplerParams(params);
    if (!sampler_params.ok()) return Fail(sampler_params.status());
    session->session->sampler().Reset(*sampler_params);
    return Ok();
  });
}

wisp_status wisp_session_continue(wisp_session* session, size_t max_tokens,
                                  wisp_token_callback callback, void* user_data,
                                  size_t* out_n_generated,
                                  wisp_stop_reason* out_reason) {
  return Guarded([&] {
    if (session == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session is NULL");
    }
    wisp::Session& s = *session->session;
    if (s.last_logits().empty()) {
      return Fail(WISP_ERR_OUT_OF_RANGE,
                  "nothing to continue: feed a prompt first");
    }
    return GenerateWith(&s.sampler(), s, max_tokens, callback, user_data,
                        out_n_generated, out_reason);
  });
}

wisp_status wisp_session_save_state(const wisp_session* session, void* buffer,
                                    size_t capacity, size_t* out_size) {
  return Guarded([&] {
    if (session == nullptr || out_size == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session or out_size is NULL");
    }
    const size_t size = wisp::SessionState::Size(*session->session);
    *out_size = size;
    if (buffer == nullptr || capacity < size) {
      return Fail(WISP_ERR_BUFFER_TOO_SMALL,
                  absl::StrCat("the session state needs ", size,
                               " bytes; the buffer holds ", capacity));
    }
    wisp::SessionState::Save(*session->session, static_cast<uint8_t*>(buffer));
    return Ok();
  });
}

wisp_status wisp_session_load_state(wisp_session* session, const void* data,
                                    size_t size) {
  return Guarded([&] {
    if (session == nullptr || (data == nullptr && size > 0)) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "session or data is NULL");
    }
    absl::Status loaded = wisp::SessionState::Load(
        absl::MakeConstSpan(static_cast<const uint8_t*>(data), size),
        session->session.get());
    if (loaded.code() == absl::StatusCode::kFailedPrecondition) {
      return Fail(WISP_ERR_MISMATCH, std::string(loaded.message()));
    }
    return loaded.ok() ? Ok() : Fail(loaded);
  });
}

}  // extern "C"
