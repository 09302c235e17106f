# AUTH NTLM (issue 17) with a real NTLM client: Debian's python3-ntlm-auth
# (for /usr/bin/python3) doing NTLMv2 with the server's target info over
# poplib, against Q189732's UNFIXED lab: USER/PASS fails with the article's
# line while Windows NT Challenge/Response for the same user logs on, lists,
# retrieves, deletes and quits. A wrong password gets the persona's Win32
# line and moves the lockout counter on the DC.
. "$(dirname "$0")/lab.sh"
/usr/bin/python3 -c 'import ntlm_auth' 2>/dev/null || die "python3-ntlm-auth missing (.ci/deps test)"
expect_rc 0 "$NTLAB" init lab --preset q189732
sed -i "s/^persona = .*/persona = q189732/" lab/EXCHSRV/exchange.conf
# OpenSSL 3 keeps MD4 (the NT hash) in its legacy provider; the client's
# hashlib reaches it only when a config activates it
cat > openssl.cnf <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
CNF
export OPENSSL_CONF="$PWD/openssl.cnf"
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
bad_count() {
    "$NTLAB" -C lab user show alice --machine CORPDC | sed -n 's/^Bad password count  *//p'
}
[ "$(bad_count)" = 0 ] || die "alice starts with bad passwords"
/usr/bin/python3 - "$PORT" <<'PY' || die "NTLM over poplib failed"
import base64, poplib, sys
from ntlm_auth.ntlm import NtlmContext
port = int(sys.argv[1])

def ntlm(M, user, pw):
    ctx = NtlmContext(user, pw, domain="CORP", workstation="CLIENT1", ntlm_compatibility=3)
    M._putcmd("AUTH NTLM")
    line = M._getline()[0]
    assert line.startswith(b"+"), line
    M._putcmd(base64.b64encode(ctx.step()).decode())
    line = M._getline()[0]
    assert line.startswith(b"+ "), line
    challenge = base64.b64decode(line[2:])
    M._putcmd(base64.b64encode(ctx.step(challenge)).decode())
    return M._getline()[0]

M = poplib.POP3("127.0.0.1", port, timeout=10)
M.user("CORP\\alice\\alice")
try:
    M.pass_("Passw0rd")
    raise SystemExit("USER/PASS logged on without SeTcbPrivilege")
except poplib.error_proto as e:
    assert e.args[0] == b"-Err A required privilege is not held by the client", e
# the same connection, the same user, Windows NT Challenge/Response
resp, mechs, _ = M._longcmd("AUTH")
assert mechs == [b"NTLM"], mechs
got = ntlm(M, "alice", "Passw0rd")
assert got == b"+OK User successfully logged on", got
count, octets = M.stat()
assert count >= 1, (count, octets)
resp, lines, n = M.retr(1)
assert resp.startswith(b"+OK"), resp
M.dele(1)
M.quit()
M = poplib.POP3("127.0.0.1", port, timeout=10)
assert ntlm(M, "alice", "Passw0rd") == b"+OK User successfully logged on"
assert M.stat()[0] == count - 1, "DELE did not stick"
M.quit()
# a wrong password: the persona's Win32 line
M = poplib.POP3("127.0.0.1", port, timeout=10)
got = ntlm(M, "alice", "wrong")
assert got == b"-Err Logon failure: unknown user name or bad password", got
M.quit()
print("ok ntlm")
PY
[ "$(bad_count)" = 1 ] || die "the lockout counter did not move: $(bad_count)"
expect_rc 0 "$NTLAB" -C lab down
