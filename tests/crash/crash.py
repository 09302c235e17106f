#!/usr/bin/env python3
"""Crash safety: SIGKILL ntlab at random instants while it writes.

Usage: crash.py NTLAB [--seed S] [--runs-policy N] [--runs-sam N]
                      [--runs-deliver N] [--runs-update N] [--race-pairs N]

Phases (each run is one kill at a random instant, drawn from a seeded RNG
over the time the operation takes when it is not killed):
  policy   `ntlab ntrights +r/-r RIGHT -u ACCOUNT` (grant or revoke)
  sam      `ntlab user add NAME --password P` and `ntlab user passwd`
  deliver  `ntlab mail deliver ALIAS FILE`
  update   `ntlab up --foreground` serving a POP3 session that marks many
           messages with DELE, killed before or after QUIT (during UPDATE)
  race     two admin commands on one lab at the same time (no kill)
After each kill: the lab loads (`rights list`, `user list`, `mailbox
list`), every file parses, the change in flight is either fully there or
fully absent, every change that was acknowledged is there, no delivered
message is lost or altered, and no message marked in a session that did not
reach QUIT is gone; a QUIT whose sign-off reached the client removed all it
marked. Exit 0 when every run held; prints the figures.
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from freeport import free_port  # noqa: E402  tests/freeport.py: why not bind(0)

import smtp_phase  # tests/crash/smtp_phase.py: the SMTP delivery phase (issue 18)

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


class Ntlab:
    def __init__(self, exe, lab):
        self.exe = exe
        self.lab = lab
        self.env = dict(os.environ)
        self.env.pop("NTLAB_CONTROL", None)

    def argv(self, *args):
        return [self.exe, "-C", self.lab] + list(args)

    def run(self, *args, check=True):
        p = subprocess.run(self.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=self.env)
        if check and p.returncode != 0:
            raise RuntimeError("ntlab %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                          p.stderr.decode(errors="replace")))
        return p

    def killed_run(self, delay, *args):
        """Starts the command, SIGKILLs it after delay seconds. Returns
        (finished_ok, elapsed, completed) where completed says the process
        exited by itself before the kill."""
        t0 = time.monotonic()
        p = subprocess.Popen(self.argv(*args), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=self.env)
        end = t0 + delay
        while True:
            rc = p.poll()
            if rc is not None:
                break
            now = time.monotonic()
            if now >= end:
                p.send_signal(signal.SIGKILL)
                break
            time.sleep(min(0.0005, end - now))
        p.wait()
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        elapsed = time.monotonic() - t0
        if p.returncode == -signal.SIGKILL:
            return False, elapsed, False
        if p.returncode != 0:
            raise RuntimeError("ntlab %s: exit %d: %s" % (" ".join(args), p.returncode, err))
        return True, elapsed, True


class Timer:
    """How long the operation takes when nothing interrupts it: every tenth
    run is left to finish and measured (a calibration run); the others are
    killed at an instant drawn uniformly from [0, 1.25 x that]. (Measuring
    only the runs that beat their kill would drift towards zero.)"""

    def __init__(self, initial):
        self.t = initial
        self.calibrations = 0

    def calibrating(self, i):
        return i % 10 == 0

    def note(self, elapsed):
        self.t = elapsed if self.calibrations == 0 else 0.7 * self.t + 0.3 * elapsed
        self.calibrations += 1

    def draw(self, rng, i):
        return 30.0 if self.calibrating(i) else rng.uniform(0, 1.25 * self.t)


def check_lab(nt, what, machines):
    """Every file of the lab parses: each machine's SAM, policy, services
    and event logs load, and the lab's machine list and mailboxes."""
    cmds = [("machine", "list")]
    for m in machines:
        cmds += [("user", "list", "--machine", m), ("rights", "list", "--machine", m),
                 ("policy", "show", "--machine", m), ("service", "list", "--machine", m)]
        cmds += [("eventlog", "--log", log, "--machine", m)
                 for log in ("system", "application", "security")]
    for c in cmds:
        p = nt.run(*c, check=False)
        if p.returncode != 0:
            fail("%s: `ntlab %s` fails: %s" % (what, " ".join(c),
                                                p.stderr.decode(errors="replace").strip()))


