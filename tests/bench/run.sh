#!/bin/bash
# The POP3 benchmark of issue 7: ntlab's daemon and Dovecot serve the same
# users and the same messages; pop3load (tests/bench/pop3load.c) measures
# them alternately, round after round, and a trivial stub server and a raw
# loopback transfer show the ceilings of the generator and of the machine.
# Prints a table of medians (metric, ntlab, Dovecot, ratio), ntlab's scaling
# rows, and writes BUILD/bench/summary.json.
#
# It never fails on a slow figure. It fails (exit 1, with the reason) when
# a peer cannot be set up or does not start, when a figure is missing
# (null: its runs failed), or when a run saw errors (a refused or broken
# session, a logged-on idle session not held); each is named at the end.
#
# Usage: tests/bench/run.sh [BUILD_DIR]          (`make bench` calls it)
# Environment: BENCH_ROUNDS (3), BENCH_SECS (3, per logins run),
#   BENCH_IDLE (10000 logged-on idle sessions on ntlab; fewer when the
#   daemon's descriptor limit cannot hold them, said so), BENCH_DOVECOT_IDLE
#   (300: Dovecot forks a process per logged-on session, ~30/s), BENCH_BIG
#   (100000: the largest maildrop of the STAT/LIST/UIDL rows), BENCH_MSGS
#   (1000 messages of 100 KB in the RETR maildrop), BENCH_OUT (BUILD/bench),
#   BENCH_SMOKE=1 (make bench-smoke, in make test: one round of 1 s runs,
#   small counts, idle sessions held 1 s instead of 10, output in
#   BUILD/bench-smoke; every figure must still be there), KEEP=1 keeps the temporary directory, BENCH_ONLY=dovecot skips
#   ntlab (to check the harness on a tree whose daemon does not build).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$ROOT/build}" && pwd) || exit 1
NTLAB=$B/ntlab
PL=$B/bench/pop3load
SMOKE=${BENCH_SMOKE:-}
if [ -n "$SMOKE" ]; then
    OUT=${BENCH_OUT:-$B/bench-smoke}
    ROUNDS=${BENCH_ROUNDS:-1} SECS=${BENCH_SECS:-1} IDLE_N=${BENCH_IDLE:-300}
    DV_IDLE_N=${BENCH_DOVECOT_IDLE:-20} BIG=${BENCH_BIG:-2000} MSGS=${BENCH_MSGS:-200} HOLD=1
else
    OUT=${BENCH_OUT:-$B/bench}
    ROUNDS=${BENCH_ROUNDS:-3} SECS=${BENCH_SECS:-3} IDLE_N=${BENCH_IDLE:-10000}
    DV_IDLE_N=${BENCH_DOVECOT_IDLE:-300} BIG=${BENCH_BIG:-100000} MSGS=${BENCH_MSGS:-1000} HOLD=10
fi
mkdir -p "$OUT" || exit 1
ONLY=${BENCH_ONLY:-}
LUSERS=128                 # login users user0001.., one per connection
SIZE=102400                # the RETR maildrop: MSGS messages of 100 KB
SMALL_MSGS=10 SMALL_SIZE=2048
SVC_PASS='Exch.Svc.2345'

T=$(mktemp -d /tmp/ntlab-bench.XXXXXX) || exit 1
chmod 755 "$T" # Dovecot's mail processes run as nobody and must reach it
# The Maildirs of both servers live in RAM (tmpfs) when it can be had: the
# page cache would hold them anyway, and creating and deleting 100,000+
# files on a shared, discard-mounted disk took minutes here. The lab's own
# state (SAM, policy, event logs) stays on disk, where its writes cost
# what they cost.
MT=$(mktemp -d /dev/shm/ntlab-bench-mail.XXXXXX 2>/dev/null) || MT=$T/mailroot
mkdir -p "$MT" && chmod 755 "$MT"
RES=$T/results.txt
: >"$RES"
PIDS=""

T0=$(date +%s)
say() { printf '%s\n' "$*" | sed "1s/^bench:/bench [$(($(date +%s) - T0)) s]:/" >&2; }
fail() {
    say "bench: $*"
    exit 1
}

# Stops one process we started, by its PID: TERM, then KILL after 10 s.
stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    (sleep 10 && kill -KILL "$pid" 2>/dev/null) &
    local dog=$!
    wait "$pid" 2>/dev/null
    kill "$dog" 2>/dev/null
    wait "$dog" 2>/dev/null
    PIDS=$(printf '%s\n' $PIDS | grep -vx "$pid" | tr '\n' ' ')
}
cleanup() {
    for p in $PIDS; do stop_pid "$p"; done
    if [ -n "${KEEP:-}" ]; then say "bench: kept $T and $MT"; else rm -rf "$T" "$MT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$PL" ] || fail "$PL is missing (make bench builds it)"
