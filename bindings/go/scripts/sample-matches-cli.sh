#!/bin/sh
# CTest go_sample_matches_cli: the Go sample's stdout must equal the CLI's,
# byte for byte, for the same model, prompt and token count.
#   scripts/sample-matches-cli.sh BUILD_DIR MODEL.wisp PROMPT N
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$1 model=$2 prompt=$3 n=$4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/bin/wisp" generate -m "$model" -p "$prompt" -n "$n" --temperature 0 \
  >"$out/cli.txt"
WISP_BUILD_DIR=$build "$here/run-sample.sh" "$model" "$prompt" "$n" >"$out/go.txt"
if cmp "$out/cli.txt" "$out/go.txt"; then
  echo "the Go sample prints the CLI's $(wc -c <"$out/cli.txt") bytes"
else
  echo "--- wisp generate:"; cat "$out/cli.txt"
  echo "--- Go sample:"; cat "$out/go.txt"
  exit 1
fi