def leftovers(lab):
    """Temp files of interrupted atomic writes (name.tmp.PID)."""
    n = 0
    for root, _dirs, files in os.walk(lab):
        n += sum(1 for f in files if re.search(r"\.tmp\.\d+$", f))
    return n


# --- policy -------------------------------------------------------------------

def rights_state(nt, accounts):
    p = nt.run("rights", "list", check=False)
    if p.returncode != 0:
        fail("policy: `rights list` fails after a kill: " + p.stderr.decode(errors="replace"))
        return None
    held = {}
    for line in p.stdout.decode().splitlines():
        m = re.match(r"^(Se\w+)(?: \(advanced\))? =(.*)$", line)
        if not m:
            continue
        holders = {h.strip() for h in m.group(2).split(",") if h.strip()}
        for a in accounts:
            held[(a, m.group(1))] = ("EXCHSRV\\" + a) in holders
    return held


def phase_policy(exe, base, rng, runs):
    lab = os.path.join(base, "policy")
    nt = Ntlab(exe, lab)
    subprocess.run([exe, "init", lab, "--name", "EXCHSRV", "--os", "nt4", "--role",
                    "standalone"], check=True, stdout=subprocess.DEVNULL)
    accounts = ["acct%d" % i for i in range(6)]
    for a in accounts:
        nt.run("user", "add", a, "--password", "Pw-" + a)
    out = nt.run("rights", "list").stdout.decode()
    rights = sorted({m.group(1) for m in re.finditer(r"^(Se\w+)", out, re.M)})
    expect = rights_state(nt, accounts)
    timer = Timer(0.03)
    killed = 0
    for i in range(runs):
        a = rng.choice(accounts)
        r = rng.choice(rights)
        grant = not expect[(a, r)]
        delay = timer.draw(rng, i)
        ok, elapsed, _ = nt.killed_run(delay, "ntrights", "+r" if grant else "-r", r, "-u", a)
        if timer.calibrating(i):
            timer.note(elapsed)
        else:
            killed += 1
        state = rights_state(nt, accounts)
        if state is None:
            return runs, killed
        for key, want in expect.items():
            got = state.get(key)
            if key == (a, r) and not ok:
                if got is None:
                    fail("policy run %d: %s lost from the listing" % (i, key))
                continue  # in flight: either is right
            if key == (a, r):
                want = grant
            if got != want:
                fail("policy run %d (%s %s %s, %s): %s is %s, expected %s" % (
                    i, "grant" if grant else "revoke", r, a, "done" if ok else "killed",
                    key, got, want))
        expect = state
        if i % 5 == 4:
            check_lab(nt, "policy run %d" % i, ["EXCHSRV"])
    check_lab(nt, "policy", ["EXCHSRV"])
    return runs, killed, leftovers(lab)


# --- sam ----------------------------------------------------------------------

def user_set(nt, what):
    p = nt.run("user", "list", check=False)
    if p.returncode != 0:
        fail("%s: `user list` fails after a kill: %s" % (what, p.stderr.decode(errors="replace")))
        return None
    return {line.split()[0] for line in p.stdout.decode().splitlines() if line.strip()}


def logon_ok(nt, user, password):
    return nt.run("logon", "--caller", "SYSTEM", user, password, check=False).returncode == 0


