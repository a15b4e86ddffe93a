#include "callbacks.h"

#include "_cgo_export.h"

/* Exactly wisp_token_callback and wisp_train_callback: the compiler checks
 * these against the header's typedefs where they are passed below. */
static int TokenTrampoline(int32_t token, const char* text, size_t text_len,
                           void* user_data) {
  return wispGoOnToken(token, (char*)text, text_len, (uintptr_t)user_data);
}

static int StepTrampoline(const wisp_step_info* info, void* user_data) {
  return wispGoOnStep((wisp_step_info*)info, (uintptr_t)user_data);
}

wisp_status wisp_go_generate(wisp_session* session,
                             const wisp_sampler_params* params,
                             size_t max_tokens, uintptr_t handle,
                             size_t* out_n_generated,
                             wisp_stop_reason* out_reason) {
  return wisp_session_generate(session, params, max_tokens,
                               handle ? TokenTrampoline : NULL, (void*)handle,
                               out_n_generated, out_reason);
}

wisp_status wisp_go_continue(wisp_session* session, size_t max_tokens,
                             uintptr_t handle, size_t* out_n_generated,
                             wisp_stop_reason* out_reason) {
  return wisp_session_continue(session, max_tokens,
                               handle ? TokenTrampoline : NULL, (void*)handle,
                               out_n_generated, out_reason);
}

wisp_status wisp_go_train(wisp_trainer* trainer, size_t n_steps,
                          uintptr_t handle) {
  return wisp_trainer_train(trainer, n_steps, handle ? StepTrampoline : NULL,
                            (void*)handle);
}
