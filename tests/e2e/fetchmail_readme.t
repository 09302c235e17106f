# Issue 12 §2: the README's .fetchmailrc (section "Real clients") works as
# printed against the q189732 lab with the article's fix, and the README's
# two warnings hold: without `sslproto ""` fetchmail gives up with a TLS
# error, and the rfc1939 persona refuses Exchange's CORP\alice\alice while
# it takes the bare "alice".
. "$(dirname "$0")/lab.sh"
command -v fetchmail >/dev/null || die "fetchmail is not installed (.ci/deps test)"
readme=$(cd "$(dirname "$0")/../.." && pwd)/README.md
# the indented block that starts with "poll 127.0.0.1", unindented
rc_text=$(awk '/^    poll 127\.0\.0\.1/ { on = 1 } on && !/^    / { exit } on { print substr($0, 5) }' "$readme")
printf '%s\n' "$rc_text" | grep -q 'sslproto ""' || die "no .fetchmailrc with sslproto in README: $rc_text"

# run_rc FILTER: the README's rc for this lab's port, through sed FILTER
run_rc() {
    rm -f alice.mbox
    printf '%s\n' "$rc_text" | sed -e "s/port 1110/port $PORT/" -e "s|/tmp/alice.mbox|$T/alice.mbox|" \
        -e "$1" > fetchmailrc
    chmod 600 fetchmailrc
    rm -rf fmhome && mkdir -m 700 fmhome
    set +e
    fm_out=$(FETCHMAILHOME="$T/fmhome" HOME="$T" timeout 60 fetchmail -f fetchmailrc -N -v 2>&1)
    fm_rc=$?
    set -e
}

e2e_lab q189732
run_rc ""
[ "$fm_rc" = 0 ] || die "README's fetchmailrc: exit $fm_rc: $fm_out"
[ "$(grep -c '^Message-ID: ' alice.mbox)" = 3 ] || die "README's fetchmailrc fetched: $(cat alice.mbox)"
[ "$(maildir_count lab/EXCHSRV/mail/alice)" = 3 ] || die "keep removed messages"
# the README's reason for sslproto ""
run_rc 's/sslproto "" //'
[ "$fm_rc" != 0 ] || die "fetchmail without sslproto worked: the README says it does not"
printf '%s\n' "$fm_out" | grep -q 'Socket or TLS error' || die "not the README's TLS error: $fm_out"
expect_rc 0 "$NTLAB" -C lab down

# rfc1939: a bare user name only
rm -rf lab
e2e_lab rfc1939
run_rc ""
[ "$fm_rc" = 3 ] || die "rfc1939 with CORP\\alice\\alice: exit $fm_rc (3, authentication, expected): $fm_out"
printf '%s\n' "$fm_out" | grep -q 'Logon failure: unknown user name or bad password' ||
    die "not the README's refusal: $fm_out"
run_rc 's/user "[^"]*"/user "alice"/'
[ "$fm_rc" = 0 ] || die "rfc1939 with alice: exit $fm_rc: $fm_out"
[ "$(grep -c '^Message-ID: ' alice.mbox)" = 3 ] || die "rfc1939 fetch: $(cat alice.mbox)"
expect_rc 0 "$NTLAB" -C lab down
