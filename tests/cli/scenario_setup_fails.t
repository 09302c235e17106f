# Issue 14 item 6: a failed setup step stops the scenario with that one
# cause, and a session whose open failed does not fail again at every later
# line ("not connected"): the report names one cause, not a cascade.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
mkdir lib
cp "$scn"/lib/*.inc lib/
case_part='begin
open s1
s1 < +OK Microsoft Exchange POP3 server version 5.0.1457.10     ready
s1 > USER alice
s1 < +OK
s1 > QUIT
s1 closed'

# A bad machine name in the setup: its error, then nothing more.
printf '%s\n' 'include lib/corp-lab-fixed.inc' \
    'ntlab user add bob --password Passw0rd --machine NOSUCH' \
    'ntlab user add carol --password Passw0rd --machine NOSUCH' 'ntlab boot' "$case_part" > machine.scn
expect_rc 1 "$NTLAB" run machine.scn
expect_grep "^FAIL machine.scn:2: ntlab user exited 1, expected 0: ntlab: no machine 'NOSUCH' in lab .* \(in the setup: the scenario stopped here\)$"
expect_line "     +(the setup failed: the steps after this one did not run)"
printf '%s\n' "$out" | grep -q "carol\|boot\|not connected\|open s1" && die "steps after the failed setup step ran: $out"

# A failing grant in the setup.
printf '%s\n' 'include lib/corp-lab.inc' \
    'ntlab rights grant CORP\NOBODY SeTcbPrivilege --focus \\EXCHSRV' 'ntlab boot' "$case_part" > grant.scn
expect_rc 1 "$NTLAB" run grant.scn
expect_grep "^FAIL grant.scn:2: ntlab rights exited 1, expected 0: .*CORP.NOBODY.* \(in the setup: the scenario stopped here\)$"
printf '%s\n' "$out" | grep -q "not connected\|open s1" && die "a cascade after the failed grant: $out"

# A connect in the setup to a machine with no listener (a DC runs no store).
printf '%s\n' 'include lib/corp-lab-fixed.inc' 'ntlab boot' 'open s0 CORPDC' \
    's0 < +OK hello' 's0 > QUIT' "$case_part" > listener.scn
expect_rc 1 "$NTLAB" run listener.scn
expect_line "FAIL listener.scn:3: s0: connection refused (CORPDC has no Exchange store service) (in the setup: the scenario stopped here)"
printf '%s\n' "$out" | grep -q "not connected\|s0 > QUIT\|open s1" && die "a cascade after the failed open: $out"

# A store that fails to start (no "Log on as a service"): boot succeeds as
# on NT (events 7000/7013), so the case's open is the one failure; it names
# where to look, and the session's later lines are not failed again.
printf '%s\n' 'ntlab machine add SRV --role standalone --os nt4' \
    'ntlab service add MSExchangeIS --image msexchangeis --account SRV\nobody --password x --start auto --machine SRV' \
    'ntlab boot' "$case_part" 'open s2' 's2 > QUIT' 'close s2' > service.scn
expect_rc 1 "$NTLAB" run service.scn
expect_line "FAIL service.scn:5: s1: connection refused (the Exchange store on SRV is not running: see ntlab eventlog --log system --machine SRV)"
printf '%s\n' "$out" | grep -q "not connected" && die "not connected after a refused open: $out"
expect_line "     +open s2: connection refused (the Exchange store on SRV is not running: see ntlab eventlog --log system --machine SRV)"

# Without begin nothing is setup: the scenario goes on after a difference.
printf '%s\n' 'include lib/corp-lab-fixed.inc' 'ntlab user add bob --password Passw0rd --machine NOSUCH' \
    'ntlab user add carol --password Passw0rd --machine NOSUCH' > nobegin.scn
expect_rc 1 "$NTLAB" run nobegin.scn
expect_grep "^     \+\| ntlab: no machine 'NOSUCH'"
[ "$(printf '%s\n' "$out" | grep -c "no machine 'NOSUCH'")" -ge 3 ] || die "the second failure is not in the diff: $out"
