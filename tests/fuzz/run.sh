#!/bin/sh
# Runs libFuzzer targets for a fixed time each, JOBS at a time, and prints
# the executions per target. Usage: run.sh BUILD SECONDS JOBS NAME...
# Each target starts from tests/fuzz/corpus/NAME (and regress/NAME); what it
# finds goes to BUILD/fuzz/work/NAME; a failing input is written to
# BUILD/fuzz/artifacts/NAME-crash-... and the run fails with its log.
# FUZZ_SEED (default 1) fixes libFuzzer's random seed, so `make test` walks
# the same inputs on every run and a CI result can be reproduced; set
# FUZZ_SEED=0 for a fresh random seed when hunting.
set -eu
build=$1 seconds=$2 jobs=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz
mkdir -p "$out/logs" "$out/artifacts"

if [ "${FUZZ_ONE:-}" ]; then
    # one target (run by xargs below)
    t=$FUZZ_ONE
    mkdir -p "$out/work/$t"
    set -- "$out/work/$t" "$here/corpus/$t"
    [ -d "$here/regress/$t" ] && set -- "$@" "$here/regress/$t"
    dict=""
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    # shellcheck disable=SC2086
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$out/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -seed="${FUZZ_SEED:-1}" \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" $dict "$@" \
        >"$out/logs/$t.log" 2>&1; then
        echo ok >"$out/logs/$t.status"
    else
        echo fail >"$out/logs/$t.status"
    fi
    exit 0
fi

for t in "$@"; do rm -f "$out/logs/$t.status"; done
echo "fuzz: $# targets, ${seconds}s each, $jobs at a time"
printf '%s\n' "$@" | xargs -P "$jobs" -I{} env FUZZ_ONE={} "$0" "$build" "$seconds" "$jobs"

fail=0
printf '%-10s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "$@"; do
    log=$out/logs/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    units=$(find "$out/work/$t" -type f | wc -l)
    st=$(cat "$out/logs/$t.status" 2>/dev/null || echo fail)
    printf '%-10s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$units" "$st"
    if [ "$st" != ok ]; then
        fail=1
        echo "--- $log (last 40 lines)"
        tail -n 40 "$log"
    fi
done
exit $fail
