# Issue 12 §3: on a full disk, boot returned 0 while the System and Security
# logs stayed empty. A lost event is reported as NT reports a full log
# (event 6000 "The System log file is full.", ERROR_LOG_FILE_FULL 1502) and
# the command fails; the machines are up all the same. A real full file
# system: a small tmpfs (needs root, as CI runs the tests).
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
mkdir full
if ! mount -t tmpfs -o size=256k tmpfs full 2>/dev/null; then
    [ "$(id -u)" = 0 ] && die "cannot mount a tmpfs as root"
    echo "skip: mounting a tmpfs needs root"
    exit 0
fi
trap 'umount full 2>/dev/null || true' EXIT
cp -a lab full/
# fill it: the next write gets ENOSPC
dd if=/dev/zero of=full/fill bs=4k 2>/dev/null || true
[ "$(df -P full | awk 'NR == 2 { print $4 }')" = 0 ] || die "the tmpfs is not full"
expect_rc 1 "$NTLAB" -C full/lab boot
expect_line "CORPDC: running"
expect_line "EXCHSRV: running"
expect_line "ntlab: boot the lab: CORPDC: The System log file is full. (1502 ERROR_LOG_FILE_FULL: The event log file is full.)"
expect_rc 1 "$NTLAB" -C full/lab boot --machine EXCHSRV
expect_line "EXCHSRV: running"
expect_line "ntlab: boot EXCHSRV: The System log file is full. (1502 ERROR_LOG_FILE_FULL: The event log file is full.)"
expect_rc 1 "$NTLAB" -C full/lab reboot --machine EXCHSRV
expect_grep "^ntlab: reboot EXCHSRV: The System log file is full\."
# with room again, the same boot succeeds and logs
rm full/fill
expect_rc 0 "$NTLAB" -C full/lab boot --machine EXCHSRV
expect_rc 0 "$NTLAB" -C full/lab eventlog --log system --machine EXCHSRV
expect_grep "6005"
expect_rc 0 "$NTLAB" errmsg 1502
expect_grep "The event log file is full\."
true