def phase_sam(exe, base, rng, runs):
    lab = os.path.join(base, "sam")
    nt = Ntlab(exe, lab)
    subprocess.run([exe, "init", lab, "--name", "EXCHSRV", "--os", "nt4", "--role",
                    "standalone"], check=True, stdout=subprocess.DEVNULL)
    users = user_set(nt, "sam")
    passwords = {}
    timer = Timer(0.03)
    killed = 0
    for i in range(runs):
        change_pw = passwords and rng.random() < 0.3
        delay = timer.draw(rng, i)
        if change_pw:
            u = rng.choice(sorted(passwords))
            old, new = passwords[u], "New-%d-%x" % (i, rng.getrandbits(32))
            ok, elapsed, _ = nt.killed_run(delay, "user", "passwd", u, new)
        else:
            u, new = "u%04d" % i, "P-%d-%x" % (i, rng.getrandbits(32))
            ok, elapsed, _ = nt.killed_run(delay, "user", "add", u, "--password", new)
        if timer.calibrating(i):
            timer.note(elapsed)
        else:
            killed += 1
        got = user_set(nt, "sam")
        if got is None:
            return runs, killed, leftovers(lab)
        if change_pw:
            if got != users:
                fail("sam run %d: passwd changed the user set: %s" % (i, got ^ users))
            o, n = logon_ok(nt, u, old), logon_ok(nt, u, new)
            if ok and not n:
                fail("sam run %d: acknowledged new password of %s does not work" % (i, u))
            if not ok and o == n:
                fail("sam run %d: after a killed passwd, old=%s new=%s for %s" % (i, o, n, u))
            passwords[u] = new if n else old
        else:
            extra = got - users
            missing = users - got
            if missing:
                fail("sam run %d: users lost: %s" % (i, sorted(missing)))
            if extra - {u}:
                fail("sam run %d: unexpected users: %s" % (i, sorted(extra - {u})))
            if ok and u not in got:
                fail("sam run %d: acknowledged user %s is missing" % (i, u))
            if u in got:
                # fully there: its password hash is complete
                if not logon_ok(nt, u, new):
                    fail("sam run %d: user %s is there but its password does not work" % (i, u))
                passwords[u] = new
            users = got
        if i % 5 == 4:
            check_lab(nt, "sam run %d" % i, ["EXCHSRV"])
    check_lab(nt, "sam", ["EXCHSRV"])
    return runs, killed, leftovers(lab)


# --- maildrops ----------------------------------------------------------------

def maildir_files(mdir):
    """{uid: (path, sha256)} over new/ and cur/."""
    out = {}
    for sub in ("new", "cur"):
        d = os.path.join(mdir, sub)
        for f in os.listdir(d):
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[f.split(":")[0]] = (p, hashlib.sha256(fh.read()).hexdigest())
    return out


def make_message(rng, i):
    lines = ["From: crash@test", "To: alice", "Subject: message %d" % i, ""]
    for j in range(rng.randint(1, 40)):
        lines.append(("." if j % 9 == 0 else "") + "line %d of message %d %x" % (
            j, i, rng.getrandbits(64)))
    return ("\r\n".join(lines) + "\r\n").encode()


def q189732_lab(exe, lab):
    subprocess.run([exe, "init", lab, "--preset", "q189732"], check=True,
                   stdout=subprocess.DEVNULL)
    nt = Ntlab(exe, lab)
    nt.run("ntrights", "+r", "SeTcbPrivilege", "-u", "CORP\\EXCHSVC", "-m", "\\\\EXCHSRV")
    return nt


def phase_deliver(exe, base, rng, runs):
    lab = os.path.join(base, "deliver")
    nt = q189732_lab(exe, lab)
    mdir = os.path.join(lab, "EXCHSRV", "mail", "alice")
    known = {sha for _p, sha in maildir_files(mdir).values()}
    have = maildir_files(mdir)
    timer = Timer(0.03)
    killed = 0
    msgdir = os.path.join(base, "deliver-msgs")
    os.makedirs(msgdir)
    for i in range(runs):
        data = make_message(rng, 10000 + i)
        path = os.path.join(msgdir, "m%d.eml" % i)
        with open(path, "wb") as fh:
            fh.write(data)
        sha = hashlib.sha256(data).hexdigest()
        ok, elapsed, _ = nt.killed_run(timer.draw(rng, i), "mail", "deliver", "alice", path)
        if timer.calibrating(i):
            timer.note(elapsed)
        else:
            killed += 1
        now = maildir_files(mdir)
        for uid, (p, s) in have.items():
            if uid not in now:
                fail("deliver run %d: delivered message %s lost" % (i, uid))
            elif now[uid][1] != s:
                fail("deliver run %d: message %s changed" % (i, uid))
        new = {u: v for u, v in now.items() if u not in have}
        if len(new) > 1:
            fail("deliver run %d: %d new messages for one delivery" % (i, len(new)))
        for u, (p, s) in new.items():
            if s != sha:
                fail("deliver run %d: partial or foreign message %s" % (i, p))
        if ok and not new:
            fail("deliver run %d: acknowledged delivery is missing" % i)
        known.add(sha)
        have = now
    if nt.run("mailbox", "list", check=False).returncode != 0:
        fail("deliver: `mailbox list` fails")
    check_lab(nt, "deliver", ["CORPDC", "EXCHSRV"])
    tmp = len(os.listdir(os.path.join(mdir, "tmp")))
    return runs, killed, tmp


