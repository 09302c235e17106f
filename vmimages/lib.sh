# shellcheck shell=bash
# Shared by run.sh and check.sh (sourced, bash): how the appliance is
# booted. VM is the image directory (build/vm).

# The kernel mkimage.sh left: the unpacked vmlinux, else the bzImage.
vm_kernel() {
    if [ -f "$VM/vmlinux" ]; then
        echo "$VM/vmlinux"
    elif [ -f "$VM/bzImage" ]; then
        echo "$VM/bzImage"
    else
        echo "vm: no kernel in $VM (run: make vmimage)" >&2
        return 1
    fi
}

# vm_secret FILE: a fresh random control secret, owner-only.
vm_secret() {
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
}

# vm_initrd OUT EXTRA_DIR: the appliance's initramfs with EXTRA_DIR's tree
# appended as a second archive (the kernel unpacks concatenated archives in
# order), so per-boot files (the control secret, labs) never enter the
# image itself. OUT is owner-only: it holds the secret.
vm_initrd() {
    local out=$1 extra=$2
    (umask 077 && {
        cat "$VM/initramfs.cpio.gz"
        (cd "$extra" && find . -mindepth 1 | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1
    } >"$out")
}

# vm_qemu_args INITRD POP3_PORT CONTROL_PORT CMDLINE_EXTRA [SMTP_PORT]: the QEMU command
# line, in the array QEMU. No KVM (software emulation); the user-mode
# network with restrict=on, so the guest reaches nothing outside and only
# the two loopback forwards reach the guest. The secret is in the initrd,
# never on this command line (which ps shows to every user).
vm_qemu_args() {
    local kernel
    kernel=$(vm_kernel) || return 1
    local fwd="hostfwd=tcp:127.0.0.1:$2-:110"
    [ -n "$3" ] && fwd="$fwd,hostfwd=tcp:127.0.0.1:$3-:7110"
    [ -n "${5:-}" ] && fwd="$fwd,hostfwd=tcp:127.0.0.1:$5-:25"
    # shellcheck disable=SC2034,SC2054 # the callers run it; commas are QEMU's
    QEMU=(qemu-system-x86_64 -nographic -no-reboot -m 256
        -kernel "$kernel" -initrd "$1"
        -append "console=ttyS0 quiet panic=-1 $4"
        -netdev "user,id=n0,restrict=on,$fwd"
        -device virtio-net-pci,netdev=n0,romfile=
        -nodefaults -monitor none -display none)
}

# vm_pop3_greeting PORT: the first line the POP3 port sends, if any, within
# 3 seconds. QEMU accepts on the forwarded port before the guest listens
# (and then drops the connection), so a connect alone proves nothing.
vm_pop3_greeting() {
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && IFS= read -r l <&3 && printf "%s" "$l"' \
        _ "$1" 2>/dev/null || true
}
