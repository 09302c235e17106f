# Issue 12 §2: `--preset Q189732` (the KB's spelling) is accepted; a command
# run where there is no lab never suggests `ntlab init` in a directory that
# holds other files (a source tree), and points at a lab next to it.
. "$(dirname "$0")/lib.sh"
# preset names are case-insensitive
expect_rc 0 "$NTLAB" init P --preset Q189732
expect_grep "preset q189732"
[ -f P/lab.conf ] || die "no lab made by --preset Q189732"
expect_rc 2 "$NTLAB" init P2 --preset nosuch
expect_grep "unknown preset 'nosuch'"

# a source tree: Makefile, .git, no lab.conf
mkdir -p src/.git && touch src/Makefile
cd src
expect_rc 1 "$NTLAB" status
printf '%s\n' "$out" | grep -q "init \.'" && die "suggests 'ntlab init .' in a source tree: $out"
printf '%s\n' "$out" | grep -q "init \. " && die "suggests 'ntlab init .' in a source tree: $out"
expect_grep "is not a lab"
expect_grep "'ntlab init lab'"
# with a lab beside (make run's lab/), that one is named
"$NTLAB" init lab --name EXCHSRV >/dev/null
expect_rc 1 "$NTLAB" user list
expect_grep "'ntlab -C lab "
printf '%s\n' "$out" | grep -q "ntlab init" && die "suggests init although lab/ is a lab: $out"
cd ..
# an empty or missing directory may become the lab
mkdir empty
expect_rc 1 "$NTLAB" -C empty status
expect_grep "create one with 'ntlab init empty'"
expect_rc 1 "$NTLAB" -C nowhere user list
expect_grep "create one with 'ntlab init nowhere'"
