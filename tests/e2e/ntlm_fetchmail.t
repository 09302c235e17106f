# fetchmail --auth ntlm (issue 17) against the Exchange 5.0 persona on
# Q189732's unfixed lab: clear text fails (no SeTcbPrivilege), NTLM fetches
# every message with the exact stored bytes (CRs removed: fetchmail hands an
# MDA LF line ends; --invisible adds no Received: header). A wrong password:
# fetchmail's authentication failure (exit 3), 1326 in the daemon's log,
# and the DC's lockout counter moves. `sslproto ""`: fetchmail 6.4 insists
# on STLS by default, which no server of the 1990s offered.
. "$(dirname "$0")/lab.sh"
command -v fetchmail >/dev/null || die "fetchmail is not installed (.ci/deps test)"
expect_rc 0 "$NTLAB" init lab --preset q189732
sed -i "s/^persona = .*/persona = exchange-5.0.1457.10/" lab/EXCHSRV/exchange.conf
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
cat > mda.sh <<'SH'
#!/bin/sh
d=$(dirname "$0")/out
n=$(ls "$d" | wc -l)
cat > "$d/$n.eml"
SH
chmod +x mda.sh
# fetch AUTH PASSWORD: sets $fm_rc and $fm_out
fetch() {
    rm -rf out fmhome
    mkdir out fmhome
    chmod 700 fmhome
    cat > fetchmailrc <<RC
set no syslog
poll 127.0.0.1 protocol pop3 port $PORT timeout 20 auth $1
  user "alice" there password "$2" is "alice" here
  sslproto "" fetchall keep mda "$T/mda.sh"
RC
    chmod 600 fetchmailrc
    set +e
    fm_out=$(FETCHMAILHOME="$T/fmhome" HOME="$T" timeout 60 fetchmail -f fetchmailrc -N -v \
        --invisible 2>&1)
    fm_rc=$?
    set -e
}
fetch password Passw0rd
[ "$fm_rc" != 0 ] || die "clear text logged on without SeTcbPrivilege: $fm_out"
fetch ntlm Passw0rd
[ "$fm_rc" = 0 ] || die "fetchmail --auth ntlm: exit $fm_rc: $fm_out"
grep -q 'logon NTLM .*OK' lab/ntlab.log || die "no NTLM logon in the log"
i=0
for f in $(cd lab/EXCHSRV/mail/alice && ls new cur | grep -v ':$' | LC_ALL=C sort); do
    p=lab/EXCHSRV/mail/alice/new/$f
    [ -f "$p" ] || p=$(ls lab/EXCHSRV/mail/alice/cur/"$f"* | head -n 1)
    tr -d '\r' < "$p" > want.eml
    cmp -s want.eml "out/$i.eml" || die "message $i differs"
    i=$((i + 1))
done
[ "$i" -gt 0 ] || die "no messages stored"
[ "$(ls out | wc -l)" = "$i" ] || die "fetched $(ls out | wc -l) of $i"
bad() { "$NTLAB" -C lab user show alice --machine CORPDC | sed -n 's/^Bad password count  *//p'; }
before=$(bad)
fetch ntlm wrong
[ "$fm_rc" = 3 ] || die "wrong password: exit $fm_rc, want 3 (authentication): $fm_out"
grep -q 'logon NTLM .*FAILED win32=1326' lab/ntlab.log || die "no NTLM 1326 in the log"
[ "$(bad)" = $((before + 1)) ] || die "the lockout counter did not move: $before -> $(bad)"
expect_rc 0 "$NTLAB" -C lab down
