# KB Q189732 over real TCP: `ntlab up` on the preset lab gives the article's
# lines byte for byte; the grant alone changes nothing (token snapshot); the
# reboot does; then STAT/LIST/RETR/DELE/QUIT work and the deleted message is
# gone from the Maildir; `down` stops it cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_grep "user CORP.alice, password Passw0rd; mailbox alice on EXCHSRV with 3 messages"
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
printf '%s\n' "$up_out" | grep -q "POP3 127.0.0.1:$PORT .*EXCHSRV .*store running" || die "up said: $up_out"

# the article's session (its "User <Domain\Username\Mailbox>" / "Pass <password>")
printf 'User CORP\\alice\\alice\nPass Passw0rd\n' | pop "$PORT" > got
printf '+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n+OK\r\n-Err A required privilege is not held by the client\r\n' > want
expect_bytes want got

# the grant, through the daemon, in the member server's own policy
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_line 'Granting SeTcbPrivilege to CORP\EXCHSVC in \\EXCHSRV ... successful'
printf 'User CORP\\alice\\alice\nPass Passw0rd\n' | pop "$PORT" > got
expect_bytes want got
expect_rc 0 "$NTLAB" -C lab status
expect_grep "service MSExchangeIS +running"
printf '%s\n' "$out" | grep -qE "^ +SeTcbPrivilege " && die "the running store's token must not hold SeTcbPrivilege yet: $out"
# ... and status says the account holds it now (the article's lesson)
expect_line "      granted since start: SeTcbPrivilege; takes effect at restart"
expect_rc 0 "$NTLAB" -C lab service list --tokens --machine EXCHSRV
expect_line "  granted since start: SeTcbPrivilege; takes effect at restart"

# the reboot takes a new token
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab status
expect_grep "SeTcbPrivilege +Act as part of the operating system"
printf '%s\n' "$out" | grep -q "since start:" && die "drift shown after the reboot: $out"
# a revoke shows as such until the service restarts
expect_rc 0 "$NTLAB" -C lab ntrights -r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab status
expect_line "      revoked since start: SeTcbPrivilege; takes effect at restart"
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab status
printf '%s\n' "$out" | grep -q "since start:" && die "drift shown with the right back: $out"
MD=lab/EXCHSRV/mail/alice
[ "$(maildir_count $MD)" = 3 ] || die "expected 3 messages"
first=$(cd $MD && ls new cur | grep ntlab | sort | head -1)
cat > script <<'S'
User CORP\alice\alice
Pass Passw0rd
STAT
LIST
RETR 2
DELE 1
LIST 1
QUIT
S
pop "$PORT" < script > got
cat > want.txt <<'W'
+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready
+OK
+OK User successfully logged on
+OK 3 731
+OK 3 messages (731 octets)
1 230
2 311
3 190
.
+OK
From: Helpdesk <helpdesk@corp.example>
To: Alice <alice@corp.example>
Subject: POP3 settings
Date: Wed, 01 Jul 1998 09:05:00 +0000
Message-ID: <pop3.2@exchsrv.corp.example>

Server: EXCHSRV, port 110. User name: CORP\alice\alice
..signature lines start with a dot and are sent as '..'
Regards, Helpdesk
.
+OK
-Err The specified message has been deleted.
+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off
W
sed 's/$/\r/' want.txt > want
expect_bytes want got
[ "$(maildir_count $MD)" = 2 ] || die "DELE 1 + QUIT must remove one message"
find $MD -name "$first" | grep -q . && die "the deleted message $first is still there"

# down: clean stop, nothing left behind, the log has the events and no password
expect_rc 0 "$NTLAB" -C lab down
expect_grep "stopped"
[ ! -e lab/ntlab.pid ] || die "pid file left"
[ ! -e lab/ntlab.ctl ] || die "control socket left"
gone "$DAEMON_PID" || die "daemon still running"
grep -q "logon USER user=\"CORP.alice.alice\": FAILED win32=1314" lab/ntlab.log || die "no failed-logon line: $(cat lab/ntlab.log)"
grep -q "QUIT: UPDATE removed 1 message" lab/ntlab.log || die "no UPDATE line"
grep -q "Passw0rd" lab/ntlab.log && die "a password reached the log"
expect_rc 0 "$NTLAB" -C lab eventlog --log application --machine EXCHSRV
expect_grep "MSExchangePOP3"
expect_rc 1 "$NTLAB" -C lab down
expect_grep "no daemon serves lab"
