#!/usr/bin/env python3
"""Writes a long scenario, like a recording of a lab session (issue 19), that
hides the founding failure (KB Q189732: PASS gets "-Err A required privilege
is not held by the client" where the recording expects "+OK") among user
adds, grants and revokes, reboots and passing POP3 sessions.

usage: haystack.py OUT.scn [STEPS] [SEED]     (default 210 steps, seed 1)

A step here is what ntlab run --minimize counts: an admin step or a whole
session. The noise never grants SeTcbPrivilege across a reboot, so the
store never holds it and the hidden session fails wherever it sits."""
import random
import sys

BANNER = "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready"
BYE = "+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off"

SETUP = r"""title haystack: Q189732 hidden among %(n)d steps (tests/scenarios/haystack.py, seed %(seed)d)
ntlab machine add CORPDC --role pdc --os nt4 --domain CORP
ntlab machine add EXCHSRV --role member --os nt4 --domain CORP --persona q189732
ntlab user add EXCHSVC --password Exch4nge! --machine CORPDC
ntlab user add alice --password Passw0rd --machine CORPDC
ntlab user set EXCHSVC --password-never-expires on --machine CORPDC
ntlab user set alice --password-never-expires on --machine CORPDC
ntlab ntrights +r SeServiceLogonRight -u CORP\EXCHSVC -m \\EXCHSRV
ntlab service add MSExchangeIS --image msexchangeis --account CORP\EXCHSVC --password Exch4nge! --start auto --machine EXCHSRV
ntlab mailbox add alice --owner CORP\alice --machine EXCHSRV
ntlab boot
begin
"""
SETUP_STEPS = 10


def session(name, user_line):
    out = ["open %s" % name, "%s < %s" % (name, BANNER)]
    if user_line:
        out += ["%s > User CORP\\alice\\alice" % name, "%s < +OK" % name]
    out += ["%s > QUIT" % name, "%s < %s" % (name, BYE), "%s closed" % name]
    return out


def noise(rng, k, users, held):
    kind = rng.randrange(7)
    if kind == 0 or not users:
        u = "user%d" % k
        users.append(u)
        return ["ntlab user add %s --password Pw-%d! --machine CORPDC" % (u, k)]
    if kind == 1 or (kind == 2 and not held):
        u = rng.choice(users)
        held.add(u)
        return ["ntlab ntrights +r SeBatchLogonRight -u CORP\\%s -m \\\\EXCHSRV" % u]
    if kind == 2:
        u = rng.choice(sorted(held))
        held.discard(u)
        return ["ntlab ntrights -r SeBatchLogonRight -u CORP\\%s -m \\\\EXCHSRV" % u]
    if kind == 3:
        return ["ntlab reboot --machine EXCHSRV"]
    if kind == 4:
        # A grant taken back before any reboot: the store never sees it.
        return ["ntlab ntrights +r SeTcbPrivilege -u CORP\\EXCHSVC -m \\\\EXCHSRV",
                "ntlab ntrights -r SeTcbPrivilege -u CORP\\EXCHSVC -m \\\\EXCHSRV"]
    return session("n%d" % k, kind == 5)


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 210
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    lines = (SETUP % {"n": n, "seed": seed}).splitlines()
    steps, users, held, k = SETUP_STEPS, [], set(), 0
    hide_at = SETUP_STEPS + (n - SETUP_STEPS) * 2 // 3
    while steps < n:
        if steps == hide_at:
            lines += ["open s1", "s1 < " + BANNER, "s1 > User CORP\\alice\\alice", "s1 < +OK",
                      "s1 > Pass Passw0rd", "s1 < +OK User successfully logged on",
                      "s1 > QUIT", "s1 < " + BYE, "s1 closed"]
            steps += 1
            continue
        part = noise(rng, k, users, held)
        k += 1
        lines += part
        steps += sum(1 for l in part if l.startswith("ntlab ") or l.startswith("open "))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