[ -n "$ONLY" ] || [ -x "$NTLAB" ] || fail "$NTLAB is missing (make bench builds it)"
command -v dovecot >/dev/null || fail "dovecot is not installed (.ci/deps bench installs dovecot-core dovecot-pop3d)"
# 10,000 sessions need 10,000 descriptors in the server and in the client;
# a sandbox may refuse to raise the hard limit (then the soft one rises to it)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

# A free TCP port below the ephemeral range (so that no client socket of
# the benchmark can hold it): not listening according to /proc/net/tcp.
port_listening() {
    awk -v p="$(printf '%04X' "$1")" '$4 == "0A" && substr($2, index($2, ":") + 1) == p { f = 1 }
        END { exit !f }' /proc/net/tcp
}
pick_port() {
    local p i
    for i in $(seq 200); do
        p=$((20000 + RANDOM % 12000))
        case " $USED_PORTS " in *" $p "*) continue ;; esac
        port_listening "$p" || { USED_PORTS="$USED_PORTS $p"; echo "$p"; return 0; }
    done
    fail "no free port found"
}
USED_PORTS=""

# Waits until a POP3 banner comes from port (10 s), or the process died.
wait_ready() {
    local pid=$1 port=$2 i
    for i in $(seq 100); do
        "$PL" probe --port "$port" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# run_pl SERVER TEST ARGS...: one pop3load run; its key=value line goes to
# the results with server= and test= in front. A failed run is reported
# and recorded as error=1: the figure is missing, the benchmark goes on
# (and fails at the end). pop3load's first error is kept in $T/pl.err.
run_pl() {
    local server=$1 test=$2 out
    shift 2
    if out=$("$PL" "$@" 2>"$T/pl.err"); then
        echo "server=$server test=$test $out" >>"$RES"
        [ -s "$T/pl.err" ] && sed 's/^/    /' "$T/pl.err" >&2
        grep -q "first: " "$T/pl.err" &&
            echo "server=$server test=$test $(sed -n 's/.*first: //p' "$T/pl.err" | head -1)" >>"$T/first_errors"
    else
        say "    $server $test: pop3load failed: $(tail -3 "$T/pl.err" | tr '\n' ' ')"
        echo "server=$server test=$test error=1" >>"$RES"
    fi
    return 0
}

# med SERVER TEST KEY: median of KEY over the rounds, or null.
med() {
    awk -v s="server=$1" -v t="test=$2" -v k="$3=" '$1 == s && $2 == t {
            for (i = 3; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$RES" |
        sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "null" }'
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null" || b + 0 == 0) print "n/a";
        else printf "%.2f\n", a / b }'
}
num() { [ "$1" = null ] && echo null || awk -v v="$1" 'BEGIN { printf "%.3f\n", v }'; }
rnum() { r=$(ratio "$1" "$2"); [ "$r" = n/a ] && echo null || echo "$r"; }

# ------------------------------------------------------------- the data
# Users: user0001..user0128 (password pass0001..), 10 messages of 2 KB
# each; bulk/bulkpass with the 1,000 x 100 KB RETR maildrop; idle0001..
# (password pass0001..) with empty maildrops for the idle sessions.

PORT_STUB=$(pick_port)
PORT_DV=$(pick_port)
PORT_DVD=$(pick_port)
PORT_N=$(pick_port)

say "bench: preparing Dovecot's users and Maildirs in $T/dovecot"
DV=$T/dovecot
mkdir -p "$DV" "$MT/dovecot" || fail "cannot create $DV"
ln -s "$MT/dovecot" "$DV/mail" || fail "cannot link $DV/mail"
{
    for i in $(seq -f %04g 1 $LUSERS); do echo "user$i:{PLAIN}pass$i"; done
    echo "bulk:{PLAIN}bulkpass"
    for i in $(seq -f %04g 1 "$DV_IDLE_N"); do echo "idle$i:{PLAIN}pass$i"; done
} >"$DV/passwd"
for i in $(seq -f %04g 1 $LUSERS); do
    "$PL" mkmaildir "$DV/mail/user$i" --count $SMALL_MSGS --size $SMALL_SIZE || fail "mkmaildir failed"
done
"$PL" mkmaildir "$DV/mail/bulk" --count $MSGS --size $SIZE || fail "mkmaildir failed"
chown -R nobody:nogroup "$MT/dovecot" || fail "cannot chown $MT/dovecot to nobody"

