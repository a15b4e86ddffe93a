# Bad scripts, options, models and saves end the sample with a clear message
# and exit code (2: usage, 1: the game could not go on), never a crash.
. "$(dirname "$0")/common.sh"

# expect_error CODE MESSAGE ARGS...: the sample exits with CODE and its
# stderr contains MESSAGE.
expect_error() {
  code=$1
  message=$2
  shift 2
  status=0
  "$SAMPLE" "$@" > "$WORK/error.out" 2> "$WORK/error.err" || status=$?
  [ "$status" -eq "$code" ] || fail "$* exited with $status, not $code"
  grep -q -- "$message" "$WORK/error.err" || {
    cat "$WORK/error.err" >&2
    fail "$*: no message '$message'"
  }
}

expect_error 2 "unknown event \"dance\"" "$MODEL" --event "3:dance baker"
expect_error 2 "expected FRAME:EVENT" "$MODEL" --event "talk baker"
expect_error 2 "leave takes only a name" "$MODEL" --event "1:leave dog now"
expect_error 2 "cannot open script" "$MODEL" --script "$WORK/missing.script"
expect_error 2 "expected NAME=PERSONA" "$MODEL" --npc "no persona"
expect_error 2 "expected a whole number >= 1" "$MODEL" --budget 0
expect_error 1 "names no NPC: cat" "$MODEL" --event "1:talk cat"
expect_error 1 "two NPCs named a" "$MODEL" --npc "a=Tom said" --npc "a=Sue said"
expect_error 1 "WISP_ERR_NOT_FOUND" "$WORK/missing.wisp"
expect_error 1 "cannot open $WORK/nosave/game.txt" "$MODEL" --load "$WORK/nosave"

run_sample "$WORK/saved.out" --event "0:talk baker" --event "2:save $WORK/save" \
  --frames 3
printf 'wisp-npc-save 1\nnext_frame 3\nnpc baker reply_wanted 7\n' \
  > "$WORK/save/game.txt"
expect_error 1 "is not a valid game save" "$MODEL" --load "$WORK/save"
echo "PASS: bad input gives clear errors"
