# (b) A game saved at frame K and loaded into new sessions in a new process
# continues byte for byte as the uninterrupted game (temperature 0.8, so the
# saved position of each NPC's random stream matters).
. "$(dirname "$0")/common.sh"
K=16  # the girl is mid-reply, the baker mid-prompt (tests/dialogue.script)

run_sample "$WORK/full.out" --script "$SCRIPT" --event "$K:save $WORK/save"
grep -q "^00$K girl -> " "$WORK/full.out" || fail "girl not speaking at $K"
grep -q "^00$((K + 1)) girl -> " "$WORK/full.out" || fail "girl done at $K"
ls "$WORK/save" | grep -q '\.tmp$' && fail "temporary files left in the save"
after_frame "$K" "$WORK/full.out" > "$WORK/full.after"
for name in baker girl dog; do
  require_lines "$WORK/full.after" "^[0-9]* $name -> " 3
done

run_sample "$WORK/resumed.out" --load "$WORK/save" --script "$SCRIPT"
same_file "$WORK/full.after" "$WORK/resumed.out" "resumed in a new process"

# The random streams come from the save, not from the new process's seeds.
run_sample "$WORK/reseeded.out" --load "$WORK/save" --script "$SCRIPT" \
  --seed 7
same_file "$WORK/full.after" "$WORK/reseeded.out" "resumed with --seed 7"

# Control: the seed does change the text, so the check above can fail.
run_sample "$WORK/seed7.out" --script "$SCRIPT" --seed 7
after_frame "$K" "$WORK/seed7.out" > "$WORK/seed7.after"
cmp -s "$WORK/full.after" "$WORK/seed7.after" && fail "--seed 7 changes nothing"

# Saved and loaded into new sessions within one process: the NPCs' lines are
# those of the uninterrupted game.
run_sample "$WORK/reloaded.out" --script "$SCRIPT" \
  --event "$K:save $WORK/save2" --event "$K:load $WORK/save2"
grep -q "^00$K \* loaded" "$WORK/reloaded.out" || fail "no load in process"
grep -v '^[0-9]* \* ' "$WORK/full.out" > "$WORK/full.npcs"
grep -v '^[0-9]* \* ' "$WORK/reloaded.out" > "$WORK/reloaded.npcs"
same_file "$WORK/full.npcs" "$WORK/reloaded.npcs" "saved and loaded in process"
echo "PASS: a restored game continues exactly as the original"
