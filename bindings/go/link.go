//go:build !wisp_pkgconfig

package wisp

// The include and library directories come from CGO_CFLAGS and CGO_LDFLAGS
// (see the package documentation), so that one checkout builds against any
// build directory.

// #cgo LDFLAGS: -lwisp
import "C"
