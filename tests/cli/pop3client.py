#!/usr/bin/env python3
"""A tiny POP3 test client for tests/cli: sends the lines of a script and
writes every byte the server answered to stdout, unchanged.

usage: pop3client.py PORT [--host H] [--no-banner] [--hold SECONDS] < script

Script lines are sent with CRLF; \\xNN in a line is the byte NN (e.g. a
NUL), any other backslash is sent as is. After each line the client reads the reply: one line, or up to
the terminating ".\\r\\n" for a positive reply to a multi-line command (LIST,
UIDL without argument, RETR, TOP, CAPA, AUTH without argument). At the end of
the script the connection is closed without QUIT unless the script sent it
(a dropped connection). --hold keeps it open that long first (for in-use
tests). Exit status: 0, or 3 when the server closed the connection before
sending anything (a refused session), 4 on a timeout.
"""
import re
import socket
import sys
import time

TIMEOUT = 10.0


def read_line(f):
    line = f.readline()
    if not line:
        raise EOFError
    return line


def multi(cmd):
    parts = cmd.split()
    if not parts:
        return False
    word = parts[0].upper()
    if word in ("RETR", "TOP", "CAPA"):
        return True
    if word in ("LIST", "UIDL", "AUTH"):
        return len(parts) == 1
    return False


def main():
    args = sys.argv[1:]
    host, banner, hold = "127.0.0.1", True, 0.0
    port = None
    while args:
        a = args.pop(0)
        if a == "--host":
            host = args.pop(0)
        elif a == "--no-banner":
            banner = False
        elif a == "--hold":
            hold = float(args.pop(0))
        else:
            port = int(a)
    out = sys.stdout.buffer
    try:
        s = socket.create_connection((host, port), timeout=TIMEOUT)
    except ConnectionRefusedError:
        sys.stderr.write("connection refused\n")
        return 3
    f = s.makefile("rb")
    try:
        if banner:
            out.write(read_line(f))
        for raw in sys.stdin.read().splitlines():
            # only \xNN is an escape: "CORP\alice" stays as written
            line = re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]),
                          raw.encode("latin-1"))
            s.sendall(line + b"\r\n")
            first = read_line(f)
            out.write(first)
            if first.startswith(b"+") and multi(raw):
                while True:
                    ln = read_line(f)
                    out.write(ln)
                    if ln == b".\r\n":
                        break
            if raw.upper().startswith("QUIT"):
                break
        out.flush()
        if hold:
            time.sleep(hold)
    except EOFError:
        out.flush()
        return 3
    except socket.timeout:
        out.flush()
        sys.stderr.write("timeout\n")
        return 4
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
