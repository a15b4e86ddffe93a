package wisp

// #include <wisp/wisp.h>
import "C"

import (
	"fmt"
	"runtime"
)

// Error is a failed wisp call: the C status and the library's message.
type Error struct {
	Status  Status
	Message string
}

// Error formats the error as "wisp: MESSAGE (STATUS_NAME)".
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("wisp: %s", e.Status)
	}
	return fmt.Sprintf("wisp: %s (%s)", e.Message, e.Status)
}

// Is reports whether target is an *Error with the same status, so that
// errors.Is(err, wisp.ErrNotFound) matches any not-found failure.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// Sentinels for errors.Is, one per failure status.
var (
	ErrInvalidArgument = &Error{Status: StatusInvalidArgument}
	ErrNotFound        = &Error{Status: StatusNotFound}
	ErrCorrupt         = &Error{Status: StatusCorrupt}
	ErrUnsupported     = &Error{Status: StatusUnsupported}
	ErrOutOfRange      = &Error{Status: StatusOutOfRange}
	ErrBufferTooSmall  = &Error{Status: StatusBufferTooSmall}
	ErrCancelled       = &Error{Status: StatusCancelled}
	ErrOutOfMemory     = &Error{Status: StatusOutOfMemory}
	ErrIO              = &Error{Status: StatusIO}
	ErrInternal        = &Error{Status: StatusInternal}
	ErrMismatch        = &Error{Status: StatusMismatch}
)

// ErrClosed is returned by any call on a Model, Session or Trainer after its
// Close.
var ErrClosed = &usageError{"use after Close"}

// ErrBusy is returned by a call on a Session or Trainer while another call on
// it is running: the C objects are single-threaded.
var ErrBusy = &usageError{"session or trainer in use by another call"}

// usageError is a misuse the binding catches before reaching C.
type usageError struct{ what string }

func (e *usageError) Error() string { return "wisp: " + e.what }

// Is makes a misuse also match ErrInvalidArgument, the status C gives a NULL
// or freed handle.
func (e *usageError) Is(target error) bool { return target == ErrInvalidArgument }

// call runs one C API call and turns a failure into an *Error. The status and
// wisp_last_error() are read on the same OS thread: the message is
// thread-local in C, and a goroutine may otherwise move between threads
// between the two cgo calls.
func call(f func() C.wisp_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := f()
	if status == C.WISP_OK {
		return nil
	}
	return &Error{Status: Status(status), Message: C.GoString(C.wisp_last_error())}
}
