//go:build wisp_pkgconfig

package wisp

// Build with -tags wisp_pkgconfig to take the flags of an installed libwisp
// from its pkg-config file.

// #cgo pkg-config: wisp
import "C"
