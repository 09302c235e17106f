"""Free TCP ports for the tests that start daemons: one place for all of them
(tests/cli, tests/e2e, tests/crash, tests/load, tests/bench, tests/console,
tests/wine; vmimages/check.sh retries QEMU on a taken port instead).

Why not bind(("127.0.0.1", 0)): the kernel hands such a port out of
ip_local_port_range. That is the range it also takes the source port of
every outgoing connect() from, and bind(0) may give the same port to two
calls in a row. A daemon started on it a moment later can then find it
taken. CI saw exactly that once: "listen on 127.0.0.1:59565: Address
already in use".

Here a port comes from below ip_local_port_range, where the kernel never
picks one by itself. Each port is checked free with bind() before it is
handed out. Ports already given out are never given again: within one
process, and across the processes of one test when they share a record
file (the shell helpers pass $NTLAB_PORTS, which tests/cli/run.sh and
tests/e2e/run.sh make per test).

Command line: python3 freeport.py [--run N] [RECORD-FILE]
prints one port, or with --run the first of N consecutive free ports."""
import random
import socket
import sys

_given = set()
SPAN = 12000  # ports drawn from [low - SPAN, low) below the ephemeral range


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; other systems: still a sane floor


def _bindable(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _recorded(path):
    if not path:
        return set()
    try:
        with open(path) as fh:
            return {int(x) for x in fh.read().split()}
    except FileNotFoundError:
        return set()


def free_run(n, host="127.0.0.1", record=None):
    """The first of n consecutive ports that all bind on host now, none
    given before (see above). Raises OSError when none of 200 draws was
    free."""
    low = _ephemeral_low()
    lo, hi = max(1025, low - SPAN), low - n
    if hi <= lo:
        raise OSError("freeport: no room below ip_local_port_range (%d)" % low)
    taken = _given | _recorded(record)
    for _ in range(200):
        base = random.randint(lo, hi)
        run = range(base, base + n)
        if any(p in taken for p in run) or not all(_bindable(host, p) for p in run):
            continue
        _given.update(run)
        if record:
            with open(record, "a") as fh:
                fh.write("".join("%d\n" % p for p in run))
        return base
    raise OSError("freeport: no %d free consecutive ports on %s in 200 draws" % (n, host))


def free_port(host="127.0.0.1", record=None):
    """One port that binds on host now, never given before (see above)."""
    return free_run(1, host, record)


if __name__ == "__main__":
    args = sys.argv[1:]
    n = 1
    if args[:1] == ["--run"]:
        n = int(args[1])
        args = args[2:]
    print(free_run(n, record=args[0] if args else None))
