#!/usr/bin/env python3
"""The class figures of issue 16 (make bench): a class of CLASS_N (40)
students' labs served at once by `ntlab class up` on this machine.

Prints, each beside a named peer and a do-nothing stub measured in the
same run:
  - the time to start all labs: `ntlab class up` (8 `ntlab up` at once)
    against the peer, the same daemons started one after another by a
    shell loop of `ntlab -C LAB up` (what an instructor would do without
    `class`), and the stub, CLASS_N `ntlab --version` processes started the
    same way (the floor: starting the program, nothing served);
  - the memory per served lab: the proportional set size (PSS, from
    /proc/PID/smaps_rollup: shared pages divided among their users) of
    each daemon while all are served, against the peer, one lab's daemon
    served alone, and the stub, a `sleep` process.
Then every lab must answer its POP3 greeting, `class report` grades them
all live (timed), and `class down` stops them.

Fails (exit 1) when a figure cannot be measured (a lab not served, no
smaps_rollup), never on a slow figure. Writes BUILD/bench/class.json.
Usage: tests/bench/class.py [BUILD_DIR]
Environment: CLASS_N (40), CLASS_BASE (the first port, default 42000)."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
NTLAB = os.path.join(B, "ntlab")
N = int(os.environ.get("CLASS_N", "40"))
BASE = int(os.environ.get("CLASS_BASE", "42000"))


def fail(msg):
    print("class bench: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def run(*args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        fail("%s exited %d: %s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r.stdout


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError as e:
        fail("no smaps_rollup for pid %d: %s" % (pid, e))
    fail("no Pss line for pid %d" % pid)


def banner(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.settimeout(10)
        data = b""
        while b"\r\n" not in data:
            d = s.recv(512)
            if not d:
                break
            data += d
        return data.startswith(b"+OK")


def has_ims(lab):
    for m in os.listdir(lab):
        try:
            with open(os.path.join(lab, m, "services.conf")) as f:
                if "msexchangeimc" in f.read().lower():
                    return True
        except OSError:
            pass
    return False


def pids(cls, logins):
    out = []
    for l in logins:
        with open(os.path.join(cls, "labs", l, "ntlab.pid")) as f:
            out.append(int(f.read().split()[0]))
    return out


def main():
    t = tempfile.mkdtemp(prefix="ntlab-class-bench.")
    cls = os.path.join(t, "C")
    try:
        logins = ["s%02d" % i for i in range(N)]
        with open(os.path.join(t, "roster"), "w") as f:
            for l in logins:
                f.write("%s:Student %s\n" % (l, l))
        t0 = time.monotonic()
        run(NTLAB, "class", "init", cls, "--exercise", "q189732", "--roster",
            os.path.join(t, "roster"), "--port-base", str(BASE))
        t_init = time.monotonic() - t0
        labs = [os.path.join(cls, "labs", l) for l in logins]
        ports = [BASE + 3 * i for i in range(N)]

        # peer: a shell loop of `ntlab up`, one after another
        t0 = time.monotonic()
        for lab, p in zip(labs, ports):  # the same listeners as class up gives
            smtp = ["--listen-smtp", "127.0.0.1:%d" % (p + 1)] if has_ims(lab) else []
            run(NTLAB, "-C", lab, "up", "--listen", "127.0.0.1:%d" % p, *smtp,
                "--http", "127.0.0.1:%d" % (p + 2))
        t_loop = time.monotonic() - t0
        run(NTLAB, "class", "down", cls)

        # one lab alone: the memory peer
        run(NTLAB, "class", "up", cls)  # warm, then keep only s00
        for lab in labs[1:]:
            run(NTLAB, "-C", lab, "down")
        time.sleep(0.5)
        pss_alone = pss_kib(pids(cls, logins[:1])[0])
        run(NTLAB, "class", "down", cls)

        # stub: N processes that do nothing, started the same way (8 at once)
        t0 = time.monotonic()
        for i in range(0, N, 8):
            ps = [subprocess.Popen([NTLAB, "--version"], stdout=subprocess.DEVNULL)
                  for _ in range(min(8, N - i))]
            for p in ps:
                p.wait()
        t_stub = time.monotonic() - t0
        sleeper = subprocess.Popen(["sleep", "30"])
        time.sleep(0.2)
        pss_stub = pss_kib(sleeper.pid)
        sleeper.kill()
        sleeper.wait()

        # the class itself
        t0 = time.monotonic()
        out = run(NTLAB, "class", "up", cls)
        t_up = time.monotonic() - t0
        if "%d started" % N not in out:
            fail("class up: " + out)
        served = sum(banner(p) for p in ports)
        if served != N:
            fail("%d of %d labs answered POP3" % (served, N))
        time.sleep(0.5)
        pss = [pss_kib(p) for p in pids(cls, logins)]
        # report: every lab graded live (exercise check through its daemon)
        t0 = time.monotonic()
        run(NTLAB, "class", "report", cls)
        t_report = time.monotonic() - t0
        t0 = time.monotonic()
        run(NTLAB, "class", "down", cls)
        t_down = time.monotonic() - t0
        res = {
            "students": N, "report_s": t_report, "init_s": t_init, "class_up_s": t_up, "loop_up_s": t_loop,
            "stub_start_s": t_stub, "class_down_s": t_down,
            "pss_kib_median": statistics.median(pss), "pss_kib_max": max(pss),
            "pss_kib_total": sum(pss), "pss_kib_alone": pss_alone, "pss_kib_stub": pss_stub,
        }
        print("class of %d labs (exercise q189732, a seed each: 2 machines, POP3 + console)" % N)
        print("  %-34s %9s %9s %9s %7s %7s" % ("metric", "class", "peer", "stub", "/peer", "/stub"))
        print("  %-34s %9.2f %9.2f %9.2f %7.2f %7.2f" % (
            "start all labs (s)", t_up, t_loop, t_stub, t_up / t_loop, t_up / t_stub))
        print("  %-34s %9d %9d %9d %7.2f %7.2f" % (
            "PSS per served lab (KiB, median)", res["pss_kib_median"], pss_alone, pss_stub,
            res["pss_kib_median"] / pss_alone, res["pss_kib_median"] / pss_stub))
        print("  peer: a shell loop of 'ntlab up' (time); one lab served alone (memory)")
        print("  stub: %d 'ntlab --version' 8 at a time (time); 'sleep' (memory)" % N)
        print("  class init %.2f s, class report (all graded live) %.2f s, class down %.2f s,"
              " all %d labs %.1f MiB PSS" % (t_init, t_report, t_down, N, sum(pss) / 1024))
        os.makedirs(os.path.join(B, "bench"), exist_ok=True)
        with open(os.path.join(B, "bench", "class.json"), "w") as f:
            json.dump(res, f, indent=1)
    finally:
        if os.path.isdir(cls):
            subprocess.run([NTLAB, "class", "down", cls], capture_output=True)
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    main()