# dovecot_conf DIR PORT hp|default: a configuration of its own, 127.0.0.1
# only, no TLS, plain passwords, Maildirs owned by nobody. "hp" adds the
# high-performance settings of Dovecot's documentation: login processes
# serving many clients (service_count = 0, client_limit high, one per core
# kept ready), pop3 processes reused (service_count = 0) with a high
# process_limit, and the cheaper Maildir syncs. "default" keeps Debian's
# defaults: a new login process and a new pop3 process per session.
dovecot_conf() {
    local dir=$1 port=$2 mode=$3
    mkdir -p "$dir/run" "$dir/state"
    cat >"$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_location = maildir:$DV/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN $DV/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DV/mail/%u
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $port
  }
  inet_listener pop3s {
    port = 0
  }
EOF
    if [ "$mode" = hp ]; then
        cat >>"$dir/dovecot.conf" <<EOF
  service_count = 0
  client_limit = 10000
  process_min_avail = 2
  process_limit = 4
  vsz_limit = 1G
}
service auth {
  client_limit = 10100
}
service pop3 {
  service_count = 0
  process_limit = 10000
}
default_process_limit = 10000
default_client_limit = 10000
maildir_very_dirty_syncs = yes
EOF
    else
        echo "}" >>"$dir/dovecot.conf"
    fi
}

# start_dovecot NAME PORT MODE: starts it in the foreground of a background
# job, so that $! is the master's PID; sets DPID.
start_dovecot() {
    local port=$2 mode=$3 dir=$T/$1
    dovecot_conf "$dir" "$port" "$mode"
    dovecot -c "$dir/dovecot.conf" -F >"$dir/stdout.log" 2>&1 &
    DPID=$!
    PIDS="$PIDS $DPID"
    wait_ready "$DPID" "$port" ||
        fail "Dovecot ($mode) did not start on 127.0.0.1:$port: $(tail -5 "$dir/stdout.log" "$dir/dovecot.log" 2>/dev/null | tr '\n' ' ')"
}

# ------------------------------------------------------------- ntlab lab
# The same users and messages in an ntlab lab: a standalone NT 4.0 server
# with the rfc1939 persona, the Exchange store (msexchangeis) running as a
# service account that holds SeTcbPrivilege, one mailbox per user.
LAB=$T/lab
M=BENCH
nt() {
    "$NTLAB" -C "$LAB" "$@" >>"$T/lab.log" 2>&1 ||
        fail "ntlab $*: $(tail -3 "$T/lab.log" | tr '\n' ' ')"
}

setup_ntlab() {
    say "bench: building the ntlab lab in $LAB"
    "$NTLAB" init "$LAB" >>"$T/lab.log" 2>&1 || fail "ntlab init: $(tail -3 "$T/lab.log" | tr '\n' ' ')"
    # (the lab's first machine stays without a store: BENCH gets the persona)
    # rfc1939 plus AUTH NTLM (issue 17's logins row); nothing else differs
    mkdir -p "$LAB/personas" &&
        printf 'persona 1\ninherit rfc1939\nsasl PLAIN NTLM\n' >"$LAB/personas/bench.persona" ||
        fail "cannot write $LAB/personas/bench.persona"
    nt machine add $M --role standalone --os nt4 --persona bench
    mkdir -p "$MT/ntlab" && rmdir "$LAB/$M/mail" 2>/dev/null
    ln -s "$MT/ntlab" "$LAB/$M/mail" || fail "cannot link $LAB/$M/mail to $MT/ntlab"
    # The daemon runs on wall time while the accounts are made on the lab's
    # virtual clock, years earlier: passwords must not expire in between.
    nt policy set MaximumPasswordAge=0 --focus "\\\\$M"
    nt user add exchsvc --password "$SVC_PASS" --machine $M
    nt ntrights +r SeTcbPrivilege -u exchsvc -m "\\\\$M"
    nt ntrights +r SeServiceLogonRight -u exchsvc -m "\\\\$M"
    nt service add MSExchangeIS --image msexchangeis --account '.\exchsvc' --password "$SVC_PASS" \
        --start auto --machine $M
    local i n
    nt user add bulk --password bulkpass --machine $M
    nt mailbox add bulk --owner "$M\\bulk" --machine $M
    for n in 10 1000 "$BIG"; do
        nt user add "md$n" --password "pass$n" --machine $M
        nt mailbox add "md$n" --owner "$M\\md$n" --machine $M
    done
    # the login and idle users through the library in one go (pop3lab.c
    # says why), with the same calls as 'user add' and 'mailbox add'
    "$B/bench/pop3lab" "$LAB" --machine $M --users user --count $LUSERS >>"$T/lab.log" 2>&1 ||
        fail "pop3lab (the login users): $(tail -3 "$T/lab.log" | tr '\n' ' ')"
    "$B/bench/pop3lab" "$LAB" --machine $M --users idle --count "$IDLE_N" >>"$T/lab.log" 2>&1 ||
        fail "pop3lab (the idle users): $(tail -3 "$T/lab.log" | tr '\n' ' ')"
    MDIR=$LAB/$M/mail
    [ -d "$MDIR/bulk/cur" ] || fail "no Maildir $MDIR/bulk made by 'ntlab mailbox add'"
    for i in $(seq -f %04g 1 $LUSERS); do
        "$PL" mkmaildir "$MDIR/user$i" --count $SMALL_MSGS --size $SMALL_SIZE || fail "mkmaildir failed"
    done
    "$PL" mkmaildir "$MDIR/bulk" --count $MSGS --size $SIZE || fail "mkmaildir failed"
    for n in 10 1000 "$BIG"; do
        "$PL" mkmaildir "$MDIR/md$n" --count "$n" --size 300 || fail "mkmaildir failed"
    done
}

