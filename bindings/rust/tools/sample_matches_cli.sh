#!/usr/bin/env bash
# Fails unless run-sample.sh prints exactly what the CLI prints on stdout:
#   sample_matches_cli.sh WISP_CLI MODEL.wisp "PROMPT" N
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli=$1 model=$2 prompt=$3 n=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cli" generate -m "$model" -p "$prompt" -n "$n" --temperature 0 \
  >"$work/cli.out" 2>"$work/cli.err"
"$here/../run-sample.sh" "$model" "$prompt" "$n" >"$work/rust.out"
if [[ ! -s "$work/cli.out" ]]; then
  echo "the CLI printed nothing" >&2
  exit 1
fi
if ! cmp "$work/cli.out" "$work/rust.out"; then
  echo "--- wisp generate:"; cat "$work/cli.out"
  echo "--- bindings/rust/run-sample.sh:"; cat "$work/rust.out"
  exit 1
fi
echo "identical ($(wc -c <"$work/cli.out") bytes):"
cat "$work/rust.out"
