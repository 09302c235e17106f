# Issue 12 §3, against a running daemon: file names given to a forwarded
# command are the caller's (the daemon works in "/": a relative name was
# read there), and a template's parse error quotes none of its text back
# over the control channel unless the caller sent that text.
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

# raw_import PATH: `policy import PATH` from a client of the socket that
# names the file (sends none): the daemon reads PATH itself
raw_import() {
    python3 "$(dirname "$0")/ctlraw.py" lab/ntlab.ctl policy import "$1" > raw.txt
}
# The daemon refuses a relative name sent by another client rather than
# reading it in its own directory.
raw_import etc/passwd
grep -qx 2 raw.txt || die "relative path over the socket: $(cat raw.txt)"
grep -qF "policy: 'etc/passwd' is a relative path; the daemon serving the lab needs an absolute one" raw.txt ||
    die "unexpected: $(cat raw.txt)"

# A file that is not a template, named by a client that sends no file: the
# daemon read it, so its error says where and what, not the text.
printf 'root:$6$s3cr3t:19000:0:99999:7:::\n' > shadow
raw_import "$PWD/shadow"
grep -qx 1 raw.txt || die "absolute path over the socket: $(cat raw.txt)"
grep -qxF "ntlab: policy import: $PWD/shadow:1: line outside any section: \"...\"" raw.txt ||
    die "unexpected: $(cat raw.txt)"
grep -q s3cr3t raw.txt && die "the file's text came back: $(cat raw.txt)"
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
