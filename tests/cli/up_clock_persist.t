# issue 12: the lab clock goes on across down/up and a kill -9 (event-log
# times never run back), and the rfc1939 APOP timestamp of the first
# connection differs after a restart (RFC 1939 §7: unique per greeting).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
sed -i 's/^persona = .*/persona = rfc1939/' lab/EXCHSRV/exchange.conf
PORT=$(free_port)
banner() { printf 'QUIT\n' | pop "$PORT" > got; head -1 got | tr -d '\r'; }
clock_secs() { "$NTLAB" -C lab clock | sed -n 's/.*clock, \([0-9]*\)).*/\1/p'; }
# every log's records in order have non-decreasing times
logs_in_order() {
    for log in system security application; do
        "$NTLAB" -C lab eventlog --log $log --machine EXCHSRV > ev.txt ||
            die "eventlog $log failed"
        awk '{t = $2 " " $3; if (t < last) { print "record " $1 " at " t " after " last; bad = 1 }
              last = t } END { exit bad }' ev.txt || die "the $log log runs back in time"
    done
}

start_daemon lab --listen "127.0.0.1:$PORT"
b1=$(banner)
case "$b1" in "+OK POP3 server ready <"*"@"*">") ;; *) die "no APOP banner: $b1" ;; esac
t1=$(clock_secs)
[ -n "$t1" ] || die "no clock"
sleep 2
expect_rc 0 "$NTLAB" -C lab down
saved=$(clock_secs)
[ "$saved" -ge $((t1 + 2)) ] || die "down did not save the running clock: $t1 then $saved"

start_daemon lab --listen "127.0.0.1:$PORT"
t2=$(clock_secs)
[ "$t2" -ge "$saved" ] || die "the clock restarted at $t2, before $saved"
b2=$(banner)
[ "$b1" != "$b2" ] || die "the APOP timestamp repeats after a restart: $b2"
logs_in_order

# kill -9 after the daemon logged something past its last save
sleep 2
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
before=$(clock_secs)
kill -9 "$DAEMON_PID"
gone "$DAEMON_PID" || die "kill -9 did not stop it"
start_daemon lab --listen "127.0.0.1:$PORT"
t3=$(clock_secs)
[ "$t3" -ge $((before - 1)) ] || die "after kill -9 the clock restarted at $t3, before $before"
grep -q "did not stop cleanly: lab clock moved" lab/ntlab.log || die "no log line: $(tail -5 lab/ntlab.log)"
b3=$(banner)
[ "$b3" != "$b2" ] && [ "$b3" != "$b1" ] || die "the APOP timestamp repeats after kill -9: $b3"
logs_in_order
expect_rc 0 "$NTLAB" -C lab down
