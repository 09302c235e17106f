# Issue 12 §3: a NUL byte in a lab file is reported at the line it is on
# (services.conf said line 0, machine.conf line 1, lab.conf, mailboxes.conf
# and policy.inf no line or line 1), for every reader of lab text files.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
# nul FILE: a copy of the lab with a NUL in the 3rd line of FILE, in L2
nul() {
    rm -rf L2 && cp -a lab L2
    python3 - "L2/$1" <<'PY'
import sys
p = sys.argv[1]; d = open(p, 'rb').read().split(b'\n')
d[2] = d[2][:3] + b'\0' + d[2][3:]
open(p, 'wb').write(b'\n'.join(d))
PY
}
nul EXCHSRV/services.conf
expect_rc 1 "$NTLAB" -C L2 boot
expect_grep "L2/EXCHSRV/services.conf:3: not valid UTF-8 or UTF-16 text \(NUL byte\)"
nul lab.conf
expect_rc 1 "$NTLAB" -C L2 boot
expect_grep "L2/lab.conf:3: not valid text \(NUL byte\)"
nul EXCHSRV/machine.conf
expect_rc 1 "$NTLAB" -C L2 boot
expect_grep "L2/EXCHSRV/machine.conf:3: NUL byte in line"
nul EXCHSRV/mailboxes.conf
expect_rc 1 "$NTLAB" -C L2 mailbox list
expect_grep "L2/EXCHSRV/mailboxes.conf:3: not valid text \(UTF-8 or UTF-16 with BOM\): NUL byte"
nul EXCHSRV/policy.inf
expect_rc 1 "$NTLAB" -C L2 boot
expect_grep "L2/EXCHSRV/policy.inf:3: not UTF-16LE \(with BOM\), UTF-8 or ASCII text \(NUL byte\)"
nul domains/CORP/sam.txt
expect_rc 1 "$NTLAB" -C L2 boot
expect_grep "L2/domains/CORP/sam.txt:3: NUL byte in line"
# a template given to policy import: the same
printf '[Version]\nsignature="$CHICAGO$"\nRe\000vision=1\n' > nul.inf
expect_rc 1 "$NTLAB" -C lab policy import nul.inf
expect_line "ntlab: policy import: nul.inf:3: not UTF-16LE (with BOM), UTF-8 or ASCII text (NUL byte)"
true
