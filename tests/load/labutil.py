"""Shared helpers of the load and abuse tests: a q189732 lab whose store
can log users on, `ntlab up --foreground` as a child process, a small
blocking POP3 client, the daemon's memory."""
import os
import re
import resource
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from freeport import free_port  # noqa: E402  tests/freeport.py: why not bind(0)

PASSWORD = "Passw0rd"  # CORP\alice in the q189732 preset


def raise_nofile(want):
    """Raises this process's descriptor limit (the daemon we start inherits
    it). Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Lab:
    def __init__(self, exe, path):
        self.exe = os.path.abspath(exe)
        self.path = path
        self.env = dict(os.environ)
        self.env.pop("NTLAB_CONTROL", None)
        self.daemon = None
        self.port = None
        self.host = "127.0.0.1"
        self.logf = None

    def run(self, *args, check=True, input=None):
        p = subprocess.run([self.exe, "-C", self.path] + list(args), input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        if check and p.returncode != 0:
            raise RuntimeError("ntlab %s: exit %d: %s" % (
                " ".join(args), p.returncode, p.stderr.decode(errors="replace")))
        return p

    def create(self):
        subprocess.run([self.exe, "init", self.path, "--preset", "q189732"], check=True,
                       stdout=subprocess.DEVNULL, env=self.env)
        # the fix of KB Q189732, so that POP3 logons succeed
        self.run("ntrights", "+r", "SeTcbPrivilege", "-u", "CORP\\EXCHSVC", "-m", "\\\\EXCHSRV")

    def maildir(self, alias="alice"):
        return os.path.join(self.path, "EXCHSRV", "mail", alias)

    def messages(self, alias="alice"):
        """Message bytes in delivery order (the maildrop numbers them so)."""
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(alias), sub)
            for f in os.listdir(d):
                out.append((f, open(os.path.join(d, f), "rb").read()))
        out.sort()
        return [data for _name, data in out]

    def up(self, *extra, host="127.0.0.1", nofile=None):
        self.host = host
        self.port = free_port(host)
        # stderr is the log; stdout the listeners and the lab's welcome text
        self.logf = open(os.path.join(self.path, "foreground.log"), "ab")
        self.outf = open(os.path.join(self.path, "foreground.out"), "ab")
        self.daemon = subprocess.Popen(
            [self.exe, "-C", self.path, "up", "--foreground", "--listen",
             "%s:%d" % (host, self.port)] + list(extra),
            stdout=self.outf, stderr=self.logf, env=self.env,
            # nofile: the daemon's descriptor limit, soft and hard
            preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
            if nofile else None)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.daemon.poll() is not None:
                raise RuntimeError("ntlab up exited %d" % self.daemon.returncode)
            try:
                c = Pop3(self.port, timeout=2, host=host)
                c.line()
                c.close()
                break
            except OSError:
                time.sleep(0.01)
        else:
            raise RuntimeError("ntlab up did not serve within 15 s")
        # The probe counts against --max-connections until the daemon has
        # seen it close: wait for that, so a test of a limit starts at 0.
        while time.monotonic() < deadline:
            st = self.run("status", check=False).stdout
            if re.search(rb"connections: 0 open", st):
                return
            time.sleep(0.01)
        raise RuntimeError("ntlab up: the ready probe's connection is still open after 15 s")

    def down(self):
        if self.daemon and self.daemon.poll() is None:
            self.run("down", check=False)
            try:
                self.daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        if self.logf:
            self.logf.close()
            self.outf.close()
        self.daemon = None

    def rss_kib(self):
        """(VmRSS, VmHWM) of the daemon in KiB."""
        vals = {}
        with open("/proc/%d/status" % self.daemon.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    vals[k] = int(v.split()[0])
        return vals["VmRSS"], vals["VmHWM"]

    def alive(self):
        return self.daemon is not None and self.daemon.poll() is None

    def log_text(self):
        """The daemon's log (foreground: its stderr) and the lab's other logs."""
        text = b""
        for name in ("foreground.log", "ntlab.log"):
            p = os.path.join(self.path, name)
            if os.path.exists(p):
                text += open(p, "rb").read()
        return text


class Pop3:
    def __init__(self, port, timeout=10, host="127.0.0.1"):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def multi(self):
        """A multi-line body, dot-unstuffed, as bytes with CRLF ends."""
        out = []
        while True:
            ln = self.line()
            if ln == b".":
                return b"".join(x + b"\r\n" for x in out)
            out.append(ln[1:] if ln.startswith(b".") else ln)

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.line()

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def crlf(data):
    """A stored message as POP3 sends it (every line CRLF-terminated)."""
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if data and not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def fetch_all(port, user="alice", password=PASSWORD):
    """A well-behaved client: logs on, retrieves everything, quits. Returns
    the message bodies and the time it took."""
    t0 = time.monotonic()
    c = Pop3(port)
    try:
        if not c.line().startswith(b"+OK"):
            raise RuntimeError("no greeting")
        r = c.cmd("USER " + user)
        if not r.startswith(b"+OK"):
            raise RuntimeError("USER: %r" % r)
        r = c.cmd("PASS " + password)
        if not r.startswith(b"+OK"):
            raise RuntimeError("PASS: %r" % r)
        n = int(c.cmd("STAT").split()[1])
        bodies = []
        for i in range(1, n + 1):
            r = c.cmd("RETR %d" % i)
            if not r.startswith(b"+OK"):
                raise RuntimeError("RETR %d: %r" % (i, r))
            bodies.append(c.multi())
        if not c.cmd("QUIT").startswith(b"+OK"):
            raise RuntimeError("QUIT refused")
    finally:
        c.close()
    return bodies, time.monotonic() - t0
