#!/usr/bin/env python3
"""Abuse and security defaults of `ntlab up`.

Usage: abuse.py NTLAB

While a well-behaved client logs on as CORP\\alice and retrieves every
message in a loop (each body byte-identical to the stored one), hostile
clients send: 1 MiB lines (with and without their LF), NUL bytes, invalid
UTF-8, half lines, connections dropped mid-command (also after DELE: no
UPDATE may run), floods of bad commands and of pipelined commands never
read, slow readers that never read a 4 MiB RETR, and a connect/close storm.
The daemon must keep serving the good client, stay alive, and keep its
memory bounded.

Security defaults: the listener binds 127.0.0.1 unless told otherwise; the
control socket, pid file and log are owner-only; mailbox aliases and
persona names that would leave the lab directory are refused (CLI, the
store's files, and USER arguments); the test passwords appear in no log,
event log or error message; the lockout policy applies to POP3 logons.
"""
import argparse
import base64
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labutil import PASSWORD, Lab, Pop3, crlf, fetch_all, free_port, raise_nofile  # noqa: E402

FAILS = []
SANITIZED = False  # an ASan build: its allocator's quarantine makes RSS no measure
BOB_PW = "B0b-Secret-99"
CAROL_PW = "Car0l-Secret-42"
WRONG_PW = "Wr0ng-Secret-4711"
SLOW_PW = "Sl0w-Secret-%d"
SECRETS = [PASSWORD, BOB_PW, CAROL_PW, WRONG_PW] + [SLOW_PW % i for i in range(4)]


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


class GoodClient(threading.Thread):
    def __init__(self, port, expected):
        super().__init__(daemon=True)
        self.port = port
        self.expected = expected
        self.stop = threading.Event()
        self.runs = 0
        self.errors = []
        self.worst = 0.0

    def run(self):
        while not self.stop.is_set():
            try:
                bodies, dt = fetch_all(self.port)
                self.worst = max(self.worst, dt)
                if bodies != self.expected:
                    self.errors.append("retrieved messages differ")
                self.runs += 1
            except (OSError, RuntimeError, EOFError, ValueError, IndexError) as e:
                self.errors.append(str(e))
            time.sleep(0.01)


def reply_to(port, data, read_timeout=5.0, close_after=True):
    """Sends raw bytes after the greeting; returns what came back until the
    server closed or went quiet."""
    c = Pop3(port)
    c.line()
    c.s.sendall(data)
    c.s.settimeout(read_timeout)
    got = b""
    try:
        while True:
            d = c.s.recv(65536)
            if not d:
                break
            got += d
            if got.endswith(b"\r\n"):
                c.s.settimeout(0.3)
    except socket.timeout:
        pass
    except OSError:
        pass
    if close_after:
        c.close()
    return got


def logged_on(port, user, password):
    c = Pop3(port)
    c.line()
    if not c.cmd("USER " + user).startswith(b"+OK") or \
            not c.cmd("PASS " + password).startswith(b"+OK"):
        c.close()
        raise RuntimeError("logon of %s failed" % user)
    return c


