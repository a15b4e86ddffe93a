#!/bin/sh
# The Go binding's header drift check (CTest go_header_check):
#   1. headercheck compares wisp.h's functions, callbacks, enumerators and
#      struct fields with what the package mirrors and calls;
#   2. go vet compiles every call and field access against the header
#      through cgo, so a changed parameter or field type fails too;
#   3. headercheck's own tests show it catches each kind of change.
# Needs CGO_CFLAGS with the include directory; no library is linked.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
header=${1:-$here/../../include/wisp/wisp.h}
cd "$here"
go=${GO:-go}
"$go" run ./internal/headercheck -header "$header" -binding .
"$go" vet .
"$go" test -count=1 ./internal/headercheck
