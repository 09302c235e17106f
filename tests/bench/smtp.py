#!/usr/bin/env python3
"""The SMTP figures of issue 18 (make bench, and make bench-smoke in make test).

Throughput: messages/s delivered over SMTP (10 KB messages, SMTP_CONNS
connections at once, each sending MAIL/RCPT/DATA one command at a time for
SMTP_SECS seconds) to three servers measured in the same run, round after
round, alternately:
  ntlab        ntlab's Internet Mail Service, the q189732 lab, its Maildirs on
               the lab's disk: each message is fsynced into alice's Maildir
               before its 250 (the IMS's promise);
  ntlab-tmpfs  the same lab with its mail directory on tmpfs (/dev/shm), so
               that the fsyncs cost nothing: what the engine costs without
               the disk;
  smtp-sink    Postfix's smtp-sink, the named peer (discards the data);
  stub         tests/bench/smtpstub.c, a do-nothing SMTP sink: the ceiling of
               this generator on this machine.
Ratios are printed against smtp-sink and the stub.

Latency: the time from the SMTP 250 after the final dot to a POP3 STAT on a
new session (USER/PASS, STAT) counting the message, for SMTP_LATENCY_RUNS
messages to a mailbox of its own; median and p99, beside the same POP3
session with no new message (the floor: what a STAT costs by itself).

It never fails on a slow figure. It fails (exit 1, reasons printed) when a
server cannot be started, a message is refused, a connection breaks, or a
figure is missing. Writes OUT/smtp.json and adds "smtp" to OUT/summary.json
when tests/bench/run.sh wrote one.

Usage: tests/bench/smtp.py [BUILD_DIR]
Environment: SMTP_SMOKE=1 (one round of 1 s runs, 20 latency messages,
  output in BUILD/bench-smoke), SMTP_ROUNDS (3), SMTP_SECS (3),
  SMTP_CONNS (32), SMTP_LATENCY_RUNS (200), BENCH_OUT, SMTP_SINK (the
  smtp-sink program; the bench's own test points it at one that fails)."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from freeport import free_port  # noqa: E402  tests/freeport.py: why not bind(0)

BODY = b"Subject: bench\r\n\r\n" + (b"x" * 78 + b"\r\n") * 128  # 10,258 octets
DOMAIN = "corp.example"
SERVERS = ("ntlab", "ntlab-tmpfs", "smtp-sink", "stub")


class BenchError(Exception):
    pass


class Conn:
    """One line-oriented client connection (SMTP or POP3)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def reply(self):
        """The last line of a (possibly multi-line) reply."""
        while True:
            while b"\r\n" not in self.buf:
                d = self.s.recv(65536)
                if not d:
                    raise EOFError("connection closed")
                self.buf += d
            line, self.buf = self.buf.split(b"\r\n", 1)
            if line[3:4] != b"-":
                return line

    def cmd(self, data, want=None):
        self.s.sendall(data)
        r = self.reply()
        if want and not r.startswith(want):
            raise BenchError("%r answered %r" % (data[:40], r))
        return r

    def close(self):
        self.s.close()


def smtp_open(port):
    c = Conn(port)
    r = c.reply()
    if not r.startswith(b"220"):
        raise BenchError("banner %r" % r)
    c.cmd(b"EHLO bench.example\r\n", b"250")
    return c


def send_one(c, rcpt):
    """One message; returns when its 250 is read."""
    c.cmd(b"MAIL FROM:<bench@client.example>\r\n", b"250")
    c.cmd(b"RCPT TO:<%s>\r\n" % rcpt.encode(), b"250")
    c.cmd(b"DATA\r\n", b"354")
    c.cmd(BODY + b".\r\n", b"250")


def wait_banner(port, proc, what):
    """Until port answers 220 (10 s), or proc died."""
    for _ in range(100):
        try:
            c = Conn(port)
            ok = c.reply().startswith(b"220")
            c.cmd(b"QUIT\r\n")
            c.close()
            if ok:
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.1)
    raise BenchError("%s did not answer on 127.0.0.1:%d" % (what, port))


