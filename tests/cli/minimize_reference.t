# ntlab run --minimize --reference (issue 19, "or one whose transcript
# differs from a reference"): a recording whose transcript differs from
# the reference's in one place (one session's reply, after a mailbox's
# owner was changed) comes down to the steps that make the difference; the
# file written runs and still differs the same way; a missing reference or
# one that is no transcript reports FILE[:LINE] and writes nothing.
. "$(dirname "$0")/lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
mkdir lib && cp "$scn"/lib/*.inc lib/

# SCN DIFF: a recording of 12 users, mailboxes and POP3 sessions; with
# DIFF=1 one step gives bob's mailbox to carol (the one difference).
gen() {
    printf 'title a recording\ninclude lib/corp-lab-fixed.inc\n'
    for u in bob carol dave erin frank; do
        printf 'ntlab user add %s --password %sPw1 --machine CORPDC\n' $u $u
        printf 'ntlab mailbox add %s --owner CORP\\%s --machine EXCHSRV\n' $u $u
    done
    printf 'ntlab clock advance 1m\nntlab boot\nbegin\n'
    i=0
    for u in alice dave bob erin frank; do
        i=$((i + 1))
        [ "$2" = 1 ] && [ $u = bob ] && printf 'ntlab mailbox set bob --owner CORP\\carol --machine EXCHSRV\n'
        pw=${u}Pw1
        [ $u = alice ] && pw=Passw0rd
        printf 'open s%d\ns%d < {{.*}}\ns%d > USER CORP\\%s\\%s\ns%d < {{.*}}\n' $i $i $i $u $u $i
        printf 's%d > PASS %s\ns%d < {{.*}}\ns%d > QUIT\ns%d < {{.*}}\ns%d closed\n' $i "$pw" $i $i $i $i
        printf 'ntlab clock advance 1m\n'
    done
} 
gen x 0 > ref.scn
gen x 1 > rec.scn
expect_rc 0 "$NTLAB" run --transcript ref.scn
printf '%s\n' "$out" | grep '^  ' > ref.txt
grep -q '^  \[s1\] +OK User successfully logged on' ref.txt || die "reference: $(cat ref.txt)"
expect_rc 0 "$NTLAB" run --transcript rec.scn
printf '%s\n' "$out" | grep '^  ' > rec.txt
# one place: the step (the transcript shows admin steps as comments) and
# the reply it changes
[ "$(diff ref.txt rec.txt | grep -c '^>')" = 2 ] || die "not one difference: $(diff ref.txt rec.txt)"
diff ref.txt rec.txt | grep -q '^>   # ntlab mailbox set bob' || die "the step: $(diff ref.txt rec.txt)"
diff ref.txt rec.txt | grep -qx '>   \[s3\] -Err Access is denied.' || die "the difference: $(diff ref.txt rec.txt)"

start=$(date +%s%N)
expect_rc 0 "$NTLAB" run --minimize rec.scn --reference ref.txt
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_grep "^minimized rec.scn: ([0-9]+) steps -> ([0-9]+) \([0-9]+ runs, [0-9.]+ s\): rec.min.scn$"
before=$(printf "%s\n" "$out" | sed -n "s/.*rec.scn: \([0-9]*\) steps -> .*/\1/p")
after=$(printf "%s\n" "$out" | sed -n "s/.* steps -> \([0-9]*\) .*/\1/p")
# (9 today: the include, the 3 steps bob's mailbox needs, boot, the change,
# bob's session, and a clock step and a cut-down session after it that the
# first differing hunk of the diff still takes in: a rule of minimize.h)
[ "$after" -lt "$before" ] && [ "$after" -le 9 ] || die "$before -> $after steps: $(cat rec.min.scn)"
grep -q "^# (ntlab run --minimize --reference ref.txt): $before steps -> $after, " rec.min.scn ||
    die "header: $(head -3 rec.min.scn)"
# the outcome (the diff's added lines) is comments, every line of it
grep -qx '# It still fails the same way: +# ntlab mailbox set bob --owner CORP\\carol --machine EXCHSRV' rec.min.scn &&
    grep -qx '#   +\[s3\] -Err Access is denied.' rec.min.scn || die "outcome: $(head -5 rec.min.scn)"
# the steps that make the difference stay; the others go
grep -q '^ntlab mailbox set bob --owner CORP\\carol' rec.min.scn || die "the owner change went"
grep -q 'USER CORP\\bob\\bob' rec.min.scn || die "bob's session went"
for u in dave frank; do
    grep -q "USER CORP\\\\$u" rec.min.scn && die "$u's session stayed"
done
# it runs, and differs from the reference the same way
expect_rc 0 "$NTLAB" run --transcript rec.min.scn
printf '%s\n' "$out" | grep '^  ' > min.txt
diff ref.txt min.txt | grep -qx '>   \[s3\] -Err Access is denied.' || die "differs otherwise: $(diff ref.txt min.txt)"
expect_rc 0 "$NTLAB" run --minimize rec.min.scn --reference ref.txt -o again.scn
expect_grep "^minimized rec.min.scn: $after steps -> $after "

# bad input: named, nothing written
expect_rc 1 "$NTLAB" run --minimize rec.scn --reference nosuch.txt -o o1.scn
expect_line "ntlab: run: nosuch.txt: No such file or directory"
printf '  +OK\n  bad \000 byte\n' > nul.txt
expect_rc 1 "$NTLAB" run --minimize rec.scn --reference nul.txt -o o2.scn
expect_grep "^ntlab: run: nul.txt:2: NUL byte: not a transcript$"
printf '  +OK\n\377\376x\n' > utf.txt
expect_rc 1 "$NTLAB" run --minimize rec.scn --reference utf.txt -o o3.scn
expect_grep "^ntlab: run: utf.txt:2: .*not a transcript$"
"$NTLAB" run --transcript ref.scn > report.txt || die "report"
expect_rc 1 "$NTLAB" run --minimize rec.scn --reference report.txt -o o4.scn
expect_grep "^ntlab: run: report.txt:1: a result line of ntlab run, not a transcript line"
: > empty.txt
expect_rc 1 "$NTLAB" run --minimize rec.scn --reference empty.txt -o o5.scn
expect_line "ntlab: run: empty.txt: empty: not a transcript"
expect_rc 1 "$NTLAB" run --minimize ref.scn --reference ref.txt -o o6.scn
expect_line "ntlab: run: ref.scn: the transcript is the reference's: nothing to minimize"
printf 'title broken\nbegin\ns1 frobnicate\n' > broken.scn
expect_rc 1 "$NTLAB" run --minimize broken.scn --reference ref.txt -o o7.scn
expect_grep "^ntlab: run: broken.scn:3: "
for f in o1 o2 o3 o4 o5 o6 o7; do [ ! -e $f.scn ] || die "$f.scn written"; done
[ "$ms" -lt 20000 ] || die "--minimize took $ms ms"
