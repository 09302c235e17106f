#!/bin/sh
# Runs every tests/cli/*.t shell test against the ntlab binary given as $1.
# Each test gets NTLAB (the binary), T (a fresh temp dir) and NTLAB_PORTS
# (a file of the ports it was given, tests/freeport.py) in its
# environment and fails by exiting non-zero. Prints "N passed, N failed".
# Further arguments name the tests to run (e.g. "help.t"); default: all.
set -u
NTLAB=${1:?usage: run.sh /path/to/ntlab [TEST.t...]}
export NTLAB
shift
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
[ $# -gt 0 ] || set -- "$here"/*.t
for t in "$@"; do
    t=$here/$(basename "$t")
    [ -e "$t" ] || { echo "FAIL $(basename "$t") (no such test)"; fail=$((fail + 1)); continue; }
    T=$(mktemp -d "${TMPDIR:-/tmp}/ntlab-cli-XXXXXX")
    NTLAB_PORTS=$T.ports # the ports free_port gave this test (tests/freeport.py)
    export T NTLAB_PORTS
    if out=$(cd "$T" && sh -eu "$t" 2>&1); then
        pass=$((pass + 1))
        echo "ok   $(basename "$t")"
    else
        fail=$((fail + 1))
        echo "FAIL $(basename "$t")"
        printf '%s\n' "$out" | sed 's/^/     | /' | tail -40
    fi
    rm -rf "$T" "$NTLAB_PORTS"
done
echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
