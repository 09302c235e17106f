#!/usr/bin/env python3
"""The SMTP figures of issue 18 (make bench): messages/s delivered over SMTP
to ntlab's Internet Mail Service (10 KB messages, SMTP_CONNS connections
at once, each message durably in the Maildir before its 250), and the time
from an SMTP 250 to the message being counted by a POP3 STAT on a new
session. No peer server is measured beside it (Postfix's smtp-sink or
Dovecot's LMTP: not set up here; the POP3 benchmark has Dovecot).

Fails (exit 1) when a message is not accepted or not found, never on a
slow figure. Writes BUILD/bench/smtp.json.
Usage: tests/bench/smtp.py [BUILD_DIR]
Environment: SMTP_CONNS (32), SMTP_PER_CONN (25), SMTP_LATENCY_RUNS (20)."""
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

BODY = b"Subject: bench\r\n\r\n" + (b"x" * 78 + b"\r\n") * 128  # 10,258 octets


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def reply(self):
        while True:
            while b"\r\n" not in self.buf:
                d = self.s.recv(65536)
                if not d:
                    raise EOFError("connection closed")
                self.buf += d
            line, self.buf = self.buf.split(b"\r\n", 1)
            if line[3:4] != b"-":
                return line

    def cmd(self, data):
        self.s.sendall(data)
        return self.reply()


def send_one(c):
    c.cmd(b"MAIL FROM:<bench@client.example>\r\n")
    c.cmd(b"RCPT TO:<alice@corp.example>\r\n")
    r = c.cmd(b"DATA\r\n")
    if not r.startswith(b"354"):
        raise RuntimeError("DATA answered %r" % r)
    return c.cmd(BODY + b".\r\n").startswith(b"250")


def throughput(sport, conns, per):
    ok, errors = [0], []

    def worker():
        try:
            c = Conn(sport)
            c.reply()
            c.cmd(b"EHLO bench.example\r\n")
            n = sum(send_one(c) for _ in range(per))
            c.cmd(b"QUIT\r\n")
            c.s.close()
            ok[0] += n
        except Exception as e:  # counted as errors below
            errors.append(str(e))

    ts = [threading.Thread(target=worker) for _ in range(conns)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return ok[0], time.monotonic() - t0, errors


def pop_stat(port):
    p = Conn(port)
    p.reply()
    p.cmd(b"USER CORP\\alice\\alice\r\n")
    r = p.cmd(b"PASS Passw0rd\r\n")
    if not r.startswith(b"+OK"):
        raise RuntimeError("POP3 logon: %r" % r)
    n = int(p.cmd(b"STAT\r\n").split()[1])
    p.cmd(b"QUIT\r\n")
    p.s.close()
    return n


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    ntlab = os.path.join(build, "ntlab")
    conns = int(os.environ.get("SMTP_CONNS", "32"))
    per = int(os.environ.get("SMTP_PER_CONN", "25"))
    runs = int(os.environ.get("SMTP_LATENCY_RUNS", "20"))
    tmp = tempfile.mkdtemp(prefix="ntlab-smtpbench-")
    lab = os.path.join(tmp, "lab")
    fails = []
    try:
        subprocess.run([ntlab, "init", lab, "--preset", "q189732"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([ntlab, "-C", lab, "ntrights", "+r", "SeTcbPrivilege", "-u",
                        "CORP\\EXCHSVC", "-m", "\\\\EXCHSRV"], check=True,
                       stdout=subprocess.DEVNULL)
        port, sport = free_port(), free_port()
        subprocess.run([ntlab, "-C", lab, "up", "--listen", "127.0.0.1:%d" % port,
                        "--listen-smtp", "127.0.0.1:%d" % sport], check=True,
                       stdout=subprocess.DEVNULL)
        n, secs, errors = throughput(sport, conns, per)
        if errors or n != conns * per:
            fails.append("throughput: %d of %d accepted, errors: %s" % (
                n, conns * per, "; ".join(errors[:3])))
        rate = n / secs if secs else 0.0
        lat = []
        c = Conn(sport)
        c.reply()
        c.cmd(b"EHLO bench.example\r\n")
        for _ in range(runs):
            before = pop_stat(port)
            if not send_one(c):
                fails.append("latency: a message was not accepted")
                break
            t0 = time.monotonic()
            after = pop_stat(port)
            lat.append((time.monotonic() - t0) * 1000)
            if after != before + 1:
                fails.append("latency: STAT %d after the 250, wanted %d" % (after, before + 1))
                break
        c.cmd(b"QUIT\r\n")
        subprocess.run([ntlab, "-C", lab, "down"], stdout=subprocess.DEVNULL)
        med = statistics.median(lat) if lat else None
        print("smtp: %d messages of %d octets over %d connections in %.2f s: %.0f messages/s"
              % (n, len(BODY), conns, secs, rate))
        print("smtp: SMTP 250 -> POP3 STAT on a new session counts it: median %s ms (%d runs)"
              % ("%.2f" % med if med is not None else "-", len(lat)))
        print("smtp: no peer measured (Postfix smtp-sink / Dovecot LMTP not set up)")
        out = os.path.join(build, "bench")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "smtp.json"), "w") as f:
            json.dump({"messages": n, "octets": len(BODY), "connections": conns,
                       "seconds": secs, "messages_per_s": rate,
                       "smtp250_to_pop3_stat_ms_median": med, "peer": None}, f, indent=1)
    except (subprocess.CalledProcessError, OSError, RuntimeError, EOFError) as e:
        fails.append(str(e))
        subprocess.run([ntlab, "-C", lab, "down"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("smtp bench: FAILED: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
