# KB Q166620 over real TCP against `ntlab up`: the store's credentials cache
# lets a changed password log on until the entry is idle past the
# Credentials Cache Idle Limit (the daemon's lab clock, moved with `clock
# advance`); `status` shows entries, hits and misses; a restart empties the
# cache; "Credentials Cache Size = 0" in exchange.conf turns it off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
# the article's fix first, so clear-text logons reach LogonUser's account checks
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
ok='+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n+OK\r\n+OK User successfully logged on\r\n+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off\r\n'
bad='+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n+OK\r\n-Err Logon failure: unknown user name or bad password\r\n+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off\r\n'
printf "$ok" > want_ok
printf "$bad" > want_bad
logon() { printf 'User CORP\\alice\\alice\nPass %s\nQUIT\n' "$1" | pop "$PORT" > got; }

expect_rc 0 "$NTLAB" -C lab status
expect_line "      credentials cache: 0 entries of 256 buckets, 0 hits, 0 misses (age limit 120 min, idle limit 15 min)"
logon Passw0rd; expect_bytes want_ok got
expect_rc 0 "$NTLAB" -C lab user passwd alice N3w-passw0rd --machine CORPDC
logon Passw0rd; expect_bytes want_ok got       # the cache: no LogonUser
expect_rc 0 "$NTLAB" -C lab status
expect_line "      credentials cache: 1 entries of 256 buckets, 1 hits, 1 misses (age limit 120 min, idle limit 15 min)"
# the same through the control socket's service list
expect_rc 0 "$NTLAB" -C lab service list --tokens --machine EXCHSRV
expect_line "  credentials cache: 1 entries of 256 buckets, 1 hits, 1 misses (age limit 120 min, idle limit 15 min)"

# idle past the limit on the daemon's clock: the old password is refused
expect_rc 0 "$NTLAB" -C lab clock advance 16m
logon Passw0rd; expect_bytes want_bad got
logon N3w-passw0rd; expect_bytes want_ok got

# a restart of the store empties it
expect_rc 0 "$NTLAB" -C lab service restart MSExchangeIS --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab status
expect_line "      credentials cache: 0 entries of 256 buckets, 0 hits, 0 misses (age limit 120 min, idle limit 15 min)"

# size 0 turns it off at the next start: the old password fails at once
printf 'persona = q189732\nCredentials Cache Size = 0\n' > lab/EXCHSRV/exchange.conf
expect_rc 0 "$NTLAB" -C lab service restart MSExchangeIS --machine EXCHSRV
logon N3w-passw0rd; expect_bytes want_ok got
expect_rc 0 "$NTLAB" -C lab user passwd alice Th1rd --machine CORPDC
logon N3w-passw0rd; expect_bytes want_bad got
expect_rc 0 "$NTLAB" -C lab status
expect_line "      credentials cache: off (Credentials Cache Size = 0)"

# a bad value: the store does not start, and says why in the event log
printf 'Credentials Cache Size = lots\n' > lab/EXCHSRV/exchange.conf
expect_rc 1 "$NTLAB" -C lab service restart MSExchangeIS --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab eventlog --log application --machine EXCHSRV
expect_grep "cannot read its settings: .*exchange.conf:1: Credentials Cache Size: expected a number from 0 to 65536"
expect_rc 0 "$NTLAB" -C lab down
