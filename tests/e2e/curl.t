# curl's pop3:// client logs on, lists and retrieves against the
# exchange-5.0.1457.10 and rfc1939 personas (rfc1939: SASL PLAIN from CAPA).
. "$(dirname "$0")/lab.sh"
for persona in exchange-5.0.1457.10 rfc1939; do
    rm -rf lab
    e2e_lab "$persona"
    if [ "$persona" = rfc1939 ]; then user=alice; else user='CORP\alice\alice'; fi
    set +e
    list=$(timeout 30 curl -sS --max-time 20 --user "$user:Passw0rd" "pop3://127.0.0.1:$PORT/" 2>&1)
    rc=$?
    set -e
    [ "$rc" = 0 ] || die "curl list against $persona: rc $rc: $list"
    printf '%s\n' "$list" | tr -d '\r' > got
    printf '1 230\n2 311\n3 190\n' > want
    cmp -s want got || die "curl list against $persona: $(cat got)"
    timeout 30 curl -sS --max-time 20 --user "$user:Passw0rd" "pop3://127.0.0.1:$PORT/2" > msg2 ||
        die "curl retr against $persona failed"
    grep -q "^\.signature lines start with a dot" msg2 || die "dot-stuffing not undone: $(cat msg2)"
    grep -q "^Subject: POP3 settings" msg2 || die "wrong message: $(cat msg2)"
    # a wrong password is refused
    set +e
    timeout 30 curl -sS --max-time 20 --user "$user:wrong" "pop3://127.0.0.1:$PORT/" > /dev/null 2>&1
    rc=$?
    set -e
    [ "$rc" != 0 ] || die "curl with a wrong password succeeded against $persona"
    grep -q 'logon .*FAILED win32=1326' lab/ntlab.log || die "no 1326 in the log"
    if [ "$persona" = rfc1939 ]; then
        grep -q 'logon PLAIN user="alice": OK' lab/ntlab.log || die "curl did not use AUTH PLAIN"
    fi
    expect_rc 0 "$NTLAB" -C lab down
done
