# Issue 16, exercises: every exercise's solution meets every goal and every
# wrong solution leaves the goal it names unmet with that goal's hint
# (in-process, `exercise test`); then one student's round: start, check
# offline (text and JSON), hint, the fix, reset; seeds; the same check on a
# lab served by `ntlab up` (live, two at once); bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
keys=$root/src/exercises
all=$(cd "$keys" && ls *.exercise | sed 's/\.exercise$//')
n=$(printf '%s\n' $all | wc -l)
[ "$n" -ge 10 ] || die "only $n exercises"

# the library, from the binary
expect_rc 0 "$NTLAB" exercise list
for e in $all; do expect_grep "^$e +"; done
expect_grep "^q189732 +Q189732 +2 +POP3 users get"

# every solution to 100%, every wrong solution to its goal (exit 0 only then)
expect_rc 0 "$NTLAB" exercise test $all --keys "$keys"
[ "$(printf '%s\n' "$out" | grep -c '^ok   .* solution: ')" = "$n" ] || die "solutions: $out"
printf '%s\n' "$out" | grep -q '^FAIL' && die "$out"
expect_line "ok   q189732 wrong no-restart: first unmet store-token (wanted store-token); hint: A token is a snapshot taken at logon: the store logged on when it started. What makes it start again?"
# a wrong solution that is in fact right fails the test
mkdir k2 && cp "$keys"/q189732.solution k2/
printf 'wrong not-wrong least-privilege <<END\nntlab ntrights +r SeTcbPrivilege -u ${DOMAIN}\\${SVC} -m \\\\${SERVER}\nntlab reboot --machine ${SERVER}\nEND\n' >> k2/q189732.solution
expect_rc 1 "$NTLAB" exercise test q189732 --keys k2
expect_grep "^FAIL q189732 wrong not-wrong: first unmet none \(wanted least-privilege\)"

# a student's round, offline
expect_rc 0 "$NTLAB" exercise start q189732 lab
expect_line 'alice reports: "Since we moved Exchange to the new server EXCHSRV, Outlook'
[ -f lab/exercise.conf ] || die "no exercise.conf"
expect_rc 1 "$NTLAB" -C lab exercise check
expect_grep "^exercise q189732 \(seed 0, offline\)"
expect_line "score: 0/4 (0%); 1 judged only on the served lab"
expect_grep "✗ pop3-logon: the POP3 logon as CORP.alice.alice on EXCHSRV does not succeed -- .*A required privilege is not held by the client"
expect_grep "^next hint: The store calls LogonUser"
expect_rc 1 "$NTLAB" -C lab exercise check --json
printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["exercise"] == "q189732" and d["seed"] == 0 and d["score"] == 0, d
assert [g["name"] for g in d["goals"]] == ["right-held", "store-token", "pop3-logon", "least-privilege"], d
assert not any(g["met"] for g in d["goals"]) and d["hint"].startswith("The store calls"), d
assert [g["judged"] for g in d["goals"]] == [True, False, True, True] and d["unjudged"] == 1, d
' || die "json: $out"
# hints in order, for the first unmet goal
expect_rc 0 "$NTLAB" -C lab exercise hint
expect_grep "^The store calls LogonUser"
expect_rc 0 "$NTLAB" -C lab exercise hint
expect_grep "^On a member server, User Manager for Domains must be focused on the server itself"
# the solution is the instructor's: not without the keys
expect_rc 2 "$NTLAB" exercise solution q189732
expect_grep "give --keys DIR"
expect_rc 0 "$NTLAB" exercise solution q189732 --keys "$keys"
expect_line 'ntlab ntrights +r SeTcbPrivilege -u CORP\EXCHSVC -m \\EXCHSRV'
# the grant to Everyone: the store's token holds it, least privilege explains
expect_rc 0 "$NTLAB" -C lab rights grant Everyone SeTcbPrivilege --focus '\\EXCHSRV'
expect_rc 1 "$NTLAB" -C lab exercise check
expect_grep "✗ least-privilege: SeTcbPrivilege went to Everyone in ..EXCHSRV"
expect_grep "\? store-token: not judged offline"
expect_rc 0 "$NTLAB" -C lab rights revoke Everyone SeTcbPrivilege --focus '\\EXCHSRV'
# the fix (offline the check boots a copy, as ntlab up would)
# offline every goal but the store's token is met; that one is left to the
# served lab (a stopped lab keeps no token on disk), which then meets it
expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 1 "$NTLAB" -C lab exercise check
expect_line "score: 3/4 (75%); 1 judged only on the served lab"
expect_grep "^  \? store-token: not judged offline: .* ntlab -C lab up \(unless it runs\), then ntlab -C lab exercise check$"
# the check changed nothing in the lab (it ran on a copy)
[ -z "$(ls lab/EXCHSRV/eventlog | xargs -I{} grep -l ntlab-probe lab/EXCHSRV/eventlog/{} 2>/dev/null)" ] ||
    die "the offline check wrote into the student's lab"
