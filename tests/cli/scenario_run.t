# ntlab run: parse errors name FILE:LINE, tags select, -j runs in workers,
# exit codes, --prepare, and the transcript of the article's session.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)

printf 'title bad\nopen s1\ns1 < +OK\ns1 frobnicate\n' > bad.scn
expect_rc 1 "$NTLAB" run bad.scn
expect_line "FAIL bad.scn:4: unknown session operation 'frobnicate' (>, >lf, <, <lf, <<TAG, closed)"
printf 'ntlab up\n' > up.scn
expect_rc 1 "$NTLAB" run up.scn
expect_line "FAIL up.scn:1: 'ntlab up' cannot be a scenario step"
printf 'include loop.scn\n' > loop.scn
expect_rc 1 "$NTLAB" run loop.scn
expect_grep "^FAIL loop.scn:1: include loop: "
expect_rc 2 "$NTLAB" run
expect_rc 2 "$NTLAB" run --no-such-option "$scn/q189732.scn"
expect_rc 2 "$NTLAB" run -j 0 "$scn/q189732.scn"

# The whole library in two workers, in file order.
expect_rc 0 "$NTLAB" run -j 2 "$scn"
expect_grep "^ok   $scn/alias-differs.scn "
expect_grep "^[1-9][0-9]* passed, 0 failed$"
first=$(printf '%s\n' "$out" | head -1)
case "$first" in "ok   $scn/alias-differs.scn"*) ;; *) die "not in file order: $first" ;; esac

# Tags select scenarios; none matching is an error.
expect_rc 0 "$NTLAB" run --tag founding "$scn"
expect_line "1 passed, 0 failed"
expect_rc 1 "$NTLAB" run --tag no-such-tag "$scn"

# --transcript: the session as the telnet user saw it.
expect_rc 0 "$NTLAB" run --transcript "$scn/q189732.scn"
expect_line "  Telnet EXCHSRV 110"
expect_line "  +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready"
expect_line "  User CORP\\alice\\alice"
expect_line "  Pass ********"
printf '%s\n' "$out" | grep -qF Passw0rd && die "the transcript shows the password"
expect_line "  -Err A required privilege is not held by the client"
expect_line "  # ntlab reboot --machine EXCHSRV"

# --prepare builds the setup in a directory that ntlab can use, and says
# "prepared": nothing was tested, so nothing "passed" (issue 14 item 6).
expect_rc 0 "$NTLAB" run --prepare prepared "$scn/q189732.scn"
expect_grep "^prepared prepared from .*q189732.scn \([0-9.]+ ms\): serve it with 'ntlab -C prepared up'"
printf '%s\n' "$out" | grep -q "passed\|^ok " && die "--prepare reports a pass: $out"
expect_rc 0 "$NTLAB" -C prepared rights list 'CORP\EXCHSVC' --focus '\\EXCHSRV'
expect_line "  SeServiceLogonRight"
expect_rc 1 "$NTLAB" run --prepare prepared "$scn/q189732.scn"
expect_grep "already holds a lab \(--force replaces it\)"
expect_line "not prepared: prepared"
# --force replaces a lab: the user added by hand is gone afterwards.
expect_rc 0 "$NTLAB" -C prepared user add zed --password Passw0rd --machine CORPDC
expect_rc 0 "$NTLAB" run --prepare prepared --force "$scn/q189732.scn"
expect_grep "^prepared prepared from "
expect_rc 1 "$NTLAB" -C prepared user show zed --machine CORPDC
# A non-empty directory that is not a lab: refused, and with --force the lab
# is built beside its files, which stay.
mkdir notempty && echo keep > notempty/notes.txt
expect_rc 1 "$NTLAB" run --prepare notempty "$scn/q189732.scn"
expect_line "FAIL $scn/q189732.scn: notempty is not empty (--prepare wants a new or empty directory; --force builds the lab beside what is there)"
[ -f notempty/lab.conf ] && die "a lab was built in a refused directory"
expect_rc 0 "$NTLAB" run --prepare notempty --force "$scn/q189732.scn"
[ "$(cat notempty/notes.txt)" = keep ] || die "--force removed a file that is not the lab's"
[ -f notempty/lab.conf ] || die "no lab after --force"
# An empty directory is fine without --force; --force without --prepare is not.
mkdir empty
expect_rc 0 "$NTLAB" run --prepare empty "$scn/q189732.scn"
expect_rc 2 "$NTLAB" run --force "$scn/q189732.scn"
expect_line "ntlab: run: --force goes with --prepare DIR"

# A foreign server: scenarios that need admin steps after begin are skipped.
expect_rc 0 "$NTLAB" run --target 127.0.0.1:9 "$scn/q189732.scn"
expect_grep "^skip .*q189732.scn: needs [0-9]+ admin steps"
expect_line "0 passed, 0 failed, 1 skipped"

# --keep keeps the lab of a failed scenario, and says where.
mkdir -p lib && cp "$scn"/lib/*.inc lib/
sed 's/^s1 < +OK User successfully logged on$/s1 < +OK nope/' "$scn/q189732.scn" > fails.scn
expect_rc 1 "$NTLAB" run --keep --tmp "$T" fails.scn
expect_grep "^     lab kept in $T/ntlab-scn-"
kept=$(printf '%s\n' "$out" | sed -n 's/^     lab kept in //p')
[ -f "$kept/lab.conf" ] || die "no lab in $kept"
expect_rc 0 "$NTLAB" -C "$kept" rights list 'CORP\EXCHSVC' --focus '\\EXCHSRV'
expect_line "  SeTcbPrivilege"
# A passing scenario leaves nothing behind.
expect_rc 0 "$NTLAB" run --keep --tmp "$T" "$scn/bad-password.scn"
[ "$(ls -d "$T"/ntlab-scn-* | wc -l)" = 1 ] || die "a passing scenario left its lab"

# ntlab record stops cleanly on SIGINT, with the file written.
"$NTLAB" record 127.0.0.1:9 --listen 127.0.0.1:0 -o rec.scn 2> rec.log &
REC=$!
i=0
while ! grep -q "listening on" rec.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $REC
wait $REC || die "record exited non-zero on SIGINT: $(cat rec.log)"
grep -q "^tags recorded$" rec.scn || die "no recording written: $(cat rec.scn)"
expect_rc 2 "$NTLAB" record 127.0.0.1:9
expect_rc 1 "$NTLAB" record 127.0.0.1:9 --listen 999.1.1.1:0 -o x.scn
expect_grep "cannot listen on 999.1.1.1:0"
