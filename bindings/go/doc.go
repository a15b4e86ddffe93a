// Package wisp is the Go binding of wisp, an embeddable library that loads,
// fine-tunes and runs transformer language models (include/wisp/wisp.h).
//
// # Building
//
// The package is a cgo wrapper around libwisp.so. By default it links with
// -lwisp and takes the include and library directories from the environment:
//
//	CGO_CFLAGS="-I$REPO/include"
//	CGO_LDFLAGS="-L$WISP_BUILD_DIR/capi -Wl,-rpath,$WISP_BUILD_DIR/capi"
//
// (run-sample.sh and the CMake tests set exactly these). With the library
// installed (cmake --install), build with -tags wisp_pkgconfig instead and the
// flags come from `pkg-config wisp`. At run time libwisp.so is found through
// the rpath above, LD_LIBRARY_PATH or the system's library path.
//
// # Threading
//
// A *Model is immutable once loaded and may be shared by any number of
// goroutines. A *Session or *Trainer is used by one goroutine at a time; it
// may be handed from one goroutine to another. A call made while another call
// on the same Session or Trainer is still running (from another goroutine, or
// from inside a token or step callback) fails with ErrBusy instead of racing.
//
// # Errors
//
// Every failing call returns an *Error carrying the C status and the message
// of wisp_last_error(), read on the same OS thread right after the call.
// Compare with errors.Is against the sentinels (ErrNotFound, ErrCorrupt, ...).
//
// # Resources
//
// Close releases a Model, Session or Trainer. A finalizer frees whatever was
// not closed, as a safety net only: the memory held (a KV cache, a trainer's
// copy of the weights) is invisible to Go's garbage collector, so close
// explicitly. Closing a Model that still has open sessions or trainers
// defers the release until the last of them is closed.
package wisp