PORT=$(free_port)
start_daemon lab --listen "127.0.0.1:$PORT"
expect_rc 0 "$NTLAB" -C lab exercise check
expect_line "score: 4/4 (100%)"
expect_grep "^All goals met. Q189732"
expect_rc 0 "$NTLAB" -C lab down
# reset: back to the broken lab
expect_rc 0 "$NTLAB" -C lab exercise reset
expect_rc 1 "$NTLAB" -C lab exercise check
expect_line "score: 0/4 (0%); 1 judged only on the served lab"

# seeds: the same seed, the same names; another seed, others
expect_rc 0 "$NTLAB" exercise start q189732 s7a --seed 7
story7=$out
expect_rc 0 "$NTLAB" exercise start q189732 s7b --seed 7
[ "$out" = "$(printf '%s\n' "$story7" | sed 's/s7a/s7b/g')" ] || die "seed 7 twice differs"
expect_rc 0 "$NTLAB" exercise start q189732 s8 --seed 8
[ "$(printf '%s\n' "$out" | head -8)" != "$(printf '%s\n' "$story7" | head -8)" ] || die "seeds 7 and 8 alike"
printf '%s\n' "$story7" | grep -q "CORP\|EXCHSRV\|alice" && die "seed 7 kept the article's names: $story7"
expect_rc 0 "$NTLAB" -C s7a exercise solution q189732 --seed 7 --keys "$keys"
sol=$(printf '%s\n' "$out" | grep '^ntlab ntrights')
set -- $(printf '%s\n' "$sol" | sed 's/^ntlab //')
expect_rc 0 "$NTLAB" -C s7a "$@"
expect_rc 1 "$NTLAB" -C s7a exercise check
expect_line "score: 3/4 (75%); 1 judged only on the served lab"
expect_grep "^exercise q189732 \(seed 7, offline\)"

# live: the lab served by ntlab up, the check through its control socket
expect_rc 0 "$NTLAB" exercise start member-focus live
PORT=$(free_port)
start_daemon live --listen "127.0.0.1:$PORT"
expect_rc 1 "$NTLAB" -C live exercise check
expect_grep "^exercise member-focus \(seed 0, live\)"
expect_grep "✗ right-held"
expect_rc 0 "$NTLAB" -C live ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
expect_rc 1 "$NTLAB" -C live exercise check
expect_grep "✓ right-held"
expect_grep "✗ store-token: no running service's token on EXCHSRV holds SeTcbPrivilege"
expect_rc 0 "$NTLAB" -C live reboot --machine EXCHSRV
# two checks at once
"$NTLAB" -C live exercise check > c1 2>&1 & p1=$!
"$NTLAB" -C live exercise check > c2 2>&1 & p2=$!
wait $p1 || die "check 1: $(cat c1)"
wait $p2 || die "check 2: $(cat c2)"
grep -q "score: 4/4 (100%)" c1 && grep -q "score: 4/4 (100%)" c2 || die "$(cat c1 c2)"
expect_rc 1 "$NTLAB" -C live exercise reset
expect_grep "is served by ntlab up"
expect_rc 0 "$NTLAB" -C live down

# bad input: FILE:LINE, nothing created
mkdir ex
printf 'title T\nkb Q1 x\ndifficulty 9\n' > ex/bad.exercise
expect_rc 1 "$NTLAB" exercise start bad b1 --exercises ex
expect_line "ntlab: ex/bad.exercise:3: difficulty wants a number 1-5"
[ ! -e b1 ] || die "a lab was created from a bad exercise"
sed 's/^goal pop3-logon pop3 .*/goal pop3-logon pop3 ${SERVER} ${NOPE}/' "$keys"/q189732.exercise > ex/bad.exercise
expect_rc 1 "$NTLAB" exercise start bad b1 --exercises ex
expect_grep "^ntlab: ex/bad.exercise:[0-9]+: goal kind pop3 takes 3 to 3 words, not 2"
sed 's/^ntlab boot$/ntlab bogus-command/' "$keys"/q189732.exercise > ex/bad.exercise
expect_rc 1 "$NTLAB" exercise start bad b1 --exercises ex
line=$(grep -n '^ntlab bogus-command$' ex/bad.exercise | cut -d: -f1)
expect_grep "^ntlab: exercise bad: the lab was not built: ex/bad.exercise:$line: ntlab bogus-command exited 2"
[ ! -e b1 ] || die "a lab was created from a bad exercise"
expect_rc 1 "$NTLAB" exercise start no-such-exercise b1
expect_line "ntlab: no exercise 'no-such-exercise' (ntlab exercise list)"
expect_rc 2 "$NTLAB" exercise start '../x' b1
mkdir full && echo x > full/file
expect_rc 1 "$NTLAB" exercise start q189732 full
expect_grep "is not empty"
expect_rc 1 "$NTLAB" -C full exercise check
expect_grep "exercise.conf"
