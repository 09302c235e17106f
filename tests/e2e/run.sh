#!/bin/sh
# Wire tests with real POP3 clients (Python poplib, curl) against `ntlab up`.
# Runs every tests/e2e/*.t with NTLAB (the binary given as $1) and T (a
# fresh temp dir) in the environment; a test fails by exiting non-zero.
# Each test is time-bounded; daemons are killed by their pid when it ends.
# Prints "e2e: N passed, N failed" and exits non-zero on a failure.
set -u
NTLAB=${1:?usage: run.sh /path/to/ntlab}
export NTLAB
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for t in "$here"/*.t; do
    [ -e "$t" ] || continue
    T=$(mktemp -d "${TMPDIR:-/tmp}/ntlab-e2e-XXXXXX")
    NTLAB_PORTS=$T.ports # the ports free_port gave this test (tests/freeport.py)
    export T NTLAB_PORTS
    if out=$(cd "$T" && timeout 300 sh -eu "$t" 2>&1); then
        pass=$((pass + 1))
        echo "ok   $(basename "$t")"
    else
        fail=$((fail + 1))
        echo "FAIL $(basename "$t")"
        printf '%s\n' "$out" | sed 's/^/     | /' | tail -40
    fi
    rm -rf "$T" "$NTLAB_PORTS"
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
