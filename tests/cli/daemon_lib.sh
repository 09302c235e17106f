# Helpers for the tests of `ntlab up` (sourced after lib.sh): free ports, a
# daemon that is always killed by its pid when the test ends, and a POP3
# client over real TCP (pop3client.py).
POP3CLIENT=$(cd "$(dirname "$0")" && pwd)/pop3client.py
FREEPORT=$(cd "$(dirname "$0")/.." && pwd)/freeport.py
DAEMON_PIDS=""

# free_port: a port no other test's or kernel's pick can take (tests/freeport.py);
# never the same one twice in a test ($NTLAB_PORTS, from run.sh, records them)
free_port() {
    python3 "$FREEPORT" ${NTLAB_PORTS:+"$NTLAB_PORTS"}
}

kill_daemons() {
    for p in $DAEMON_PIDS; do
        kill "$p" 2>/dev/null || true
    done
    # give them a moment to finish cleanly, then make sure
    for p in $DAEMON_PIDS; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    done
}
trap kill_daemons EXIT

# start_daemon LAB ARGS...: `ntlab -C LAB up ARGS...` (it returns once serving)
start_daemon() {
    lab=$1; shift
    set +e
    up_out=$(timeout 30 "$NTLAB" -C "$lab" up "$@" 2>&1)
    rc=$?
    set -e
    [ "$rc" = 0 ] || die "ntlab up exited $rc: $up_out"
    DAEMON_PID=$(cat "$lab/ntlab.pid")
    DAEMON_PIDS="$DAEMON_PIDS $DAEMON_PID"
}

# start_foreground LAB PORT: `ntlab -C LAB up --foreground` in the background
# (stdout fg.out, stderr fg.err), returned once serving; FG_PID is its pid
start_foreground() {
    rm -f fg.out fg.err # the job truncates fg.out only once it runs
    "$NTLAB" -C "$1" up --foreground --listen "127.0.0.1:$2" > fg.out 2> fg.err &
    FG_PID=$!
    DAEMON_PIDS="$DAEMON_PIDS $FG_PID"
    i=0
    until grep -q "serving lab" fg.out 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 100 ] || die "foreground daemon did not start: $(cat fg.err)"
        sleep 0.1
    done
}

# pop PORT [client options] < script: the server's bytes on stdout
pop() {
    port=$1; shift
    timeout 30 python3 "$POP3CLIENT" "$port" "$@"
}

# expect_bytes WANT GOT: two files, byte for byte
expect_bytes() {
    cmp -s "$1" "$2" || die "bytes differ; want:
$(od -c "$1" | head -30)
got:
$(od -c "$2" | head -30)"
}

# files in a Maildir (new/ and cur/)
maildir_count() {
    find "$1/new" "$1/cur" -type f | wc -l | tr -d ' '
}

# gone PID: true once the process has exited (waits up to 5 s; a zombie
# left to a reaper counts as gone)
gone() {
    i=0
    while [ $i -lt 50 ]; do
        st=$(ps -o stat= -p "$1" 2>/dev/null || true)
        case "$st" in ""|Z*) return 0 ;; esac
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
