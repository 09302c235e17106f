# ntlab mailbox set (session 6): a mailbox's primary NT account, its APOP
# secret, a custom recipient's address; every failure path with its exit
# code; the change is durable, reaches a served lab's store at once over the
# control channel, and `up --record` records it as a step that replays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 0 "$NTLAB" -C lab user add bob --password B0bpass --machine CORPDC
expect_rc 0 "$NTLAB" -C lab mailbox add sales --owner 'CORP\alice'
expect_rc 0 "$NTLAB" -C lab mailbox add sales --owner 'CORP\alice' --container Sales
expect_rc 0 "$NTLAB" -C lab mailbox add ext --custom SMTP:ext@example.com --container External

# the owner, canonical, durable; the Maildir stays (alice's 3 messages)
expect_rc 0 "$NTLAB" -C lab mailbox set alice --owner 'corp\BOB'
expect_line 'mailbox alice on EXCHSRV owned by CORP\bob'
grep -A1 -x '\[alice\]' lab/EXCHSRV/mailboxes.conf | grep -qx 'Owner = CORP\\bob' ||
    die "owner not written: $(cat lab/EXCHSRV/mailboxes.conf)"
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^alice +CORP.bob +3 +S-1-5-21-[0-9-]+-1003$'
# the secret: set, then cleared
expect_rc 0 "$NTLAB" -C lab mailbox set alice --apop-secret 'tan staaf'
grep -qx 'ApopSecret = tan staaf' lab/EXCHSRV/mailboxes.conf || die "secret not written"
expect_rc 0 "$NTLAB" -C lab mailbox set alice --no-apop-secret
grep -q 'ApopSecret' lab/EXCHSRV/mailboxes.conf && die "secret not cleared"
# one container's entry, not the other's; a custom recipient's address
expect_rc 0 "$NTLAB" -C lab mailbox set sales --container Sales --owner 'CORP\bob'
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^sales +CORP.alice '
expect_grep '^sales@Sales +CORP.bob '
expect_rc 0 "$NTLAB" -C lab mailbox set ext --container External --custom SMTP:ext@example.net
expect_line 'custom recipient ext on EXCHSRV: SMTP:ext@example.net'

# failures: 1 = the operation failed, 2 = a bad command line
expect_rc 1 "$NTLAB" -C lab mailbox set nosuch --owner 'CORP\bob'
expect_line "ntlab: mailbox set: no mailbox 'nosuch' on EXCHSRV (see 'ntlab mailbox list')"
expect_rc 1 "$NTLAB" -C lab mailbox set ext --owner 'CORP\bob'
expect_grep "no mailbox 'ext' in container Recipients on EXCHSRV \(it is in External: --container External\)"
expect_rc 1 "$NTLAB" -C lab mailbox set alice --owner 'CORP\nobody'
expect_grep "owner 'CORP.nobody' is not an account known to EXCHSRV"
expect_rc 1 "$NTLAB" -C lab mailbox set alice --owner CORPbob
expect_grep "did the shell eat a backslash\? quote it: 'CORP.bob'"
expect_rc 2 "$NTLAB" -C lab mailbox set alice
expect_grep '^ntlab: usage: ntlab mailbox set ALIAS'
expect_rc 2 "$NTLAB" -C lab mailbox set --owner 'CORP\bob'
expect_rc 2 "$NTLAB" -C lab mailbox set alice sales --owner 'CORP\bob'
expect_rc 2 "$NTLAB" -C lab mailbox set alice --owner
expect_rc 2 "$NTLAB" -C lab mailbox set alice --frob x
expect_rc 2 "$NTLAB" -C lab mailbox set ../evil --owner 'CORP\bob'
expect_grep "invalid alias '../evil'"
expect_rc 2 "$NTLAB" -C lab mailbox set alice --container 'a b' --owner 'CORP\bob'
expect_grep "invalid container 'a b'"
expect_rc 2 "$NTLAB" -C lab mailbox set alice --custom SMTP:x@example.com
expect_grep "'alice' is a mailbox, not a custom recipient"
expect_rc 2 "$NTLAB" -C lab mailbox set ext --container External --owner 'CORP\bob'
expect_grep "'ext' is a custom recipient"
expect_rc 2 "$NTLAB" -C lab mailbox set ext --container External --custom "$(printf 'a\tb')"
expect_grep "address is 1-256 printable characters"
expect_rc 2 "$NTLAB" -C lab mailbox set alice --apop-secret x --no-apop-secret
expect_grep "contradict each other"
expect_rc 2 "$NTLAB" -C lab mailbox set alice --apop-secret "$(printf 'a\tb')"
expect_grep "APOP secret must be 1-128 printable characters"
expect_rc 1 "$NTLAB" -C lab mailbox set alice --owner 'CORP\bob' --machine NOSUCH
cp lab/EXCHSRV/mailboxes.conf good.conf
# nothing was written by the failures above
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^alice +CORP.bob +3 '
printf '[broken\n' > lab/EXCHSRV/mailboxes.conf
expect_rc 1 "$NTLAB" -C lab mailbox set alice --owner 'CORP\alice'
expect_grep "mailboxes.conf:1: section header must be \[ALIAS\]"
[ "$(cat lab/EXCHSRV/mailboxes.conf)" = '[broken' ] || die "a corrupt directory was overwritten"
cp good.conf lab/EXCHSRV/mailboxes.conf

# served: forwarded to the daemon, the running store sees it at the next
# logon (no restart), and --record keeps it as a replayable step
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT" --record rec.scn
printf 'User CORP\\alice\\alice\nPass Passw0rd\nQUIT\n' | pop "$PORT" > got1
expect_rc 0 "$NTLAB" -C lab mailbox set alice --owner 'CORP\alice'
expect_line 'mailbox alice on EXCHSRV owned by CORP\alice'
printf 'User CORP\\alice\\alice\nPass Passw0rd\nSTAT\nQUIT\n' | pop "$PORT" > got2
expect_rc 1 "$NTLAB" -C lab mailbox set nosuch --owner 'CORP\alice'
expect_grep "no mailbox 'nosuch' on EXCHSRV"
expect_rc 0 "$NTLAB" -C lab down
grep -q -- '-Err Access is denied.' got1 || die "bob's mailbox opened for alice: $(cat got1)"
grep -q '+OK User successfully logged on' got2 || die "the new owner was not seen live: $(cat got2)"
grep -qx 'ntlab mailbox set alice --owner CORP\\alice' rec.scn || die "set not recorded: $(cat rec.scn)"
grep -qx 'out mailbox alice on EXCHSRV owned by CORP\\alice' rec.scn || die "its output not recorded"
expect_rc 0 "$NTLAB" run rec.scn
expect_grep '^1 passed, 0 failed'
