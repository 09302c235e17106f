# The same founding scenario against a live `ntlab up`: the lab is built
# from the scenario's setup (run --prepare), the sessions go over TCP and
# the admin steps through the daemon's control socket. Then a curl
# session through `ntlab record` becomes a scenario file that replays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)

expect_rc 0 "$NTLAB" run --prepare lab "$scn/q189732.scn"
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
expect_rc 0 "$NTLAB" run --target "127.0.0.1:$PORT" --lab lab "$scn/q189732.scn"
expect_grep "^ok   $scn/q189732.scn "
expect_line "1 passed, 0 failed"
# The daemon really was changed by the scenario's admin steps.
expect_rc 0 "$NTLAB" -C lab rights list 'CORP\EXCHSVC' --focus '\\EXCHSRV'
expect_line "  SeTcbPrivilege"

# Without --lab the target is a foreign server: admin steps cannot run.
expect_rc 0 "$NTLAB" run --target "127.0.0.1:$PORT" "$scn/q189732.scn"
expect_grep "^skip "

# A failure over TCP shows the diff as in-process.
sed 's/^s1 < +OK User successfully logged on$/s1 < +OK User successfully logged in/' \
    "$scn/q189732.scn" > wrong.scn
mkdir -p lib && cp "$scn"/lib/*.inc lib/
expect_rc 1 "$NTLAB" run --target "127.0.0.1:$PORT" --lab lab wrong.scn
expect_line "     -s1 < +OK User successfully logged in"
expect_line "     +s1 < +OK User successfully logged on"

# Record a curl session through the proxy; replay the recording. (curl
# does not take the article's mixed-case "-Err" for an error reply, so this
# lab uses Exchange 5.0's stock persona.)
cat > rec-lab.scn <<'SCN'
title A lab to record: Exchange 5.0's stock persona, the store's account fixed
ntlab machine add EXCHSRV --role standalone --os nt4 --persona exchange-5.0.1457.10
ntlab user add EXCHSVC --password Exch4nge!
ntlab user set EXCHSVC --password-never-expires on
ntlab user add alice --password Passw0rd
ntlab user set alice --password-never-expires on
ntlab ntrights +r SeServiceLogonRight -u EXCHSRV\EXCHSVC
ntlab ntrights +r SeTcbPrivilege -u EXCHSRV\EXCHSVC
ntlab service add MSExchangeIS --image msexchangeis --account .\EXCHSVC --password Exch4nge! --start auto
ntlab mailbox add alice --owner EXCHSRV\alice
ntlab mail deliver alice - <<MSG
Subject: hello

Hi.
MSG
ntlab boot
begin
SCN
if command -v curl >/dev/null 2>&1; then
    expect_rc 0 "$NTLAB" run --prepare reclab rec-lab.scn
    PORT2=$(free_port)
    start_daemon reclab --listen "127.0.0.1:$PORT2"
    RPORT=$(free_port)
    "$NTLAB" record "127.0.0.1:$PORT2" --listen "127.0.0.1:$RPORT" -n 1 -o rec.scn 2> rec.log &
    REC=$!
    i=0
    while ! grep -q "listening on" rec.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q "listening on 127.0.0.1:$RPORT" rec.log || die "record did not start: $(cat rec.log)"
    timeout 30 curl -s "pop3://127.0.0.1:$RPORT/" -u 'alice:Passw0rd' > listing || die "curl failed"
    [ "$(tr -d "\r" < listing)" = "1 23" ] || die "curl listing: $(cat listing)"
    i=0
    while kill -0 $REC 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 $REC 2>/dev/null && { kill $REC; die "record did not stop after one session"; }
    wait $REC || die "record failed: $(cat rec.log)"
    for l in 'open s1' 's1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10 ready' \
             's1 > USER alice' 's1 > PASS Passw0rd' 's1 < +OK User successfully logged on' \
             's1 > LIST' 's1 < 1 23' 's1 < .'; do
        grep -qxF -- "$l" rec.scn || die "no line '$l' in: $(cat rec.scn)"
    done
    expect_rc 0 "$NTLAB" run --target "127.0.0.1:$PORT2" rec.scn
    expect_line "1 passed, 0 failed"
    # The recording is exact: against the article's persona it fails.
    expect_rc 1 "$NTLAB" run --target "127.0.0.1:$PORT" rec.scn
    expect_line "     -s1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10 ready"
    expect_line "     +s1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready"
fi
