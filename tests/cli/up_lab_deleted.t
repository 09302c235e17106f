# issue 12: deleting a served lab (rm -rf to start over) stops its daemon
# within a few seconds, saying why, so a new lab at that path can be served
# on the same port; a lab replaced by a new `init` while served stops the
# old daemon too, and it leaves the new lab's files alone; an `up` started
# at once waits for the old daemon to free the port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
PORT=$(free_port)

# deleted: the foreground daemon's log (stderr) is outside the lab
start_foreground lab "$PORT"
fg=$FG_PID
rm -rf lab
gone "$fg" || die "the daemon still runs 5 s after its lab was deleted"
wait $fg || die "the daemon exited non-zero"
grep -q "the lab directory .*/lab was deleted: stopping" fg.err || die "no reason logged: $(cat fg.err)"
[ ! -e lab ] || die "the stopping daemon re-created files in the deleted lab: $(find lab)"

# a new lab at that path, on the same port
expect_rc 0 "$NTLAB" init lab --preset q189732
start_daemon lab --listen "127.0.0.1:$PORT"
printf 'QUIT\n' | pop "$PORT" > got
grep -q "^+OK Microsoft Exchange" got || die "the new lab does not serve: $(cat got)"
old=$DAEMON_PID

# replaced at once by a new init (no moment without a directory)
rm -rf lab && "$NTLAB" init lab --preset q189732 > /dev/null
gone "$old" || die "the daemon still runs 5 s after its lab was replaced"
[ ! -e lab/ntlab.pid ] || die "a pid file in the new lab"
expect_rc 0 "$NTLAB" -C lab eventlog --log system --machine EXCHSRV
printf '%s\n' "$out" | grep -q " 6006 " && die "the old daemon wrote its shutdown into the new lab: $out"
expect_rc 1 "$NTLAB" -C lab status
expect_line "daemon: not running (start it with 'ntlab -C lab up')"
start_daemon lab --listen "127.0.0.1:$PORT"
printf 'QUIT\n' | pop "$PORT" > got
grep -q "^+OK Microsoft Exchange" got || die "the replacing lab does not serve: $(cat got)"
old=$DAEMON_PID

# start over at once, as 'rm -rf lab; make run' does: the new up waits
# for the old daemon to let go of the port
rm -rf lab && "$NTLAB" init lab --preset q189732 > /dev/null
start_daemon lab --listen "127.0.0.1:$PORT"
gone "$old" || die "the replaced lab's daemon still runs"
printf 'QUIT\n' | pop "$PORT" > got
grep -q "^+OK Microsoft Exchange" got || die "the lab made at once does not serve: $(cat got)"
expect_rc 0 "$NTLAB" -C lab down
