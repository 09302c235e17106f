#!/bin/sh
# make bench: ntlab run --minimize on the 210-step haystack (issue 19;
# tests/scenarios/haystack.py). Prints the median of 3 runs, the step
# counts and candidate runs, and ratios against a named peer measured in
# the same sitting (one `ntlab run` of the whole haystack, which fails)
# and a do-nothing stub (`true`). Never fails on a slow figure; fails when
# a figure could not be measured.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NTLAB=$ROOT/$BUILD/ntlab
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
python3 "$ROOT/tests/scenarios/haystack.py" "$T/hay.scn" 210 1 || { echo "minimize: no haystack"; exit 1; }
us() { s=$(date +%s%N); "$@" >"$T/last.out" 2>&1; rc=$?; echo "$rc $((($(date +%s%N) - s) / 1000))"; }
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.1f\n", a[int((NR + 1) / 2)] / 1000 }'; }
for i in 1 2 3; do
    set -- $(us "$NTLAB" run --minimize "$T/hay.scn" -o "$T/min.scn" --force)
    [ "$1" = 0 ] || { echo "minimize: --minimize failed:"; cat "$T/last.out"; exit 1; }
    echo "$2"
done | med >"$T/min.ms"
line=$(cat "$T/last.out")
for i in 1 2 3; do set -- $(us "$NTLAB" run "$T/hay.scn"); [ "$1" = 1 ] && echo "$2"; done | med >"$T/peer.ms"
for i in 1 2 3; do set -- $(us true); echo "$2"; done | med >"$T/stub.ms"
MIN=$(cat "$T/min.ms") PEER=$(cat "$T/peer.ms") STUB=$(cat "$T/stub.ms")
STEPS=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) steps -> \([0-9]*\) (\([0-9]*\) runs.*/\1 \2 \3/p')
[ -n "$MIN" ] && [ -n "$PEER" ] && [ -n "$STUB" ] && [ -n "$STEPS" ] || {
    echo "minimize: a figure is missing (min=$MIN peer=$PEER stub=$STUB steps=$STEPS)"; exit 1; }
set -- $STEPS
echo "run --minimize, 210-step haystack: $1 steps -> $2 in $MIN ms (median of 3, $3 candidate runs)"
echo "  peer: one 'ntlab run' of the haystack $PEER ms -> ratio $(awk -v a="$MIN" -v b="$PEER" 'BEGIN { printf "%.1f", a / b }')"
echo "  stub: 'true' $STUB ms -> ratio $(awk -v a="$MIN" -v b="$STUB" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')"
echo "minimize_ms=$MIN minimize_steps_before=$1 minimize_steps_after=$2 minimize_runs=$3"
