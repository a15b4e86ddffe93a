package wisp

// #include <wisp/wisp.h>
import "C"

// Status is a wisp_status: the outcome of a C API call.
//
// The line comment of each constant names the C enumerator it mirrors;
// internal/headercheck compares names and values with include/wisp/wisp.h.
type Status int32

const (
	StatusOK              Status = 0  // WISP_OK
	StatusInvalidArgument Status = 1  // WISP_ERR_INVALID_ARGUMENT
	StatusNotFound        Status = 2  // WISP_ERR_NOT_FOUND
	StatusCorrupt         Status = 3  // WISP_ERR_CORRUPT
	StatusUnsupported     Status = 4  // WISP_ERR_UNSUPPORTED
	StatusOutOfRange      Status = 5  // WISP_ERR_OUT_OF_RANGE
	StatusBufferTooSmall  Status = 6  // WISP_ERR_BUFFER_TOO_SMALL
	StatusCancelled       Status = 7  // WISP_ERR_CANCELLED
	StatusOutOfMemory     Status = 8  // WISP_ERR_OUT_OF_MEMORY
	StatusIO              Status = 9  // WISP_ERR_IO
	StatusInternal        Status = 10 // WISP_ERR_INTERNAL
	StatusMismatch        Status = 11 // WISP_ERR_MISMATCH
)

// String returns the library's name for the status, e.g. "WISP_ERR_CORRUPT".
func (s Status) String() string {
	return C.GoString(C.wisp_status_name(C.wisp_status(s)))
}
