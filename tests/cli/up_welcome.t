# issue 12: the welcome text `up --foreground` prints (LAB/welcome.txt)
# names the lab as the user named it and each machine's real listener, not
# "-C lab" and port 1110 whatever they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

# fg LABARG LISTEN: runs `up --foreground` until its welcome text is out
fg() {
    # The background job opens fg.out itself, later: the last run's text
    # must be gone before the wait below reads it.
    rm -f fg.out fg.err
    "$NTLAB" -C "$1" up --foreground --listen "$2" > fg.out 2> fg.err &
    fgpid=$!
    DAEMON_PIDS="$DAEMON_PIDS $fgpid"
    i=0
    until grep -q "Ctrl-C here stops the lab" fg.out 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 100 ] || die "no welcome text: $(cat fg.out fg.err)"; sleep 0.1
    done
}
stop_fg() {
    kill -INT $fgpid
    wait $fgpid || die "foreground daemon exited non-zero"
}

mkdir -p 'my labs'
expect_rc 0 "$NTLAB" init 'my labs/q' --preset q189732
grep -q '${PORT:EXCHSRV}' 'my labs/q/welcome.txt' || die "welcome.txt is not a template"
PORT=$(free_port)
fg 'my labs/q' "0.0.0.0:$PORT"
grep -qx "  telnet 127.0.0.1 $PORT" fg.out || die "no telnet line with port $PORT: $(cat fg.out)"
grep -qF "  ntlab -C 'my labs/q' reboot --machine EXCHSRV" fg.out || die "lab not named: $(cat fg.out)"
grep -qF "'ntlab -C 'my labs/q' status'" fg.out || die "status line: $(cat fg.out)"
grep -q "1110\|-C lab " fg.out && die "the defaults leaked into the text: $(cat fg.out)"
grep -q '\${' fg.out && die "a placeholder was left: $(cat fg.out)"
printf "USER alice\nQUIT\n" | pop "$PORT" > got
grep -q "^+OK" got || die "the printed port does not serve"
stop_fg

# a plain relative lab and a named listener
mv 'my labs/q' lab2
PORT=$(free_port)
fg lab2 "EXCHSRV=127.0.0.1:$PORT"
grep -qx "  telnet 127.0.0.1 $PORT" fg.out || die "no telnet line with port $PORT: $(cat fg.out)"
grep -qF "  ntlab -C lab2 ntrights +r SeTcbPrivilege -u 'CORP\\EXCHSVC' -m '\\\\EXCHSRV'" fg.out ||
    die "ntrights line: $(cat fg.out)"
stop_fg

# [::1]: the host without brackets, as telnet takes it
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
    PORT=$(free_port)
    fg lab2 "[::1]:$PORT"
    grep -qx "  telnet ::1 $PORT" fg.out || die "no IPv6 telnet line: $(cat fg.out)"
    stop_fg
fi
