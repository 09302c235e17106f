# The daemon's life: one per lab, bad --listen specs, a busy port, the
# control socket (owner-only, exit codes passed through), a stale socket
# after kill -9, SIGTERM, and --foreground with SIGINT.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 1 "$NTLAB" -C lab status
expect_line "daemon: not running (start it with 'ntlab -C lab up')"
expect_grep "service MSExchangeIS +stopped"

expect_rc 2 "$NTLAB" -C lab up --listen 127.0.0.1:0
expect_grep "port '0' is not a number from 1 to 65535"
expect_rc 1 "$NTLAB" -C lab up --listen NOSUCH=127.0.0.1:1110
expect_grep "no machine 'NOSUCH' in this lab"
expect_rc 1 "$NTLAB" -C lab up --listen CORPDC=127.0.0.1:1110
expect_grep "CORPDC has no Exchange store"
expect_rc 2 "$NTLAB" -C lab up --max-connections 0
expect_rc 2 "$NTLAB" -C lab up --bogus
[ ! -e lab/ntlab.ctl ] || die "a failed up left its socket"

# a busy port: the blocker picks its own port, so no other process can take
# it between the choice and the bind
python3 -c "
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
open('blocker.port.tmp', 'w').write(str(s.getsockname()[1]))
import os; os.rename('blocker.port.tmp', 'blocker.port'); time.sleep(6)" &
blocker=$!
i=0; while [ ! -s blocker.port ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat blocker.port)
expect_rc 1 "$NTLAB" -C lab up --listen "EXCHSRV=127.0.0.1:$PORT"
expect_grep "listen on 127.0.0.1:$PORT: Address already in use"
kill $blocker 2>/dev/null || true
wait $blocker 2>/dev/null || true

start_daemon lab --listen "127.0.0.1:$PORT"
expect_rc 1 "$NTLAB" -C lab up --listen "127.0.0.1:$(free_port)"
expect_grep "a daemon \\(pid $DAEMON_PID\\) already serves"
[ "$(stat -c %a lab/ntlab.ctl)" = 600 ] || die "control socket mode $(stat -c %a lab/ntlab.ctl)"
# exit codes and stderr come back through the socket
expect_rc 2 "$NTLAB" -C lab user
expect_grep "usage: ntlab user"
expect_rc 1 "$NTLAB" -C lab service start NoSuchService --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_line "$(printf '%-20s %-30s %-12s' alice 'CORP\alice' 3) S-1-5-21-$(grep '^OwnerSid' lab/EXCHSRV/mailboxes.conf | sed 's/.*S-1-5-21-//')"

# kill -9: the socket is stale; the next command notices and removes it
kill -9 "$DAEMON_PID"
gone "$DAEMON_PID" || die "kill -9 did not kill"
[ -S lab/ntlab.ctl ] || die "expected a stale socket"
expect_rc 1 "$NTLAB" -C lab status
expect_grep "daemon: not running"
[ ! -e lab/ntlab.ctl ] || die "the stale socket was not removed"
expect_rc 0 "$NTLAB" -C lab user list   # offline again
start_daemon lab --listen "127.0.0.1:$PORT"
printf 'USER alice\nPASS Passw0rd\n' | pop "$PORT" > got
grep -q '^-Err A required privilege' got || die "after restart: $(cat got)"

# SIGTERM: a clean stop
kill -TERM "$DAEMON_PID"
gone "$DAEMON_PID" || die "SIGTERM did not stop the daemon"
grep -q "signal Terminated: stopping" lab/ntlab.log || die "no signal line in the log"
[ ! -e lab/ntlab.pid ] && [ ! -e lab/ntlab.ctl ] || die "SIGTERM left files"
expect_rc 0 "$NTLAB" -C lab eventlog --log system --machine EXCHSRV
expect_grep "6006 .*The Event log service was stopped."

# --foreground: logs to stderr, SIGINT stops it
start_foreground lab "$PORT"
fg=$FG_PID
i=0
until grep -q "Ctrl-C here stops the lab" fg.out; do
    i=$((i + 1)); [ $i -lt 100 ] || die "no welcome text: $(cat fg.out)"; sleep 0.1
done
grep -q "telnet 127.0.0.1 $PORT\$" fg.out || die "welcome text without the real port: $(cat fg.out)"
printf 'USER alice\nPASS Passw0rd\nQUIT\n' | pop "$PORT" > got
kill -INT $fg
wait $fg || die "foreground daemon exited non-zero"
grep -q "logon USER user=\"alice\": FAILED win32=1314" fg.err || die "no log on stderr: $(cat fg.err)"
grep -q "signal Interrupt: stopping" fg.err || die "no SIGINT line: $(cat fg.err)"
