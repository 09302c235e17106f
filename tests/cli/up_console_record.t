# issue 19 in the console: under `ntlab up --record`, console writes (a
# grant in the server's focus, a service restart, a new user) are recorded
# as the ntlab command lines a person types, in order with the POP3
# sessions; the recording replays in-process to the same transcript.
# GET /api/v1/export (Save as scenario) is `ntlab export` byte for byte
# (which asks the serving daemon), and the downloaded file runs; a corrupt
# lab file makes both say FILE:LINE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
POP=$(free_port)
HTTP=$(free_port)
start_daemon lab --listen "127.0.0.1:$POP" --http "$HTTP" --record R.scn
TOKEN=$(cat lab/console.secret)
U=http://127.0.0.1:$HTTP
# api METHOD PATH [BODY]: the status code, the answer in ans
api() {
    curl -s -o ans -w '%{http_code}' -X "$1" -H "X-Ntlab-Token: $TOKEN" -H "Origin: $U" \
        ${3:+-H 'Content-Type: application/json' -d "$3"} "$U/api/v1/$2"
}
printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$POP" > got1
[ "$(api POST 'rights/%5C%5CEXCHSRV/grant' '{"account":"CORP\\EXCHSVC","rights":["SeTcbPrivilege"]}')" = 200 ] ||
    die "grant: $(cat ans)"
[ "$(api POST machines/EXCHSRV/services/MSExchangeIS/stop)" = 200 ] || die "stop: $(cat ans)"
[ "$(api POST machines/EXCHSRV/services/MSExchangeIS/start)" = 200 ] || die "start: $(cat ans)"
printf 'User CORP\\alice\\alice\nPass Passw0rd\nSTAT\nQUIT\n' | pop "$POP" > got2
[ "$(api POST users/CORP '{"name":"bob","password":"B0b-secret","fullname":"Bob B"}')" = 201 ] ||
    die "new user: $(cat ans)"
# a refused write records nothing
[ "$(api POST machines/EXCHSRV/services/NoSuch/start)" = 404 ] || die "no such service"
grep -q -- '-ERR\|-Err' got1 || die "the first logon passed: $(cat got1)"
grep -q '+OK User successfully logged on' got2 || die "grant + restart did not help: $(cat got2)"

# Save as scenario: the same bytes as ntlab export (the same second: retried)
same=no
for i in 1 2 3; do
    code=$(curl -s -D hdr -o dl.scn -H "X-Ntlab-Token: $TOKEN" "$U/api/v1/export")
    "$NTLAB" -C lab export > cli.scn
    if cmp -s dl.scn cli.scn; then same=yes; break; fi
done
[ "$same" = yes ] || die "export differs: $(diff dl.scn cli.scn | head)"
grep -qi '^content-disposition: attachment; filename="lab.scn"' hdr || die "$(cat hdr)"
grep -qi '^content-type: text/plain; charset=utf-8' hdr || die "$(cat hdr)"
grep -q 'B0b-secret\|Passw0rd' dl.scn && die "a password in the export"
"$NTLAB" -C lab export -o out.scn
grep -q '^ntlab user add bob --nt-hash' out.scn || die "export -o: $(head out.scn)"
# a corrupt lab file: FILE:LINE from both, as JSON from the console
cp lab/EXCHSRV/exchange.conf keep 2>/dev/null || : > keep
printf 'garbage line\n' >> lab/EXCHSRV/exchange.conf
[ "$(api GET export)" = 409 ] || die "corrupt: $(cat ans)"
grep -q '"error":"export: .*exchange.conf:[0-9]*: ' ans || die "corrupt: $(cat ans)"
expect_rc 1 "$NTLAB" -C lab export
expect_grep 'exchange.conf:[0-9]+: '
cp keep lab/EXCHSRV/exchange.conf
expect_rc 0 "$NTLAB" -C lab down

# what was recorded, in order with the sessions
sed -n '/^begin$/,$p' R.scn | grep -E '^(ntlab |open|s[0-9]+ closed|close)' > order
cat > want <<'W'
open s1 EXCHSRV
s1 closed
ntlab rights grant CORP\EXCHSVC SeTcbPrivilege --focus \\EXCHSRV
ntlab service stop MSExchangeIS --machine EXCHSRV
ntlab service start MSExchangeIS --machine EXCHSRV
open s2 EXCHSRV
s2 closed
ntlab user add bob --password ${PW_REC2} --machine CORPDC
ntlab user set bob --fullname 'Bob B' --machine CORPDC
W
diff want order || die "recorded order differs"
[ "$(grep -c 'B0b-secret' R.scn)" = 1 ] || die "the new user's password is not declared once"
grep -q '^ntlab export' R.scn && die "the export was recorded as a step"
# replays in-process to the same transcript (every reply as recorded)
expect_rc 0 "$NTLAB" run R.scn
expect_grep '^1 passed, 0 failed'
# the downloaded file rebuilds the lab
expect_rc 0 "$NTLAB" run dl.scn
expect_grep '^1 passed, 0 failed'
