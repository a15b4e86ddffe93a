# Shared by the npc_dialogue tests: sh TEST.sh SAMPLE MODEL SCRIPT WORK [WISP DATA]
set -eu
SAMPLE=$1
MODEL=$2
SCRIPT=$3
WORK=$4
rm -rf "$WORK"
mkdir -p "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run_sample OUT [ARGS...]: runs the sample on MODEL, stdout to OUT, stderr
# to OUT.err; a non-zero exit fails the test.
run_sample() {
  out=$1
  shift
  if ! "$SAMPLE" "$MODEL" "$@" > "$out" 2> "$out.err"; then
    cat "$out.err" >&2
    fail "npc_dialogue $* failed"
  fi
}

# same_file A B WHAT: the two transcripts are byte for byte equal.
same_file() {
  if ! cmp -s "$1" "$2"; then
    diff "$1" "$2" >&2 || true
    fail "$3: the transcripts differ"
  fi
}

# require_lines FILE REGEX N: at least N lines of FILE match REGEX, so that a
# comparison is never made between two empty transcripts.
require_lines() {
  count=$(grep -c -- "$2" "$1" || true)
  [ "$count" -ge "$3" ] || fail "$1: $count lines match '$2', expected >= $3"
}

# after_frame K FILE: the transcript lines of frames after K.
after_frame() {
  awk -v k="$1" '$1 + 0 > k' "$2"
}
