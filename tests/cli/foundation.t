# Issue 2's end-to-end session: the 1314 failure, the ntrights grant, success,
# the grant in policy.inf, and XP without the requirement.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init L --name EXCHSRV --os nt4 --role standalone
expect_rc 0 "$NTLAB" -C L user add EXCHSVC --password Svc1
expect_rc 0 "$NTLAB" -C L user add alice --password pw
expect_rc 1 "$NTLAB" -C L logon --caller EXCHSVC alice pw
expect_line "1314 ERROR_PRIVILEGE_NOT_HELD: A required privilege is not held by the client."
expect_rc 0 "$NTLAB" -C L ntrights +r SeTcbPrivilege -u EXCHSVC
expect_grep "Granting SeTcbPrivilege to EXCHSRV.EXCHSVC"
expect_rc 0 "$NTLAB" -C L logon --caller EXCHSVC alice pw
expect_grep "^User: +EXCHSRV.alice +S-1-5-21-[0-9]+-[0-9]+-[0-9]+-100[0-9]$"
expect_grep "SeChangeNotifyPrivilege +Enabled by default"
expect_grep "Everyone"
# policy.inf names EXCHSVC's SID on the SeTcbPrivilege line
sid=$("$NTLAB" -C L user show EXCHSVC | sed -n 's/^SID  *//p')
[ -n "$sid" ] || die "no SID for EXCHSVC"
grep -q "^SeTcbPrivilege = .*\*$sid" L/EXCHSRV/policy.inf || die "policy.inf lacks SeTcbPrivilege = *$sid:
$(cat L/EXCHSRV/policy.inf)"
grep -q 'signature="\$CHICAGO\$"' L/EXCHSRV/policy.inf || die "policy.inf has no \$CHICAGO\$ signature"
# wrong password and unknown user after the fix: 1326
expect_rc 1 "$NTLAB" -C L logon --caller EXCHSVC alice wrong
expect_line "1326 ERROR_LOGON_FAILURE: Logon failure: unknown user name or bad password."
expect_rc 1 "$NTLAB" -C L logon --caller EXCHSVC nobody pw
expect_line "1326 ERROR_LOGON_FAILURE: Logon failure: unknown user name or bad password."
# revoke: back to 1314
expect_rc 0 "$NTLAB" -C L rights revoke EXCHSVC SeTcbPrivilege
expect_rc 1 "$NTLAB" -C L logon --caller EXCHSVC alice pw
expect_line "1314 ERROR_PRIVILEGE_NOT_HELD: A required privilege is not held by the client."
# Windows XP dropped the requirement
expect_rc 0 "$NTLAB" init X --name WS1 --os xp --role standalone
expect_rc 0 "$NTLAB" -C X user add EXCHSVC --password Svc1
expect_rc 0 "$NTLAB" -C X user add alice --password pw
expect_rc 0 "$NTLAB" -C X logon --caller EXCHSVC alice pw
