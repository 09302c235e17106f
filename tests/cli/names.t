# Issue 12 §2: names as a new user types them. A DOMAIN\account or
# \\COMPUTER whose backslash an unquoted shell word lost is named in the
# error; -m / --focus take EXCHSRV as well as \\EXCHSRV; a right may be
# named by User Manager's display name; a misspelled right gets the nearest
# names; DOMAIN\user is accepted wherever a user is named.
. "$(dirname "$0")/lib.sh"
"$NTLAB" init L --preset q189732 >/dev/null
cd L

# (b) the shell ate a backslash: CORP\EXCHSVC -> CORPEXCHSVC, \\EXCHSRV -> \EXCHSRV
expect_rc 1 "$NTLAB" rights grant CORPEXCHSVC SeTcbPrivilege --focus EXCHSRV
expect_grep "no account 'CORPEXCHSVC'; did the shell eat a backslash\? quote it: 'CORP\\\\EXCHSVC'"
expect_rc 1 "$NTLAB" ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\EXCHSRV'
expect_grep "no machine '\\\\EXCHSRV'.*did the shell eat a backslash\? quote it: '\\\\\\\\EXCHSRV'"
expect_rc 1 "$NTLAB" rights list --focus '\EXCHSRV'
expect_grep "did the shell eat a backslash\? quote it: '\\\\\\\\EXCHSRV'"
expect_rc 1 "$NTLAB" user list --machine '\EXCHSRV'
expect_grep "did the shell eat a backslash"
expect_rc 1 "$NTLAB" group add-member Administrators CORPalice --machine EXCHSRV
expect_grep "quote it: 'CORP\\\\alice'"
expect_rc 1 "$NTLAB" user show CORPalice --machine EXCHSRV
expect_grep "quote it: 'CORP\\\\alice'"
expect_rc 1 "$NTLAB" mailbox add bob --owner CORPalice
expect_grep "quote it: 'CORP\\\\alice'"
expect_rc 1 "$NTLAB" logon --caller CORPEXCHSVC --machine EXCHSRV alice Passw0rd
expect_grep "quote it: 'CORP\\\\EXCHSVC'"
expect_rc 1 "$NTLAB" logon --machine EXCHSRV CORPalice Passw0rd
expect_grep "quote it: 'CORP\\\\alice'"
expect_rc 1 "$NTLAB" rights list BUILTINAdministrators
expect_grep "quote it: 'BUILTIN\\\\Administrators'"
# a name that is simply unknown gets no such hint
expect_rc 1 "$NTLAB" rights list nobody
expect_grep "no account 'nobody'"
printf '%s\n' "$out" | grep -q "backslash" && die "hint for a plain unknown name: $out"

# (c) -m and --focus: EXCHSRV as well as \\EXCHSRV
expect_rc 0 "$NTLAB" ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m EXCHSRV
expect_line 'Granting SeTcbPrivilege to CORP\EXCHSVC in \\EXCHSRV ... successful'
expect_rc 0 "$NTLAB" rights who SeTcbPrivilege --focus EXCHSRV
expect_grep '^CORP\\EXCHSVC '
expect_rc 0 "$NTLAB" rights who SeTcbPrivilege --focus '\\EXCHSRV'
expect_grep '^CORP\\EXCHSVC '
# display names (case-insensitive) where a right is named
expect_rc 0 "$NTLAB" rights who 'act as part of the OPERATING system' --focus EXCHSRV
expect_grep '^CORP\\EXCHSVC '
expect_rc 0 "$NTLAB" rights revoke 'CORP\EXCHSVC' 'Act as part of the operating system' --focus EXCHSRV
expect_line 'Revoking SeTcbPrivilege from CORP\EXCHSVC in \\EXCHSRV ... successful'
expect_rc 0 "$NTLAB" rights grant 'CORP\EXCHSVC' 'Act as part of the operating system' --focus EXCHSRV
expect_line 'Granting SeTcbPrivilege to CORP\EXCHSVC in \\EXCHSRV ... successful'
# ntrights keeps the Resource Kit's constant names, and says which one
expect_rc 2 "$NTLAB" ntrights +r 'Act as part of the operating system' -u 'CORP\EXCHSVC'
expect_grep "is SeTcbPrivilege"
# misspelled: the nearest names
expect_rc 1 "$NTLAB" rights who SeTcbPrivelege
expect_grep "unknown right 'SeTcbPrivelege' on Windows NT 4.0 \(1313 ERROR_NO_SUCH_PRIVILEGE: [^)]*\); did you mean SeTcbPrivilege \(\"Act as part of the operating system\"\)\?$"
expect_rc 1 "$NTLAB" rights grant 'CORP\EXCHSVC' setcbprivilege
expect_grep "did you mean SeTcbPrivilege\? \(constant names are case-sensitive\)"
expect_rc 1 "$NTLAB" ntrights +r SeServiceLogon -u 'CORP\EXCHSVC' -m EXCHSRV
expect_grep "did you mean SeServiceLogonRight"
expect_rc 1 "$NTLAB" rights who 'Act as part of the operating sytem'
expect_grep "did you mean SeTcbPrivilege"
expect_rc 1 "$NTLAB" rights who xyzzy
expect_line "ntlab: unknown right 'xyzzy' on Windows NT 4.0 (1313 ERROR_NO_SUCH_PRIVILEGE: A specified privilege does not exist.)"
expect_rc 1 "$NTLAB" rights who SeDenyNetworkLogonRight
expect_grep "unknown right 'SeDenyNetworkLogonRight' on Windows NT 4.0 \(new in Windows 2000; 1313 "

# (e) DOMAIN\user wherever a user is named
expect_rc 0 "$NTLAB" user show alice --machine CORPDC
expect_rc 0 "$NTLAB" user show 'CORP\alice'
expect_line "User name                    alice"
expect_rc 0 "$NTLAB" user show 'CORP\alice' --machine EXCHSRV
expect_line "User name                    alice"
expect_rc 0 "$NTLAB" user show '.\Administrator' --machine EXCHSRV
expect_rc 0 "$NTLAB" user show 'EXCHSRV\Administrator' --machine EXCHSRV
expect_rc 0 "$NTLAB" user show 'CORPDC\alice'
expect_rc 1 "$NTLAB" user show 'EXCHSRV\alice' --machine EXCHSRV
expect_grep "no user 'EXCHSRV.alice'"
expect_rc 1 "$NTLAB" user show 'OTHER\alice' --machine EXCHSRV
expect_grep "OTHER is neither this machine \(EXCHSRV\) nor its domain \(CORP\)"
expect_rc 0 "$NTLAB" user add 'CORP\bob' --password pw
expect_grep 'user CORP\\bob added'
expect_rc 0 "$NTLAB" user passwd 'CORP\bob' pw2 --machine EXCHSRV
expect_rc 0 "$NTLAB" user disable 'CORP\bob' --machine EXCHSRV
expect_rc 0 "$NTLAB" user show bob --machine CORPDC
expect_line "Account active               No"
expect_rc 0 "$NTLAB" user enable 'CORP\bob'
expect_rc 0 "$NTLAB" user unlock 'CORP\bob'
expect_rc 0 "$NTLAB" user set 'CORP\bob' --fullname Bob
expect_rc 0 "$NTLAB" logon --machine EXCHSRV --caller SYSTEM 'CORP\bob' pw2
expect_rc 0 "$NTLAB" group add-member Administrators 'CORP\bob' --machine EXCHSRV
expect_rc 0 "$NTLAB" user del 'CORP\bob' --machine EXCHSRV
expect_line 'user bob deleted'
expect_rc 1 "$NTLAB" user show bob --machine CORPDC
