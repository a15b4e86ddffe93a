# (c) Walking away from an NPC mid-reply stops its generation in that very
# frame; the other NPCs are unaffected.
. "$(dirname "$0")/common.sh"
L=8  # the dog replies from frame 5 on (tests/dialogue.script)

run_sample "$WORK/stay.out" --script "$SCRIPT" --frames 14
run_sample "$WORK/leave.out" --script "$SCRIPT" --frames 14 \
  --event "$L:leave dog"
grep -q "^000$((L - 1)) dog -> " "$WORK/stay.out" || fail "dog silent at $((L - 1))"
grep -q "^000$L dog -> " "$WORK/stay.out" || fail "dog silent at $L"
grep -q "^000$L dog -- player walked away: reply cut off after [1-9][0-9]* tokens" \
  "$WORK/leave.out" || fail "no cut-off reply at frame $L"
after_frame "$((L - 1))" "$WORK/leave.out" | grep " dog -> " &&
  fail "the dog spoke after the player walked away"
awk -v l="$L" '$1 + 0 < l' "$WORK/stay.out" > "$WORK/stay.before"
awk -v l="$L" '$1 + 0 < l' "$WORK/leave.out" > "$WORK/leave.before"
same_file "$WORK/stay.before" "$WORK/leave.before" "before walking away"
grep -v ' dog ' "$WORK/stay.out" > "$WORK/stay.others"
grep -v ' dog ' "$WORK/leave.out" > "$WORK/leave.others"
require_lines "$WORK/stay.others" " -> " 10
same_file "$WORK/stay.others" "$WORK/leave.others" "the other NPCs"
echo "PASS: walking away stops the reply within the frame"