# The bench configures the server it measures: no per-address rate limit
# (every session comes from 127.0.0.1; loopback is exempt by default
# anyway, but a figure must not depend on that default).
start_ntlab() {
    "$NTLAB" -C "$LAB" up --listen "$M=127.0.0.1:$PORT_N" --foreground --max-conn-rate 0 \
        >"$T/ntlab.log" 2>&1 &
    NPID=$!
    PIDS="$PIDS $NPID"
    wait_ready "$NPID" "$PORT_N" ||
        fail "ntlab up did not start on 127.0.0.1:$PORT_N: $(tail -5 "$T/ntlab.log" | tr '\n' ' ')"
}

# ------------------------------------------------------------- the runs
logins() { # SERVER PORT CONNS [TEST]
    run_pl "$1" "${4:-logins$3}" logins --port "$2" --conns "$3" --secs "$SECS" \
        --user user --pass pass --users $LUSERS
}
ntlm_logins() { # SERVER PORT CONNS TEST: AUTH NTLM (NTLMv2) instead of USER/PASS
    run_pl "$1" "$4" logins --port "$2" --conns "$3" --secs "$SECS" \
        --user user --pass pass --users $LUSERS --auth ntlm --domain $M
}
# The store's credentials cache (KB Q166620) on or off: exchange.conf's
# size, then a restart of the store through the daemon (a new, empty cache).
credcache_size() { # SIZE
    printf 'persona = bench\nCredentials Cache Size = %s\n' "$1" >"$LAB/$M/exchange.conf" ||
        fail "cannot write $LAB/$M/exchange.conf"
    nt service restart MSExchangeIS --machine $M
}
retrs() { # SERVER PORT
    run_pl "$1" retr1 retr --port "$2" --user bulk --pass bulkpass --size $SIZE --pipeline 1
    run_pl "$1" retrp retr --port "$2" --user bulk --pass bulkpass --size $SIZE --pipeline $MSGS
}

t_start=$(date +%s)
if [ -z "$ONLY" ]; then
    setup_ntlab
    start_ntlab
    say "bench: ntlab serving on 127.0.0.1:$PORT_N (pid $NPID): $("$PL" probe --port "$PORT_N")"
fi
start_dovecot dovecot-hp "$PORT_DV" hp
DV_PID=$DPID
say "bench: Dovecot (high-performance) on 127.0.0.1:$PORT_DV (pid $DV_PID)"
"$PL" stub --port "$PORT_STUB" --count $MSGS --size $SIZE 2>"$T/stub.log" &
STUB_PID=$!
PIDS="$PIDS $STUB_PID"
wait_ready "$STUB_PID" "$PORT_STUB" || fail "the pop3load stub did not start: $(cat "$T/stub.log")"

# Warm-up (not counted): the first pass builds Dovecot's indexes and
# brings both servers' files into the page cache.
run_pl warmup dv retr --port "$PORT_DV" --user bulk --pass bulkpass --size $SIZE --pipeline $MSGS
[ -z "$ONLY" ] && run_pl warmup nt retr --port "$PORT_N" --user bulk --pass bulkpass --size $SIZE --pipeline $MSGS

