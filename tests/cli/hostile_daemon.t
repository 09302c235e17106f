# Issue 12 §3, against a running daemon: file names given to a forwarded
# command are the caller's (the daemon works in "/": a relative name was
# read there). ntlab sends the files; the daemon opens no path a client
# names, so no file of its host is read back over the control channel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
start_daemon lab --listen "127.0.0.1:$(free_port)"
mkdir -p work/sub
cat > work/sub/t.inf <<'INF'
[Version]
signature="$CHICAGO$"
[System Access]
MaximumPasswordAge = 12
INF
# relative to the caller's directory, from another directory than the lab's
(cd work && "$NTLAB" -C ../lab policy import sub/t.inf --focus '\\EXCHSRV') > o.txt 2>&1 ||
    die "relative import through the daemon failed: $(cat o.txt)"
grep -qF "Importing $PWD/work/sub/t.inf into \\\\EXCHSRV: 1 account policy, 0 rights ... successful" o.txt ||
    die "unexpected: $(cat o.txt)"
expect_rc 0 "$NTLAB" -C lab policy show --focus '\\EXCHSRV'
expect_line "  MaximumPasswordAge = 12"
# "-C lab" relative, the file in the current directory
cp work/sub/t.inf here.inf
expect_rc 0 "$NTLAB" -C lab policy import here.inf --focus=\\\\EXCHSRV
expect_grep "Importing $PWD/here.inf into"

# raw CMD...: the command from a client of the socket that names its files
# (sends none). The daemon opens no path a client names: relative,
# absolute, "-" (its own stdin), or "../" out of where it puts sent files.
raw() {
    python3 "$(dirname "$0")/ctlraw.py" lab/ntlab.ctl "$@" > raw.txt
}
printf 'root:$6$s3cr3t:19000:0:99999:7:::\n' > shadow
for f in etc/passwd "$PWD/shadow" - "$PWD/lab/.ctl-files/../../shadow"; do
    raw policy import "$f"
    grep -qx 2 raw.txt || die "policy import $f over the socket: $(cat raw.txt)"
    grep -qxF "ntlab: policy import: inside the daemon a file comes sent with the command (ntlab sends it), not named by its path: '$f'" raw.txt ||
        die "unexpected: $(cat raw.txt)"
done
# A file a killed daemon left where sent files go is gone before any
# request runs: naming it finds nothing.
mkdir -p lab/.ctl-files && cp shadow lab/.ctl-files/1-old
raw policy import "$PWD/lab/.ctl-files/1-old"
grep -qx 1 raw.txt || die "a stale sent file: $(cat raw.txt)"
grep -qF "1-old: No such file or directory" raw.txt || die "unexpected: $(cat raw.txt)"
grep -q s3cr3t raw.txt && die "a stale sent file was read: $(cat raw.txt)"
[ ! -e lab/.ctl-files/1-old ] || die "the stale file is still there"
raw persona add other "$PWD/shadow"
grep -qxF "ntlab: persona add: inside the daemon a file comes sent with the command (ntlab sends it), not named by its path: '$PWD/shadow'" raw.txt ||
    die "unexpected: $(cat raw.txt)"
# mail deliver: each message checked, after --count's number too
raw mail deliver alice --count 2 "$PWD/shadow"
grep -qxF "ntlab: mail deliver: inside the daemon a file comes sent with the command (ntlab sends it), not named by its path: '$PWD/shadow'" raw.txt ||
    die "unexpected: $(cat raw.txt)"
grep -rq s3cr3t lab/EXCHSRV/mail && die "a path a client named was delivered"
grep -q 'control: policy$' lab/ntlab.log || die "no log line for the refused import"
# ntlab sends the file (src/cli/forward.c): the caller's own text may come back
expect_rc 1 "$NTLAB" -C lab policy import shadow
expect_grep "^ntlab: policy import: $PWD/shadow:1: line outside any section: .*s3cr3t"
grep -q 'control: policy (1 file sent)$' lab/ntlab.log || die "the file was not sent"
"$NTLAB" -C lab down >/dev/null
# offline, the user reads their own file: quoted as before
expect_rc 1 "$NTLAB" -C lab policy import shadow
expect_grep 's3cr3t'

# TCP control (the appliance's channel): a relative --control-secret-file
# is the caller's (the daemon read it in "/"), and a remote client's
# import error quotes only the file it sent.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > secret
chmod 600 secret
ctl=$(free_port)
start_daemon lab --listen "127.0.0.1:$(free_port)" --control "tcp:127.0.0.1:$ctl" --control-secret-file secret
expect_rc 1 env NTLAB_CONTROL=tcp:127.0.0.1:$ctl NTLAB_CONTROL_SECRET_FILE=secret "$NTLAB" policy import shadow
expect_grep "^ntlab: policy import: $PWD/shadow:1: line outside any section: .*s3cr3t"
"$NTLAB" -C lab down >/dev/null
true