def throughput(port, conns, secs):
    """Messages/s over conns connections for secs seconds; raises on any error."""
    counts, errors = [0] * conns, []
    deadline = [0.0]
    # the clock starts when every connection has its banner and EHLO answer
    start = threading.Barrier(conns + 1, action=lambda: deadline.__setitem__(0, time.monotonic() + secs))

    def worker(i):
        try:
            c = smtp_open(port)
            start.wait()
            while time.monotonic() < deadline[0]:
                send_one(c, "alice@" + DOMAIN)
                counts[i] += 1
            c.cmd(b"QUIT\r\n")
            c.close()
        except (OSError, EOFError, BenchError, threading.BrokenBarrierError) as e:
            errors.append(str(e))
            start.abort()

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
    for t in ts:
        t.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        pass
    for t in ts:
        t.join()
    elapsed = time.monotonic() - (deadline[0] - secs)
    if errors:
        raise BenchError("%d connection(s) failed, first: %s" % (len(errors), errors[0]))
    return sum(counts) / elapsed


def pop_stat(port, user):
    p = Conn(port)
    if not p.reply().startswith(b"+OK"):
        raise BenchError("POP3 banner")
    p.cmd(b"USER %s\r\n" % user.encode(), b"+OK")
    p.cmd(b"PASS Passw0rd\r\n", b"+OK")
    n = int(p.cmd(b"STAT\r\n", b"+OK").split()[1])
    p.cmd(b"QUIT\r\n")
    p.close()
    return n


