# Issue 12 §3: files a user or a scenario names are read only when they are
# regular files: a FIFO is refused at once (it blocked forever), a device
# is named for what it is (/dev/zero said "Is a directory").
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
mkfifo pipe
expect_rc 1 timeout 10 "$NTLAB" -C lab mail deliver alice pipe
expect_line "ntlab: mail deliver: pipe: not a regular file (a FIFO, device or socket)"
expect_rc 1 timeout 10 "$NTLAB" -C lab mail deliver alice /dev/zero
expect_line "ntlab: mail deliver: /dev/zero: not a regular file (a FIFO, device or socket)"
expect_rc 1 timeout 10 "$NTLAB" -C lab policy import pipe
expect_line "ntlab: policy import: pipe: not a regular file (a FIFO, device or socket)"

mkdir sc
mkfifo sc/frag.inc
printf 'title fifo\ninclude frag.inc\n' > sc/fifo.scn
expect_rc 1 timeout 10 "$NTLAB" run sc/fifo.scn
expect_line "FAIL sc/fifo.scn:2: include sc/frag.inc: not a regular file (a FIFO, device or socket)"
printf 'title zero\ninclude /dev/zero\n' > sc/zero.scn
expect_rc 1 timeout 10 "$NTLAB" run --allow-outside-files sc/zero.scn
expect_line "FAIL sc/zero.scn:2: include /dev/zero: not a regular file (a FIFO, device or socket)"
# the scenario file itself
expect_rc 1 timeout 10 "$NTLAB" run sc/frag.inc
expect_grep "sc/frag.inc: not a regular file \(a FIFO, device or socket\)"
true
