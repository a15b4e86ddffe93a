package wisp

// #include <wisp/wisp.h>
import "C"

// HeaderAPIVersion is WISP_API_VERSION of the header this package was
// compiled against: (major << 16) | minor.
const HeaderAPIVersion = int(C.WISP_API_VERSION)

// Version returns the loaded library's version string, e.g. "0.1.0".
func Version() string { return C.GoString(C.wisp_version()) }

// APIVersion returns WISP_API_VERSION of the loaded library. A different
// major version than HeaderAPIVersion's means a mismatched libwisp.so.
func APIVersion() int { return int(C.wisp_api_version()) }
