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
expect_line "  Pass Passw0rd"
expect_line "  -Err A required privilege is not held by the client"
expect_line "  # ntlab reboot --machine EXCHSRV"

# --prepare builds the setup in a directory that ntlab can use.
expect_rc 0 "$NTLAB" run --prepare prepared "$scn/q189732.scn"
expect_grep "^prepared prepared: serve it with"
expect_rc 0 "$NTLAB" -C prepared rights list 'CORP\EXCHSVC' --focus '\\EXCHSRV'
expect_line "  SeServiceLogonRight"
expect_rc 1 "$NTLAB" run --prepare prepared "$scn/q189732.scn"
expect_grep "already holds a lab"

# A foreign server: scenarios that need admin steps after begin are skipped.
expect_rc 0 "$NTLAB" run --target 127.0.0.1:9 "$scn/q189732.scn"
expect_grep "^skip .*q189732.scn: needs [0-9]+ admin steps"
expect_line "0 passed, 0 failed, 1 skipped"
