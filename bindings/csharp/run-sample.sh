#!/usr/bin/env bash
# Prints PROMPT and N greedy tokens, exactly like
#   wisp generate -m MODEL.wisp -p PROMPT -n N --temperature 0
# using the C# binding.
#
#   bindings/csharp/run-sample.sh MODEL.wisp "PROMPT" N
#
# The library is found in $WISP_BUILD_DIR/capi (default: the README's build
# folder, build/ at the repository root). The sample is compiled there, under
# bindings/csharp, if the CMake build has not done it already.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${WISP_BUILD_DIR:-$here/../../build}
if [[ ! -e $build/capi/libwisp.so ]]; then
  echo "run-sample.sh: $build/capi/libwisp.so not found: build the library" \
    "(scripts/setup.sh) or set WISP_BUILD_DIR" >&2
  exit 1
fi
out=$build/bindings/csharp
exe=$out/WispGenerate.exe
stale=$(find "$here/src" "$here/sample" -name '*.cs' -newer "$exe" \
  2>/dev/null | head -n1 || true)
if [[ ! -f $exe || -n $stale ]]; then
  "$here/build.sh" "$out" lib sample >&2
fi
export LD_LIBRARY_PATH=$build/capi${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
exec mono "$exe" "$@"