def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, -(-len(s) * p // 100) - 1)]


def latency(sport, port, runs):
    """(250 -> STAT ms list, STAT-alone ms list, extra STATs) over runs
    messages to lat@; extra STATs counts the sessions that did not see the
    message yet (0 when it is listed as soon as its 250 comes)."""
    user = "CORP\\alice\\lat"
    lat, floor, extra = [], [], 0
    c = smtp_open(sport)
    for _ in range(runs):
        t0 = time.monotonic()
        before = pop_stat(port, user)
        floor.append((time.monotonic() - t0) * 1000)
        send_one(c, "lat@" + DOMAIN)
        t0 = time.monotonic()
        while pop_stat(port, user) != before + 1:
            extra += 1
            if time.monotonic() - t0 > 10:
                raise BenchError("latency: the message was not listed 10 s after its 250")
        lat.append((time.monotonic() - t0) * 1000)
    c.cmd(b"QUIT\r\n")
    c.close()
    return lat, floor, extra


def nt(ntlab, lab, *args):
    r = subprocess.run([ntlab, "-C", lab] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise BenchError("ntlab %s: %s" % (" ".join(args), r.stdout.strip()[-300:]))


class Lab:
    """The q189732 lab with the article's fix, served by `ntlab up`."""

    def __init__(self, ntlab, lab, maildir=None):
        self.ntlab, self.lab = ntlab, lab
        r = subprocess.run([ntlab, "init", lab, "--preset", "q189732"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            raise BenchError("ntlab init: " + r.stdout.strip()[-300:])
        nt(ntlab, lab, "ntrights", "+r", "SeTcbPrivilege", "-u", "CORP\\EXCHSVC", "-m", "\\\\EXCHSRV")
        nt(ntlab, lab, "mailbox", "add", "lat", "--owner", "CORP\\alice")
        if maildir:  # the mail directory elsewhere (tmpfs), as tests/bench/run.sh does
            mail = os.path.join(lab, "EXCHSRV", "mail")
            shutil.copytree(mail, maildir, symlinks=True, dirs_exist_ok=True)
            shutil.rmtree(mail)
            os.symlink(maildir, mail)
        self.port, self.sport = free_port(), free_port()
        while self.sport == self.port:
            self.sport = free_port()
        nt(ntlab, lab, "up", "--listen", "127.0.0.1:%d" % self.port,
           "--listen-smtp", "127.0.0.1:%d" % self.sport)
        self.up = True
        wait_banner(self.sport, None, "ntlab's IMS")

    def down(self):
        if self.up:
            self.up = False
            subprocess.run([self.ntlab, "-C", self.lab, "down"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)


def start_proc(argv, port, what, log):
    try:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    except OSError as e:
        raise BenchError("%s: %s" % (what, e))
    try:
        wait_banner(port, p, what)
    except BenchError:
        p.kill()
        p.wait()
        raise
    return p


def config():
    smoke = bool(os.environ.get("SMTP_SMOKE"))
    env = lambda k, d, ds: int(os.environ.get(k, ds if smoke else d))
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    return {"build": build, "smoke": smoke,
            "out": os.environ.get("BENCH_OUT", os.path.join(build, "bench-smoke" if smoke else "bench")),
            "rounds": env("SMTP_ROUNDS", 3, 1), "secs": env("SMTP_SECS", 3, 1),
            "conns": env("SMTP_CONNS", 32, 32), "runs": env("SMTP_LATENCY_RUNS", 200, 20)}


def start_servers(cf, tmp, shm, procs):
    """{server: SMTP port}; the labs and processes are added to procs."""
    ntlab = os.path.join(cf["build"], "ntlab")
    stub = os.path.join(cf["build"], "bench", "smtpstub")
    sink = os.environ.get("SMTP_SINK") or shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    for f, why in ((ntlab, "make bench builds it"), (stub, "make bench builds it"),
                   (sink, ".ci/deps bench installs postfix")):
        if not os.access(f, os.X_OK):
            raise BenchError("%s is missing (%s)" % (f, why))
    ports = {}
    log = open(os.path.join(tmp, "servers.log"), "ab")
    ports["smtp-sink"] = free_port()
    # smtp-sink insists on dropping root; its backlog 256 holds 32 connections
    user = ["-u", "nobody"] if os.getuid() == 0 else []
    procs["smtp-sink"] = start_proc([sink] + user + ["127.0.0.1:%d" % ports["smtp-sink"], "256"],
                                    ports["smtp-sink"], "smtp-sink", log)
    ports["stub"] = free_port()
    procs["stub"] = start_proc([stub, "--port", str(ports["stub"])], ports["stub"], "smtpstub", log)
    procs["ntlab"] = Lab(ntlab, os.path.join(tmp, "lab"))
    procs["ntlab-tmpfs"] = Lab(ntlab, os.path.join(tmp, "lab-tmpfs"), os.path.join(shm, "mail"))
    for k in ("ntlab", "ntlab-tmpfs"):
        ports[k] = procs[k].sport
    return ports


def measure(cf, ports, fails):
    """{server: [messages/s per round]}; a failed run is a missing figure."""
    rates = {k: [] for k in SERVERS}
    for r in range(cf["rounds"]):
        print("smtp bench: round %d of %d" % (r + 1, cf["rounds"]), file=sys.stderr)
        for k in SERVERS:
            try:
                rates[k].append(throughput(ports[k], cf["conns"], cf["secs"]))
            except BenchError as e:
                fails.append("%s round %d: %s" % (k, r + 1, e))
    return rates


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def report(cf, rates, lat, floor, extra):
    med = {k: statistics.median(v) if v else None for k, v in rates.items()}
    f = lambda v: "-" if v is None else "%.0f" % v
    r = lambda v: "n/a" if v is None else "%.2f" % v
    print("SMTP benchmark: messages/s, %d-octet messages, %d connections, %d s runs, median of %d rounds"
          % (len(BODY), cf["conns"], cf["secs"], cf["rounds"]))
    print("%-42s %10s %10s %8s" % ("server", "msgs/s", "/ sink", "/ stub"))
    for k in SERVERS:
        print("%-42s %10s %10s %8s" % ({"ntlab": "ntlab IMS (Maildir on disk, fsync)",
                                         "ntlab-tmpfs": "ntlab IMS (Maildir on tmpfs)",
                                         "smtp-sink": "Postfix smtp-sink (peer, discards)",
                                         "stub": "smtpstub (do-nothing sink)"}[k], f(med[k]),
                                        r(ratio(med[k], med["smtp-sink"])), r(ratio(med[k], med["stub"]))))
    lt = {"median": statistics.median(lat), "p99": pct(lat, 99)} if lat else {"median": None, "p99": None}
    fl = {"median": statistics.median(floor), "p99": pct(floor, 99)} if floor else {"median": None, "p99": None}
    g = lambda v: "-" if v is None else "%.2f" % v
    print("SMTP 250 -> listed by POP3 STAT (new session: USER, PASS, STAT), %d messages, disk lab: "
          "median %s ms, p99 %s ms (%s STAT sessions too early); the same session with no new message: "
          "median %s ms, p99 %s ms" % (len(lat), g(lt["median"]), g(lt["p99"]), extra, g(fl["median"]), g(fl["p99"])))
    print("(load average %.2f on %d cores)" % (os.getloadavg()[0], os.cpu_count()))
    return {"octets": len(BODY), "connections": cf["conns"], "secs": cf["secs"], "rounds": cf["rounds"],
            "messages_per_s": {k.replace("-", "_"): med[k] for k in SERVERS},
            "ratios": {"ntlab_to_smtp_sink": ratio(med["ntlab"], med["smtp-sink"]),
                       "ntlab_to_stub": ratio(med["ntlab"], med["stub"]),
                       "ntlab_tmpfs_to_smtp_sink": ratio(med["ntlab-tmpfs"], med["smtp-sink"]),
                       "ntlab_tmpfs_to_stub": ratio(med["ntlab-tmpfs"], med["stub"]),
                       "smtp_sink_to_stub": ratio(med["smtp-sink"], med["stub"])},
            "smtp250_to_pop3_stat_ms": dict(lt, messages=len(lat), stat_sessions_too_early=extra),
            "pop3_stat_alone_ms": fl, "peer": "postfix smtp-sink",
            "load_average": os.getloadavg()[0]}


def write(cf, res):
    os.makedirs(cf["out"], exist_ok=True)
    with open(os.path.join(cf["out"], "smtp.json"), "w") as f:
        json.dump(res, f, indent=1)
    summ = os.path.join(cf["out"], "summary.json")
    if os.path.exists(summ):  # tests/bench/run.sh's, from the same make bench
        with open(summ) as f:
            s = json.load(f)
        s["smtp"] = res
        with open(summ + ".tmp", "w") as f:
            json.dump(s, f, indent=2)
        os.replace(summ + ".tmp", summ)


def missing(res):
    out = ["missing figure: %s messages/s" % k for k, v in res["messages_per_s"].items() if v is None]
    for k in ("median", "p99"):
        if res["smtp250_to_pop3_stat_ms"][k] is None:
            out.append("missing figure: SMTP 250 -> POP3 STAT %s" % k)
    return out


def stop(procs):
    for k, p in procs.items():
        if isinstance(p, Lab):
            p.down()
        else:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main():
    cf = config()
    tmp = tempfile.mkdtemp(prefix="ntlab-smtpbench-")
    shm = tempfile.mkdtemp(prefix="ntlab-smtpbench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    fails, procs, lat, floor, extra, rates = [], {}, [], [], None, {k: [] for k in SERVERS}
    try:
        ports = start_servers(cf, tmp, shm, procs)
        lab = procs["ntlab"]
        try:  # before the throughput runs: a small maildrop for the POP3 side
            lat, floor, extra = latency(lab.sport, lab.port, cf["runs"])
        except (OSError, EOFError, BenchError) as e:
            fails.append("latency: %s" % e)
        rates = measure(cf, ports, fails)
    except (OSError, EOFError, BenchError) as e:
        fails.append(str(e))
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    res = report(cf, rates, lat, floor, extra)
    write(cf, res)
    fails += missing(res)
    for f in dict.fromkeys(fails):
        print("smtp bench: FAILED: " + f, file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
