package wisp

// #include <wisp/wisp.h>
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// askThenCopy runs one of the C API's "ask for the size, then copy"
// functions: first with no buffer to learn the size, then with a buffer of
// exactly that size. T is the Go element type matching the C one.
func askThenCopy[T any](fill func(buf unsafe.Pointer, capacity C.size_t, size *C.size_t) C.wisp_status) ([]T, error) {
	var size C.size_t
	err := call(func() C.wisp_status { return fill(nil, 0, &size) })
	if err != nil && !errors.Is(err, ErrBufferTooSmall) {
		return nil, err
	}
	buf := make([]T, int(size))
	if size == 0 {
		return buf, nil
	}
	err = call(func() C.wisp_status { return fill(unsafe.Pointer(&buf[0]), size, &size) })
	if err != nil {
		return nil, err
	}
	return buf[:int(size)], nil
}

// bytesPtr is the C view of b for the duration of a call (NULL if empty).
func bytesPtr(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// idsPtr is the C view of ids for the duration of a call (NULL if empty).
func idsPtr(ids []int32) *C.int32_t {
	if len(ids) == 0 {
		return nil
	}
	return (*C.int32_t)(unsafe.Pointer(&ids[0]))
}

// invalidArgument is an error caught by the binding before reaching C, with
// the status C would have given it.
func invalidArgument(message string) error {
	return &Error{Status: StatusInvalidArgument, Message: message}
}

// nilHandle is the error for a method called on a nil *Model, *Session or
// *Trainer (say, one whose constructor failed).
func nilHandle(kind string) error {
	return invalidArgument("nil *" + kind)
}

// cPath returns a malloc'ed C copy of a file path; the caller frees it. A
// path with a NUL byte would be silently cut short in C, so it is refused.
func cPath(path string) (*C.char, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, invalidArgument("path contains a NUL byte")
	}
	return C.CString(path), nil
}
