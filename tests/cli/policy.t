# ntlab policy: show, set (range-checked [System Access] keys) and import of
# a security template in a focus; every failure names its input.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init lab --name EXCHSRV --os nt4 --role member --domain CORP
expect_rc 0 "$NTLAB" -C lab policy show --focus CORP
expect_line "Account policy of CORP (Windows NT 4.0):"
expect_line "  MaximumPasswordAge = 42"
expect_line "  LockoutBadCount = 0"
expect_rc 0 "$NTLAB" -C lab policy set LockoutBadCount=3 lockoutduration=30 --focus CORP
expect_line "Setting LockoutBadCount = 3 in CORP ... successful"
expect_line "Setting LockoutDuration = 30 in CORP ... successful"
expect_rc 0 "$NTLAB" -C lab policy show --focus CORP
expect_line "  LockoutBadCount = 3"
# Durable, in the domain's template.
grep -q '^LockoutBadCount = 3' lab/domains/CORP/policy.inf || die "not in the domain's policy.inf"
# The member server's own policy is another one.
expect_rc 0 "$NTLAB" -C lab policy show --focus '\\EXCHSRV'
expect_line "  LockoutBadCount = 0"

expect_rc 2 "$NTLAB" -C lab policy set NoSuchKey=1 --focus CORP
expect_grep "unknown key 'NoSuchKey'"
expect_rc 2 "$NTLAB" -C lab policy set LockoutBadCount=x --focus CORP
expect_grep "bad value 'x' for LockoutBadCount"
expect_rc 2 "$NTLAB" -C lab policy set LockoutBadCount --focus CORP
expect_grep "'LockoutBadCount' is not KEY=VALUE"
expect_rc 2 "$NTLAB" -C lab policy set LockoutBadCount=100000 --focus CORP
expect_rc 1 "$NTLAB" -C lab policy show --focus NOSUCH
expect_grep "no domain or computer 'NOSUCH'"
expect_rc 1 "$NTLAB" -C lab policy show --focus '\\CORPDC'
expect_grep "is a domain controller"
expect_rc 2 "$NTLAB" -C lab policy frobnicate
expect_rc 2 "$NTLAB" -C lab policy

# Import: [System Access] keys set, each listed right gets exactly its holders.
cat > t.inf <<'INF'
[Unicode]
Unicode=yes
[Version]
signature="$CHICAGO$"
Revision=1
[System Access]
MaximumPasswordAge = 10
[Privilege Rights]
SeNetworkLogonRight = *S-1-5-32-544
SeTcbPrivilege = CORP\Administrator
INF
expect_rc 0 "$NTLAB" -C lab policy import t.inf --focus '\\EXCHSRV'
expect_line "Importing t.inf into \\\\EXCHSRV: 1 account policy, 2 rights ... successful"
expect_rc 0 "$NTLAB" -C lab rights who SeNetworkLogonRight --focus '\\EXCHSRV'
expect_line "BUILTIN\\Administrators (S-1-5-32-544)"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || die "Everyone kept SeNetworkLogonRight: $out"
expect_rc 0 "$NTLAB" -C lab rights who SeTcbPrivilege --focus '\\EXCHSRV'
expect_grep "^CORP\\\\Administrator "
expect_rc 0 "$NTLAB" -C lab policy show --focus '\\EXCHSRV'
expect_line "  MaximumPasswordAge = 10"
# Rights the template does not list keep their holders.
expect_rc 0 "$NTLAB" -C lab rights who SeShutdownPrivilege --focus '\\EXCHSRV'
expect_grep "Everyone"

# An unknown account changes nothing; a malformed template names its line.
printf '[Version]\nsignature="$CHICAGO$"\n[System Access]\nMaximumPasswordAge = 20\n[Privilege Rights]\nSeTcbPrivilege = CORP\\nobody\n' > bad.inf
expect_rc 1 "$NTLAB" -C lab policy import bad.inf --focus '\\EXCHSRV'
expect_grep "bad.inf: no account 'CORP\\\\nobody'"
expect_rc 0 "$NTLAB" -C lab policy show --focus '\\EXCHSRV'
expect_line "  MaximumPasswordAge = 10"
printf '[Version]\nsignature="$CHICAGO$"\n[Privilege Rights]\nSeNoSuchRight = *S-1-1-0\n' > worse.inf
expect_rc 1 "$NTLAB" -C lab policy import worse.inf --focus '\\EXCHSRV'
expect_grep "worse.inf:4: "
expect_rc 1 "$NTLAB" -C lab policy import missing.inf --focus '\\EXCHSRV'
expect_grep "missing.inf: No such file or directory"
