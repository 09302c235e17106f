#!/bin/bash
# run.sh VM NTLAB: `make vm-run`. Boots the appliance in VM (build/vm)
# interactively: the serial console on this terminal (a shell in the guest,
# beside the daemon's log), POP3 forwarded from 127.0.0.1:VM_POP3_PORT
# (default 1110), the control channel from 127.0.0.1:VM_CONTROL_PORT
# (default 1120) with a secret made for this boot. NTLAB (build/ntlab) is
# only named in the instructions printed.
set -euo pipefail
VM=$1
NTLAB=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vmimages/lib.sh
. "$here/lib.sh"
pop3=${VM_POP3_PORT:-1110}
ctl=${VM_CONTROL_PORT:-1120}
command -v qemu-system-x86_64 >/dev/null || {
    echo "vm-run: needs qemu-system-x86_64 (run: .ci/deps vm)" >&2
    exit 1
}

run=$VM/run
rm -rf "$run"
mkdir -p "$run/extra/etc/ntlab"
chmod 700 "$run"
secret=$run/extra/etc/ntlab/control.secret
vm_secret "$secret"
vm_initrd "$run/initrd.img" "$run/extra"
vm_qemu_args "$run/initrd.img" "$pop3" "$ctl" "ntlab.console=shell"

cat <<EOF
ntlab appliance: booting under QEMU (software emulation: about 10-20 s to the
first +OK). The guest serves the founding lab (KB Q189732) on port 110.

  POP3, from another terminal:   telnet 127.0.0.1 $pop3
      USER CORP\\alice\\alice
      PASS Passw0rd
      -> -Err A required privilege is not held by the client
  admin from the host, through the control channel and its secret:
      export NTLAB_CONTROL=tcp:127.0.0.1:$ctl
      export NTLAB_CONTROL_SECRET_FILE=$secret
      $NTLAB ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\\\EXCHSRV'
      $NTLAB reboot --machine EXCHSRV
  or at the guest's shell on this console:
      ntlab -C /lab status
  stop it: 'exit' or 'poweroff -f' in the guest shell, or 'ntlab down' (either
  way), or Ctrl-A then X here.
EOF
exec "${QEMU[@]}" -serial mon:stdio
