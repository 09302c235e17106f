#!/bin/bash
# check.sh VM NTLAB SCENARIO_DIR: `make check-vm`. Boots the appliance in
# VM (build/vm, made by `make vmimage`) under QEMU and runs every scenario
# of SCENARIO_DIR against it across QEMU's virtual network, with the host's
# NTLAB (build/ntlab) as the client: POP3 through a forwarded loopback port,
# admin steps (grant, reboot, ...) through the control channel on a second
# forwarded port, with a secret made for this boot.
#
# A live server's lab must already be in the state a scenario's setup
# builds (the setup steps are skipped against --target). So each scenario's
# setup is prepared here (`ntlab run --prepare`) and the labs travel into the
# guest in a second initramfs; the guest serves the founding lab first (the
# boot time is measured to its first +OK), then each prepared lab in turn,
# moving on when `ntlab down` stops the one before. After the last one the
# guest powers off.
#
# Exits non-zero when the VM does not come up, a lab is not served, the
# control channel takes a wrong secret, or a scenario fails.
# VM_BOOT_TIMEOUT (seconds, default 150) bounds the boot.
set -euo pipefail
VM=$1
NTLAB=$(realpath "$2")
SCN=${3%/}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vmimages/lib.sh
. "$here/lib.sh"
boot_timeout=${VM_BOOT_TIMEOUT:-150}
command -v qemu-system-x86_64 >/dev/null || {
    echo "check-vm: needs qemu-system-x86_64 (run: .ci/deps vm)" >&2
    exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
t_start=$(now_ms)
secs() { # milliseconds -> seconds with one decimal
    printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100))
}

run=$VM/check
rm -rf "$run"
mkdir -p "$run"
chmod 700 "$run"
mkdir -p "$run/extra/etc/ntlab" "$run/extra/labs"
secret=$run/extra/etc/ntlab/control.secret
vm_secret "$secret"

