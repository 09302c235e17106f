# ntlab up --record (issue 19): a daemon records the lab at `up`, the
# admin steps sent over the control channel and three real POP3 sessions
# (the Q189732 story: fail, grant, still fail, reboot, succeed); the file
# masks the password as a secret, replays in-process (every reply byte for
# byte) and against a fresh daemon of the same lab (--prepare, --target).
# --record refuses an existing file unless --append; a write failure stops
# the recording, not the daemon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT" --record rec.scn
[ -s rec.scn ] || die "no recording at up"
head -1 rec.scn | grep -q '^# Recorded by ntlab .* (ntlab up --record) on 1998-.* UTC from lab lab:$' ||
    die "header: $(head -1 rec.scn)"

printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$PORT" > got1
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab rights list 'CORP\EXCHSVC'   # looks only: not recorded
printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$PORT" > got2
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
printf 'User CORP\\alice\\alice\nPass Passw0rd\nSTAT\nQUIT\n' | pop "$PORT" > got3
expect_rc 1 "$NTLAB" -C lab user add bob --password 'Sec ret' --group NoSuchGroup
expect_rc 0 "$NTLAB" -C lab user add carol --password ''   # empty: written as is, replays
expect_rc 0 "$NTLAB" -C lab down
grep -q -- '-Err A required privilege is not held by the client' got2 || die "the grant alone helped"
grep -q '+OK User successfully logged on' got3 || die "the reboot did not help: $(cat got3)"

# what was recorded, in order
sed -n '/^begin$/,$p' rec.scn |
    grep -E '^(ntlab (ntrights|reboot|rights|user)|open|close|s[0-9]+ closed|secret PW_REC)' > order
cat > want <<'W'
open s1 EXCHSRV
secret PW_REC1 Passw0rd
s1 closed
ntlab ntrights +r SeTcbPrivilege -u CORP\EXCHSVC -m \\EXCHSRV
open s2 EXCHSRV
s2 closed
ntlab reboot --machine EXCHSRV
open s3 EXCHSRV
s3 closed
W
grep -v '^ntlab user' order > order2
diff want order2 || die "recorded order differs"
grep -qx 's1 > Pass ${PW_REC1}' rec.scn || die "the password is not a secret reference"
[ "$(grep -c 'Passw0rd' rec.scn)" = 1 ] || die "the password shows more than once"
grep -qx "s3 < +OK 3 731" rec.scn || die "STAT reply not recorded"
grep -qx 'out Granting SeTcbPrivilege to CORP\\EXCHSVC in \\\\EXCHSRV ... successful' rec.scn ||
    die "the grant's out check is missing"
# a password with a blank cannot be a secret: the step is a comment, not the password
grep -q '^# not recorded (a password with a blank' rec.scn || die "blank password step"
grep -q 'Sec ret' rec.scn && die "a password reached the recording"
grep -qx "ntlab user add carol --password ''" rec.scn || die "empty password step: $(grep carol rec.scn)"

# replays in-process: every reply as recorded
expect_rc 0 "$NTLAB" run rec.scn
expect_grep '^1 passed, 0 failed'

# ... and against a fresh daemon of the same lab
expect_rc 0 "$NTLAB" run --prepare lab2 rec.scn
PORT2=$(free_port)
start_daemon lab2 --listen "127.0.0.1:$PORT2"
expect_rc 0 "$NTLAB" run --target "127.0.0.1:$PORT2" --lab lab2 rec.scn
expect_rc 0 "$NTLAB" -C lab2 down

# an existing file is refused unless --append; --append adds to it
before=$(cksum < rec.scn)
expect_rc 1 "$NTLAB" -C lab up --listen "127.0.0.1:$PORT" --record rec.scn
expect_grep 'rec.scn: the file exists .--append adds to it.$'
[ "$(cksum < rec.scn)" = "$before" ] || die "the refused --record changed the file"
expect_rc 2 "$NTLAB" -C lab up --listen "127.0.0.1:$PORT" --append
start_daemon lab --listen "127.0.0.1:$PORT" --record rec.scn --append
printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$PORT" > got4
expect_rc 0 "$NTLAB" -C lab down
grep -q '^# Recording resumed by ntlab' rec.scn || die "no resume note"
grep -qx 's4 > Pass ${PW_REC1}' rec.scn || die "the appended session does not reuse the secret"
[ "$(grep -c '^secret PW_REC1 ' rec.scn)" = 1 ] || die "secret declared twice"
expect_rc 0 "$NTLAB" run rec.scn

# a write failure stops the recording, never the daemon
# (the file replaced by a directory: an append fails even as root)
start_daemon lab --listen "127.0.0.1:$PORT" --record ro.scn
rm ro.scn && mkdir ro.scn
printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$PORT" > got5
printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$PORT" > got6
cmp -s got5 got6 || die "the daemon changed after a recording failure"
grep -q 'succ' got6 || die "the daemon stopped serving: $(cat got6)"
[ "$(grep -c 'record: stopped recording: .*ro.scn: Is a directory' lab/ntlab.log)" = 1 ] ||
    die "the failure is not logged once: $(tail -5 lab/ntlab.log)"
expect_rc 0 "$NTLAB" -C lab down
