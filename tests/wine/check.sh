#!/bin/sh
# make check-wine: ntlab.exe under Wine against the native build.
#   tests/wine/check.sh NATIVE_NTLAB NTLAB_EXE
# 1. In a fresh Wine prefix of its own, init/rights/user/group/policy
#    commands give the same output, exit codes and files as the native
#    build (diffed; Maildir file names hold a clock and random part, which
#    is all that is normalized).
#    The whole scenario suite passes in-process under Wine.
# 2. A lab made under Windows is served by the native daemon ("and back").
# 3. Every scenario of tests/scenarios is prepared natively, served by
#    `ntlab.exe up --foreground` under Wine, and run by the native
#    `ntlab run --target` with the admin steps (reboot included) over the
#    TCP control channel; one lab uses the Windows default channel
#    (LAB/ntlab.ctl + LAB/ntlab.secret) and is stopped by `ntlab.exe down`.
# Prints "check-wine: N passed, M failed" and the figures; exits 1 on any
# failure. Wine processes are stopped with `wineserver -k` for this prefix
# only.
set -u
NATIVE=$1
EXE=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCN=$ROOT/tests/scenarios
command -v wine >/dev/null 2>&1 || { echo "check-wine: wine is not installed (.ci/deps windows)"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ntlab-wine.XXXXXX")
export WINEPREFIX="$WORK/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
export HOME="${HOME:-$WORK}" # Wine wants one
cleanup() {
    wineserver -k >/dev/null 2>&1 || true # this prefix's processes only
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
now_ms() { date +%s%3N; }
# Wine's note about 32-bit support, on every start: not ntlab's output.
unwine() {
    grep -v -x -F -e 'it looks like wine32 is missing, you should install it.' \
        -e 'multiarch needs to be enabled first.  as root, please' \
        -e 'execute "dpkg --add-architecture i386 && apt-get update &&' \
        -e 'apt-get install wine32:i386"' || true
}
free_port() { # tests/freeport.py: below the kernel's own picks, never twice
    python3 "$ROOT/tests/freeport.py" "$WORK/.ports"
}

t0=$(now_ms)
wineboot -i >"$WORK/wineboot.log" 2>&1 || { cat "$WORK/wineboot.log"; echo "check-wine: wineboot failed"; exit 1; }
t1=$(now_ms)
echo "wine prefix ready in $((t1 - t0)) ms ($(wine --version 2>/dev/null | unwine))"

# --- 0. the executable: system DLLs only, and nothing of the host's security API -----
if command -v x86_64-w64-mingw32-objdump >/dev/null 2>&1; then
    x86_64-w64-mingw32-objdump -p "$EXE" >"$WORK/imports" 2>&1
    dlls=$(sed -n 's/^[[:space:]]*DLL Name: //p' "$WORK/imports" | tr 'a-z' 'A-Z' | sort | tr '\n' ' ')
    adv=$(awk '/DLL Name:/ {d = $3} d == "ADVAPI32.dll" && $1 != "DLL" && $3 ~ /^[A-Za-z]/ && NF == 3 {print $3}' \
        "$WORK/imports" | tr '\n' ' ')
    if [ "$dlls" = "ADVAPI32.DLL KERNEL32.DLL MSVCRT.DLL WS2_32.DLL " ] &&
        [ "$adv" = "SystemFunction036 " ]; then
        ok "ntlab.exe imports $dlls(advapi32: $adv= RtlGenRandom only)"
    else
        bad "ntlab.exe imports: $dlls; from advapi32: $adv"
    fi
fi

# --- 1. the same commands, the same output and files -------------------------------
mkdir -p "$WORK/n" "$WORK/w"
i=0
same() { # same ARGS...: run in both trees, compare rc, stdout, stderr
    i=$((i + 1))
    (cd "$WORK/n" && "$NATIVE" "$@" >"out.$i" 2>"err.$i"; echo $? >"rc.$i")
    (cd "$WORK/w" && wine "$EXE" "$@" >"out.$i" 2>"err.raw.$i"; echo $? >"rc.$i"
     unwine <"err.raw.$i" >"err.$i"; rm -f "err.raw.$i")
    if cmp -s "$WORK/n/out.$i" "$WORK/w/out.$i" && cmp -s "$WORK/n/err.$i" "$WORK/w/err.$i" &&
        cmp -s "$WORK/n/rc.$i" "$WORK/w/rc.$i"; then
        ok "same output: ntlab $* (exit $(cat "$WORK/n/rc.$i"))"
    else
        bad "ntlab $*: native and Windows differ"
        for f in rc out err; do
            diff -u "$WORK/n/$f.$i" "$WORK/w/$f.$i" | sed 's/^/     /' | head -20
        done
    fi
}
same init lab --preset q189732
same -C lab rights list 'CORP\EXCHSVC' --focus '\\EXCHSRV'
same -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
same -C lab rights who SeTcbPrivilege --focus '\\EXCHSRV'
same -C lab rights grant 'CORP\alice' SeBatchLogonRight --focus '\\EXCHSRV'
same -C lab rights revoke 'CORP\alice' SeBatchLogonRight --focus '\\EXCHSRV'
same -C lab rights grant 'CORP\nobody' SeTcbPrivilege --focus '\\EXCHSRV'
same -C lab user add bob --password 'B0b-secret' --group 'Domain Users'
same -C lab user set bob --expires 2031-05-06 --hours 'Mon-Fri 08:00-18:00'
same -C lab user show bob
same -C lab user add bob --password again
same -C lab user list
same -C lab group add Mailers --comment 'POP3 users'
same -C lab group add-member Mailers bob
same -C lab group list Mailers
same -C lab policy set LockoutBadCount=3 --focus CORP
same -C lab policy show --focus CORP
same -C lab logon --type network 'CORP\alice' Passw0rd --machine EXCHSRV
same -C lab logon --type network 'CORP\alice' wrong --machine EXCHSRV
same -C lab clock set 2000-01-02 03:04
same -C lab eventlog --log security --machine EXCHSRV
same errmsg 1314
same -C lab mailbox list --machine EXCHSRV

# Without fork there is no background daemon: up says to add --foreground.
(cd "$WORK/w" && wine "$EXE" -C lab up 2>&1 | unwine; echo "rc=$?") >"$WORK/w/up.bg"
if grep -q "runs in the foreground: add --foreground" "$WORK/w/up.bg"; then
    ok "ntlab.exe up without --foreground: refused with the reason"
else
    bad "ntlab.exe up without --foreground"
    sed 's/^/     /' "$WORK/w/up.bg"
fi

# The trees, with Maildir names normalized (TIME.N<clock>R<random>.ntlab,S=,W=).
norm_tree() {
    (cd "$1" && find lab -type f ! -name '*.lock' | sort | while read -r f; do
        echo "== $(echo "$f" | sed 's/\.N[0-9a-f]*R[0-9a-f]*\.ntlab/.N-R-.ntlab/')"
        if echo "$f" | grep -q '/mail/'; then cksum <"$f"; else cat "$f"; fi
    done)
}
norm_tree "$WORK/n" >"$WORK/n.tree"
norm_tree "$WORK/w" >"$WORK/w.tree"
if cmp -s "$WORK/n.tree" "$WORK/w.tree"; then
    ok "same lab files ($(grep -c '^== ' "$WORK/n.tree") files)"
else
    bad "the lab files differ"
    diff -u "$WORK/n.tree" "$WORK/w.tree" | head -40 | sed 's/^/     /'
fi

# wait_line FILE TEXT SECONDS: until FILE has a line containing TEXT
wait_line() {
    n=0
    while [ $n -lt $(($3 * 10)) ]; do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
# gone PID SECONDS
gone() {
    n=0
    while kill -0 "$1" 2>/dev/null && [ $n -lt $(($2 * 10)) ]; do sleep 0.1; n=$((n + 1)); done
    ! kill -0 "$1" 2>/dev/null
}

# --- 1b. the scenario suite in-process under Wine (regular expressions by
# rematch.c there; -j runs the workers one after the other: no fork) -----------------
if (cd "$WORK/w" && wine "$EXE" run -j 2 "$SCN" 2>&1 | unwine) >"$WORK/inproc.run" &&
    grep -q "^[0-9]* passed, 0 failed" "$WORK/inproc.run"; then
    ok "ntlab.exe run -j 2 tests/scenarios: $(tail -n 1 "$WORK/inproc.run")"
else
    bad "ntlab.exe run tests/scenarios"
    grep -v '^ok ' "$WORK/inproc.run" | head -40 | sed 's/^/     /'
fi

# --- 2. a lab made under Windows, served natively -------------------------------------
# ntlab.exe's scenario runner builds the lab from the founding scenario.
P=$(free_port)
(cd "$WORK/w" && wine "$EXE" run --prepare back "$SCN/q189732.scn" 2>&1 | unwine) >"$WORK/back.prep"
if "$NATIVE" -C "$WORK/w/back" up --listen "127.0.0.1:$P" >"$WORK/back.up" 2>&1 &&
    "$NATIVE" run --target "127.0.0.1:$P" --lab "$WORK/w/back" "$SCN/q189732.scn" >"$WORK/back.run" 2>&1; then
    ok "a lab made by ntlab.exe run --prepare serves natively: q189732.scn passes"
else
    bad "the lab made by ntlab.exe does not serve natively"
    sed 's/^/     /' "$WORK/back.prep" "$WORK/back.up" "$WORK/back.run" | tail -30
fi
"$NATIVE" -C "$WORK/w/back" down >/dev/null 2>&1 || true

# --- 3. the scenario suite against ntlab.exe up --------------------------------------
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret"
chmod 600 "$WORK/secret"
STARTS=""
for f in "$SCN"/*.scn; do
    name=$(basename "$f" .scn)
    lab="$WORK/s/$name"
    mkdir -p "$WORK/s"
    if ! "$NATIVE" run --prepare "$lab" "$f" >"$WORK/s/$name.prep" 2>&1; then
        bad "$name: run --prepare failed"
        sed 's/^/     /' "$WORK/s/$name.prep" | tail -10
        continue
    fi
    P=$(free_port)
    C=$(free_port)
    # A lab with an Internet Mail Service (issue 18) gets an SMTP listener
    # for its `smtp` sessions.
    smtp_up="" smtp_run=""
    if grep -qis msexchangeimc "$lab"/*/services.conf; then
        S=$(free_port)
        smtp_up="--listen-smtp 127.0.0.1:$S" smtp_run="--target-smtp 127.0.0.1:$S"
    fi
    default=0
    [ "$name" = q189732 ] && default=1 # the Windows default control channel
    ts=$(now_ms)
    if [ $default = 1 ]; then
        (cd "$WORK/s" && exec wine "$EXE" -C "$name" up --listen "127.0.0.1:$P" $smtp_up \
            --foreground) \
            >"$WORK/s/$name.out" 2>"$WORK/s/$name.err" &
    else
        (cd "$WORK/s" && exec wine "$EXE" -C "$name" up --listen "127.0.0.1:$P" --foreground \
            $smtp_up --control "tcp:127.0.0.1:$C" \
            --control-secret-file "$WORK/secret") \
            >"$WORK/s/$name.out" 2>"$WORK/s/$name.err" &
    fi
    WPID=$!
    # Wait for the banner, not the port: wineserver owns the socket.
    if ! wait_line "$WORK/s/$name.out" "127.0.0.1:$P " 30; then
        bad "$name: ntlab.exe up did not serve within 30 s"
        unwine <"$WORK/s/$name.err" | tail -10 | sed 's/^/     /'
        kill "$WPID" 2>/dev/null
        wineserver -k >/dev/null 2>&1
        continue
    fi
    te=$(now_ms)
    STARTS="$STARTS $((te - ts))"
    if [ $default = 1 ]; then
        # The endpoint and secret the daemon published in the lab; a native
        # client needs the secret file to be its own and 0600.
        spec=$(head -n 1 "$lab/ntlab.ctl")
        cp "$lab/ntlab.secret" "$WORK/s/lab.secret" && chmod 600 "$WORK/s/lab.secret"
        sec="$WORK/s/lab.secret"
        (cd "$WORK/s" && wine "$EXE" -C "$name" status 2>&1 | unwine) >"$WORK/s/$name.status"
        if grep -q "^daemon: pid .* serving " "$WORK/s/$name.status"; then
            ok "$name: ntlab.exe status reaches the daemon through LAB/ntlab.ctl"
        else
            bad "$name: ntlab.exe status did not reach the daemon"
            sed 's/^/     /' "$WORK/s/$name.status" | head
        fi
    else
        spec="tcp:127.0.0.1:$C"
        sec="$WORK/secret"
    fi
    if NTLAB_CONTROL=$spec NTLAB_CONTROL_SECRET_FILE=$sec \
        "$NATIVE" run --target "127.0.0.1:$P" $smtp_run "$f" \
            >"$WORK/s/$name.run" 2>&1 &&
        grep -q "^1 passed, 0 failed" "$WORK/s/$name.run"; then
        ok "$name.scn against ntlab.exe ($(grep -o '([0-9.]* ms)' "$WORK/s/$name.run" | head -n 1))"
    else
        bad "$name.scn against ntlab.exe"
        sed 's/^/     /' "$WORK/s/$name.run" | tail -30
        unwine <"$WORK/s/$name.err" | tail -10 | sed 's/^/     log: /'
    fi
    if [ $default = 1 ]; then
        (cd "$WORK/s" && wine "$EXE" -C "$name" down 2>&1 | unwine) >"$WORK/s/$name.down"
    else
        NTLAB_CONTROL=$spec NTLAB_CONTROL_SECRET_FILE=$sec "$NATIVE" -C "$lab" down \
            >"$WORK/s/$name.down" 2>&1
    fi
    if gone "$WPID" 15; then
        [ $default = 1 ] && ok "$name: ntlab.exe down stopped it"
    else
        bad "$name: the daemon did not stop after down"
        sed 's/^/     /' "$WORK/s/$name.down"
        wineserver -k >/dev/null 2>&1
    fi
done

t2=$(now_ms)
n=0
sum=0
for s in $STARTS; do n=$((n + 1)); sum=$((sum + s)); done
echo "figures: ntlab.exe $(wc -c <"$EXE") bytes; wineboot $((t1 - t0)) ms;" \
    "up under Wine serves after $([ $n -gt 0 ] && echo $((sum / n)) || echo '?') ms on average" \
    "($n starts); check-wine $((t2 - t0)) ms"
echo "check-wine: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
