#!/usr/bin/env python3
"""Load: many concurrent idle POP3 sessions against `ntlab up`.

Usage: load.py NTLAB [--sessions N]

  1. Opens N (default 10,000) connections to the daemon and reads each
     greeting; they then stay idle. The test raises its descriptor limit
     (the daemon, its child, inherits it).
  2. While they are held, a new session logs on and retrieves a message:
     each of 5 tries must take under 100 ms (connect to QUIT), with the
     body byte-identical to the stored message.
  3. A sample of the idle sessions still answers; the daemon's RSS is
     reported (before, with N sessions, per session).
  4. --max-connections: past the limit a connection gets the persona's
     too-many-connections line (one -ERR line) and is closed, the held ones
     keep working, and a slot freed is usable again.
  5. --idle-timeout: an idle session gets the autologout line and is
     closed.
"""
import argparse
import os
import select
import shutil
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labutil import Lab, Pop3, crlf, fetch_all, raise_nofile  # noqa: E402

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def open_idle(port, n, batch=500, timeout=20):
    """Opens n connections and reads each greeting. Returns the sockets
    (and how many failed)."""
    ep = select.epoll()
    held, failed = [], 0
    for start in range(0, n, batch):
        pending = {}
        for _ in range(min(batch, n - start)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            ep.register(s.fileno(), select.EPOLLIN)
            pending[s.fileno()] = [s, b""]
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for fd, _ev in ep.poll(1.0):
                s, buf = pending[fd]
                try:
                    d = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    d = b""
                if not d:
                    ep.unregister(fd)
                    s.close()
                    del pending[fd]
                    failed += 1
                    continue
                buf += d
                pending[fd][1] = buf
                if buf.endswith(b"\r\n"):
                    ep.unregister(fd)
                    del pending[fd]
                    if buf.startswith(b"+OK"):
                        held.append(s)
                    else:
                        s.close()
                        failed += 1
        for fd, (s, _b) in pending.items():
            ep.unregister(fd)
            s.close()
            failed += 1
    ep.close()
    return held, failed


def still_answer(socks, sample):
    """Sends NOOP (a wrong-state command before logon) to some idle
    sessions; each must answer with a line."""
    bad = 0
    for s in sample:
        s.setblocking(True)
        s.settimeout(5)
        try:
            s.sendall(b"NOOP\r\n")
            buf = b""
            while not buf.endswith(b"\r\n"):
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            if not buf.endswith(b"\r\n"):
                bad += 1
        except OSError:
            bad += 1
    return bad


def phase_many(lab, n):
    expected = [crlf(m) for m in lab.messages()]
    # one address opening 10,000 sessions as fast as it can, under the
    # default rate limit: loopback is exempt from it (issue 12)
    lab.up()
    rss0, _ = lab.rss_kib()
    t0 = time.monotonic()
    held, failed = open_idle(lab.port, n)
    t_open = time.monotonic() - t0
    rss1, hwm = lab.rss_kib()
    print("load: %d sessions open and idle (%d failed) in %.1f s; daemon RSS %d KiB before, "
          "%d KiB with them (%.2f KiB per session, peak %d KiB)" % (
              len(held), failed, t_open, rss0, rss1, (rss1 - rss0) / max(1, len(held)), hwm),
          flush=True)
    if len(held) != n:
        fail("only %d of %d sessions were greeted" % (len(held), n))
    times = []
    for k in range(5):
        try:
            bodies, dt = fetch_all(lab.port)
        except (OSError, RuntimeError, EOFError) as e:
            fail("new session %d with %d held: %s" % (k, len(held), e))
            continue
        times.append(dt * 1000)
        if bodies != expected:
            fail("new session %d: retrieved messages differ from the stored ones" % k)
    if times:
        print("load: new session logon + retrieve all (%d messages) + QUIT with %d held: "
              "%s ms (median %.1f)" % (len(expected), len(held),
                                       ", ".join("%.1f" % t for t in times),
                                       statistics.median(times)), flush=True)
        if max(times) >= 100:
            fail("a new session took %.1f ms (limit 100 ms)" % max(times))
    sample = held[:: max(1, len(held) // 200)]
    bad = still_answer(held, sample)
    if bad:
        fail("%d of %d sampled idle sessions did not answer" % (bad, len(sample)))
    st = lab.run("status", check=False).stdout.decode(errors="replace")
    for line in st.splitlines():
        if "connection" in line or "session" in line:
            print("load: status: " + line.strip(), flush=True)
    for s in held:
        s.close()
    if not lab.alive():
        fail("the daemon died")
    lab.down()
    return len(held), rss0, rss1


def phase_limit(lab, limit=100):
    lab.up("--max-connections", str(limit))
    held, failed = open_idle(lab.port, limit)
    if len(held) != limit:
        fail("limit: only %d of %d sessions under the limit were greeted" % (len(held), limit))
    refused, refusal = 0, b""
    for _ in range(10):
        c = Pop3(lab.port, timeout=5)
        try:
            data = b""
            while True:
                d = c.s.recv(4096)
                if not d:
                    break
                data += d
            # the persona's too-many-connections line, then the close
            if (data.count(b"\r\n") != 1 or not data.endswith(b"\r\n")
                    or not data.upper().startswith(b"-ERR")
                    or b"too many connections" not in data.lower()):
                fail("limit: a connection past the limit got %r" % data[:200])
            refusal = data
            refused += 1
        except socket.timeout:
            fail("limit: a connection past the limit was kept open")
        finally:
            c.close()
    # the held ones still work; freeing one makes room
    if still_answer(held, held[:10]):
        fail("limit: held sessions stopped answering")
    held.pop().close()
    time.sleep(0.2)
    try:
        bodies, dt = fetch_all(lab.port)
    except (OSError, RuntimeError, EOFError) as e:
        fail("limit: a freed slot cannot be used: %s" % e)
    for s in held:
        s.close()
    lab.down()
    print("load: --max-connections %d: %d further connections got %r and were closed; a freed "
          "slot served a logon" % (limit, refused, refusal), flush=True)


FD_USERS = 24
FD_PW = "Fd-Secret-%02d"


def daemon_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def phase_fds(lab):
    """Descriptor accounting (issue 12): under a descriptor limit of 297 (256
    kept back, one listener: room for 40), logged-on sessions hold their
    socket and their maildrop's lock, 2 each, so 20 fit and the next
    connection gets the persona's refusal; the daemon's open descriptors
    (/proc/PID/fd) grow by 2 per session, also after each has retrieved
    a message (the message file is closed when the RETR ends). The old
    accounting reserved 3 per session and refused past 14."""
    for i in range(FD_USERS):
        lab.run("user", "add", "fd%02d" % i, "--password", FD_PW % i, "--machine", "CORPDC")
        lab.run("mailbox", "add", "fd%02d" % i, "--owner", "CORP\\fd%02d" % i)
        lab.run("mail", "deliver", "fd%02d" % i, "-", input=b"Subject: fd\r\n\r\nbody\r\n")
    lab.up(nofile=297)
    pid = lab.daemon.pid
    time.sleep(0.2)
    base = daemon_fds(pid)
    held, refusal = [], b""
    for i in range(FD_USERS):
        c = Pop3(lab.port, timeout=5)
        first = c.line()
        if not first.startswith(b"+OK"):
            refusal = first
            c.close()
            break
        for cmd in ("USER CORP\\fd%02d\\fd%02d" % (i, i), "PASS " + FD_PW % i):
            r = c.cmd(cmd)
            if not r.startswith(b"+OK"):
                fail("fds: session %d: %s: %r" % (i, cmd.split()[0], r))
        if not c.cmd("RETR 1").startswith(b"+OK"):
            fail("fds: session %d: RETR refused" % i)
        c.multi()
        held.append(c)
    time.sleep(0.2)
    grown = daemon_fds(pid) - base
    if len(held) != 20 or b"too many connections" not in refusal.lower():
        fail("fds: %d logged-on sessions held under a limit of 297 (want 20), then %r" % (
            len(held), refusal))
    if grown != 2 * len(held):
        fail("fds: the daemon holds %d more descriptors for %d logged-on sessions (want %d)" % (
            grown, len(held), 2 * len(held)))
    if b"descriptor limit reached" not in lab.log_text():
        fail("fds: no 'descriptor limit reached' line in the log")
    for c in held:
        c.cmd("QUIT")
        c.close()
    time.sleep(0.2)
    if daemon_fds(pid) != base:
        fail("fds: %d descriptors left after the sessions ended" % (daemon_fds(pid) - base))
    lab.down()
    print("load: descriptor limit 297: %d logged-on sessions held (+%d descriptors, 2 each), "
          "then %r" % (len(held), grown, refusal), flush=True)


def phase_idle(lab):
    """The persona decides whether autologout says something (Exchange 5.0
    closes silently, rfc1939 sends a -ERR line); either way the connection
    ends about idle-timeout after the last command."""
    lab.up("--idle-timeout", "2s")
    c = Pop3(lab.port)
    c.line()
    t0 = time.monotonic()
    c.s.settimeout(10)
    said = []
    try:
        while True:
            said.append(c.line())
    except EOFError:
        dt = time.monotonic() - t0
        if dt < 1.5 or dt > 5:
            fail("idle: autologout after %.1f s with --idle-timeout 2s" % dt)
        if len(said) > 1 or (said and said[0].startswith(b"+OK")):
            fail("idle: autologout said %r" % said)
        print("load: --idle-timeout 2s: closed after %.1f s idle (%s)" % (
            dt, said[0].decode(errors="replace") if said else "silently, as the persona says"),
            flush=True)
    except (socket.timeout, OSError) as e:
        fail("idle: no autologout: %s" % e)
    c.close()
    lab.down()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ntlab")
    ap.add_argument("--sessions", type=int, default=10000)
    a = ap.parse_args()
    need = a.sessions + 200
    got = raise_nofile(need + 100)
    if got < need:
        print("load: the descriptor limit is %d (hard), %d needed: raise it (ulimit -Hn)" % (
            got, need))
        return 1
    base = tempfile.mkdtemp(prefix="ntlab-load-")
    t0 = time.monotonic()
    try:
        lab = Lab(a.ntlab, os.path.join(base, "lab"))
        lab.create()
        phase_many(lab, a.sessions)
        phase_limit(lab)
        phase_fds(lab)
        phase_idle(lab)
    except (RuntimeError, OSError) as e:
        fail(str(e))
    finally:
        try:
            lab.down()
        except Exception:  # noqa: BLE001 - best effort at the end
            pass
    print("load: %.1f s: %s" % (time.monotonic() - t0, "FAILED (%d)" % len(FAILS) if FAILS
                                else "ok"))
    if FAILS:
        print("load: lab kept in %s" % base)
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
