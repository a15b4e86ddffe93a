#!/usr/bin/env bash
# Records a deliberate change of wisp's C ABI: rebuilds the libraries and
# rewrites capi/abi/wisp_abi.txt from them and the headers (the c_abi test
# compares against that file). Refuses until WISP_API_VERSION in
# include/wisp/wisp.h is bumped as the change requires: MINOR for additions,
# MAJOR (and WISP_SOVERSION) for anything removed or changed.
#   scripts/update_abi.sh [BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake --build "$build" -j"$(nproc)" --target wisp wisp_convert_shared
WISP_ABI_UPDATE=1 ctest --test-dir "$build" -R '^c_abi$' --verbose |
  grep -E '(Updated|matches|Error|bump|disagree|declared|exported)' || true
git diff --stat -- capi/abi/wisp_abi.txt
