# Real SMTP clients against the Internet Mail Service (issue 18): swaks,
# Python's smtplib without and with AUTH LOGIN, curl smtp://, and msmtp as
# a sendmail (the message on stdin; without and with AUTH LOGIN); each
# message is then fetched with poplib and compared byte for byte after the
# Received: header the IMS prepends. Also: an unknown recipient gets 550,
# and AUTH fails (event 4183) while the IMS account lacks SeTcbPrivilege.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../cli/daemon_lib.sh"
command -v swaks >/dev/null || die "swaks is not installed (.ci/deps test installs it)"
command -v curl >/dev/null || die "curl is not installed"
command -v msmtp >/dev/null || die "msmtp is not installed (.ci/deps test installs it)"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
PORT=$(free_port)
SPORT=$(free_port)
[ "$PORT" != "$SPORT" ] || SPORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT" --listen-smtp "127.0.0.1:$SPORT"

# before the grant: AUTH LOGIN fails as Q235627 logs it
/usr/bin/python3 - "$SPORT" <<'PY' || die "AUTH before the grant"
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.ehlo("client.example")
try:
    s.login("alice", "Passw0rd")
    raise SystemExit("AUTH worked without SeTcbPrivilege")
except smtplib.SMTPAuthenticationError as e:
    assert e.smtp_code == 535, e
s.quit()
PY
# msmtp as a sendmail: no configuration file, everything on its command
# line; AUTH over plain TCP is what the 1990s IMS took (--tls=off)
msmtp_send() { # MSG_FILE [AUTH-OPTIONS...]: the message on stdin, to alice
    m=$1
    shift
    timeout 30 msmtp --file=/dev/null --host=127.0.0.1 --port="$SPORT" --tls=off \
        --domain=client.example --from=msmtp@client.example "$@" -- alice@corp.example < "$m"
}
printf 'From: msmtp@client.example\r\nTo: alice@corp.example\r\nSubject: msmtp before the grant\r\n\r\nx\r\n' > m0.eml
if msmtp_send m0.eml --auth=login --user=alice --passwordeval='echo Passw0rd' > msmtp0.out 2>&1; then
    die "msmtp's AUTH LOGIN worked without SeTcbPrivilege"
fi
grep -q 535 msmtp0.out || die "msmtp before the grant: no 535: $(cat msmtp0.out)"
expect_rc 0 "$NTLAB" -C lab eventlog --machine EXCHSRV --log application
printf '%s' "$out" | grep -q "LogonUser() call failed with error: A required privilege" ||
    die "no event 4183: $out"
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\IMSSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab service restart MSExchangeIMC --machine EXCHSRV

# swaks ends the data with its own CRLF before the dot: the file has none
printf 'From: swaks@client.example\r\nTo: alice@corp.example\r\nSubject: by swaks\r\n\r\n.starts with a dot\r\nline two' > m1.swaks
printf 'From: swaks@client.example\r\nTo: alice@corp.example\r\nSubject: by swaks\r\n\r\n.starts with a dot\r\nline two\r\n' > m1.eml
printf 'From: curl@client.example\r\nTo: alice@corp.example\r\nSubject: by curl\r\n\r\n..two dots\r\n\r\nend\r\n' > m4.eml
timeout 30 swaks --server 127.0.0.1 --port "$SPORT" --from swaks@client.example \
    --to alice@corp.example --data @m1.swaks > swaks.out 2>&1 || die "swaks: $(cat swaks.out)"
/usr/bin/python3 - "$SPORT" <<'PY' || die "smtplib"
import smtplib, sys
port = int(sys.argv[1])
m2 = b"From: py@client.example\r\nTo: alice@corp.example\r\nSubject: plain\r\n\r\nno auth\r\n"
m3 = b"From: alice@corp.example\r\nTo: alice@corp.example\r\nSubject: auth\r\n\r\nwith AUTH LOGIN\r\n"
open("m2.eml", "wb").write(m2)
open("m3.eml", "wb").write(m3)
s = smtplib.SMTP("127.0.0.1", port, timeout=10)
assert s.sendmail("py@client.example", ["alice@corp.example"], m2) == {}
try:
    s.sendmail("py@client.example", ["nobody@corp.example"], m2)
    raise SystemExit("an unknown recipient was accepted")
except smtplib.SMTPRecipientsRefused as e:
    assert e.recipients["nobody@corp.example"][0] == 550, e
s.quit()
s = smtplib.SMTP("127.0.0.1", port, timeout=10)
s.ehlo("client.example")
s.login("alice", "Passw0rd")
assert s.sendmail("alice@corp.example", ["alice@corp.example"], m3) == {}
s.quit()
PY
timeout 30 curl -s --url "smtp://127.0.0.1:$SPORT/client.example" --mail-from curl@client.example \
    --mail-rcpt alice@corp.example --upload-file m4.eml || die "curl smtp:// failed"

# msmtp: a message on stdin without AUTH, then with AUTH LOGIN; the headers
# msmtp would add when missing (From, Date, Message-ID) are there, so that what
# it sends is the file; an unknown recipient makes it fail
printf 'From: msmtp@client.example\r\nTo: alice@corp.example\r\nDate: Mon, 1 Feb 1999 10:00:00 +0000\r\nMessage-ID: <m5@client.example>\r\nSubject: by msmtp\r\n\r\n.leading dot\r\n..two\r\n\r\nend\r\n' > m5.eml
printf 'From: alice@corp.example\r\nTo: alice@corp.example\r\nDate: Mon, 1 Feb 1999 10:01:00 +0000\r\nMessage-ID: <m6@client.example>\r\nSubject: by msmtp with AUTH\r\n\r\nauthenticated\r\n' > m6.eml
msmtp_send m5.eml --auth=off > msmtp5.out 2>&1 || die "msmtp without AUTH: $(cat msmtp5.out)"
msmtp_send m6.eml --auth=login --user=alice --passwordeval='echo Passw0rd' > msmtp6.out 2>&1 ||
    die "msmtp with AUTH LOGIN: $(cat msmtp6.out)"
if timeout 30 msmtp --file=/dev/null --host=127.0.0.1 --port="$SPORT" --tls=off --auth=off \
    --from=msmtp@client.example -- nobody@corp.example < m5.eml > msmtp7.out 2>&1; then
    die "msmtp: an unknown recipient was accepted"
fi
grep -q 550 msmtp7.out || die "msmtp, unknown recipient: no 550: $(cat msmtp7.out)"

# fetch them all: messages 4..9 are the six above, in order
/usr/bin/python3 - "$PORT" <<'PY' || die "poplib compare"
import poplib, sys
M = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
M.user("CORP\\alice\\alice")
M.pass_("Passw0rd")
assert M.stat()[0] == 9, M.stat()
for i, f in enumerate(["m1.eml", "m2.eml", "m3.eml", "m4.eml", "m5.eml", "m6.eml"]):
    lines = M.retr(4 + i)[1]
    assert lines[0].startswith(b"Received: from "), lines[0]
    k = 1
    while lines[k][:1] in (b"\t", b" "):
        k += 1
    got = b"".join(l + b"\r\n" for l in lines[k:])
    want = open(f, "rb").read()
    assert got == want, (f, got, want)
M.quit()
print("ok")
PY
expect_rc 0 "$NTLAB" -C lab down
