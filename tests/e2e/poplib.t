# Python's poplib logs on, lists and retrieves against the
# exchange-5.0.1457.10 and rfc1939 personas (USER/PASS, APOP, TOP, UIDL, DELE).
. "$(dirname "$0")/lab.sh"
for persona in exchange-5.0.1457.10 rfc1939; do
    rm -rf lab
    e2e_lab "$persona"
    if [ "$persona" = rfc1939 ]; then user=alice; else user='CORP\alice\alice'; fi
    python3 - "$PORT" "$persona" "$user" <<'PY' || die "poplib against $persona failed"
import poplib, sys
port, persona, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
M = poplib.POP3("127.0.0.1", port, timeout=10)
print(persona, M.getwelcome())
M.user(user)
M.pass_("Passw0rd")
count, octets = M.stat()
assert (count, octets) == (3, 731), (count, octets)
resp, listing, _ = M.list()
assert listing == [b"1 230", b"2 311", b"3 190"], listing
resp, lines, n = M.retr(2)
assert b".signature lines start with a dot and are sent as '..'" in lines, lines
assert lines[0] == b"From: Helpdesk <helpdesk@corp.example>", lines[0]
resp, top, _ = M.top(3, 0)
assert top[-1] == b"" and b"Subject: Lunch?" in top, top
resp, uids, _ = M.uidl()
assert len(uids) == 3
uid1 = uids[0].split()[1]
M.dele(1)
M.quit()
M = poplib.POP3("127.0.0.1", port, timeout=10)
M.user(user)
M.pass_("Passw0rd")
assert M.stat()[0] == 2
resp, uids, _ = M.uidl()
assert uid1 not in [u.split()[1] for u in uids], "UIDL of the deleted message is back"
M.quit()
# a wrong password: the Win32 text
M = poplib.POP3("127.0.0.1", port, timeout=10)
M.user(user)
try:
    M.pass_("wrong")
    raise SystemExit("a wrong password logged on")
except poplib.error_proto as e:
    assert b"Logon failure: unknown user name or bad password." in e.args[0], e
M.quit()
if persona == "rfc1939":
    M = poplib.POP3("127.0.0.1", port, timeout=10)
    caps = M.capa()
    assert "UIDL" in caps and "TOP" in caps, caps
    M.apop("carol", "tanstaaf")
    assert M.stat() == (1, 33), M.stat()
    assert M.retr(1)[1] == [b"Subject: for carol", b"", b".dot", b"end"]
    M.quit()
print("ok", persona)
PY
    expect_rc 0 "$NTLAB" -C lab down
done
