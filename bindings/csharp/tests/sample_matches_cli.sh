#!/usr/bin/env bash
# CTest csharp_sample_matches_cli: the C# sample's stdout must equal the C
# tool's, byte for byte, for the same model, prompt and token count.
#
#   sample_matches_cli.sh BUILD_DIR MODEL.wisp PROMPT N
set -euo pipefail
build=$1 model=$2 prompt=$3 n=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bin/wisp" generate -m "$model" -p "$prompt" -n "$n" --temperature 0 \
  >"$tmp/cli.out" 2>"$tmp/cli.err"
WISP_BUILD_DIR=$build "$here/../run-sample.sh" "$model" "$prompt" "$n" \
  >"$tmp/csharp.out" 2>"$tmp/csharp.err"
if ! cmp "$tmp/cli.out" "$tmp/csharp.out"; then
  echo "--- wisp generate:"; cat "$tmp/cli.out"
  echo "--- run-sample.sh:"; cat "$tmp/csharp.out"; cat "$tmp/csharp.err"
  exit 1
fi
# Guard against both printing nothing useful: the prompt plus a continuation.
[[ $(head -c ${#prompt} "$tmp/csharp.out") == "$prompt" ]]
(($(wc -c <"$tmp/csharp.out") > ${#prompt} + n))
echo "identical ($(wc -c <"$tmp/csharp.out") bytes):"
cat "$tmp/csharp.out"
