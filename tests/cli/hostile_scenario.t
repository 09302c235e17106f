# Issue 12 §3: a scenario (shared as a bug report) reads files only inside
# its own directory tree: include and the file arguments of its ntlab steps
# (mail deliver, policy import) are relative to the file that names them,
# symlinks resolved, compared by whole path components. The text of a file
# that is not a scenario never appears in an error. --allow-outside-files
# lifts the rule.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
mkdir -p sc/lib sc2 elsewhere
cp "$scn"/lib/*.inc sc/lib/
printf 'title x\n' > sc2/x.inc
printf 'secret-line-1\n' > elsewhere/secret.txt
printf 'title x\n' > elsewhere/frag.inc
ln -s ../../elsewhere/frag.inc sc/lib/link.inc

printf 'title passwd\ninclude ../../../../../../../../etc/passwd\n' > sc/passwd.scn
expect_rc 1 "$NTLAB" run sc/passwd.scn
expect_grep "^FAIL sc/passwd.scn:2: include .*/etc/passwd: outside the scenario's directory $PWD/sc \(ntlab run --allow-outside-files lifts this\)$"
printf '%s\n' "$out" | grep -q 'root:' && die "a line of /etc/passwd was quoted: $out"
printf 'title link\ninclude lib/link.inc\n' > sc/link.scn
expect_rc 1 "$NTLAB" run sc/link.scn
expect_grep "^FAIL sc/link.scn:2: include sc/lib/link.inc: outside the scenario's directory"
# "sc2" starts with "sc" but is not inside it
printf 'title prefix\ninclude ../sc2/x.inc\n' > sc/prefix.scn
expect_rc 1 "$NTLAB" run sc/prefix.scn
expect_grep "^FAIL sc/prefix.scn:2: include sc/../sc2/x.inc: outside the scenario's directory"
# a fragment may include from anywhere inside the tree
printf 'include ../lib/session-ok.inc\n' > sc/lib/up.inc
printf 'title up\ninclude lib/up.inc\n' > sc/nested.scn
expect_rc 1 "$NTLAB" run sc/nested.scn
printf '%s\n' "$out" | grep -q "outside the scenario" && die "an include inside the tree was refused: $out"

# a scenario reached through a symlink is confined to the link's directory,
# where its includes are resolved
mkdir linked
ln -s "$PWD/sc/nested.scn" linked/nested.scn
cp -r sc/lib linked/lib
expect_rc 1 "$NTLAB" run linked/nested.scn
printf '%s\n' "$out" | grep -q "outside the scenario" && die "a linked scenario's include was refused: $out"

# With the flag: read, but the text of a file that is not a scenario is
# not shown (only *.scn and *.inc are quoted).
expect_rc 1 "$NTLAB" run --allow-outside-files sc/passwd.scn
expect_line "FAIL sc/../../../../../../../../etc/passwd:1: not scenario text (only *.scn and *.inc files are quoted; this one is not shown)"
printf 'title quoted\ninclude ../elsewhere/frag.inc\ninclude ../elsewhere/secret.txt\n' > sc/quoted.scn
expect_rc 1 "$NTLAB" run --allow-outside-files sc/quoted.scn
expect_line "FAIL sc/../elsewhere/frag.inc:1: a second 'title'"
printf 'title quoted\ninclude ../elsewhere/secret.txt\n' > sc/quoted.scn
expect_rc 1 "$NTLAB" run --allow-outside-files sc/quoted.scn
expect_line "FAIL sc/../elsewhere/secret.txt:1: not scenario text (only *.scn and *.inc files are quoted; this one is not shown)"
printf '%s\n' "$out" | grep -q secret-line && die "the file's text was quoted: $out"

# ntlab steps: mail deliver and policy import read inside the tree only,
# relative to the scenario file (run from another directory here).
cat > sc/shadow.scn <<'SCN'
title shadow
include lib/corp-lab-fixed.inc
ntlab mail deliver alice /etc/shadow --machine EXCHSRV
SCN
expect_rc 1 "$NTLAB" run sc/shadow.scn
expect_line "FAIL sc/shadow.scn:3: /etc/shadow: outside the scenario's directory $PWD/sc (ntlab run --allow-outside-files lifts this)"
printf 'title inf\nntlab policy import ../elsewhere/secret.txt\n' > sc/inf.scn
expect_rc 1 "$NTLAB" run sc/inf.scn
expect_grep "^FAIL sc/inf.scn:2: ../elsewhere/secret.txt: outside the scenario's directory"
printf 'Subject: hi\n\nfrom a file beside the scenario\n' > sc/msg.eml
printf '[Version]\nsignature="$CHICAGO$"\n[System Access]\nLockoutBadCount = 3\n' > sc/lib/t.inf
cat > sc/inside.scn <<'SCN'
title inside
include lib/corp-lab-fixed.inc
ntlab mail deliver alice msg.eml --machine EXCHSRV
has {{delivered /.*/sc/msg.eml to alice on EXCHSRV as .*}}
ntlab policy import lib/t.inf --machine EXCHSRV
has {{Importing /.*/sc/lib/t.inf into .*successful}}
ntlab boot
begin
open s1
s1 < {{\+OK.*}}
s1 > User CORP\alice\alice
s1 < +OK
s1 > Pass Passw0rd
s1 < {{\+OK.*}}
s1 > Stat
s1 < +OK 2 {{[0-9]+}}
s1 > Quit
s1 < {{\+OK.*}}
s1 closed
SCN
mkdir other && cd other
expect_rc 0 "$NTLAB" run ../sc/inside.scn
expect_line "1 passed, 0 failed"
cd ..
# --allow-outside-files lets a step read outside (the runner chose to)
cat > sc/outside.scn <<'SCN'
title outside
include lib/corp-lab-fixed.inc
ntlab mail deliver alice ../elsewhere/secret.txt --machine EXCHSRV
SCN
expect_rc 0 "$NTLAB" run --allow-outside-files sc/outside.scn
expect_rc 0 "$NTLAB" run --help
expect_grep "--allow-outside-files"
true
