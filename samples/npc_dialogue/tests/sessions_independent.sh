# (a) NPCs interleaved on worker threads, sharing one model, say byte for
# byte what each says when it is alone in the game: sessions are independent.
. "$(dirname "$0")/common.sh"

run_sample "$WORK/together.out" --script "$SCRIPT" --threads 2
run_sample "$WORK/main_thread.out" --script "$SCRIPT" --threads 0
same_file "$WORK/together.out" "$WORK/main_thread.out" \
  "2 worker threads vs the main thread"
for name in baker girl dog; do
  run_sample "$WORK/$name.alone" --script "$SCRIPT" --threads 0 --only "$name"
  grep "^[0-9]* $name " "$WORK/together.out" > "$WORK/$name.together" || true
  require_lines "$WORK/$name.alone" "^[0-9]* $name -> " 10
  same_file "$WORK/$name.together" "$WORK/$name.alone" "$name together vs alone"
done
echo "PASS: each NPC says the same with others as alone"
