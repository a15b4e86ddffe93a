package wisp

// #include <wisp/wisp.h>
import "C"

import "runtime"

// Session is a context (KV cache) on a shared Model. Use it from one
// goroutine at a time; it may move between goroutines. Overlapping calls
// fail with ErrBusy.
type Session struct {
	exclusive
	ptr   *C.wisp_session
	model *Model // kept alive, and its C model, while the session is open
	vocab int
	text  utf8Assembler // a UTF-8 character split across generated tokens
}

// NewSession creates a session on the model; params may be nil for the
// defaults. The model stays loaded until the session is closed.
func (m *Model) NewSession(params *SessionParams) (*Session, error) {
	mptr, err := m.addChild()
	if err != nil {
		return nil, err
	}
	var cparams *C.wisp_session_params
	if params != nil {
		c := params.toC()
		cparams = &c
	}
	var ptr *C.wisp_session
	if err := call(func() C.wisp_status {
		return C.wisp_session_create(mptr, cparams, &ptr)
	}); err != nil {
		m.removeChild()
		return nil, err
	}
	s := &Session{ptr: ptr, model: m, vocab: int(m.config.VocabSize)}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// claim makes the session the caller's for one call (see exclusive); a nil
// *Session is refused rather than dereferenced.
func (s *Session) claim() error {
	if s == nil {
		return nilHandle("Session")
	}
	return s.enter()
}

// with runs f with the C session claimed.
func (s *Session) with(f func(*C.wisp_session) error) error {
	if err := s.claim(); err != nil {
		return err
	}
	defer s.leave()
	return f(s.ptr)
}

// Close releases the session. Closing twice is harmless; closing during a
// call (from another goroutine) fails with ErrBusy.
func (s *Session) Close() error {
	if s == nil {
		return nil
	}
	return s.close(func() {
		runtime.SetFinalizer(s, nil)
		C.wisp_session_free(s.ptr)
		s.ptr = nil
		s.model.removeChild()
	})
}

// Model returns the model the session runs on (nil for a nil *Session).
func (s *Session) Model() *Model {
	if s == nil {
		return nil
	}
	return s.model
}

// Reset empties the context (position back to 0), keeping its memory.
func (s *Session) Reset() error {
	return s.with(func(ptr *C.wisp_session) error {
		err := call(func() C.wisp_status { return C.wisp_session_reset(ptr) })
		if err == nil {
			s.text.reset()
		}
		return err
	})
}

// Position returns the number of tokens in the context.
func (s *Session) Position() (int, error) {
	var pos C.size_t
	err := s.with(func(ptr *C.wisp_session) error {
		return call(func() C.wisp_status { return C.wisp_session_position(ptr, &pos) })
	})
	return int(pos), err
}

// Threads returns the threads the session computes with, the caller's
// included: SessionParams.Threads reduced to the CPUs the process may run on.
func (s *Session) Threads() (int, error) {
	var threads C.int32_t
	err := s.with(func(ptr *C.wisp_session) error {
		return call(func() C.wisp_status { return C.wisp_session_threads(ptr, &threads) })
	})
	return int(threads), err
}

// Feed appends ids to the context and runs them through the model in one
// pass. ErrOutOfRange if they do not fit (nothing is fed then).
func (s *Session) Feed(ids []int32) error {
	return s.with(func(ptr *C.wisp_session) error {
		return call(func() C.wisp_status {
			return C.wisp_session_feed(ptr, idsPtr(ids), C.size_t(len(ids)), nil, 0)
		})
	})
}

// FeedLogits is Feed that also returns the logits of every fed position:
// len(ids) rows of VocabSize floats, row t predicting the token after ids[t].
func (s *Session) FeedLogits(ids []int32) ([]float32, error) {
	if s == nil {
		return nil, nilHandle("Session")
	}
	// More ids than any context holds: the library's ErrOutOfRange, before
	// asking for len(ids) x VocabSize floats, which Go cannot survive
	// failing to get.
	if len(ids) > int(s.model.config.MaxSeqLen) {
		return nil, s.Feed(ids)
	}
	logits := make([]float32, len(ids)*s.vocab)
	err := s.with(func(ptr *C.wisp_session) error {
		var out *C.float
		if len(logits) > 0 {
			out = (*C.float)(&logits[0])
		}
		return call(func() C.wisp_status {
			return C.wisp_session_feed(ptr, idsPtr(ids), C.size_t(len(ids)), out,
				C.size_t(len(logits)))
		})
	})
	if err != nil {
		return nil, err
	}
	return logits, nil
}

// Logits returns the VocabSize logits after the last fed token
// (ErrOutOfRange if nothing was fed).
func (s *Session) Logits() ([]float32, error) {
	if s == nil {
		return nil, nilHandle("Session")
	}
	logits := make([]float32, s.vocab)
	var n C.size_t
	err := s.with(func(ptr *C.wisp_session) error {
		return call(func() C.wisp_status {
			return C.wisp_session_logits(ptr, (*C.float)(&logits[0]),
				C.size_t(len(logits)), &n)
		})
	})
	if err != nil {
		return nil, err
	}
	return logits[:int(n)], nil
}

// Sample picks one token from the current logits without feeding it (feed
// it to continue). params may be nil for the defaults. Every call restarts
// the seeded random stream: use Generate or Continue for a stream of tokens.
func (s *Session) Sample(params *SamplerParams) (int32, error) {
	var token C.int32_t
	err := s.with(func(ptr *C.wisp_session) error {
		cparams := samplerParamsPtr(params)
		return call(func() C.wisp_status {
			return C.wisp_session_sample(ptr, cparams, &token)
		})
	})
	return int32(token), err
}

// SetSampler gives the session a sampler of its own for Continue, whose
// random stream runs on across calls and is part of the saved state.
// Setting it again restarts the stream from params.Seed; nil: defaults.
func (s *Session) SetSampler(params *SamplerParams) error {
	return s.with(func(ptr *C.wisp_session) error {
		cparams := samplerParamsPtr(params)
		return call(func() C.wisp_status {
			return C.wisp_session_set_sampler(ptr, cparams)
		})
	})
}

// samplerParamsPtr is the C form of optional sampler parameters.
func samplerParamsPtr(params *SamplerParams) *C.wisp_sampler_params {
	if params == nil {
		return nil
	}
	c := params.toC()
	return &c
}
