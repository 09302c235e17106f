"""The SMTP phase of crash.py (issue 18): `ntlab up` is SIGKILLed while an
SMTP client delivers to alice, at one of three moments:
  during  - in the middle of the message text (before the final dot):
            nothing may be delivered;
  racing  - at a random instant just after the final dot was sent, the
            reply unread: the message is absent or whole, never partial;
  after   - once the client has read the 250: the message must be there,
            whole.
"Whole" is the message byte for byte after the Received: header the IMS
puts on top. Each run starts the daemon afresh on the lab the last kill
left behind (stale pid file and socket)."""
import os
import signal
import socket
import subprocess
import time


class Smtp:
    def __init__(self, port, timeout=5):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def reply(self):
        while True:
            while b"\r\n" not in self.buf:
                d = self.s.recv(65536)
                if not d:
                    raise EOFError
                self.buf += d
            line, self.buf = self.buf.split(b"\r\n", 1)
            if line[3:4] != b"-":
                return line

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()


def body_of(data):
    """The stored message without the Received: header (and its folded lines)."""
    lines = data.split(b"\r\n")
    if not lines[0].startswith(b"Received: "):
        return None
    k = 1
    while k < len(lines) and lines[k][:1] in (b"\t", b" "):
        k += 1
    return b"\r\n".join(lines[k:])


def start(crash, nt, port, sport, log):
    p = subprocess.Popen(nt.argv("up", "--foreground", "--listen", "127.0.0.1:%d" % port,
                                 "--listen-smtp", "127.0.0.1:%d" % sport),
                         stdout=log, stderr=log, env=nt.env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise crash.up_exited(p, log)
        try:
            c = Smtp(sport, timeout=2)
            c.reply()
            c.cmd("QUIT")
            c.s.close()
            return p
        except OSError:
            time.sleep(0.005)
    p.kill()
    raise RuntimeError("ntlab up did not serve SMTP within 10 s")


def phase_smtp(exe, base, rng, runs, crash):
    """Returns (runs, during, racing, after, partial-free racing kills that
    left the message, files left in tmp/)."""
    lab = os.path.join(base, "smtp")
    nt = crash.q189732_lab(exe, lab)
    mdir = os.path.join(lab, "EXCHSRV", "mail", "alice")
    counts = {"during": 0, "racing": 0, "after": 0}
    raced_in = 0
    log = open(os.path.join(base, "smtp-up.log"), "ab")
    for i in range(runs):
        port, sport = crash.free_port(), crash.free_port()
        p = start(crash, nt, port, sport, log)
        before = crash.maildir_files(mdir)
        msg = crash.make_message(rng, i) * rng.randint(1, 30)
        mode = rng.choice(["during", "racing", "after"])
        counts[mode] += 1
        c = Smtp(sport)
        c.reply()
        c.cmd("HELO crash.test")
        c.cmd("MAIL FROM:<crash@test>")
        r = c.cmd("RCPT TO:<alice@corp.example>")
        if not r.startswith(b"250"):
            crash.fail("smtp run %d: RCPT answered %r" % (i, r))
        r = c.cmd("DATA")
        if not r.startswith(b"354"):
            crash.fail("smtp run %d: DATA answered %r" % (i, r))
        wire = msg.replace(b"\r\n.", b"\r\n..")
        if wire.startswith(b"."):
            wire = b"." + wire
        if mode == "during":
            c.s.sendall(wire[:rng.randint(0, len(wire) - 1)])
            time.sleep(rng.uniform(0, 0.01))
            p.send_signal(signal.SIGKILL)
        elif mode == "racing":
            c.s.sendall(wire + b".\r\n")
            crash.sleep_until(time.monotonic() + rng.uniform(0, 0.004))
            p.send_signal(signal.SIGKILL)
        else:
            c.s.sendall(wire + b".\r\n")
            r = c.reply()
            if not r.startswith(b"250"):
                crash.fail("smtp run %d: the final dot answered %r" % (i, r))
            p.send_signal(signal.SIGKILL)
        p.wait()
        c.s.close()
        after = crash.maildir_files(mdir)
        new = [after[u][0] for u in after if u not in before]
        for path in new:
            with open(path, "rb") as fh:
                if body_of(fh.read()) != msg:
                    crash.fail("smtp run %d (%s): %s is not the message sent" % (i, mode, path))
        if mode == "during" and new:
            crash.fail("smtp run %d: a message cut before its final dot was delivered" % i)
        if mode == "after" and len(new) != 1:
            crash.fail("smtp run %d: %d copies after the 250" % (i, len(new)))
        if mode == "racing" and len(new) > 1:
            crash.fail("smtp run %d: %d copies" % (i, len(new)))
        raced_in += mode == "racing" and len(new) == 1
    log.close()
    tmp = len(os.listdir(os.path.join(mdir, "tmp")))
    return runs, counts["during"], counts["racing"], counts["after"], raced_in, tmp
