package wisp

// #cgo CFLAGS: -Wall -Werror
// #include <stdint.h>
// #include <wisp/wisp.h>
import "C"

import (
	"context"
	"runtime/cgo"
	"unsafe"
)

// callbackState is what a C callback reaches through its cgo.Handle: the
// caller's context and function, and what went wrong inside them (a Go
// error or panic cannot cross the C frames, so it is carried back here and
// raised once C has returned).
type callbackState struct {
	ctx        context.Context
	onToken    func(Token) error
	onStep     func(StepInfo) error
	text       *utf8Assembler
	err        error // the callback's error or ctx.Err(), which stopped C
	panicValue any
	panicked   bool
}

// run calls f, turning its error or panic into "stop" for C.
func (st *callbackState) run(f func() error) (stop C.int) {
	defer func() {
		if v := recover(); v != nil {
			st.panicked, st.panicValue, stop = true, v, 1
		}
	}()
	if err := f(); err != nil {
		st.err = err
		return 1
	}
	// Checked after delivering, so that every token counted as generated
	// has been seen by the caller.
	if err := st.ctx.Err(); err != nil {
		st.err = err
		return 1
	}
	return 0
}

// rethrow re-raises a panic from the callback on the caller's goroutine.
func (st *callbackState) rethrow() {
	if st.panicked {
		panic(st.panicValue)
	}
}

//export wispGoOnToken
func wispGoOnToken(token C.int32_t, text *C.char, textLen C.size_t, handle C.uintptr_t) C.int {
	st := cgo.Handle(handle).Value().(*callbackState)
	return st.deliverToken(int32(token), C.GoBytes(unsafe.Pointer(text), C.int(textLen)))
}

// deliverToken passes one generated token to the caller's function.
func (st *callbackState) deliverToken(id int32, piece []byte) (stop C.int) {
	return st.run(func() error {
		tok := Token{ID: id, Piece: piece, Text: st.text.push(piece)}
		if st.onToken == nil {
			return nil
		}
		return st.onToken(tok)
	})
}

//export wispGoOnStep
func wispGoOnStep(info *C.wisp_step_info, handle C.uintptr_t) C.int {
	st := cgo.Handle(handle).Value().(*callbackState)
	return st.run(func() error {
		if st.onStep == nil {
			return nil
		}
		return st.onStep(stepInfoFromC(info))
	})
}

// withCallback runs f with a handle on st (0, meaning no callback, when
// there is neither a function nor a cancellable context to serve).
func withCallback(st *callbackState, needed bool, f func(handle C.uintptr_t) error) error {
	if !needed {
		return f(0)
	}
	h := cgo.NewHandle(st)
	defer h.Delete()
	return f(C.uintptr_t(h))
}