# --- the labs ----------------------------------------------------------------
names=()
files=()
failed=0
passed=0
while IFS= read -r f; do
    rel=${f#"$SCN"/}
    name=${rel%.scn}
    # The guest serves /labs/* in glob order: a number fixes it.
    name=$(printf '%03d-%s' $((${#names[@]} + failed + 1)) "${name//\//_}")
    lab=$run/extra/labs/$name
    src=$f
    if ! grep -Eq '^[[:space:]]*begin[[:space:]]*$' "$f"; then
        # No setup: the scenario starts from an empty lab, as in-process.
        src=$run/empty.scn
        printf 'begin\n' >"$src"
    fi
    if "$NTLAB" run --prepare "$lab" "$src" >"$run/prepare-$name.log" 2>&1; then
        names+=("$name")
        files+=("$f")
    else
        echo "FAIL $f: its setup could not be prepared:"
        sed 's/^/  /' "$run/prepare-$name.log"
        failed=$((failed + 1))
    fi
done < <(find "$SCN" -name '*.scn' -type f | LC_ALL=C sort)
[ "${#names[@]}" -gt 0 ] || [ "$failed" -gt 0 ] || {
    echo "check-vm: no scenario in $SCN" >&2
    exit 1
}
vm_initrd "$run/initrd.img" "$run/extra"

# --- boot ----------------------------------------------------------------------
qpid=
cleanup() {
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
        kill "$qpid" 2>/dev/null || true
        wait "$qpid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
show_console() {
    echo "--- guest console (last 40 lines of $run/console.log) ---"
    tail -n 40 "$run/console.log" 2>/dev/null | tr -d '\r' || true
    echo "--- qemu ---"
    cat "$run/qemu.log" 2>/dev/null || true
}

# Three free loopback ports (POP3, control, SMTP): QEMU fails at once when a forward cannot bind,
# so a taken port just means another try.
for _ in 1 2 3 4 5 6 7 8; do
    pop3=$((20000 + RANDOM % 40000))
    ctl=$((pop3 + 1))
    smtp=$((pop3 + 2))
    vm_qemu_args "$run/initrd.img" "$pop3" "$ctl" "" "$smtp"
    t_boot=$(now_ms)
    "${QEMU[@]}" -serial "file:$run/console.log" </dev/null >"$run/qemu.log" 2>&1 &
    qpid=$!
    sleep 0.5
    if kill -0 "$qpid" 2>/dev/null; then
        break
    fi
    wait "$qpid" 2>/dev/null || true
    qpid=
    grep -q 'host forwarding' "$run/qemu.log" || break
done
if [ -z "$qpid" ]; then
    echo "check-vm: QEMU did not start:" >&2
    cat "$run/qemu.log" >&2
    exit 1
fi
echo "check-vm: booting (QEMU pid $qpid, POP3 127.0.0.1:$pop3, control 127.0.0.1:$ctl)"

greeting=
while :; do
    greeting=$(vm_pop3_greeting "$pop3")
    case "$greeting" in +OK*) break ;; esac
    if ! kill -0 "$qpid" 2>/dev/null; then
        echo "check-vm: FAIL: the VM stopped before its POP3 server answered"
        show_console
        exit 1
    fi
    if [ $(($(now_ms) - t_boot)) -gt $((boot_timeout * 1000)) ]; then
        echo "check-vm: FAIL: no +OK on 127.0.0.1:$pop3 within ${boot_timeout}s"
        show_console
        exit 1
    fi
    sleep 0.2
done
boot_ms=$(($(now_ms) - t_boot))
echo "check-vm: first +OK after $(secs "$boot_ms") s: ${greeting%$'\r'}"

# --- the control channel ----------------------------------------------------------
ctl() {
    NTLAB_CONTROL=tcp:127.0.0.1:$ctl NTLAB_CONTROL_SECRET_FILE=$secret "$NTLAB" "$@"
}
# The lab the guest serves now, from `ntlab status` over the channel.
serving() {
    ctl status 2>/dev/null | sed -n 's/^daemon: pid [0-9]* serving \([^,]*\),.*/\1/p'
}
wait_serving() { # LABDIR
    local deadline=$(($(now_ms) + 30000))
    while [ "$(serving)" != "$1" ]; do
        if ! kill -0 "$qpid" 2>/dev/null || [ "$(now_ms)" -gt "$deadline" ]; then
            echo "check-vm: FAIL: the guest does not serve $1"
            show_console
            return 1
        fi
        sleep 0.2
    done
}

wait_serving /lab || exit 1
# Only the secret opens the channel.
wrong=$run/wrong.secret
(umask 077 && printf 'not-the-secret-0123456789\n' >"$wrong")
if NTLAB_CONTROL=tcp:127.0.0.1:$ctl NTLAB_CONTROL_SECRET_FILE=$wrong "$NTLAB" status \
    >"$run/wrong.log" 2>&1; then
    echo "check-vm: FAIL: the control channel answered a client with a wrong secret"
    exit 1
fi
echo "check-vm: control channel: serves /lab; a wrong secret is refused"

# --- the scenarios ------------------------------------------------------------------
for i in "${!names[@]}"; do
    name=${names[$i]}
    ctl down >/dev/null 2>&1 || true # the guest moves on to the next lab
    wait_serving "/labs/$name" || {
        failed=$((failed + 1 + ${#names[@]} - i - 1))
        break
    }
    if timeout 600 env NTLAB_CONTROL="tcp:127.0.0.1:$ctl" NTLAB_CONTROL_SECRET_FILE="$secret" \
        "$NTLAB" run --target "127.0.0.1:$pop3" --target-smtp "127.0.0.1:$smtp" \
        --lab "/labs/$name" "${files[$i]}"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done

# --- shutdown ------------------------------------------------------------------------
# Stopping the last lab powers the guest off; QEMU exits with it.
ctl down >/dev/null 2>&1 || true
deadline=$(($(now_ms) + 30000))
while kill -0 "$qpid" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.2
done
if kill -0 "$qpid" 2>/dev/null; then
    echo "check-vm: the guest did not power off; stopping QEMU (pid $qpid)"
    cleanup
else
    wait "$qpid" 2>/dev/null || true
    echo "check-vm: the guest powered off"
fi
qpid=

kernel=$(vm_kernel)
ksize=$(wc -c <"$kernel")
isize=$(wc -c <"$VM/initramfs.cpio.gz")
echo "check-vm: appliance: $(basename "$kernel") $((ksize / 1024)) KiB + initramfs.cpio.gz $((isize / 1024)) KiB = $(((ksize + isize) / 1024)) KiB"
echo "check-vm: boot to first +OK: $(secs "$boot_ms") s; check: $(secs $(($(now_ms) - t_start))) s"
echo "check-vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
