# Files named by a command while a daemon serves the lab go over the control
# channel as their content (src/cli/forward.c): `mail deliver` (which used
# to write the Maildir beside the daemon, unseen by up --record), its
# message on stdin, `policy import` and `persona add`. The reply names them
# as the caller did (not where the daemon put them), and up --record writes
# each as a here-doc, so the recording replays from any directory: the
# POP3 STAT after the deliveries is the same byte for byte.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
MD=lab/EXCHSRV/mail/alice
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT" --record rec.scn
mkdir work
printf 'Subject: a\n\nA\n' > work/a.eml
printf 'Subject: b\n\nBB\n' > work/b.eml
printf '[Version]\nsignature="$CHICAGO$"\n[System Access]\nMaximumPasswordAge = 12\n' > work/t.inf
printf 'persona 1\ninherit q189732\nversion 5.0.1460.8\n' > work/p.persona

# two messages, named relative to another directory: one step each
(cd work && "$NTLAB" -C ../lab mail deliver alice a.eml b.eml) > o.txt 2>&1 ||
    die "mail deliver through the daemon: $(cat o.txt)"
grep -q "^delivered $PWD/work/a.eml to alice on EXCHSRV as " o.txt || die "a.eml: $(cat o.txt)"
grep -q "^delivered $PWD/work/b.eml to alice on EXCHSRV as " o.txt || die "b.eml: $(cat o.txt)"
grep -q 'ctl-files' o.txt && die "the reply names the daemon's copy: $(cat o.txt)"
[ "$(grep -c 'control: mail (1 file sent)$' lab/ntlab.log)" = 2 ] || die "the daemon did not deliver"
[ "$(maildir_count $MD)" = 5 ] || die "expected 5 messages"
# the message on stdin
printf 'Subject: c\n\nCCC\n' | "$NTLAB" -C lab mail deliver alice - > o.txt 2>&1 || die "stdin: $(cat o.txt)"
grep -q '^delivered stdin to alice on EXCHSRV as ' o.txt || die "stdin: $(cat o.txt)"
# stdin as the tenth message: every message is a request of its own
for i in 1 2 3 4 5 6 7 8 9; do cp work/a.eml "work/m$i.eml"; done
printf 'Subject: j\n\nJ\n' | "$NTLAB" -C lab mail deliver alice work/m1.eml work/m2.eml \
    work/m3.eml work/m4.eml work/m5.eml work/m6.eml work/m7.eml work/m8.eml work/m9.eml - > o.txt 2>&1 ||
    die "ten messages: $(cat o.txt)"
[ "$(grep -c '^delivered ' o.txt)" = 10 ] || die "ten messages: $(cat o.txt)"
grep -q '^delivered stdin to alice' o.txt || die "the tenth from stdin: $(cat o.txt)"
expect_rc 2 "$NTLAB" -C lab mail deliver alice - -
expect_line "ntlab: mail deliver: '-' (stdin) may be given once"
# up to the first that fails, as the command does offline
expect_rc 1 "$NTLAB" -C lab mail deliver alice work/a.eml work/missing.eml work/b.eml
expect_line "ntlab: mail deliver: work/missing.eml: No such file or directory"
[ "$(maildir_count $MD)" = 17 ] || die "a.eml before the missing file: 17 messages, not $(maildir_count $MD)"
# over the control channel's 16 MiB: refused before it is sent (offline: 64 MiB)
head -c 17000000 /dev/zero | tr '\0' x > work/big.eml
expect_rc 1 "$NTLAB" -C lab mail deliver alice work/big.eml
expect_grep "^ntlab: mail deliver: work/big.eml: the files of one command are over 16 MiB together"
[ "$(maildir_count $MD)" = 17 ] || die "the big message was delivered"
expect_rc 1 "$NTLAB" -C lab mail deliver nobody work/a.eml
expect_line "ntlab: mail deliver: no mailbox 'nobody' on EXCHSRV (see 'ntlab mailbox list')"
# a template and a persona
expect_rc 0 "$NTLAB" -C lab policy import work/t.inf --focus '\\EXCHSRV'
expect_line "Importing $PWD/work/t.inf into \\\\EXCHSRV: 1 account policy, 0 rights ... successful"
grep -q 'control: policy (1 file sent)$' lab/ntlab.log || die "the template was not sent"
expect_rc 0 "$NTLAB" -C lab persona add p2 work/p.persona
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
printf 'User CORP\\alice\\alice\nPass Passw0rd\nSTAT\nQUIT\n' | pop "$PORT" > got
expect_rc 0 "$NTLAB" -C lab down

# the recording holds the files, not the caller's paths
grep -q 'xxxxxxxx' rec.scn && die "the refused message reached the recording"
grep -q "$PWD" rec.scn && die "a caller's path in the recording: $(grep -n "$PWD" rec.scn)"
grep -q '^# not recorded' rec.scn && die "a step not recorded: $(grep '^# not' rec.scn)"
[ "$(grep -cx 'ntlab mail deliver alice - <<DATA' rec.scn)" = 14 ] ||
    die "14 deliveries to alice: $(grep -n 'mail deliver' rec.scn)"
grep -A5 -x 'ntlab mail deliver nobody - <<DATA' rec.scn | grep -qx 'exit 1' ||
    die "the failed delivery's exit code"
grep -qx 'CCC' rec.scn || die "stdin's message not recorded"
grep -qx "ntlab policy import - --focus \\\\\\\\EXCHSRV <<DATA" rec.scn || die "template step"
grep -qx 'ntlab persona add p2 - <<DATA' rec.scn || die "persona step"
# replays from another directory: the same STAT (17 messages) byte for byte
grep -qx "s1 < +OK 17 .*" rec.scn || die "STAT not recorded: $(grep -n '^s1' rec.scn)"
mkdir -p elsewhere/deep && cp rec.scn elsewhere/deep/
expect_rc 0 "$NTLAB" run elsewhere/deep/rec.scn
expect_grep '^1 passed, 0 failed'

# offline, stdin is read first and still delivered by the command itself
printf 'Subject: d\n\nD\n' | "$NTLAB" -C lab mail deliver alice - > o.txt 2>&1 || die "offline stdin: $(cat o.txt)"
grep -q '^delivered stdin to alice on EXCHSRV' o.txt || die "offline stdin: $(cat o.txt)"
[ "$(maildir_count $MD)" = 18 ] || die "offline stdin: 18 messages, not $(maildir_count $MD)"
# ... and the 17 MB message the daemon could not take is delivered offline
expect_rc 0 "$NTLAB" -C lab mail deliver alice work/big.eml
[ "$(maildir_count $MD)" = 19 ] || die "offline big message: 19 messages, not $(maildir_count $MD)"