def up_exited(p, log):
    """The error for a daemon that exited while starting, with the end of
    its log: CI keeps only what the test printed, not the lab."""
    log.flush()
    with open(log.name, "rb") as fh:
        tail = fh.read()[-1500:].decode("utf-8", "replace").rstrip("\n").split("\n")[-8:]
    return RuntimeError("ntlab up exited %d (log: %s); its log ends:\n    %s" % (
        p.returncode, log.name, "\n    ".join(tail)))


def sleep_until(t):
    while True:
        left = t - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.0002))


class Pop3:
    def __init__(self, port, timeout=5):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def multi(self):
        out = []
        while True:
            ln = self.line()
            if ln == b".":
                return out
            out.append(ln)

    def send(self, data):
        self.s.sendall(data)

    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.line()

    def close(self):
        self.s.close()


def start_daemon(nt, port, log):
    p = subprocess.Popen(nt.argv("up", "--foreground", "--listen", "127.0.0.1:%d" % port),
                         stdout=log, stderr=log, env=nt.env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise up_exited(p, log)
        try:
            c = Pop3(port, timeout=2)
            c.line()
            c.cmd("QUIT")
            c.close()
            return p
        except OSError:
            time.sleep(0.005)
    p.kill()
    raise RuntimeError("ntlab up did not serve within 10 s")


def phase_update(exe, base, rng, runs):
    lab = os.path.join(base, "update")
    nt = q189732_lab(exe, lab)
    mdir = os.path.join(lab, "EXCHSRV", "mail", "alice")
    counter = [0]

    def refill(target):
        # Delivered the way any Maildir MDA does it (tmp/, then rename into
        # new/): fast, so that the runs spend their time in UPDATE; the
        # deliver phase covers `ntlab mail deliver` itself.
        have = len(maildir_files(mdir))
        for _ in range(target - have):
            counter[0] += 1
            name = "%d.P%dQ%d.crashtest" % (time.time(), os.getpid(), counter[0])
            tmp = os.path.join(mdir, "tmp", name)
            with open(tmp, "wb") as fh:
                fh.write(make_message(rng, counter[0]))
            os.rename(tmp, os.path.join(mdir, "new", name))

    log = open(os.path.join(base, "update-daemon.log"), "ab")
    timer = Timer(0.0001)
    killed_before = killed_during = signoff_seen = mid_update = 0
    for i in range(runs):
        refill(150)
        before = maildir_files(mdir)
        port = free_port()
        d = start_daemon(nt, port, log)
        c = Pop3(port)
        c.line()
        if not c.cmd("USER alice").startswith(b"+OK") or \
                not c.cmd("PASS Passw0rd").startswith(b"+OK"):
            d.kill()
            d.wait()
            raise RuntimeError("update run %d: logon failed (log: %s)" % (i, log.name))
        c.send(b"UIDL\r\n")
        c.line()
        uids = {}
        for ln in c.multi():
            n, u = ln.decode().split(" ", 1)
            uids[int(n)] = u
        k = rng.randint(1, len(uids))
        marked = set(rng.sample(sorted(uids), k))
        # pipelined DELEs, then (usually) QUIT
        c.send(b"".join(b"DELE %d\r\n" % n for n in sorted(marked)))
        for _ in marked:
            if not c.line().startswith(b"+OK"):
                fail("update run %d: DELE refused" % i)
        quit_sent = timer.calibrating(i) or rng.random() < 0.8
        got_signoff = False
        if quit_sent and timer.calibrating(i):
            t0 = time.monotonic()
            c.send(b"QUIT\r\n")
            got_signoff = c.line().startswith(b"+OK")
            timer.note((time.monotonic() - t0) / len(marked))
        elif quit_sent:
            # UPDATE's time grows with the number of marked messages: the
            # timer holds the time per marked message (at least 2 ms in all)
            delay = max(timer.draw(rng, i) * len(marked), rng.uniform(0, 0.0025))
            t0 = time.monotonic()
            c.send(b"QUIT\r\n")
            sleep_until(t0 + delay)
        else:
            time.sleep(rng.uniform(0, 0.005))
        d.send_signal(signal.SIGKILL)
        d.wait()
        if quit_sent and not got_signoff:
            # what the daemon sent before it died is still in our buffer
            try:
                c.s.settimeout(1)
                got_signoff = c.line().startswith(b"+OK")
            except (socket.timeout, EOFError, OSError):
                pass
        c.close()
        if got_signoff:
            signoff_seen += 1
        if quit_sent and not got_signoff:
            killed_during += 1
        elif not quit_sent:
            killed_before += 1
        after = maildir_files(mdir)
        marked_uids = {uids[n] for n in marked}
        gone = len(marked_uids - set(after))
        if quit_sent and 0 < gone < len(marked_uids):
            mid_update += 1
        if os.environ.get("CRASH_DEBUG"):
            print("update run %d: %d marked, QUIT %s, sign-off %s, %d removed" % (
                i, len(marked), quit_sent, got_signoff, gone))
        for uid, (p, sha) in before.items():
            if uid not in after:
                if uid not in marked_uids:
                    fail("update run %d: unmarked message %s lost" % (i, uid))
                elif not quit_sent:
                    fail("update run %d: marked message %s gone without QUIT" % (i, uid))
            elif after[uid][1] != sha:
                fail("update run %d: message %s altered" % (i, uid))
            elif got_signoff and uid in marked_uids:
                fail("update run %d: QUIT signed off but marked %s is still there" % (i, uid))
        if set(after) - set(before):
            fail("update run %d: messages appeared: %s" % (i, set(after) - set(before)))
        # the lab loads offline after the kill (stale socket and pid file)
        p = nt.run("mailbox", "list", check=False)
        if p.returncode != 0:
            fail("update run %d: `mailbox list` fails after the kill: %s" % (
                i, p.stderr.decode(errors="replace")))
        if i % 5 == 4 or i == runs - 1:
            check_lab(nt, "update run %d" % i, ["CORPDC", "EXCHSRV"])
    log.close()
    return runs, killed_before, killed_during, signoff_seen, mid_update


# --- races --------------------------------------------------------------------

def phase_race(exe, base, rng, pairs):
    lab = os.path.join(base, "race")
    nt = Ntlab(exe, lab)
    subprocess.run([exe, "init", lab, "--name", "EXCHSRV", "--os", "nt4", "--role",
                    "standalone"], check=True, stdout=subprocess.DEVNULL)
    out = nt.run("rights", "list").stdout.decode()
    rights = sorted({m.group(1) for m in re.finditer(r"^(Se\w+)", out, re.M)})
    nt.run("user", "add", "racer", "--password", "x")
    grants = set()
    for i in range(pairs):
        kind = i % 3
        if kind == 0:
            cmds = [("user", "add", "ra%d" % i, "--password", "a"),
                    ("user", "add", "rb%d" % i, "--password", "b")]
        elif kind == 1:
            r1, r2 = rng.sample(rights, 2)
            cmds = [("ntrights", "+r", r1, "-u", "racer"), ("rights", "grant", "Administrator", r2)]
        else:
            r1 = rng.choice(rights)
            cmds = [("user", "add", "rc%d" % i, "--password", "c"),
                    ("ntrights", "+r", r1, "-u", "racer")]
        procs = [subprocess.Popen(nt.argv(*c), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=nt.env) for c in cmds]
        done = []
        for c, p in zip(cmds, procs):
            err = p.stderr.read().decode(errors="replace")
            p.wait()
            p.stderr.close()
            if p.returncode != 0:
                fail("race pair %d: `ntlab %s` exit %d: %s" % (i, " ".join(c), p.returncode,
                                                               err.strip()))
            else:
                done.append(c)
        users = user_set(nt, "race") or set()
        listing = nt.run("rights", "list").stdout.decode()
        for c in done:
            if c[0] == "user" and c[2] not in users:
                fail("race pair %d: user %s lost" % (i, c[2]))
            if c[0] == "ntrights":
                grants.add((c[2], "EXCHSRV\\racer"))
            if c[0] == "rights":
                grants.add((c[3], "EXCHSRV\\Administrator"))
        for r, who in grants:
            m = re.search(r"^%s(?: \(advanced\))? =(.*)$" % r, listing, re.M)
            if not m or who not in [h.strip() for h in m.group(1).split(",")]:
                fail("race pair %d: grant of %s to %s lost" % (i, r, who))
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ntlab")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("CRASH_SEED", "189732")))
    ap.add_argument("--runs-policy", type=int, default=70)
    ap.add_argument("--runs-sam", type=int, default=70)
    ap.add_argument("--runs-deliver", type=int, default=30)
    ap.add_argument("--runs-update", type=int, default=80)
    ap.add_argument("--race-pairs", type=int, default=100)
    ap.add_argument("--runs-smtp", type=int, default=30)
    ap.add_argument("--keep", action="store_true", help="keep the labs")
    a = ap.parse_args()
    exe = os.path.abspath(a.ntlab)
    base = tempfile.mkdtemp(prefix="ntlab-crash-")
    rng = random.Random(a.seed)
    t0 = time.monotonic()
    print("crash: seed %d (CRASH_SEED=%d reproduces the instants), labs in %s" % (
        a.seed, a.seed, base), flush=True)
    try:
        t = time.monotonic()
        runs, killed, tmp = phase_policy(exe, base, rng, a.runs_policy)
        print("crash: policy   %3d runs, %3d killed mid-command, %d temp files left, %.1f s" % (
            runs, killed, tmp, time.monotonic() - t), flush=True)
        t = time.monotonic()
        runs, killed, tmp = phase_sam(exe, base, rng, a.runs_sam)
        print("crash: sam      %3d runs, %3d killed mid-command, %d temp files left, %.1f s" % (
            runs, killed, tmp, time.monotonic() - t), flush=True)
        t = time.monotonic()
        runs, killed, tmp = phase_deliver(exe, base, rng, a.runs_deliver)
        print("crash: deliver  %3d runs, %3d killed mid-command, %d files left in tmp/, %.1f s" % (
            runs, killed, tmp, time.monotonic() - t), flush=True)
        t = time.monotonic()
        runs, kb, kd, so, mid = phase_update(exe, base, rng, a.runs_update)
        print("crash: update   %3d runs, %3d killed before QUIT, %3d after QUIT before the "
              "sign-off (%d in mid-UPDATE), %3d after the sign-off, %.1f s" % (
                  runs, kb, kd, mid, so, time.monotonic() - t), flush=True)
        t = time.monotonic()
        runs, kd, kr, ka, raced, tmp = smtp_phase.phase_smtp(exe, base, rng, a.runs_smtp,
                                                             sys.modules[__name__])
        print("crash: smtp     %3d runs, %3d killed mid-DATA, %3d just after the dot (%d had "
              "landed), %3d after the 250, %d files left in tmp/, %.1f s" % (
                  runs, kd, kr, raced, ka, tmp, time.monotonic() - t), flush=True)
        t = time.monotonic()
        pairs = phase_race(exe, base, rng, a.race_pairs)
        print("crash: race     %3d pairs of concurrent admin commands, %.1f s" % (
            pairs, time.monotonic() - t), flush=True)
    except RuntimeError as e:
        fail(str(e))
    total = a.runs_policy + a.runs_sam + a.runs_deliver + a.runs_update + a.runs_smtp
    print("crash: %d kill runs + %d race pairs in %.1f s: %s" % (
        total, a.race_pairs, time.monotonic() - t0, "FAILED (%d)" % len(FAILS) if FAILS else "ok"))
    if not a.keep and not FAILS:
        shutil.rmtree(base, ignore_errors=True)
    elif FAILS:
        print("crash: labs kept in %s" % base)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
