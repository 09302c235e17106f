# `status` of a running daemon ends with its open sessions (server.h's
# server_sessions, printed by status.c): who is connected from where, in
# which state, as whom once logged on, and the bytes each way; the control
# client asking is not one of them. With none open it says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"

expect_rc 0 "$NTLAB" -C lab status
expect_line "connections: 0 open (limit 16384), 0 since start, 0 bytes of session heap (0 per connection)"
expect_line "sessions: none"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "sessions: none" ] || die "sessions: not last: $out"

# two sessions held open while status runs: one logged on, one not
python3 - "$PORT" "$NTLAB" > st <<'PY' || die "sessions client failed: $(cat st)"
import socket, subprocess, sys, time
port, ntlab = int(sys.argv[1]), sys.argv[2]
a = socket.create_connection(("127.0.0.1", port), timeout=10)
fa = a.makefile("rb")
fa.readline()
a.sendall(b"USER alice\r\nPASS Passw0rd\r\n")
assert fa.readline() == b"+OK\r\n"
assert fa.readline() == b"+OK User successfully logged on\r\n"
b = socket.create_connection(("127.0.0.1", port), timeout=10)
b.makefile("rb").readline()
r = subprocess.run([ntlab, "-C", "lab", "status"], capture_output=True, text=True)
sys.stdout.write(r.stdout)
a.sendall(b"QUIT\r\n")
fa.readline()
PY
out=$(cat st)
expect_grep "^  POP3 127\\.0\\.0\\.1:$PORT +EXCHSRV +store running .*, 2 session\\(s\\)\$"
expect_grep "^connections: 2 open \\(limit 16384\\), 2 since start, [0-9]+ bytes of session heap"
expect_line "sessions:"
# newest first; the banner is 66 bytes, +OK and the logon reply 5 + 33
expect_grep "^  #2 POP3 from 127\\.0\\.0\\.1:[0-9]+ on EXCHSRV: AUTHORIZATION, idle [0-9]+s, 0 bytes in, 66 out\$"
expect_grep "^  #1 POP3 from 127\\.0\\.0\\.1:[0-9]+ on EXCHSRV: TRANSACTION user=\"alice\" mailbox=alice, idle [0-9]+s, 27 bytes in, 104 out\$"
[ "$(printf '%s\n' "$out" | grep -c '^  #')" = 2 ] || die "not two sessions: $out"
[ "$(printf '%s\n' "$out" | tail -n 1 | cut -c1-5)" = "  #1 " ] || die "sessions not at the end: $out"

# closed again: none listed (the daemon notices the second's close soon)
i=0
until "$NTLAB" -C lab status | grep -qx "sessions: none"; do
    i=$((i + 1)); [ $i -lt 50 ] || die "sessions still listed: $("$NTLAB" -C lab status | tail -n 4)"
    sleep 0.1
done
