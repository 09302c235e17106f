# A person at telnet, driven by expect, types the lines of KB Q189732 into
# the q189732 persona: first as telnet sends them by default (line mode:
# each Enter goes out as CRLF), then with bare LFs (telnet's character
# mode: each key goes out as typed, so ^J is a lone LF). telnet opens
# character mode with its own option bytes (IAC DO SGA, IAC DO ECHO); a
# POP3 server is no telnet server, so they reach it as the start of a line:
# the typist's first Enter gets the persona's "-Err Protocol error", as the
# real Exchange gave it, and everything after is plain bare-LF lines.
# Without the fix: the article's "-Err A required privilege is not held by
# the client"; after the grant and a reboot: logged on, STAT, RETR 2 with
# its dot-stuffed line as sent on the wire, QUIT.
. "$(dirname "$0")/lab.sh"
command -v telnet >/dev/null || die "telnet is not installed (.ci/deps test)"
command -v expect >/dev/null || die "expect is not installed (.ci/deps test)"
e2e_lab q189732
# e2e_lab applies the article's fix: take it back for the symptom
expect_rc 0 "$NTLAB" -C lab ntrights -r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV

cat > session.exp <<'EXP'
# expect -f session.exp PORT crlf|lf symptom|fixed
lassign $argv port mode phase
set timeout 15
log_user 0
log_file -a -noappend telnet-$mode-$phase.log
proc fail {why} {
    global expect_out
    puts stderr "FAILED ($::mode, $::phase): $why"
    if {[info exists expect_out(buffer)]} { puts stderr "last output: $expect_out(buffer)" }
    exit 1
}
# one reply line from the server (telnet may add a CR of its own in line mode)
proc reply {text} {
    expect {
        -ex "$text\r" { }
        timeout { fail "no \"$text\"" }
        eof { fail "connection closed before \"$text\"" }
    }
}
spawn telnet 127.0.0.1 $port
reply "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready"
if {$mode eq "lf"} {
    send "\035"
    expect {
        "telnet>" { }
        timeout { fail "no telnet> prompt" }
    }
    send "mode character\r"
    sleep 0.3
    send "\n"
    reply "-Err Protocol error"
    set eol "\n"
} else {
    set eol "\r"
}
send "USER CORP\\alice\\alice$eol"
reply "+OK"
send "PASS Passw0rd$eol"
if {$phase eq "symptom"} {
    reply "-Err A required privilege is not held by the client"
} else {
    reply "+OK User successfully logged on"
    send "STAT$eol"
    reply "+OK 3 731"
    send "RETR 2$eol"
    reply "..signature lines start with a dot and are sent as '..'"
    expect {
        -re "\n\\.\r" { }
        timeout { fail "RETR 2 did not end" }
    }
}
send "QUIT$eol"
reply "+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off"
expect {
    "Connection closed by foreign host." { }
    timeout { fail "the server did not close after QUIT" }
}
expect eof
exit 0
EXP

for mode in crlf lf; do
    timeout 60 expect -f session.exp "$PORT" "$mode" symptom ||
        die "telnet ($mode) symptom: $(tail -c 2000 "telnet-$mode-symptom.log" 2>/dev/null)"
done
grep -q 'logon USER user="CORP\\alice\\alice": FAILED win32=1314' lab/ntlab.log ||
    die "no 1314 logon in the log: $(cat lab/ntlab.log)"

# the article's fix, then the reboot
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
for mode in crlf lf; do
    timeout 60 expect -f session.exp "$PORT" "$mode" fixed ||
        die "telnet ($mode) after the fix: $(tail -c 2000 "telnet-$mode-fixed.log" 2>/dev/null)"
done
[ "$(grep -c 'logon USER user="CORP\\alice\\alice": OK' lab/ntlab.log)" = 2 ] ||
    die "two successful logons expected: $(cat lab/ntlab.log)"
expect_rc 0 "$NTLAB" -C lab down
