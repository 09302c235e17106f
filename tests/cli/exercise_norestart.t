# Session 6: the wrong solution "grant without restart" of q189732 fails
# live at store-token with its hint (the served store's token lacks the
# right); offline the goal is left to the served lab, neither passed (by
# booting a copy) nor failed (a stopped lab keeps no token on disk): `?`,
# no hint of it, exit 1, and what to run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
expect_rc 0 "$NTLAB" exercise start q189732 lab
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
first_unmet() { printf '%s\n' "$out" | sed -n 's/^  [✗?] \([a-z0-9-]*\).*/\1/p' | head -1; }
hint_of() { printf '%s\n' "$out" | sed -n 's/^next hint: //p'; }
want_hint='A token is a snapshot taken at logon: the store logged on when it started. What makes it start again?'

expect_rc 1 "$NTLAB" -C lab exercise check
expect_grep '^exercise q189732 \(seed 0, live\)'
expect_grep "^  ✗ store-token: no running service's token on EXCHSRV holds SeTcbPrivilege"
[ "$(first_unmet)" = store-token ] && [ "$(hint_of)" = "$want_hint" ] || die "live: $out"

# --offline while it is served: the daemon holds the token, not the disk
expect_rc 1 "$NTLAB" -C lab exercise check --offline
expect_grep '^exercise q189732 \(seed 0, offline\)'
expect_grep '^  \? store-token: not judged offline'
[ "$(first_unmet)" = store-token ] && [ -z "$(hint_of)" ] || die "offline, served: $out"
expect_line 'Every goal judged offline is met; the goals marked ? need the lab served (ntlab up), then exercise check again'
expect_rc 1 "$NTLAB" -C lab exercise check --offline --json
printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
g = {x["name"]: x for x in d["goals"]}
assert d["mode"] == "offline" and d["unjudged"] == 1, d
assert not g["store-token"]["met"] and not g["store-token"]["judged"], d
assert d["hint"] is None and d["explanation"] is None, d
' || die "json: $out"

# stopped: the same goal and hint, and nothing reads as met that was not
expect_rc 0 "$NTLAB" -C lab down
expect_rc 1 "$NTLAB" -C lab exercise check
expect_grep '^  \? store-token: not judged offline: .*ntlab -C lab up \(unless it runs\), then ntlab -C lab exercise check$'
[ "$(first_unmet)" = store-token ] && [ -z "$(hint_of)" ] || die "offline, stopped: $out"
expect_grep '^score: 3/4 \(75%\); 1 judged only on the served lab$'
expect_rc 0 "$NTLAB" -C lab exercise hint
expect_line 'No hint: every goal judged offline is met; the goals marked ? need the lab served (ntlab up), then exercise check again'

# the restart, live: now met
start_daemon lab --listen "127.0.0.1:$PORT"
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab exercise check
expect_line 'score: 4/4 (100%)'
expect_rc 0 "$NTLAB" -C lab down
