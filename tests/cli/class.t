# issue 16, classes: `ntlab class init` makes one lab per roster student
# with its own ports and modes (or nothing at all), `class up|down|status`
# serve them with one `ntlab up` each, `class report` reads each lab's
# progress.conf as text, CSV and JSON.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

# the class's daemons are killed by pid whatever happens
kill_class() {
    for p in C/labs/*/ntlab.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
    done
}
trap kill_class EXIT

# nine consecutive free ports (three students, three ports each)
BASE=$(python3 "$FREEPORT" --run 9 ${NTLAB_PORTS:+"$NTLAB_PORTS"})

# --- bad input: FILE:LINE, nothing created
printf '# the 1998 class\nalice:Alice Liddell\nbob Bob Smith\n' > bad.roster
expect_rc 1 "$NTLAB" class init C --preset q189732 --roster bad.roster
expect_line "ntlab: class init: bad.roster:3: missing ':' after the login (expected LOGIN:DISPLAY NAME[:SEED])"
printf 'alice:Alice:7\nbob:Bob:7\n' > bad.roster
expect_rc 1 "$NTLAB" class init C --preset q189732 --roster bad.roster
expect_line "ntlab: class init: bad.roster:2: seed 7 already given to 'alice' on line 1 (two students would get the same lab)"
expect_rc 1 "$NTLAB" class init C --preset q189732 --roster none.roster
expect_line "ntlab: class init: none.roster: No such file or directory"
printf 'alice:Alice Liddell\nbob:Bob Smith:42\ncarol:Carol \303\211mile\n' > roster
expect_rc 2 "$NTLAB" class init C --roster roster
expect_grep "^ntlab: usage: ntlab class init DIR"
expect_rc 2 "$NTLAB" class init C --preset q189732 --exercise x --roster roster
expect_rc 2 "$NTLAB" class init C --preset q189732 --roster roster --port-base 80
expect_line "ntlab: class init: --port-base '80' is not a port from 1024 to 65535"
expect_rc 1 "$NTLAB" class init C --preset q189732 --roster roster --port-base 65530
expect_line "ntlab: class init: --port-base 65530: 3 students need ports 65530-65538 (3 each), which must lie within 1024-65535"
# a student whose lab cannot be built: the labs made before it go too
expect_rc 1 "$NTLAB" class init C --preset nosuch --roster roster
expect_grep "^ntlab: class init: alice \(student 1\): 'ntlab init LAB --preset nosuch' failed \(exit [12]\); nothing was created"
expect_rc 1 "$NTLAB" class init C --exercise nosuch --roster roster
expect_grep "^ntlab: class init: alice \(student 1\): 'ntlab exercise start nosuch LAB --seed [0-9]+' failed"
[ -z "$(ls -A)" ] || [ "$(ls -A | sort | tr '\n' ' ')" = "bad.roster roster " ] ||
    die "a failed init left files: $(ls -A)"
mkdir C && touch C/x
expect_rc 1 "$NTLAB" class init C --preset q189732 --roster roster
expect_line "ntlab: class init: C is not empty (class init makes a new class in an empty or absent directory)"
rm -r C

# --- a class of three (an empty directory is fine)
mkdir C
expect_rc 0 "$NTLAB" class init C --preset q189732 --roster roster --port-base "$BASE"
expect_line "class C: 3 labs of preset q189732, ports $BASE-$((BASE + 8)); serve them with 'ntlab class up C'"
[ "$(stat -c %a C C/instructor C/labs C/labs/alice C/labs/carol)" = "711
700
711
750
750" ] || die "modes: $(stat -c '%n %a' C C/instructor C/labs C/labs/*)"
cmp -s roster C/instructor/roster || die "the roster was not kept"
grep -qx 'seed = 42' C/instructor/class.conf || die "bob's seed: $(cat C/instructor/class.conf)"
[ "$(grep -c '^seed = [0-9]' C/instructor/class.conf)" = 3 ] || die "seeds"
grep -qx "console = $((BASE + 8))" C/instructor/class.conf || die "carol's console port"
ls -A C/labs/alice | grep -q seed && die "a seed in the student's lab"
expect_rc 1 "$NTLAB" class init C --preset q189732 --roster roster
expect_grep "C is not empty"

# --- up, status, down
expect_rc 1 "$NTLAB" class status C
expect_line "0 of 3 labs served"
expect_rc 0 "$NTLAB" class up C
expect_line "class up: 3 started, 0 already running, 0 failed"
expect_rc 0 "$NTLAB" class status C
expect_line "3 of 3 labs served"
expect_grep "^bob +Bob Smith +running +[0-9]+ +$((BASE + 3)) +$((BASE + 4)) +$((BASE + 5))  -$"
for p in "$BASE" $((BASE + 3)) $((BASE + 6)); do
    printf 'QUIT\r\n' | pop "$p" > banner
    grep -q '^+OK Microsoft Exchange POP3 server version 5.0.1457.10' banner ||
        die "no POP3 banner on $p: $(cat banner)"
done
python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $((BASE + 1)))); print(s.recv(100).decode())" > smtp
grep -q '^220 ' smtp || die "no SMTP greeting: $(cat smtp)"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE + 2))/api/v1/machines?token=$(cat C/labs/alice/console.secret)" > code
[ "$(cat code)" = 200 ] || die "alice's console: $(cat code)"
expect_rc 0 "$NTLAB" class up C
expect_line "class up: 0 started, 3 already running, 0 failed"
# one lab's daemon dies: status says so, up restarts that one only
bobpid=$(cat C/labs/bob/ntlab.pid)
kill -9 "$bobpid"
gone "$bobpid" || die "bob's daemon did not die"
expect_rc 1 "$NTLAB" class status C
expect_grep "^bob +Bob Smith +stopped +- "
expect_rc 0 "$NTLAB" class up C
expect_line "class up: 1 started, 2 already running, 0 failed"
expect_rc 0 "$NTLAB" class down C
expect_line "class down: 3 stopped, 0 already stopped, 0 failed"
expect_rc 1 "$NTLAB" class status C
expect_line "0 of 3 labs served"
# a port taken by someone else: that lab fails, naming it, the others come up
python3 -c "
import socket, time, os, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $((BASE + 6)))); s.listen()
sys.stdout.write('ok\n'); sys.stdout.flush()
for _ in range(600):  # until the test says 'release' (at most 30 s)
    if os.path.exists('release'): break
    time.sleep(0.05)" > held 2>&1 &
HOLDER=$!
i=0; until grep -q ok held 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || die "holder"; sleep 0.1; done
expect_rc 1 "$NTLAB" class up C
expect_grep "^ntlab: class up: carol: 'ntlab up' failed \(exit 1\):"
expect_line "class up: 2 started, 0 already running, 1 failed"
touch release
wait "$HOLDER"
expect_rc 0 "$NTLAB" class down C

# --- report: nothing checked yet, then progress files
expect_rc 0 "$NTLAB" class report C
expect_grep "^alice +Alice Liddell +- +\(not checked yet\)$"
printf '# by hand\nstore-starts = 1998-07-01 09:12:00\npop3-logon = -\n' > C/labs/alice/progress.conf
expect_rc 0 "$NTLAB" class report C --csv
[ "$(printf '%s\n' "$out" | tr -d '\r')" = "login,name,goal,first_met
alice,Alice Liddell,store-starts,1998-07-01 09:12:00
alice,Alice Liddell,pop3-logon," ] || die "csv: $out"
expect_rc 0 "$NTLAB" class report C --json
printf '%s\n' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["preset"] == "q189732", r
a, b, c = r["students"]
assert a["login"] == "alice" and a["met"] == 1, a
assert a["goals"] == [{"goal": "store-starts", "first_met": "1998-07-01 09:12:00"},
                      {"goal": "pop3-logon", "first_met": None}], a
assert c["name"] == "Carol \u00c9mile" and c["goals"] == [], c
' || die "json: $out"
expect_rc 1 "$NTLAB" class status C
expect_grep "^alice .* 1/2$"
expect_grep "^carol +Carol Émile +stopped "
printf 'store-starts = yesterday\n' > C/labs/bob/progress.conf
expect_rc 1 "$NTLAB" class report C
expect_line "ntlab: class report: bob: C/labs/bob/progress.conf:1: 'yesterday' is neither a time nor '-'"

# --- a broken class.conf, usage
printf '[class]\nexercise = x\nport-base = 20000\n[student a]\npop3 = 99999\n' > C/instructor/class.conf
expect_rc 1 "$NTLAB" class status C
expect_line "ntlab: class status: C/instructor/class.conf:5: pop3 = '99999' is not a port"
expect_rc 1 "$NTLAB" class up nosuch
expect_line "ntlab: class up: nosuch is not a class directory (no instructor/class.conf; make one with 'ntlab class init')"
expect_rc 2 "$NTLAB" class
expect_line "ntlab: class: expected init, up, down, status or report (got '')"
expect_rc 2 "$NTLAB" class report C --xml
expect_line "ntlab: class report: unknown option '--xml'"

# --- a class of an exercise: each lab its own instance; report grades them
rm -rf C
printf 'alice:Alice Liddell\nbob:Bob Smith:42\n' > roster2
expect_rc 0 "$NTLAB" class init C --exercise q189732 --roster roster2 --port-base "$BASE"
grep -q '^seed = 42$' C/labs/bob/exercise.conf || die "bob's lab is not seed 42"
grep -q "^seed = 42$" C/labs/alice/exercise.conf && die "alice got bob's seed"
grep -q 'POP3 users get' C/instructor/logs/alice.start || die "no story kept"
ls C/labs/bob | grep -qi solution && die "a solution in a student's lab"
expect_rc 0 "$NTLAB" class up C
expect_rc 0 "$NTLAB" class report C
expect_grep "^bob +Bob Smith +pop3-logon +-$"
# bob fixes his lab (the live daemon's clock runs); alice does not
"$NTLAB" exercise solution q189732 --seed 42 --keys "$(dirname "$0")/../../src/exercises" |
    grep '^ntlab ' > fix
[ "$(wc -l < fix)" -ge 2 ] || die "no solution steps: $(cat fix)"
set -f # the steps' words as written: backslashes and all
while read -r _ cmd; do
    "$NTLAB" -C C/labs/bob $cmd > /dev/null || die "step failed: $cmd"
done < fix
set +f
expect_rc 0 "$NTLAB" class report C --csv
printf '%s\n' "$out" | tr -d '\r' | grep -qE '^bob,Bob Smith,pop3-logon,1998-07-01 [0-9:]{8}$' ||
    die "bob's pop3-logon not met: $out"
printf '%s\n' "$out" | tr -d '\r' | grep -qx 'alice,Alice Liddell,pop3-logon,' || die "alice: $out"
first=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^bob,Bob Smith,right-held,//p')
# the right revoked again: the goal is unmet now, its first time stays
"$NTLAB" -C C/labs/bob rights revoke 'HOOLI\EXADMIN' SeTcbPrivilege --focus MAIL50 > /dev/null 2>&1 ||
    "$NTLAB" -C C/labs/bob ntrights -r SeTcbPrivilege -u 'HOOLI\EXADMIN' -m '\\MAIL50' > /dev/null
expect_rc 1 "$NTLAB" -C C/labs/bob exercise check
expect_rc 0 "$NTLAB" class report C --csv
printf '%s\n' "$out" | tr -d '\r' | grep -qx "bob,Bob Smith,right-held,$first" ||
    die "the first time was not kept ($first): $out"
expect_rc 0 "$NTLAB" class status C
expect_grep "^bob .* 4/4$"
expect_rc 0 "$NTLAB" class down C
