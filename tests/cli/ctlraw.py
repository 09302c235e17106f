"""A client of the control socket that names files without sending them
(ntlab sends them: src/cli/forward.c), for the tests of what the daemon
does with a path it reads itself.
    python3 ctlraw.py LAB/ntlab.ctl WORD...
prints the exit code, then the reply's stderr (control.h wire format)."""
import socket
import struct
import sys


def s(x):
    return struct.pack(">I", len(x)) + x


args = [a.encode() for a in sys.argv[2:]]
body = struct.pack(">I", 0) + struct.pack(">I", len(args)) + b"".join(s(a) for a in args)
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
c.sendall(b"NTLC\x01" + struct.pack(">I", len(body)) + body)
c.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    data += b
rc, ol = struct.unpack(">II", data[5:13])
el = struct.unpack(">I", data[13 + ol:17 + ol])[0]
print(rc)
print(data[17 + ol:17 + ol + el].decode())
