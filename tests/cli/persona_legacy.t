# issue 13: the persona moved from machine.conf to the store's exchange.conf.
# A lab written by the previous version (persona line in machine.conf, no
# exchange.conf) loads and behaves the same, and the store's first start
# moves the line (machine.conf keeps everything else).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
grep -qx "persona = q189732" lab/EXCHSRV/exchange.conf || die "init did not write exchange.conf"
grep -q persona lab/EXCHSRV/machine.conf && die "init wrote the persona into machine.conf"
# the previous version's layout: "persona = rfc1939" before the clock line
rm lab/EXCHSRV/exchange.conf
sed -i 's/^clock = /persona = rfc1939\nclock = /' lab/EXCHSRV/machine.conf
grep -qx "persona = rfc1939" lab/EXCHSRV/machine.conf || die "sed did not edit machine.conf"
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
printf 'QUIT\n' | pop "$PORT" > got
b=$(head -1 got | tr -d '\r')
case "$b" in "+OK POP3 server ready <"*">") ;; *) die "the old lab's persona is not used: $b" ;; esac
expect_rc 0 "$NTLAB" -C lab status
expect_grep "persona rfc1939"
grep -qx "persona = rfc1939" lab/EXCHSRV/exchange.conf || die "the persona was not moved"
grep -q persona lab/EXCHSRV/machine.conf && die "machine.conf still names the persona"
grep -q "^sid = S-1-5-21-" lab/EXCHSRV/machine.conf || die "machine.conf lost its identity"
expect_rc 0 "$NTLAB" -C lab down
grep -q persona lab/EXCHSRV/machine.conf && die "down wrote the persona back into machine.conf"
true
