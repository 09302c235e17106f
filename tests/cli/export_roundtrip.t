# Issue 19: ntlab export. For every scenario of the library: run it,
# export its final lab (run --export-final), run that export, export
# again: the two files are byte-identical. Then the bad inputs: a lab with
# a corrupt file (FILE:LINE, nothing written), secrets declared twice or
# malformed, --nt-hash that is not a hash; and a secret never shows in -v.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
n=$(ls "$scn"/*.scn | wc -l)

expect_rc 0 "$NTLAB" run -j 2 --export-final e1 "$scn"
expect_line "$n passed, 0 failed"
[ "$(ls e1 | wc -l)" = "$n" ] || die "expected $n exports in e1"
expect_rc 0 "$NTLAB" run -j 2 --export-final e2 e1
expect_line "$n passed, 0 failed"
diff -r e1 e2 || die "export -> run -> export is not byte-identical"

# The founding scenario's export: header, secrets declared once, the grant
# it made, the reboot's effect (running), and placeholders in the steps.
f=e1/q189732.scn
grep -q '^# Exported by ntlab .* on 1998-07-01 09:00:00 UTC from lab q189732 (ntlab export)\.$' $f ||
    die "header"
[ "$(grep -c '^secret PW_EXCHSRV_MSExchangeIS Exch4nge!$' $f)" = 1 ] || die "secret declared once"
grep -q '^ntlab rights grant CORP\\EXCHSVC SeTcbPrivilege SeServiceLogonRight --focus EXCHSRV$' $f ||
    die "rights per focus"
grep -q -- '--password ${PW_EXCHSRV_MSExchangeIS} --start auto' $f || die "service password placeholder"
grep -q '^ntlab boot --machine EXCHSRV$' $f || die "running machines boot"
grep -q '^ntlab user add alice --nt-hash ${NTHASH_CORP_alice} --machine CORPDC$' $f || die "user"

# Reports mask what stands for a password: -v shows no hash, no password.
expect_rc 0 "$NTLAB" run -v e1/q189732.scn
hash=$(sed -n 's/^secret NTHASH_CORP_alice //p' $f)
[ -n "$hash" ] || die "no hash declared"
expect_grep 'user add alice --nt-hash \*{8} --machine CORPDC'
! printf '%s\n' "$out" | grep -q "$hash" || die "an NT hash in the report"
! printf '%s\n' "$out" | grep -q 'Exch4nge!' || die "a service password in the report"

# export -C LAB -o FILE: the same text as the hook (name and date given).
expect_rc 0 "$NTLAB" run --prepare lab "$scn/q189732.scn"
expect_rc 0 "$NTLAB" -C lab export -o out.scn --name demo --date 0
grep -q '^# Exported by ntlab .* on 1970-01-01 00:00:00 UTC from lab demo ' out.scn || die "-o header"
expect_rc 0 "$NTLAB" run out.scn
expect_line "1 passed, 0 failed"

# A corrupt file: FILE:LINE, exit 1, nothing written (not even a temp).
printf 'garbage line\n' >> lab/EXCHSRV/services.conf
expect_rc 1 "$NTLAB" -C lab export -o bad.scn
expect_grep "services.conf:[0-9]+: "
[ ! -e bad.scn ] || die "export wrote a file for a corrupt lab"
[ -z "$(ls | grep '^bad\.scn')" ] || die "a temp file was left"
expect_rc 2 "$NTLAB" -C lab export --date yesterday
expect_grep "bad --date 'yesterday'"

# Secrets: declared twice, a bad name, an empty value; --nt-hash checked.
printf 'secret A x\nsecret A y\nbegin\n' > twice.scn
expect_rc 1 "$NTLAB" run twice.scn
expect_grep "twice.scn:2: secret A declared twice"
printf 'secret 1A x\nbegin\n' > badname.scn
expect_rc 1 "$NTLAB" run badname.scn
expect_grep "badname.scn:1: usage: secret NAME VALUE"
printf 'secret A\nbegin\n' > novalue.scn
expect_rc 1 "$NTLAB" run novalue.scn
expect_grep "novalue.scn:1: usage: secret NAME VALUE"
# An undeclared ${X} stays as written (it fails here as a bad hash).
printf 'ntlab machine add M --role standalone --os nt4\nntlab user add bob --nt-hash ${X}\nexit 2\nhas {{.*}}bad --nt-hash {{.*}}\nbegin\n' > undeclared.scn
expect_rc 0 "$NTLAB" run undeclared.scn
expect_line "1 passed, 0 failed"
