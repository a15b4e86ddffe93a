package wisp

// #include <wisp/wisp.h>
import "C"

import "unsafe"

// SaveState serialises the session's context (tokens, KV cache, last
// logits, its own sampler and the position of its random stream): the bytes
// of a game save. They restore only into a session on a model loaded from an
// identical weight file. The session is not changed.
func (s *Session) SaveState() ([]byte, error) {
	var state []byte
	err := s.with(func(ptr *C.wisp_session) (err error) {
		state, err = askThenCopy[byte](func(buf unsafe.Pointer, capacity C.size_t, size *C.size_t) C.wisp_status {
			return C.wisp_session_save_state(ptr, buf, capacity, size)
		})
		return err
	})
	return state, err
}

// LoadState replaces the session's context with one saved by SaveState; the
// session then continues exactly as the saved one would have. Errors:
// ErrCorrupt (not a state, damaged), ErrMismatch (saved from another model),
// ErrOutOfRange (longer than this session's context). On error the session
// is unchanged.
func (s *Session) LoadState(state []byte) error {
	return s.with(func(ptr *C.wisp_session) error {
		var data unsafe.Pointer
		if len(state) > 0 {
			data = unsafe.Pointer(&state[0])
		}
		err := call(func() C.wisp_status {
			return C.wisp_session_load_state(ptr, data, C.size_t(len(state)))
		})
		if err == nil {
			s.text.reset()
		}
		return err
	})
}
