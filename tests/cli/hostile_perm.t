# Issue 12 §3: a user without access to a lab got STATUS_IO_DEVICE_ERROR or
# "Broken pipe"; now "permission denied" and the path, without and with a
# daemon (run as user nobody against a lab of root's; CI runs as root).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
if [ "$(id -u)" != 0 ]; then
    echo "skip: needs root to run commands as nobody"
    exit 0
fi
command -v setpriv >/dev/null || die "setpriv (util-linux) is missing"
chmod 711 .
cp "$NTLAB" ./ntlab-nobody && chmod 755 ./ntlab-nobody
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups ./ntlab-nobody "$@"; }
expect_rc 0 "$NTLAB" init lab --preset q189732
labp=$PWD/lab

# no daemon: the lab directory open to all, its machine and domain
# directories owner-only (as init makes them)
chmod 755 lab
expect_rc 1 as_nobody -C "$labp" user list
expect_line "ntlab: cannot open lab $labp: $labp/domains/CORP/sam.txt: Permission denied"
expect_rc 1 as_nobody -C "$labp" boot
expect_grep "Permission denied"
printf '%s\n' "$out" | grep -q STATUS_IO_DEVICE_ERROR && die "a bare I/O error: $out"
# the lab directory itself mode 700
chmod 700 lab
expect_rc 1 as_nobody -C "$labp" user list
expect_line "ntlab: permission denied: $labp (the lab directory is not yours)"
expect_rc 1 as_nobody -C "$labp" status
expect_line "ntlab: permission denied: $labp (the lab directory is not yours)"
expect_rc 1 as_nobody -C "$labp" mail deliver alice /dev/null
expect_line "ntlab: permission denied: $labp (the lab directory is not yours)"

# with a daemon (root's)
chmod 755 lab
start_daemon lab --listen "127.0.0.1:$(free_port)"
expect_rc 1 as_nobody -C "$labp" user list
expect_line "ntlab: permission denied: $labp/ntlab.ctl (the daemon serving the lab runs as another user; only that user may send it commands)"
expect_rc 1 as_nobody -C "$labp" down
expect_grep "^ntlab: permission denied: $labp/ntlab.ctl"
# a socket others may connect to: the daemon's uid check answers in words
# (the silent close gave "Broken pipe")
chmod 777 lab/ntlab.ctl
expect_rc 1 as_nobody -C "$labp" user list
expect_line "ntlab: permission denied: $labp/ntlab.ctl (the daemon serving the lab runs as another user; only that user may send it commands)"
printf '%s\n' "$out" | grep -q "Broken pipe" && die "broken pipe: $out"
chmod 700 lab
expect_rc 1 as_nobody -C "$labp" user list
expect_line "ntlab: permission denied: $labp (the lab directory is not yours)"
chmod 755 lab
expect_rc 0 "$NTLAB" -C lab down
true
