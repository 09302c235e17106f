# issue 15 slice 1: `ntlab up --http [ADDR:]PORT` serves the teaching
# console's API from the daemon's own loop (libmicrohttpd in external epoll
# mode), refusing requests without the lab's secret, with a Host that is not
# a loopback name of its port, writes without the console's own Origin, and
# peers that are not loopback. A refusal changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

expect_rc 0 "$NTLAB" init lab --preset q189732
# a bad spec is refused before anything starts
expect_rc 1 "$NTLAB" -C lab up --http 99999
expect_grep "^ntlab: up: --http '99999': port"
expect_rc 1 "$NTLAB" -C lab status
# a secret file others can read stops up, naming it
printf '0123456789abcdef0123456789abcdef\n' > lab/console.secret
chmod 644 lab/console.secret
expect_rc 1 "$NTLAB" -C lab up --http "$(free_port)" --listen "127.0.0.1:$(free_port)"
expect_grep "^ntlab: up: .*/console.secret: readable by others or not yours"
rm lab/console.secret

POP=$(free_port)
HTTP=$(free_port)
start_daemon lab --listen "127.0.0.1:$POP" --http "0.0.0.0:$HTTP"
[ "$(stat -c %a lab/console.secret)" = 600 ] || die "console.secret is not 0600"
TOKEN=$(cat lab/console.secret)
printf '%s\n' "$up_out" | grep -qx "  console http://0.0.0.0:$HTTP/?token=$TOKEN" ||
    die "up printed no console URL: $up_out"
grep -q "$TOKEN" lab/ntlab.log && die "the secret went to the log"
U=http://127.0.0.1:$HTTP
O="Origin: $U"

# req METHOD PATH [curl args]: the status on the first line, then the body
req() {
    m=$1; p=$2; shift 2
    curl -s -o body -w '%{http_code}' -X "$m" "$@" "$U$p" > code || die "curl failed"
    cat code
}

[ "$(req GET "/api/v1/machines?token=$TOKEN")" = 200 ] || die "GET with the token: $(cat code body)"
grep -q '"name":"EXCHSRV"' body || die "no EXCHSRV: $(cat body)"
[ "$(req GET /api/v1/machines/EXCHSRV/services -H "X-Ntlab-Token: $TOKEN")" = 200 ] ||
    die "token header: $(cat code body)"
grep -q '"account":"CORP\\\\EXCHSVC"' body || die "services: $(cat body)"
grep -qi 'password' body && die "a password field: $(cat body)"

[ "$(req GET /api/v1/machines)" = 401 ] || die "no token: $(cat code body)"
grep -q '?token=' body || die "no hint: $(cat body)"
[ "$(req GET "/api/v1/machines?token=${TOKEN}x")" = 403 ] || die "wrong token: $(cat code)"
[ "$(req GET "/api/v1/machines?token=$TOKEN" -H "Host: evil.example:$HTTP")" = 403 ] ||
    die "a foreign Host (DNS rebinding): $(cat code)"

# writes: the service stays running through every refused stop
stop=/api/v1/machines/EXCHSRV/services/MSExchangeIS/stop
[ "$(req POST "$stop?token=$TOKEN")" = 403 ] || die "POST without Origin: $(cat code)"
[ "$(req POST "$stop?token=$TOKEN" -H 'Origin: http://evil.example')" = 403 ] ||
    die "POST with a foreign Origin: $(cat code)"
[ "$(req POST "$stop" -H "$O")" = 401 ] || die "POST without the token: $(cat code)"
[ "$(req POST "$stop?token=$TOKEN" -H "$O" -d '{"now":1}')" = 400 ] || die "unknown field: $(cat code)"
[ "$(req POST "$stop?token=$TOKEN" -H "$O" -d '{"now":')" = 400 ] || die "malformed JSON: $(cat code)"
grep -q 'malformed JSON' body || die "malformed JSON text: $(cat body)"
head -c 20000 /dev/zero | tr '\0' ' ' > big
[ "$(req POST "$stop?token=$TOKEN" -H "$O" --data-binary @big)" = 413 ] || die "oversized: $(cat code body)"
expect_rc 0 "$NTLAB" -C lab service list --machine EXCHSRV
expect_grep '^MSExchangeIS +running'

# a peer that is not loopback is refused (when the host has such an address)
IP=$(python3 -c 'import socket
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 9)); print(s.getsockname()[0])
except OSError: pass' 2>/dev/null || true)
case "$IP" in
""|127.*) echo "note: no non-loopback address: the remote refusal is tested by the units only" ;;
*)
    code=$(curl -s -o body -w '%{http_code}' -H "Host: 127.0.0.1:$HTTP" \
           "http://$IP:$HTTP/api/v1/machines?token=$TOKEN")
    [ "$code" = 403 ] || die "a peer at $IP: $code $(cat body)"
    grep -q loopback body || die "remote refusal text: $(cat body)"
    ;;
esac

# the console's write goes through the same call as `ntlab service stop`
[ "$(req POST "$stop?token=$TOKEN" -H "$O")" = 200 ] || die "POST stop: $(cat code body)"
grep -q '"state":"stopped"' body || die "not stopped: $(cat body)"
"$NTLAB" -C lab service list --machine EXCHSRV | grep -q stopped || die "the CLI sees it running"
grep -q "console: POST $stop: 200" lab/ntlab.log || die "no log line: $(tail -5 lab/ntlab.log)"
start=/api/v1/machines/EXCHSRV/services/MSExchangeIS/start
[ "$(req POST "$start?token=$TOKEN" -H "$O" -d '{}')" = 200 ] || die "POST start: $(cat code body)"
[ "$(req POST "$start?token=$TOKEN" -H "$O")" = 409 ] || die "start twice: $(cat code body)"
grep -q '"error":"start MSExchangeIS: 1056 ERROR_SERVICE_ALREADY_RUNNING: ' body ||
    die "the CLI's Win32 text: $(cat body)"
printf 'USER alice\r\nQUIT\r\n' | pop "$POP" > got
grep -q '^+OK' got || die "POP3 after the console's restart of the store: $(cat got)"
expect_rc 0 "$NTLAB" -C lab down
