# ntlab up's SMTP listeners (issue 18): --listen-smtp is checked like
# --listen, names a machine with an msexchangeimc service, and the status
# lists the SMTP row with the IMS's service, account and persona.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 2 "$NTLAB" -C lab up --listen-smtp 'EXCHSRV='
printf '%s' "$out" | grep -q "listen" || die "no reason: $out"
PORT=$(free_port)
SPORT=$(free_port)
expect_rc 1 "$NTLAB" -C lab up --listen "127.0.0.1:$PORT" --listen-smtp "CORPDC=127.0.0.1:$SPORT"
printf '%s' "$out" | grep -q "no machine of that name with an msexchangeimc service" ||
    die "wrong reason: $out"
start_daemon lab --listen "127.0.0.1:$PORT" --listen-smtp "EXCHSRV=127.0.0.1:$SPORT"
expect_rc 0 "$NTLAB" -C lab status
printf '%s\n' "$out" | grep -q "SMTP 127.0.0.1:$SPORT .*EXCHSRV .*MSExchangeIMC as CORP.IMSSVC, persona ims55" ||
    die "no SMTP listener in the status: $out"
# the banner is the IMS 5.5 persona's, with the IMS's host name
banner=$(timeout 10 python3 -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])));print(s.recv(200).decode().strip())' "$SPORT")
[ "$banner" = "220 exchsrv.corp.example ESMTP Server (Microsoft Exchange Internet Mail Service 5.5.2651.58) ready" ] ||
    die "banner: $banner"
# the IMS stopped: connections close without a banner
expect_rc 0 "$NTLAB" -C lab service stop MSExchangeIMC --machine EXCHSRV
got=$(timeout 10 python3 -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])));print(repr(s.recv(200)))' "$SPORT")
[ "$got" = "b''" ] || die "a stopped IMS answered: $got"
expect_rc 0 "$NTLAB" -C lab down
