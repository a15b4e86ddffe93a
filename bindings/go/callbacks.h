/* C trampolines between wisp's callbacks and the Go functions exported in
 * callbacks.go. The Go side is identified by a runtime/cgo.Handle passed as
 * user_data, so no Go pointer is ever handed to C; a handle of 0 means no
 * callback. */
#ifndef WISP_GO_CALLBACKS_H_
#define WISP_GO_CALLBACKS_H_

#include <stdint.h>
#include <wisp/wisp.h>

wisp_status wisp_go_generate(wisp_session* session,
                             const wisp_sampler_params* params,
                             size_t max_tokens, uintptr_t handle,
                             size_t* out_n_generated,
                             wisp_stop_reason* out_reason);

wisp_status wisp_go_continue(wisp_session* session, size_t max_tokens,
                             uintptr_t handle, size_t* out_n_generated,
                             wisp_stop_reason* out_reason);

wisp_status wisp_go_train(wisp_trainer* trainer, size_t n_steps,
                          uintptr_t handle);

#endif /* WISP_GO_CALLBACKS_H_ */
