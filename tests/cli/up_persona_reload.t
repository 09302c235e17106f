# issue 12: `persona =` in exchange.conf (machine.conf before issue 13) is read when the store's service
# starts, so against the live daemon an edit takes effect at the service's
# restart and at the machine's reboot (it used to need down/up).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
banner() { printf 'QUIT\n' | pop "$PORT" > got; head -1 got | tr -d '\r'; }
b=$(banner)
[ "$b" = "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready" ] || die "banner: $b"

sed -i 's/^persona = .*/persona = rfc1939/' lab/EXCHSRV/exchange.conf
grep -qx "persona = rfc1939" lab/EXCHSRV/exchange.conf || die "sed did not edit exchange.conf"
b=$(banner)
case "$b" in "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready") ;;
    *) die "the running store changed persona before its restart: $b" ;; esac
expect_rc 0 "$NTLAB" -C lab service restart MSExchangeIS --machine EXCHSRV
b=$(banner)
case "$b" in "+OK POP3 server ready <"*"@EXCHSRV>"|"+OK POP3 server ready <"*">") ;;
    *) die "service restart did not load persona rfc1939: $b" ;; esac
expect_rc 0 "$NTLAB" -C lab status
expect_grep "persona rfc1939"

sed -i 's/^persona = .*/persona = exchange-5.5/' lab/EXCHSRV/exchange.conf
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
b=$(banner)
case "$b" in "+OK Microsoft Exchange POP3 server version 5.5."*) ;;
    *) die "reboot did not load persona exchange-5.5: $b" ;; esac

# a broken exchange.conf: the store does not start, the Application log says where
sed -i 's/^persona = .*/persona = no such/' lab/EXCHSRV/exchange.conf
expect_rc 1 "$NTLAB" -C lab service restart MSExchangeIS --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab eventlog --log application --machine EXCHSRV
expect_grep "MSExchangeIS .*exchange.conf:[0-9]+: bad persona name"
expect_rc 0 "$NTLAB" -C lab down
