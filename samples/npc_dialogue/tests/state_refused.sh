# (d) A saved session state is refused by another model (WISP_ERR_MISMATCH)
# and when truncated (WISP_ERR_CORRUPT), with a clear message and no crash.
. "$(dirname "$0")/common.sh"
WISP=$5
DATA=$6

# Another model: stories260K after one fine-tuning step (same config and
# tokenizer, different weights).
"$WISP" finetune -m "$MODEL" --data "$DATA" -o "$WORK/other.wisp" --steps 1 \
  --seq 16 --batch 1 > "$WORK/finetune.log" 2>&1 ||
  { cat "$WORK/finetune.log" >&2; fail "wisp finetune"; }
run_sample "$WORK/saved.out" --event "0:talk baker" --event "5:save $WORK/save" \
  --frames 6
run_sample "$WORK/same_model.out" --load "$WORK/save" --frames 8  # control

# expect_refusal STATUS MODEL SAVE: loading fails with exit code 1 and a
# message naming the state file and the status.
expect_refusal() {
  status=0
  "$SAMPLE" "$2" --load "$3" > "$WORK/refused.out" 2> "$WORK/refused.err" ||
    status=$?
  cat "$WORK/refused.err"
  [ "$status" -eq 1 ] || fail "loading $3 on $2 exited with $status, not 1"
  grep -q "cannot load the game: loading $3/.*\.state: .*($1)" \
    "$WORK/refused.err" || fail "no clear $1 message"
}
expect_refusal WISP_ERR_MISMATCH "$WORK/other.wisp" "$WORK/save"

mkdir "$WORK/truncated"
cp "$WORK/save"/* "$WORK/truncated/"
size=$(wc -c < "$WORK/save/baker.state")
head -c $((size / 2)) "$WORK/save/baker.state" > "$WORK/truncated/baker.state"
expect_refusal WISP_ERR_CORRUPT "$MODEL" "$WORK/truncated"
echo "PASS: states from another model or truncated are refused"