for r in $(seq "$ROUNDS"); do
    say "bench: round $r of $ROUNDS"
    [ -z "$ONLY" ] && { logins ntlab "$PORT_N" 32; retrs ntlab "$PORT_N"; }
    if [ -z "$ONLY" ]; then # issue 17: NTLM beside USER/PASS, the cache on and off
        ntlm_logins ntlab "$PORT_N" 32 ntlm32
        credcache_size 0
        logins ntlab "$PORT_N" 32 logins32nocache
        ntlm_logins ntlab "$PORT_N" 32 ntlm32nocache
        credcache_size 256
    fi
    logins dovecot "$PORT_DV" 32
    retrs dovecot "$PORT_DV"
    start_dovecot dovecot-default "$PORT_DVD" default
    logins dovecot-default "$PORT_DVD" 32
    stop_pid "$DPID"
    logins stub "$PORT_STUB" 32
    retrs stub "$PORT_STUB"
    run_pl loopback retrp loopback --bytes $((MSGS * SIZE))
done

say "bench: scaling and idle runs"
if [ -z "$ONLY" ]; then
    for c in 1 8 128; do logins ntlab "$PORT_N" "$c"; done
    for n in 10 1000 "$BIG"; do
        run_pl ntlab "md$n" cmdtime --port "$PORT_N" --user "md$n" --pass "pass$n" --reps 5
    done
fi
stop_pid "$STUB_PID"
# Idle sessions on freshly started servers, so that the memory they add is
# measured from the server's own baseline rather than from a heap that
# earlier runs have grown.
stop_pid "$DV_PID"
start_dovecot dovecot-hp "$PORT_DV" hp
run_pl dovecot idle idle --port "$PORT_DV" --sessions "$DV_IDLE_N" --login --user idle --pass pass \
    --users "$DV_IDLE_N" --pid "$DPID" --hold $HOLD