def rst_close(c):
    """Drops the connection with a reset (no FIN handshake)."""
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def abuse(lab):
    port = lab.port
    err = b"-Err"  # the q189732 persona's negative token
    # 1 MiB line, its LF at the end: one line-too-long reply, then the session goes on
    got = reply_to(port, b"A" * (1 << 20) + b"\r\nQUIT\r\n")
    if not got.startswith(err) or b"signing off" not in got:
        fail("1 MiB line: got %r" % got[:200])
    # 1 MiB of bytes without LF, twice, then the connection drops
    for _ in range(2):
        c = Pop3(port)
        c.line()
        c.s.sendall(b"USER " + b"x" * (1 << 20))
        rst_close(c)
    # 10 x 1 MiB lines in one session
    got = reply_to(port, (b"B" * (1 << 20) + b"\n") * 10 + b"QUIT\n", read_timeout=10)
    if got.count(b"\r\n") < 2:
        fail("10 x 1 MiB lines: got %r" % got[:200])
    # NUL bytes
    for data in (b"USER al\0ice\r\n", b"\0\0\0\r\n", b"PASS \0" + PASSWORD.encode() + b"\r\n"):
        got = reply_to(port, data + b"QUIT\r\n")
        if not got.startswith(err):
            fail("NUL bytes %r: got %r" % (data, got[:200]))
    # invalid UTF-8 in names, passwords and commands
    for data in (b"USER \xff\xfe\xc0\xaf\r\nPASS \xed\xa0\x80\r\n", b"\xc3\x28\xa0\xa1\r\n",
                 b"USER CORP\\\xe9\r\nPASS x\r\n", b"AUTH PLAIN \xff\xff\r\n"):
        got = reply_to(port, data + b"QUIT\r\n")
        if not got or b"signing off" not in got:
            fail("invalid UTF-8 %r: got %r" % (data, got[:200]))
    # half lines: completed later, or abandoned
    c = Pop3(port)
    c.line()
    c.s.sendall(b"USER ali")
    time.sleep(0.3)
    c.s.sendall(b"ce\r")
    time.sleep(0.2)
    c.s.sendall(b"\n")
    if not c.line().startswith(b"+OK"):
        fail("a USER line sent in three pieces was not taken")
    c.s.sendall(b"PASS " + WRONG_PW.encode()[:4])
    rst_close(c)
    for _ in range(20):
        c = Pop3(port)
        c.line()
        c.s.sendall(b"US")
        c.close()
    # drops mid-command, logged on as bob: nothing may be deleted
    before = len(lab.messages("bob"))
    for i in range(30):
        c = logged_on(port, "CORP\\bob\\bob", BOB_PW)
        if i % 3 == 0:
            c.s.sendall(b"RETR 1\r\n")
        elif i % 3 == 1:
            c.s.sendall(b"DELE 1\r\nDELE 2\r\nRETR 3\r\n")
        else:
            c.cmd("DELE 1")
            c.s.sendall(b"QU")
        rst_close(c)
        time.sleep(0.01)
    time.sleep(0.3)
    if len(lab.messages("bob")) != before:
        fail("dropped sessions removed messages: %d -> %d" % (before, len(lab.messages("bob"))))
    # bad-command flood: the persona's too-many-bad line, then the close
    got = reply_to(port, b"XYZZY\r\n" * 1000, read_timeout=5)
    if got.count(b"\r\n") > 100:
        fail("bad-command flood: %d replies before the close" % got.count(b"\r\n"))
    # pipelined flood never read: the server stops reading (bounded input)
    c = logged_on(port, "CORP\\bob\\bob", BOB_PW)
    c.s.setblocking(False)
    sent = 0
    chunk = b"LIST\r\n" * 10000
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3:
        try:
            sent += c.s.send(chunk)
        except BlockingIOError:
            time.sleep(0.05)
    rss_flood, _ = lab.rss_kib()
    rst_close(c)
    print("abuse: pipelined LIST flood never read: the server took %d KiB before pushing back; "
          "daemon RSS %d KiB" % (sent // 1024, rss_flood), flush=True)
    # slow readers: RETR of a 4 MiB message, never read
    rss0, _ = lab.rss_kib()
    slow = []
    for i in range(4):
        c = logged_on(port, "CORP\\slow%d\\slow%d" % (i, i), SLOW_PW % i)
        c.s.sendall(b"RETR 1\r\n")
        slow.append(c)
    time.sleep(1.0)
    rss1, _ = lab.rss_kib()
    for c in slow:
        rst_close(c)
    print("abuse: 4 slow readers of a 4 MiB RETR: daemon RSS %d -> %d KiB" % (rss0, rss1),
          flush=True)
    if rss1 - rss0 > 4 * 1024 and not SANITIZED:
        fail("slow readers grew the daemon by %d KiB" % (rss1 - rss0))
    # connect/close storm
    for _ in range(2000):
        s = socket.socket()
        s.connect(("127.0.0.1", port))
        s.close()


def non_loopback_address():
    """An IPv4 address of this host that is not loopback, or None (no
    packet is sent: a UDP socket's connect only picks the route)."""
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.connect(("192.0.2.1", 9))
        addr = u.getsockname()[0]
        u.close()
        s = socket.socket()
        s.bind((addr, 0))
        s.close()
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def storm(host, port, n):
    """n connections at once from host to host:port: (greeted, refused by
    the persona's too-many-connections line)."""
    socks = [socket.create_connection((host, port), timeout=10) for _ in range(n)]
    got = [s.makefile("rb").readline() for s in socks]
    for s in socks:
        s.close()
    greeted = sum(g.startswith(b"+OK Microsoft Exchange") for g in got)
    refused = sum(g == b"-Err Too many connections, try again later\r\n" for g in got)
    if greeted + refused != n:
        fail("storm of %d: unexpected replies %r" % (n, [g for g in got if not g.startswith(
            (b"+OK", b"-Err Too many"))][:3]))
    return greeted, refused


def rate_limit(lab):
    """--max-conn-rate counts each non-loopback source (tested from this
    host's own non-loopback address when it has one) and loopback only
    with --rate-limit-loopback; the storm's refused connections get the
    persona's line, and the daemon keeps serving. (19, not 20: lab.up's
    readiness probe took one of the second's 20.)"""
    addr = non_loopback_address()
    if addr:
        lab.up("--max-conn-rate", "20", host=addr)
        greeted, refused = storm(addr, lab.port, 100)
        if not (19 <= greeted <= 40 and refused):
            fail("non-loopback source %s at 20/s: %d greeted, %d refused" % (
                addr, greeted, refused))
        time.sleep(1.1)
        if storm(addr, lab.port, 1) != (1, 0):
            fail("non-loopback source: not greeted again the next second")
        lab.down()
        print("abuse: rate limit 20/s from %s (non-loopback): %d of 100 greeted" % (
            addr, greeted), flush=True)
    else:
        print("abuse: no non-loopback address here: that source is not tested", flush=True)
    lab.up("--max-conn-rate", "20")
    greeted, refused = storm("127.0.0.1", lab.port, 100)
    if (greeted, refused) != (100, 0):
        fail("loopback at 20/s without --rate-limit-loopback: %d greeted, %d refused" % (
            greeted, refused))
    lab.down()
    lab.up("--max-conn-rate", "20", "--rate-limit-loopback")
    greeted, refused = storm("127.0.0.1", lab.port, 100)
    if not (19 <= greeted <= 40 and refused):
        fail("loopback at 20/s with --rate-limit-loopback: %d greeted, %d refused" % (
            greeted, refused))
    if not lab.alive():
        fail("the daemon died under the rate limit")
    lab.down()
    print("abuse: rate limit 20/s: loopback exempt (100 of 100 greeted), counted with "
          "--rate-limit-loopback (%d of 100 greeted)" % greeted, flush=True)


def security_listen(lab):
    """Without --listen the POP3 listener is on 127.0.0.1 (port 1110 for the
    first store); a bare port means 127.0.0.1 too."""
    lab.port = None
    p = lab.run("up", check=False)
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    if p.returncode == 0:
        addrs = re.findall(r"POP3 (\S+):(\d+)", out)
        if not addrs or any(a != "127.0.0.1" for a, _p in addrs):
            fail("default listener: %s" % out)
        check_listening(addrs)
        check_owner_only(lab)
        lab.run("down")
    else:
        print("abuse: default listener not checked: %s" % out.strip(), flush=True)
    port = str(free_port())
    p = lab.run("up", "--listen", port, check=False)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0 or ("127.0.0.1:%s" % port) not in out:
        fail("--listen PORT: %s %s" % (out, p.stderr.decode(errors="replace")))
    else:
        check_listening([("127.0.0.1", port)])
        lab.run("down")
    print("abuse: default bind 127.0.0.1 (no --listen, and --listen PORT)", flush=True)


def check_listening(addrs):
    """Each port listens on 127.0.0.1 only (not 0.0.0.0 or ::)."""
    for _a, port in addrs:
        hexport = "%04X" % int(port)
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            if not os.path.exists(table):
                continue
            for line in open(table).read().splitlines()[1:]:
                f = line.split()
                local, state = f[1], f[3]
                if state == "0A" and local.endswith(":" + hexport):
                    if local.split(":")[0] not in ("0100007F",
                                                   "0000000000000000FFFF00000100007F"):
                        fail("port %s listens on %s" % (port, local))


def check_owner_only(lab):
    for name in ("ntlab.ctl", "ntlab.pid", "ntlab.log"):
        p = os.path.join(lab.path, name)
        if not os.path.exists(p):
            fail("%s missing while the daemon runs" % name)
            continue
        mode = stat.S_IMODE(os.lstat(p).st_mode)
        if mode & 0o077:
            fail("%s has mode %o (owner-only expected)" % (name, mode))


def security_names(lab):
    bad_aliases = ["..", "../evil", "a/b", "/tmp/evil", ".hidden", "a\\b", "x" * 65, ""]
    for a in bad_aliases:
        p = lab.run("mailbox", "add", a, "--owner", "CORP\\bob", check=False)
        if p.returncode == 0:
            fail("mailbox add accepted alias %r" % a)
        p = lab.run("mail", "deliver", a, "-", check=False, input=b"Subject: x\r\n\r\nx\r\n")
        if p.returncode == 0:
            fail("mail deliver accepted alias %r" % a)
    for persona in ("../evil", "/etc/passwd", "a/b", ".."):
        p = lab.run("machine", "add", "EVIL", "--role", "member", "--os", "nt4", "--domain",
                    "CORP", "--persona", persona, check=False)
        if p.returncode == 0:
            fail("machine add accepted persona %r" % persona)
    if os.path.exists(os.path.join(os.path.dirname(lab.path), "evil")):
        fail("a file named evil appeared outside the lab")
    # mailboxes.conf edited by hand with an escaping alias: the store refuses it
    conf = os.path.join(lab.path, "EXCHSRV", "mailboxes.conf")
    saved = open(conf, "rb").read()
    open(conf, "ab").write(b"\r\n[../../escape]\r\nOwner = CORP\\bob\r\n")
    p = lab.run("mailbox", "list", check=False)
    if p.returncode == 0 and b"escape" in p.stdout:
        fail("a mailboxes.conf alias '../../escape' was accepted")
    open(conf, "wb").write(saved)
    # exchange.conf (or, in a lab of an older ntlab, machine.conf) naming an
    # escaping persona: the store does not start on it
    outside = os.path.join(os.path.dirname(lab.path), "evil.persona")
    open(outside, "w").write("persona 1\ninherit rfc1939\nreply banner +OK EVIL %v\n")
    econf = os.path.join(lab.path, "EXCHSRV", "exchange.conf")
    mconf = os.path.join(lab.path, "EXCHSRV", "machine.conf")
    esaved, msaved = open(econf, "rb").read(), open(mconf, "rb").read()
    for conf, text in ((econf, re.sub(rb"persona = \S+", b"persona = ../evil", esaved)),
                       (mconf, msaved.replace(b"\nclock = ", b"\npersona = ../evil\nclock = "))):
        if b"../evil" not in text:
            fail("could not put the escaping persona into %s" % conf)
        open(conf, "wb").write(text)
        p = lab.run("up", "--listen", str(free_port()), check=False)
        if p.returncode == 0:
            port = re.search(rb"127\.0\.0\.1:(\d+)", p.stdout).group(1).decode()
            try:
                c = Pop3(int(port), timeout=2)
                banner = c.line()
                c.close()
                if b"EVIL" in banner:
                    fail("the store used a persona outside the lab: %r" % banner)
            except (OSError, EOFError):
                pass
            lab.run("down", check=False)
        open(econf, "wb").write(esaved)
        open(mconf, "wb").write(msaved)
    os.unlink(outside)
    print("abuse: escaping aliases and persona names refused (CLI, mailboxes.conf, "
          "exchange.conf, legacy machine.conf)", flush=True)


def security_user_args(port):
    """USER arguments whose mailbox part would leave the mail directory."""
    for user in ("CORP\\bob\\..", "CORP\\bob\\.", "CORP\\bob/../alice", "CORP\\bob\\../alice",
                 "CORP\\bob\\/etc", "CORP\\bob\\" + "..\\.." , "..\\bob"):
        got = reply_to(port, ("USER %s\r\nPASS %s\r\nQUIT\r\n" % (user, BOB_PW)).encode())
        lines = got.split(b"\r\n")
        if len(lines) >= 2 and lines[1].startswith(b"+OK") and lines[0].startswith(b"+OK"):
            fail("USER %s + PASS logged on: %r" % (user, got[:200]))


def security_lockout(lab, port):
    """LockoutBadCount=3 in CORP's policy: three bad POP3 passwords lock
    carol out; the right one is then refused as 1909 until an admin
    unlocks the account."""
    lab.run("policy", "set", "LockoutBadCount=3", "LockoutDuration=-1", "--focus", "CORP")
    for i in range(3):
        got = reply_to(port, ("USER CORP\\carol\\carol\r\nPASS %s\r\nQUIT\r\n" % WRONG_PW)
                       .encode())
        if b"-Err" not in got:
            fail("bad password %d: %r" % (i, got[:200]))
    got = reply_to(port, ("USER CORP\\carol\\carol\r\nPASS %s\r\nQUIT\r\n" % CAROL_PW).encode())
    if b"locked out" not in got:
        fail("after 3 bad POP3 passwords the right one gave %r" % got[:300])
    locked_line = next((ln.decode(errors="replace") for ln in got.split(b"\r\n")
                        if b"locked out" in ln), "?")
    show = lab.run("user", "show", "carol", "--machine", "CORPDC").stdout.decode()
    if not re.search(r"Account locked out\s+Yes", show):
        fail("carol is not locked out after 3 bad POP3 passwords:\n" + show)
    lab.run("user", "unlock", "carol", "--machine", "CORPDC")
    got = reply_to(port, ("USER CORP\\carol\\carol\r\nPASS %s\r\nQUIT\r\n" % CAROL_PW).encode())
    if b"successfully logged on" not in got:
        fail("carol cannot log on after the unlock: %r" % got[:300])
    print("abuse: LockoutBadCount=3 in CORP: 3 bad POP3 passwords lock CORP\\carol out "
          "(the right one then gets \"%s\"), unlock restores the logon" % locked_line,
          flush=True)


def security_no_passwords(lab):
    """No test password in the daemon's logs, the event logs, or the
    errors of commands that take passwords."""
    texts = {"daemon log": lab.log_text()}
    for m in ("CORPDC", "EXCHSRV"):
        for log in ("system", "application", "security"):
            p = lab.run("eventlog", "--log", log, "--machine", m, check=False)
            texts["%s %s log" % (m, log)] = p.stdout + p.stderr
    for root, _dirs, files in os.walk(lab.path):
        for f in files:
            if "eventlog" in root or f.endswith(".log"):
                texts[os.path.join(root, f)] = open(os.path.join(root, f), "rb").read()
    # errors of commands given passwords
    for args in (("logon", "CORP\\carol", WRONG_PW), ("logon", "nosuchuser", WRONG_PW),
                 ("user", "add", "bad/name", "--password", WRONG_PW),
                 ("user", "passwd", "nosuchuser", WRONG_PW),
                 ("user", "add", "longpw", "--password", WRONG_PW * 40)):
        p = lab.run(*args, check=False)
        texts["ntlab %s" % args[0]] = p.stdout + p.stderr
    needles = set()
    for s in SECRETS:
        needles.add(s.encode())
        needles.add(base64.b64encode(s.encode()))
    needles.add(base64.b64encode(b"\0CORP\\bob\\bob\0" + BOB_PW.encode()))
    for where, text in texts.items():
        for n in needles:
            if n in text:
                fail("a password (%r) appears in %s" % (n[:6] + b"...", where))
    print("abuse: no test password in %d logs, event logs and error outputs" % len(texts),
          flush=True)


def setup(lab):
    lab.create()
    lab.run("user", "add", "bob", "--password", BOB_PW, "--machine", "CORPDC")
    lab.run("mailbox", "add", "bob", "--owner", "CORP\\bob")
    lab.run("user", "add", "carol", "--password", CAROL_PW, "--machine", "CORPDC")
    lab.run("mailbox", "add", "carol", "--owner", "CORP\\carol")
    for i in range(3):
        lab.run("mail", "deliver", "bob", "-", input=b"Subject: bob %d\r\n\r\nbody\r\n" % i)
    big = b"Subject: big\r\n\r\n" + b"".join(b"line %07d of a big message\r\n" % i
                                            for i in range(150000))
    for i in range(4):
        lab.run("user", "add", "slow%d" % i, "--password", SLOW_PW % i, "--machine", "CORPDC")
        lab.run("mailbox", "add", "slow%d" % i, "--owner", "CORP\\slow%d" % i)
        lab.run("mail", "deliver", "slow%d" % i, "-", input=big)


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def main():
    global SANITIZED
    ap = argparse.ArgumentParser()
    ap.add_argument("ntlab")
    ap.add_argument("--asan-log-dir", help="NTLAB is an ASan+UBSan build: its reports go "
                    "there, and any report fails the test (memory bounds are not checked)")
    a = ap.parse_args()
    if a.asan_log_dir:
        SANITIZED = True
        os.makedirs(a.asan_log_dir, exist_ok=True)
        os.environ["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s/asan" % a.asan_log_dir
        os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/ubsan" % a.asan_log_dir
    raise_nofile(8192)
    base = tempfile.mkdtemp(prefix="ntlab-abuse-")
    t0 = time.monotonic()
    lab = Lab(a.ntlab, os.path.join(base, "lab"))
    try:
        setup(lab)
        security_names(lab)
        security_listen(lab)
        # the abusers and the good client share 127.0.0.1, under the
        # default per-address rate limit: loopback is exempt from it, so
        # the connect storm refuses nobody (rate_limit() tests the limit)
        lab.up()
        expected = [crlf(m) for m in lab.messages()]
        good = GoodClient(lab.port, expected)
        good.start()
        rss0, _ = lab.rss_kib()
        abuse(lab)
        security_user_args(lab.port)
        time.sleep(0.5)
        good.stop.set()
        good.join(30)
        rss1, hwm = lab.rss_kib()
        print("abuse: the good client ran %d sessions meanwhile, %d failed, slowest %.0f ms; "
              "daemon RSS %d -> %d KiB (peak %d KiB)" % (
                  good.runs, len(good.errors), good.worst * 1000, rss0, rss1, hwm), flush=True)
        if good.errors:
            fail("the good client failed %d times: %s" % (len(good.errors), good.errors[:3]))
        if good.runs == 0:
            fail("the good client never completed a session")
        if not lab.alive():
            fail("the daemon died")
        # nothing left of the abuse keeps the loop busy
        t0c = cpu_ticks(lab.daemon.pid)
        time.sleep(2)
        busy = (cpu_ticks(lab.daemon.pid) - t0c) / os.sysconf("SC_CLK_TCK") / 2
        if busy > 0.2:
            fail("the daemon uses %.0f%% CPU while idle after the abuse" % (busy * 100))
        security_lockout(lab, lab.port)
        if b"connection rate limit reached" in lab.log_text():
            fail("a loopback client was refused by the default rate limit")
        lab.down()
        rate_limit(lab)
        security_no_passwords(lab)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        fail("%s: %s" % (type(e).__name__, e))
    finally:
        try:
            lab.down()
        except Exception:  # noqa: BLE001 - best effort at the end
            pass
    if a.asan_log_dir:
        for f in sorted(os.listdir(a.asan_log_dir)):
            text = open(os.path.join(a.asan_log_dir, f), errors="replace").read()
            fail("sanitizer report %s:\n%s" % (f, text[:3000]))
    print("abuse: %.1f s: %s" % (time.monotonic() - t0, "FAILED (%d)" % len(FAILS) if FAILS
                                 else "ok"))
    if FAILS:
        print("abuse: lab kept in %s" % base)
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
