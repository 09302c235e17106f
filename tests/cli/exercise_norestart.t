# Session 6: the wrong solution "grant without restart" of q189732 fails
# the same goal with the same hint live (the served store's token lacks the
# right) and offline (a stopped lab keeps no token on disk, so the goal is
# left to the served lab instead of being passed by booting a copy).
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
[ "$(first_unmet)" = store-token ] && [ "$(hint_of)" = "$want_hint" ] || die "offline, served: $out"
expect_rc 1 "$NTLAB" -C lab exercise check --offline --json
printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
g = {x["name"]: x for x in d["goals"]}
assert d["mode"] == "offline" and d["unjudged"] == 1, d
assert not g["store-token"]["met"] and not g["store-token"]["judged"], d
assert d["hint"].startswith("A token is a snapshot"), d
' || die "json: $out"

# stopped: the same goal and hint, and nothing reads as met that was not
expect_rc 0 "$NTLAB" -C lab down
expect_rc 1 "$NTLAB" -C lab exercise check
expect_grep '^  \? store-token: not judged offline: .*ntlab -C lab up \(unless it runs\), then ntlab -C lab exercise check$'
[ "$(first_unmet)" = store-token ] && [ "$(hint_of)" = "$want_hint" ] || die "offline, stopped: $out"
expect_grep '^score: 3/4 \(75%\); 1 judged only on the served lab$'

# the restart, live: now met
start_daemon lab --listen "127.0.0.1:$PORT"
expect_rc 0 "$NTLAB" -C lab reboot --machine EXCHSRV
expect_rc 0 "$NTLAB" -C lab exercise check
expect_line 'score: 4/4 (100%)'
expect_rc 0 "$NTLAB" -C lab down
