#!/usr/bin/env bash
# Exports models with `wisp export --to onnx`, runs them in ONNX Runtime
# (run_onnx.mjs) and compares the logits with `wisp logits` on the same
# .wisp file (and with the shared PyTorch/llama2.c references):
#   - stories260K (llama2.c checkpoint -> wisp -> ONNX), up to 200 tokens;
#   - tiny-gpt2 and tiny-bert (PyTorch ONNX -> wisp importer -> ONNX);
#   - random tiny models of every configuration in onnx_export_fixtures.cc
#     (families and mixtures; prefix LM with prefix_length 3 and n).
# Usage: check_export.sh WISP ONNX_EXPORT_MODELS SHARED_DIR WORK_DIR
set -euo pipefail
wisp=$1 make_models=$2 shared=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/onnxruntime-node/package.json" ]; then
  echo "skipped: onnxruntime-node is not installed in $here/node_modules" \
    "(run: cd tests/onnxrt && npm ci --ignore-scripts)"
  exit 77
fi
tol=1e-4
rm -rf "$work"
mkdir -p "$work/tmp"
cd "$work"
# ONNX Runtime leaves an empty mat-debug-PID.log in TMPDIR for every
# process: keep them in the work directory, which the next run clears.
export TMPDIR="$work/tmp"

passed=0 failed=0
check() {
  if node "$here/run_onnx.mjs" "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}
export_and_logits() {  # NAME IDS: NAME.onnx and NAME.bin (wisp's logits)
  "$wisp" export --to onnx "$1.wisp" -o "$1.onnx" -q
  "$wisp" logits -m "$1.wisp" --ids "$2" -o "$1.bin" 2>/dev/null
}

stories=$shared/models/stories260K
"$wisp" convert --from llama2c "$stories/stories260K.bin" \
  --tokenizer "$stories/tok512.bin" -o stories260K.wisp -q
ids_of() {  # the input ids of one reference sequence, comma-separated
  node -e 'const r = require(process.argv[1]);
           console.log(r.sequences[process.argv[2]].input_ids.join(","))' \
    "$stories/reference/reference.json" "$1"
}
for seq in once s200; do
  ids=$(ids_of $seq)
  cp stories260K.wisp "stories260K_$seq.wisp"
  export_and_logits "stories260K_$seq" "$ids"
  check "stories260K_$seq.onnx" --ids "$ids" --expect "stories260K_$seq.bin" \
    --tol $tol --batch 2
  check "stories260K_$seq.onnx" --ids "$ids" --tol $tol \
    --expect "$stories/reference/logits_$seq.bin"
done

hello=15496,11,995,0,314,1842,968,1971,21980,13
for m in tiny-gpt2 tiny-bert; do
  "$wisp" convert --from onnx "$shared/models/$m/$m.onnx" -o "$m.wisp" -q
  export_and_logits "$m" "$hello"
  check "$m.onnx" --ids "$hello" --expect "$m.bin" --tol $tol --batch 2
  check "$m.onnx" --ids "$hello" --expect "$shared/models/$m/logits_hello.bin" \
    --tol 1e-5
done
check tiny-bert.onnx --ids "$hello" --pad 3 --tol 1e-5

"$make_models" .
ids=3,17,5,0,31,8,12,9,22,4,27,1
while read -r name mask; do
  export_and_logits "$name" "$ids"
  case $mask in
    bidirectional)
      check "$name.onnx" --ids "$ids" --expect "$name.bin" --tol $tol \
        --batch 2 --pad 2 ;;
    prefix)
      # wisp logits feeds the ids at once: all of them are the prefix.
      check "$name.onnx" --ids "$ids" --expect "$name.bin" --tol $tol \
        --batch 2 --prefix-length 12
      check "$name.onnx" --ids "$ids" --expect "$name.prefix3.bin" \
        --tol $tol --prefix-length 3
      # prefix_length 0 is causal (the same as a prefix of 1).
      check "$name.onnx" --ids "$ids" --expect "$name.prefix1.bin" --tol $tol ;;
    *)
      check "$name.onnx" --ids "$ids" --expect "$name.bin" --tol $tol \
        --batch 2 ;;
  esac
done < cases.txt
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
