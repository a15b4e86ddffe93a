# When an NPC's context cannot hold the player's words and a whole reply,
# the NPC forgets the conversation (restarts from its persona) and replies.
. "$(dirname "$0")/common.sh"

# stories260K's context is 512 tokens: a 450-token reply budget leaves room
# for the persona and one exchange, not two.
run_sample "$WORK/forget.out" --only baker --reply 450 --budget 50 \
  --event "0:talk baker" \
  --event "10:talk baker \"Tell me a story!\" said Tom. The old baker said" \
  --event "20:talk baker \"One more!\" said Tom. The old baker said"
require_lines "$WORK/forget.out" "^00[12]0 baker -- forgot the earlier" 2
for frame in 1 2; do
  after_frame "${frame}0" "$WORK/forget.out" | grep -q " baker -> " ||
    fail "no reply after forgetting at frame ${frame}0"
done
# With room to spare the NPC remembers.
run_sample "$WORK/remember.out" --only baker --budget 50 \
  --event "0:talk baker" \
  --event "10:talk baker \"Tell me a story!\" said Tom. The old baker said"
grep -q "forgot" "$WORK/remember.out" && fail "forgot with room to spare"
echo "PASS: an NPC with a full context forgets and goes on"