stop_pid "$DPID"
IDLE_ASK=$IDLE_N IDLE_WHY=""
if [ -z "$ONLY" ]; then
    stop_pid "$NPID"
    start_ntlab
    # As many as the daemon says it can hold logged on (its descriptor
    # limit: a socket and a maildrop lock each), and pop3load too.
    fit=$(sed -n 's/.*descriptor limit: \([0-9]*\);.* \([0-9]*\) logged on.*/\1 \2/p' "$T/ntlab.log" | head -1)
    if [ -n "$fit" ] && [ "${fit#* }" -lt "$IDLE_ASK" ]; then
        IDLE_ASK=${fit#* }
        IDLE_WHY="the daemon's descriptor limit ${fit% *} (hard limit here) holds $IDLE_ASK logged-on sessions"
    fi
    hn=$(ulimit -Hn)
    if [ "$hn" != unlimited ] && [ $((hn - 64)) -lt "$IDLE_ASK" ]; then
        IDLE_ASK=$((hn - 64))
        IDLE_WHY="pop3load's descriptor limit $hn holds $IDLE_ASK sessions"
    fi
    [ -n "$IDLE_WHY" ] && say "bench: idle: asking $IDLE_ASK of $IDLE_N sessions: $IDLE_WHY"
    run_pl ntlab idle idle --port "$PORT_N" --sessions "$IDLE_ASK" --login --user idle --pass pass \
        --users "$IDLE_ASK" --pid "$NPID" --hold $HOLD
    stop_pid "$NPID"
    # what stopped it, if anything: pop3load's first error, the daemon's refusals
    IDLE_STOP=$(awk '$1 == "server=ntlab" && $2 == "test=idle" { $1 = $2 = ""; print substr($0, 3) }' \
        "$T/first_errors" 2>/dev/null | head -1)
    nref=$(grep -c 'refused' "$T/ntlab.log")
    [ "$nref" -gt 0 ] && IDLE_STOP="${IDLE_STOP:+$IDLE_STOP; }the daemon refused $nref: $(grep 'refused' "$T/ntlab.log" | tail -1 | sed 's/.*\]: //')"
    say "bench: ntlab idle: $(med ntlab idle held) of $IDLE_ASK logged-on sessions held (asked $IDLE_N${IDLE_WHY:+; $IDLE_WHY})${IDLE_STOP:+; stopped by: $IDLE_STOP}"
fi

# The founding scenario in process, and a reboot: from the benchmarks that
# own them when they ran (make bench keeps their output), else timed here.
SCEN_MS=null
SCEN_SRC="ntlab run q189732.scn, whole process"
if [ -z "$ONLY" ] && [ -f "$ROOT/tests/scenarios/q189732.scn" ]; then
    for _ in 1 2 3 4 5; do
        s=$(date +%s%N)
        "$NTLAB" run "$ROOT/tests/scenarios/q189732.scn" >"$T/scn.log" 2>&1 || { s=; break; }
        echo $((($(date +%s%N) - s) / 1000))
    done | sort -n | awk '{ a[NR] = $1 } END { if (NR == 5) printf "%.3f\n", a[3] / 1000 }' >"$T/scn.ms"
    [ -s "$T/scn.ms" ] && SCEN_MS=$(cat "$T/scn.ms")
fi
REBOOT_MS=null
# reboot_bench prints "... 10000 accounts: X ms per reboot (median Y, ...)":
# its first median (services as LocalSystem), unless it names reboot_ms=.
[ -f "$OUT/reboot_bench.out" ] && REBOOT_MS=$(awk '
    { for (i = 1; i <= NF; i++) if ($i ~ /^reboot_ms=[0-9.]+$/) { sub(/^reboot_ms=/, "", $i); if (v == "") v = $i } }
    /ms per reboot/ && m == "" && match($0, /median [0-9.]+/) { m = substr($0, RSTART + 7, RLENGTH - 7) }
    END { print v != "" ? v : m != "" ? m : "null" }' "$OUT/reboot_bench.out")
# scenario_bench owns the in-process figure: its scenario_ms=N, else the
# first "median N ms" it prints (the in-process run of q189732.scn).
[ -f "$OUT/scenario_bench.out" ] && SCEN_SRC="scenario_bench, in process" && SCEN_MS=$(awk -v d="$SCEN_MS" '
    { for (i = 1; i <= NF; i++) if ($i ~ /^scenario_ms=[0-9.]+$/) { sub(/^scenario_ms=/, "", $i); if (v == "") v = $i } }
    m == "" && match($0, /median [0-9]+(\.[0-9]+)? ms/) { m = substr($0, RSTART + 7, RLENGTH - 10) }
    END { print v != "" ? v : m != "" ? m : d }' "$OUT/scenario_bench.out")

# ------------------------------------------------------------- report
NL=$(med ntlab logins32 sessions_per_s) DL=$(med dovecot logins32 sessions_per_s)
DDL=$(med dovecot-default logins32 sessions_per_s) SL=$(med stub logins32 sessions_per_s)
NR1=$(med ntlab retr1 mb_s) DR1=$(med dovecot retr1 mb_s) SR1=$(med stub retr1 mb_s)
NRP=$(med ntlab retrp mb_s) DRP=$(med dovecot retrp mb_s) SRP=$(med stub retrp mb_s)
LB=$(med loopback retrp mb_s)
NIH=$(med ntlab idle survivors) NIK=$(med ntlab idle rss_per_session_kib)
NIT=$(med ntlab idle rss_held_kib)
DIH=$(med dovecot idle survivors) DIK=$(med dovecot idle pss_per_session_kib)

NNL=$(med ntlab ntlm32 sessions_per_s) NNLNC=$(med ntlab ntlm32nocache sessions_per_s)
NLNC=$(med ntlab logins32nocache sessions_per_s)
row() { printf '%-44s %12s %12s %8s\n' "$1" "$2" "$3" "$4"; }
{
    echo
    echo "POP3 benchmark: medians of $ROUNDS rounds, ntlab vs Dovecot $(dovecot --version | cut -d' ' -f1) (high-performance configuration)"
    row metric ntlab dovecot ratio
    row "logins/s, 32 connections" "$NL" "$DL" "$(ratio "$NL" "$DL")"
    row "  p50 / p99 ms, connect to QUIT reply" "$(med ntlab logins32 p50_ms)/$(med ntlab logins32 p99_ms)" \
        "$(med dovecot logins32 p50_ms)/$(med dovecot logins32 p99_ms)" ""
    row "logins/s, 32 conns, Dovecot Debian default" "$NL" "$DDL" "$(ratio "$NL" "$DDL")"
    row "logins/s / pop3load's stub ceiling ($SL/s)" "$(ratio "$NL" "$SL")" "$(ratio "$DL" "$SL")" ""
    row "RETR MB/s, one at a time" "$NR1" "$DR1" "$(ratio "$NR1" "$DR1")"
    row "RETR MB/s, pipelined" "$NRP" "$DRP" "$(ratio "$NRP" "$DRP")"
    row "RETR pipelined / raw loopback ($LB MB/s)" "$(ratio "$NRP" "$LB")" "$(ratio "$DRP" "$LB")" ""
    row "idle logged-on sessions held (asked)" "$NIH ($IDLE_ASK)" "$DIH ($DV_IDLE_N)" ""
    row "  server memory KiB per session" "$NIK rss" "$DIK pss" "$(ratio "$NIK" "$DIK")"
    echo
    echo "ntlab logons/s at 32 connections (issue 17): USER/PASS and AUTH NTLM (NTLMv2), credentials cache (KB Q166620) on and off"
    row "USER/PASS, cache on (256 buckets)" "$NL" "" ""
    row "USER/PASS, cache off (size 0)" "$NLNC" "" "$(ratio "$NL" "$NLNC")"
    row "AUTH NTLM, cache on (NTLM is never cached)" "$NNL" "" "$(ratio "$NNL" "$NL")"
    row "AUTH NTLM, cache off" "$NNLNC" "" "$(ratio "$NNLNC" "$NLNC")"
    echo "ceilings: raw loopback $LB MB/s; pop3load vs its trivial stub: $SL logins/s, RETR $SR1 MB/s one at a time, $SRP MB/s pipelined"
    [ "$IDLE_ASK" != "$IDLE_N" ] && echo "idle: $IDLE_N sessions wanted, $IDLE_ASK asked: $IDLE_WHY"
    [ -n "${IDLE_STOP:-}" ] && echo "idle: ntlab held $NIH of $IDLE_ASK; stopped by: $IDLE_STOP"
    echo
    echo "ntlab scaling"
    for c in 1 8 32 128; do
        row "logins/s, $c connections" "$(med ntlab logins$c sessions_per_s)" "" ""
    done
    echo "maildrop of N messages: ms for logon (PASS, the scan) / STAT / LIST / UIDL, and LIST, UIDL per 1,000 messages"
    for n in 10 1000 "$BIG"; do
        l=$(med ntlab md$n list_ms) u=$(med ntlab md$n uidl_ms)
        row "  $n messages" "$(med ntlab md$n login_ms)/$(med ntlab md$n stat_ms)/$l/$u" \
            "$(awk -v l="$l" -v u="$u" -v n="$n" 'BEGIN { if (l == "null" || n < 1000) print ""; else printf "%.3f/%.3f\n", l * 1000 / n, u * 1000 / n }')" ""
    done
    row "founding scenario ms ($SCEN_SRC)" "$SCEN_MS" "" ""
    row "reboot ms, 10,000 accounts (reboot_bench)" "$REBOOT_MS" "" ""
    for f in lsa_bench reboot_bench; do
        [ -f "$OUT/$f.out" ] && { echo "$f:"; sed 's/^/  /' "$OUT/$f.out"; }
    done
    echo "($(($(date +%s) - t_start)) s; $(nproc) cores; reproduce with: make bench)"
} | tee "$OUT/summary.txt"

# lossless numbers for summary.json
LS=""
for c in 1 8 32 128; do LS="$LS\"$c\": $(num "$(med ntlab logins$c sessions_per_s)"), "; done
MS=""
for n in 10 1000 "$BIG"; do
    MS="$MS\"$n\": {\"logon\": $(num "$(med ntlab md$n login_ms)"), \"stat\": $(num "$(med ntlab md$n stat_ms)"), \"list\": $(num "$(med ntlab md$n list_ms)"), \"uidl\": $(num "$(med ntlab md$n uidl_ms)")}, "
done
cat >"$OUT/summary.json" <<EOF
{
  "rounds": $ROUNDS,
  "logins_per_s": {"connections": 32, "ntlab": $(num "$NL"), "dovecot": $(num "$DL"), "dovecot_default": $(num "$DDL"), "stub": $(num "$SL")},
  "ntlm_logins_per_s": {"connections": 32, "user_pass_cache_on": $(num "$NL"), "user_pass_cache_off": $(num "$NLNC"), "ntlm_cache_on": $(num "$NNL"), "ntlm_cache_off": $(num "$NNLNC")},
  "login_latency_ms": {"ntlab_p50": $(num "$(med ntlab logins32 p50_ms)"), "ntlab_p99": $(num "$(med ntlab logins32 p99_ms)"), "dovecot_p50": $(num "$(med dovecot logins32 p50_ms)"), "dovecot_p99": $(num "$(med dovecot logins32 p99_ms)")},
  "retr_mb_s": {"ntlab": $(num "$NRP"), "dovecot": $(num "$DRP"), "loopback": $(num "$LB"), "stub": $(num "$SRP"), "ntlab_one_at_a_time": $(num "$NR1"), "dovecot_one_at_a_time": $(num "$DR1"), "stub_one_at_a_time": $(num "$SR1")},
  "ratios": {"logins_ntlab_to_stub": $(rnum "$NL" "$SL"), "logins_ntlab_to_dovecot": $(rnum "$NL" "$DL"), "logins_dovecot_to_stub": $(rnum "$DL" "$SL"), "retr_ntlab_to_loopback": $(rnum "$NRP" "$LB"), "retr_ntlab_to_stub": $(rnum "$NRP" "$SRP"), "retr_ntlab_to_dovecot": $(rnum "$NRP" "$DRP"), "retr1_ntlab_to_stub": $(rnum "$NR1" "$SR1"), "retr1_ntlab_to_dovecot": $(rnum "$NR1" "$DR1")},
  "idle_sessions": {"wanted": $IDLE_N, "asked": $IDLE_ASK, "ntlab_held": $(num "$NIH"), "ntlab_rss_kib": $(num "$NIK"), "ntlab_rss_total_kib": $(num "$NIT"), "dovecot_asked": $DV_IDLE_N, "dovecot_held": $(num "$DIH"), "dovecot_pss_kib": $(num "$DIK")},
  "scenario_ms": $SCEN_MS,
  "reboot_ms": $REBOOT_MS,
  "scaling": {"logins_per_s": {${LS%, }}, "maildrop_ms": {${MS%, }}}
}
EOF
say "bench: wrote $OUT/summary.json and $OUT/summary.txt"

# ------------------------------------------------------------- verdict
# Never on a slow figure; always on a missing one or a run with errors.
BAD=$T/bad
: >"$BAD"
missing() { [ "$2" = null ] && echo "missing figure: $1" >>"$BAD"; return 0; }
missing "dovecot logins/s" "$DL"
missing "dovecot-default logins/s" "$DDL"
missing "stub logins/s" "$SL"
missing "dovecot RETR MB/s one at a time" "$DR1"
missing "dovecot RETR MB/s pipelined" "$DRP"
missing "stub RETR MB/s one at a time" "$SR1"
missing "stub RETR MB/s pipelined" "$SRP"
missing "raw loopback MB/s" "$LB"
missing "dovecot idle sessions held" "$DIH"
missing "dovecot idle KiB per session" "$DIK"
if [ -z "$ONLY" ]; then
    missing "ntlab logins/s, 32 connections" "$NL"
    missing "ntlab RETR MB/s one at a time" "$NR1"
    missing "ntlab AUTH NTLM logins/s, 32 connections" "$NNL"
    missing "ntlab AUTH NTLM logins/s, cache off" "$NNLNC"
    missing "ntlab USER/PASS logins/s, cache off" "$NLNC"
    missing "ntlab RETR MB/s pipelined" "$NRP"
    missing "ntlab idle sessions held" "$NIH"
    missing "ntlab idle KiB per session" "$NIK"
    for c in 1 8 128; do missing "ntlab logins/s, $c connections" "$(med ntlab logins$c sessions_per_s)"; done
    for n in 10 1000 "$BIG"; do
        for k in login stat list uidl; do missing "ntlab maildrop of $n: $k ms" "$(med ntlab md$n ${k}_ms)"; done
    done
    missing "founding scenario ms" "$SCEN_MS"
    [ -f "$OUT/reboot_bench.out" ] && missing "reboot ms (reboot_bench)" "$REBOOT_MS"
    [ "$NIH" != null ] && [ "$NIH" -lt "$IDLE_ASK" ] &&
        echo "ntlab idle: $NIH of $IDLE_ASK logged-on sessions held${IDLE_STOP:+ (stopped by: $IDLE_STOP)}" >>"$BAD"
fi
[ "$DIH" != null ] && [ "$DIH" -lt "$DV_IDLE_N" ] &&
    echo "dovecot idle: $DIH of $DV_IDLE_N logged-on sessions held" >>"$BAD"
# runs with errors: pop3load failed, or counted errors, failed or dropped sessions
awk '{ srv = substr($1, 8); t = substr($2, 6)
       for (i = 3; i <= NF; i++) {
           split($i, kv, "=")
           if (kv[1] == "error") print srv " " t ": pop3load failed"
           else if ((kv[1] == "errors" || kv[1] == "failed" || kv[1] == "dropped") && kv[2] + 0 > 0)
               print srv " " t ": " kv[2] " " kv[1] (kv[1] == "errors" ? "" : " sessions")
       } }' "$RES" | sort -u >>"$BAD"
if [ -s "$BAD" ]; then
    sed 's/^/bench: FAILED: /' "$BAD" >&2
    [ -s "$T/first_errors" ] && sed 's/^/bench:   first error of /' "$T/first_errors" >&2
    exit 1
fi
say "bench: every figure present, no run with errors"
