#!/bin/sh
# Builds and runs the Go sample: prints PROMPT and N greedy tokens, exactly
# like `wisp generate -m MODEL.wisp -p PROMPT -n N --temperature 0`.
#   bindings/go/run-sample.sh MODEL.wisp "PROMPT" N
# The library is taken from WISP_BUILD_DIR (default: the repository's build/),
# whose capi/ holds libwisp.so; the Go build cache goes under it too. GO
# names the go command if it is not on PATH.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${WISP_BUILD_DIR:-$repo/build}
if [ ! -f "$build/capi/libwisp.so" ]; then
  echo "run-sample.sh: $build/capi/libwisp.so not found; build wisp first or set WISP_BUILD_DIR" >&2
  exit 1
fi
build=$(cd "$build" && pwd)
export GOPROXY=off GOFLAGS=-mod=mod
export GOCACHE="${GOCACHE:-$build/go/cache}" GOPATH="${GOPATH:-$build/go/path}"
export CGO_ENABLED=1 CGO_CFLAGS="-I$repo/include"
export CGO_LDFLAGS="-L$build/capi -Wl,-rpath,$build/capi"
(cd "$here" && "${GO:-go}" build -o "$build/go/bin/wisp-go-generate" ./cmd/generate)
exec "$build/go/bin/wisp-go-generate" "$@"
