# A deliberately broken copy of the founding scenario (one byte changed in
# an expected line) must fail, name the file and line, and show the byte in
# a unified diff with invisible characters made visible.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
mkdir lib
cp "$scn"/lib/*.inc lib/
cp "$scn/q189732.scn" good.scn
expect_rc 0 "$NTLAB" run good.scn
expect_line "1 passed, 0 failed"

# One byte: the first "client" of the article's error line becomes "cliant".
line=$(grep -n '^s1 < -Err A required privilege' good.scn | head -1 | cut -d: -f1)
awk -v n="$line" 'NR == n { sub(/client$/, "cliant") } { print }' good.scn > broken.scn
[ "$(cmp -l good.scn broken.scn | wc -l)" = 1 ] || die "the copy differs in more than one byte"
expect_rc 1 "$NTLAB" run broken.scn
expect_line "FAIL broken.scn:$line: s1: expected '-Err A required privilege is not held by the cliant', got '-Err A required privilege is not held by the client'"
expect_line "     --- expected (broken.scn)"
expect_line "     +++ actual"
expect_line "     -s1 < -Err A required privilege is not held by the cliant"
expect_line "     +s1 < -Err A required privilege is not held by the client"
expect_line "     first difference at column 54: expected 'a' (0x61), got 'e' (0x65)"
expect_line "0 passed, 1 failed"

# A {{regex}} line that does not match (issue 14 item 6): the caret points
# at the first byte of the actual line the pattern cannot match -- here the
# 'r' of "ready" where the pattern wants "Ready" -- not at the pattern's '{'.
awk 'NR == 1, /^s1 < \+OK Microsoft/ { if ($0 ~ /^s1 < \+OK Microsoft/) $0 = "s1 < +OK Microsoft Exchange POP3 server version {{[0-9.]+}}     Ready" } { print }' good.scn > regex.scn
expect_rc 1 "$NTLAB" run regex.scn
expect_line "     first byte the pattern cannot match at column 65: 'r' (0x72)"
expect_line "     -s1 < +OK Microsoft Exchange POP3 server version {{[0-9.]+}}     Ready"
expect_line "     +s1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready"
expect_line "                                                                      ^"

# A trailing space in an expected line is shown, not lost.
awk 'NR == 1, /^s1 < \+OK$/ { if ($0 == "s1 < +OK") $0 = "s1 < +OK " } { print }' good.scn > space.scn
expect_rc 1 "$NTLAB" run space.scn
expect_line "     -s1 < +OK·"
expect_line "     +s1 < +OK"
expect_grep "actual line ends at column 9 where a space \(0x20\) was expected"

# A reply ending in a bare LF where CRLF is expected: \n marks the line end.
cat > lf.scn <<'SCN'
include lib/corp-lab-fixed.inc
ntlab boot
begin
open s1
s1 <lf +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready
close s1
SCN
expect_rc 1 "$NTLAB" run lf.scn
expect_line "     -s1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\\n"
expect_line "     +s1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready"
expect_grep "the line ends differ \(LF expected, CRLF got\)"

# The same failure in the reports: TAP and JUnit carry the diff.
expect_rc 1 "$NTLAB" run --tap --junit junit.xml good.scn broken.scn
expect_line "1..2"
expect_line "ok 1 - good.scn: Q189732: POP3 PASS fails until the service account has SeTcbPrivilege and the server reboots"
expect_grep "^not ok 2 - broken.scn"
expect_line "  at: \"broken.scn:$line\""
expect_line "    -s1 < -Err A required privilege is not held by the cliant"
expect_line "# 1 passed, 1 failed"
grep -q '<testsuite name="ntlab scenarios" tests="2" failures="1"' junit.xml || die "junit counts"
grep -qF -- '-s1 &lt; -Err A required privilege is not held by the cliant' junit.xml || die "junit diff"
grep -q '<failure type="mismatch" message="broken.scn:' junit.xml || die "junit failure"

# Passwords never appear in a report (issue 6): the diff, -v, --transcript,
# TAP and JUnit show "Pass ********" and "--password ********"; the real
# bytes are still sent (the good copy passes above).
pw=$(sed -n 's/^s1 > Pass //p' good.scn | head -1)
[ -n "$pw" ] || die "no Pass line in the founding scenario"
expect_rc 1 "$NTLAB" run -v --transcript --junit secret.xml good.scn broken.scn
expect_line "      s1 > Pass ********"
expect_line "  Pass ********"
expect_line "     | s1 > Pass ********"
expect_grep "^     \| \\\$ ntlab user add alice --password \*{8} --machine CORPDC$"
printf '%s\n' "$out" | grep -qF -- "$pw" && die "the password is in the text report"
grep -qF -- 'Pass ********' secret.xml || die "junit shows no masked Pass line"
grep -qF -- "$pw" secret.xml && die "the password is in the JUnit report"
expect_rc 1 "$NTLAB" run --tap broken.scn
expect_line "     s1 > Pass ********"
printf '%s\n' "$out" | grep -qF -- "$pw" && die "the password is in the TAP report"
true
