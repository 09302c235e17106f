# rights / ntrights / user / group command-line behaviour and errors.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init L --name SRV --os nt4 --role standalone
expect_rc 0 "$NTLAB" -C L user add bob --password x --group Administrators
# ntrights names are case-sensitive
expect_rc 1 "$NTLAB" -C L ntrights +r setcbprivilege -u bob
expect_grep "unknown right 'setcbprivilege'"
# NT 4.0 has no deny rights
expect_rc 1 "$NTLAB" -C L rights grant bob SeDenyNetworkLogonRight
expect_grep "unknown right 'SeDenyNetworkLogonRight' on Windows NT 4.0"
expect_rc 1 "$NTLAB" -C L rights grant nobody SeTcbPrivilege
expect_grep "no account 'nobody'"
expect_rc 0 "$NTLAB" -C L rights grant bob SeTcbPrivilege SeBatchLogonRight
expect_rc 0 "$NTLAB" -C L rights list bob --display
expect_line "  Act as part of the operating system"
expect_line "  Log on as a batch job"
expect_rc 0 "$NTLAB" -C L rights who SeTcbPrivilege
expect_grep "^SRV.bob "
expect_rc 0 "$NTLAB" -C L rights who SeCreateTokenPrivilege
expect_grep "nobody holds SeCreateTokenPrivilege"
expect_rc 0 "$NTLAB" -C L rights revoke bob --all
expect_rc 0 "$NTLAB" -C L rights list bob
expect_line "  no rights of its own"
expect_rc 1 "$NTLAB" -C L rights revoke bob SeTcbPrivilege
expect_grep "holds no rights"
expect_rc 2 "$NTLAB" -C L rights grant bob
expect_rc 2 "$NTLAB" -C L ntrights +r SeTcbPrivilege
# the default policy: Everyone may log on from the network
expect_rc 0 "$NTLAB" -C L rights who SeNetworkLogonRight
expect_grep "^Everyone "
# users and groups
expect_rc 1 "$NTLAB" -C L user add bob --password y
expect_grep "cannot add user 'bob'"
expect_rc 2 "$NTLAB" -C L user add carol
expect_rc 1 "$NTLAB" -C L user add 'bad/name' --password y
expect_rc 0 "$NTLAB" -C L group add Mailers --comment "mail people"
expect_rc 0 "$NTLAB" -C L group add-member Mailers bob
expect_rc 0 "$NTLAB" -C L group list Mailers
expect_line "SRV\\bob"
expect_rc 1 "$NTLAB" -C L group add-member Mailers bob
expect_rc 1 "$NTLAB" -C L group del Administrators
expect_rc 0 "$NTLAB" -C L user disable bob
expect_rc 1 "$NTLAB" -C L logon bob x
expect_line "1331 ERROR_ACCOUNT_DISABLED: Logon failure: account currently disabled."
expect_rc 0 "$NTLAB" -C L user enable bob
expect_rc 0 "$NTLAB" -C L logon bob x
# not a lab
expect_rc 1 "$NTLAB" -C nowhere user list
expect_grep "nowhere is not a lab"
expect_rc 1 "$NTLAB" init L --name SRV2
expect_grep "already holds a lab"
# a malformed policy is reported with file and line and left untouched
printf '[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature="$CHICAGO$"\r\nRevision=1\r\n[Privilege Rights]\r\nSeTcbPrivilege *S-1-5-32-544\r\n' > L/SRV/policy.inf
cp L/SRV/policy.inf before.inf
expect_rc 1 "$NTLAB" -C L rights grant bob SeTcbPrivilege
expect_grep "policy.inf:7"
cmp -s before.inf L/SRV/policy.inf || die "malformed policy.inf was rewritten"
