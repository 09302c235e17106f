# fetchmail (Debian's 6.4) fetches every message, with keep and without,
# into an MDA of the test's own, from the exchange-5.0.1457.10, q189732 and
# rfc1939 personas. fetchmail hands an MDA LF line ends, so the messages are
# compared with the stored ones with CRs removed; --invisible keeps it from
# adding a Received: header, so nothing else differs.
# `sslproto ""`: fetchmail 6.4 insists on STLS by default, which no server
# of the 1990s offered.
#
# Where a persona breaks fetchmail, the test pins how: Exchange 5.0 knows
# neither CAPA nor LAST (fetchmail shrugs off both -ERR replies); q189732's
# status token is "-Err", not "-ERR", so fetchmail cannot read a refused
# logon as one: without the article's fix it reports a protocol error (exit
# 4) where the same refusal worded "-ERR" (exchange-5.0.1457.10) is an
# authentication failure (exit 3).
. "$(dirname "$0")/lab.sh"
command -v fetchmail >/dev/null || die "fetchmail is not installed (.ci/deps test)"
cat > mda.sh <<'SH'
#!/bin/sh
# one file per message, numbered in the order fetchmail delivers them
d=$(dirname "$0")/out
n=$(ls "$d" | wc -l)
cat > "$d/$n.eml"
SH
chmod +x mda.sh

# fetch KEEP: runs fetchmail (keep or not), sets $fm_rc and $fm_out
fetch() {
    rm -rf out fmhome
    mkdir out fmhome
    chmod 700 fmhome
    keep=""
    [ "$1" = keep ] && keep=keep
    # backslashes are escaped in fetchmailrc strings
    rcuser=$(printf '%s' "$user" | sed 's/\\/\\\\/g')
    cat > fetchmailrc <<RC
set no syslog
poll 127.0.0.1 protocol pop3 port $PORT timeout 20 auth password
  user "$rcuser" there password "Passw0rd" is "alice" here
  sslproto "" fetchall $keep mda "$T/mda.sh"
RC
    chmod 600 fetchmailrc
    set +e
    fm_out=$(FETCHMAILHOME="$T/fmhome" HOME="$T" timeout 60 fetchmail -f fetchmailrc -N -v \
        --invisible 2>&1)
    fm_rc=$?
    set -e
}

# the stored messages, in the order the maildrop numbers them, CR-less
stored() {
    rm -rf want
    mkdir want
    i=0
    for f in $(cd lab/EXCHSRV/mail/alice && ls new cur | grep -v ':$' | LC_ALL=C sort); do
        p=lab/EXCHSRV/mail/alice/new/$f
        [ -f "$p" ] || p=$(ls lab/EXCHSRV/mail/alice/cur/"$f"* | head -n 1)
        tr -d '\r' < "$p" > "want/$i.eml"
        i=$((i + 1))
    done
}

for persona in exchange-5.0.1457.10 q189732 rfc1939; do
    rm -rf lab
    e2e_lab "$persona"
    if [ "$persona" = rfc1939 ]; then user=alice; else user='CORP\alice\alice'; fi
    stored
    [ "$(ls want | wc -l)" = 3 ] || die "the lab should hold 3 messages for alice"

    # keep: all three delivered, byte for byte, and all three still there
    fetch keep
    [ "$fm_rc" = 0 ] || die "fetchmail keep against $persona: exit $fm_rc: $fm_out"
    [ "$(ls out | wc -l)" = 3 ] || die "fetchmail keep delivered $(ls out | wc -l) messages"
    for i in 0 1 2; do
        expect_bytes "want/$i.eml" "out/$i.eml"
    done
    [ "$(maildir_count lab/EXCHSRV/mail/alice)" = 3 ] || die "keep removed messages"
    grep -q '^\.signature lines start with a dot' out/1.eml || die "dot-stuffing not undone"

    # without keep: the same three delivered again, then removed by QUIT
    fetch nokeep
    [ "$fm_rc" = 0 ] || die "fetchmail against $persona: exit $fm_rc: $fm_out"
    [ "$(ls out | wc -l)" = 3 ] || die "fetchmail delivered $(ls out | wc -l) messages"
    for i in 0 1 2; do
        expect_bytes "want/$i.eml" "out/$i.eml"
    done
    [ "$(maildir_count lab/EXCHSRV/mail/alice)" = 0 ] ||
        die "fetched messages were not removed from $persona's maildrop"
    [ "$(maildir_count lab/EXCHSRV/mail/carol)" = 1 ] || die "another mailbox changed"
    grep -q 'QUIT: UPDATE removed 3 message(s)' lab/ntlab.log || die "no UPDATE in the log"

    # nothing left: fetchmail's "no mail" (exit 1)
    fetch nokeep
    [ "$fm_rc" = 1 ] || die "fetchmail on an empty maildrop: exit $fm_rc: $fm_out"

    # the article's symptom: the store's token without SeTcbPrivilege
    expect_rc 0 "$NTLAB" -C lab ntrights -r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
    expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
    fetch keep
    case "$persona" in
    q189732)
        [ "$fm_rc" = 4 ] || die "fetchmail vs q189732's -Err: exit $fm_rc (4 expected): $fm_out"
        printf '%s\n' "$fm_out" | grep -q 'POP3< -Err A required privilege is not held by the client$' ||
            die "no -Err line in: $fm_out" ;;
    exchange-5.0.1457.10)
        [ "$fm_rc" = 3 ] || die "fetchmail vs -ERR 1314: exit $fm_rc (3 expected): $fm_out"
        printf '%s\n' "$fm_out" | grep -q 'POP3< -ERR A required privilege is not held by the client.\?$' ||
            die "no -ERR line in: $fm_out" ;;
    rfc1939)
        [ "$fm_rc" = 3 ] || die "fetchmail vs rfc1939 refusal: exit $fm_rc (3 expected): $fm_out" ;;
    esac
    expect_rc 0 "$NTLAB" -C lab down
done
