# ntlab run --minimize (issue 19): a 210-step recording hiding the founding
# Q189732 failure shrinks to at most 10 steps in under 10 s, still failing
# at the same line with the same reply; the header says what made it;
# OUT is not overwritten unless --force; a passing or broken input is a
# clear error that writes nothing.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
python3 "$scn/haystack.py" hay.scn 210 1
expect_rc 1 "$NTLAB" run hay.scn
line=$(grep -n '^s1 < +OK User successfully logged on' hay.scn | cut -d: -f1)
expect_line "FAIL hay.scn:$line: s1: expected '+OK User successfully logged on', got '-Err A required privilege is not held by the client'"

start=$(date +%s%N)
expect_rc 0 "$NTLAB" run --minimize hay.scn
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 10000 ] || die "--minimize took $ms ms (over 10 s)"
expect_grep "^minimized hay.scn: 210 steps -> [0-9]+ \([0-9]+ runs, [0-9.]+ s\): hay.min.scn$"
after=$(printf "%s\n" "$out" | sed -n "s/.*210 steps -> \([0-9]*\) .*/\1/p")
[ "$after" -le 10 ] || die "$after steps left (more than 10)"
# The header, then a file that fails the same way at the mapped line.
head -1 hay.min.scn | grep -Eq "^# Minimized by ntlab [^ ]+ on [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC from hay.scn$" \
    || die "bad header: $(head -1 hay.min.scn)"
grep -q "^# (ntlab run --minimize): 210 steps -> $after, " hay.min.scn || die "no step counts"
grep -q "^# It still fails the same way: hay.scn:$line: -Err A required privilege is not held by the client$" hay.min.scn \
    || die "no outcome line"
[ "$(grep -c '^ntlab\|^open' hay.min.scn)" = "$after" ] || die "steps in the file differ from the count"
grep -q '^ntlab ntrights +r SeTcbPrivilege' hay.min.scn && die "a grant taken back was kept"
expect_rc 1 "$NTLAB" run hay.min.scn
expect_grep "s1: expected '\+OK User successfully logged on', got '-Err A required privilege is not held by the client'"

# Not overwritten unless told; -o names the output.
cp hay.min.scn before.scn
expect_rc 1 "$NTLAB" run --minimize hay.scn
expect_line "ntlab: run: hay.min.scn exists (--force overwrites it)"
cmp -s hay.min.scn before.scn || die "the output changed without --force"
expect_rc 0 "$NTLAB" run --minimize hay.scn --force
expect_rc 0 "$NTLAB" run --minimize hay.scn -o other.scn
[ -f other.scn ] || die "-o other.scn not written"

# The minimized file is already 1-minimal: minimizing it keeps every step.
expect_rc 0 "$NTLAB" run --minimize hay.min.scn -o again.scn
expect_grep "^minimized hay.min.scn: $after steps -> $after "

# A passing scenario: nothing to minimize, nothing written.
mkdir lib && cp "$scn"/lib/*.inc lib/ && cp "$scn/q189732.scn" good.scn
expect_rc 1 "$NTLAB" run --minimize good.scn
expect_line "ntlab: run: good.scn: the scenario passes: nothing to minimize"
[ ! -e good.min.scn ] || die "a passing scenario wrote a file"

# One that does not parse: FILE:LINE, nothing written.
printf 'title broken\nbegin\ns1 frobnicate\n' > broken.scn
expect_rc 1 "$NTLAB" run --minimize broken.scn
expect_grep "^ntlab: run: broken.scn:3: "
[ ! -e broken.min.scn ] || die "a broken scenario wrote a file"

# Usage errors.
expect_rc 2 "$NTLAB" run --minimize
expect_grep "run: --minimize needs a scenario file"
expect_rc 2 "$NTLAB" run --minimize a.scn b.scn
expect_grep "takes one scenario file"
expect_rc 1 "$NTLAB" run --minimize missing.scn
expect_grep "^ntlab: run: missing.scn: "
