# issue 15: the founding exercise (KB Q189732) through the console's JSON
# API over real HTTP, with a real POP3 client on the same daemon: the grant
# with focus CORP (the domain's policy) leaves the member's store failing
# even after a restart; the grant with focus \\EXCHSRV, then the restart,
# gives "+OK User successfully logged on". Each write is seen by the CLI.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

expect_rc 0 "$NTLAB" init lab --preset q189732
POP=$(free_port)
HTTP=$(free_port)
start_daemon lab --listen "127.0.0.1:$POP" --http "$HTTP"
TOKEN=$(cat lab/console.secret)
U=http://127.0.0.1:$HTTP

# api METHOD PATH [BODY]: the status in $code, the body in file body
api() {
    if [ $# -gt 2 ]; then
        code=$(curl -s -o body -w '%{http_code}' -X "$1" -H "X-Ntlab-Token: $TOKEN" \
               -H "Origin: $U" -H 'Content-Type: application/json' --data-binary "$3" "$U$2")
    else
        code=$(curl -s -o body -w '%{http_code}' -X "$1" -H "X-Ntlab-Token: $TOKEN" \
               -H "Origin: $U" "$U$2")
    fi
}
logon() {
    printf 'User CORP\\alice\\alice\r\nPass Passw0rd\r\nQUIT\r\n' | pop "$POP" > got
}
logon
grep -q '^-Err A required privilege is not held by the client' got || die "before: $(cat got)"

grant='{"account":"CORP\\EXCHSVC","rights":["Act as part of the operating system"]}'
api POST /api/v1/rights/CORP/grant "$grant"
[ "$code" = 200 ] || die "grant in CORP: $code $(cat body)"
expect_rc 0 "$NTLAB" -C lab rights list --focus CORP
expect_grep 'CORP.EXCHSVC'
api POST /api/v1/machines/EXCHSRV/restart
[ "$code" = 200 ] || die "restart: $code $(cat body)"
logon
grep -q '^-Err A required privilege is not held by the client' got ||
    die "a grant in CORP must not reach EXCHSRV's store: $(cat got)"

# the store's token next to the policy: nothing to gain yet at \\EXCHSRV
api GET /api/v1/machines/EXCHSRV/services
grep -q '"granted_since":\[\]' body || die "drift before the right grant: $(cat body)"
api POST /api/v1/rights/%5C%5CEXCHSRV/grant "$grant"
[ "$code" = 200 ] || die "grant in \\\\EXCHSRV: $code $(cat body)"
grep -q '"focus":"\\\\\\\\EXCHSRV"' body || die "focus label: $(cat body)"
api GET /api/v1/machines/EXCHSRV/services
grep -q '"granted_since":\["SeTcbPrivilege"\]' body || die "no drift shown: $(cat body)"
logon
grep -q '^-Err A required privilege' got || die "the token is a snapshot: $(cat got)"
api POST /api/v1/machines/EXCHSRV/restart
[ "$code" = 200 ] || die "restart: $code $(cat body)"
logon
grep -q '^+OK User successfully logged on' got || die "after the fix: $(cat got)"

# an unknown account or right changes nothing
api POST /api/v1/rights/EXCHSRV/grant '{"account":"CORP\\nobody","rights":["SeDebugPrivilege"]}'
[ "$code" = 404 ] || die "unknown account: $code $(cat body)"
grep -q '1332 ERROR_NONE_MAPPED' body || die "1332: $(cat body)"
api POST /api/v1/rights/EXCHSRV/grant '{"account":"CORP\\EXCHSVC","rights":["SeDebugPrivilege","SeNope"]}'
[ "$code" = 400 ] || die "unknown right: $code $(cat body)"
expect_rc 0 "$NTLAB" -C lab rights list --focus '\\EXCHSRV'
printf '%s\n' "$out" | grep -i 'debug' | grep -q EXCHSVC && die "SeDebugPrivilege was granted: $out"
# the Security/System log through the API
api GET /api/v1/machines/EXCHSRV/events/System
[ "$code" = 200 ] || die "events: $code $(cat body)"
grep -q '"event_id":6006' body || die "no 6006 after the restart: $(head -c 600 body)"
expect_rc 0 "$NTLAB" -C lab down
