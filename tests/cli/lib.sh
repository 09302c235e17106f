# Helpers for tests/cli/*.t (sourced). Fail loudly with what was expected.
die() { echo "FAILED: $*" >&2; exit 1; }
# expect_rc CODE CMD...: run CMD, require exit code CODE; output in $out
expect_rc() {
    want=$1; shift
    set +e
    out=$("$@" 2>&1)
    rc=$?
    set -e
    [ "$rc" = "$want" ] || die "'$*' exited $rc, wanted $want; output:
$out"
}
# expect_out TEXT: $out must contain the line TEXT exactly
expect_line() {
    printf '%s\n' "$out" | grep -qxF -- "$1" || die "missing line: $1
in output:
$out"
}
expect_grep() {
    printf '%s\n' "$out" | grep -qE -- "$1" || die "no match for /$1/ in:
$out"
}
