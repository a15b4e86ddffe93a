#!/usr/bin/env bash
# Prints PROMPT and N greedy tokens with the Rust binding's sample, exactly as
# `wisp generate -m MODEL -p PROMPT -n N --temperature 0` prints them.
#   bindings/rust/run-sample.sh MODEL.wisp "PROMPT" N
# libwisp comes from WISP_BUILD_DIR (default: the README's build folder);
# cargo's output goes under it too, so the source tree stays clean.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if (($# != 3)); then
  echo "usage: $0 MODEL.wisp \"PROMPT\" N" >&2
  exit 2
fi
build=${WISP_BUILD_DIR:-$here/../../build}
if [[ ! -e "$build/capi/libwisp.so" ]]; then
  echo "$0: no $build/capi/libwisp.so: build wisp first (scripts/setup.sh)" \
    "or set WISP_BUILD_DIR" >&2
  exit 1
fi
export WISP_BUILD_DIR=$(cd "$build" && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$WISP_BUILD_DIR/bindings/rust/target}
cargo=$(command -v cargo || echo "${CARGO_HOME:-$HOME/.cargo}/bin/cargo")
if [[ ! -x "$cargo" ]]; then
  echo "$0: cargo not found: install Rust (rustup) or Debian's cargo" >&2
  exit 1
fi
exec "$cargo" run --offline --quiet --manifest-path "$here/Cargo.toml" \
  --example generate -- "$@"
