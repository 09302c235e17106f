# curl's pop3:// with --login-options AUTH=NTLM (issue 17): curl picks SASL
# mechanisms from CAPA only, and Exchange 5.x knew no CAPA (its personas stay
# faithful), so the lab gets a persona of its own that is Exchange 5.5 plus
# CAPA naming SASL NTLM (ntlab's choice, for this client). On Q189732's
# unfixed lab curl lists and retrieves through NTLM; a wrong password fails
# with 1326 in the daemon's log and moves the DC's lockout counter.
. "$(dirname "$0")/lab.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
cat > capa.persona <<'P'
persona 1
inherit exchange-5.5
offer TOP UIDL CAPA AUTH
capa TOP
capa UIDL
capa-auth USER
capa-auth SASL NTLM
P
expect_rc 0 "$NTLAB" -C lab persona add exch-capa capa.persona
sed -i "s/^persona = .*/persona = exch-capa/" lab/EXCHSRV/exchange.conf
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
bad_count() {
    "$NTLAB" -C lab user show alice --machine CORPDC | sed -n 's/^Bad password count  *//p'
}
set +e
list=$(timeout 30 curl -sS --max-time 20 --login-options AUTH=NTLM --user 'CORP\alice:Passw0rd' \
    "pop3://127.0.0.1:$PORT/" 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] || die "curl AUTH=NTLM list: rc $rc: $list"
printf '%s\n' "$list" | tr -d '\r' | grep -Eq '^1 [0-9]+$' || die "curl list: $list"
timeout 30 curl -sS --max-time 20 --login-options AUTH=NTLM --user 'CORP\alice:Passw0rd' \
    "pop3://127.0.0.1:$PORT/1" > msg1 || die "curl AUTH=NTLM retr failed"
[ -s msg1 ] || die "curl retrieved nothing"
grep -q 'logon NTLM .*OK' lab/ntlab.log || die "no NTLM logon in the log: $(grep logon lab/ntlab.log)"
set +e
timeout 30 curl -sS --max-time 20 --login-options AUTH=NTLM --user 'CORP\alice:wrong' \
    "pop3://127.0.0.1:$PORT/" > /dev/null 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || die "curl AUTH=NTLM with a wrong password succeeded"
grep -q 'logon NTLM .*FAILED win32=1326' lab/ntlab.log ||
    die "no NTLM 1326 in the log: $(grep logon lab/ntlab.log)"
[ "$(bad_count)" = 1 ] || die "the lockout counter did not move: $(bad_count)"
expect_rc 0 "$NTLAB" -C lab down
