# Issue 13 item 9: no circle in the emulator. The lab knows its machines;
# a machine reaches its lab only through machine_host_ops (machine.h), so
# no emulator file but lab.c includes lab.h.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
expect_rc 0 ls "$root/emulator/lab.c" "$root/emulator/machine.c"
out=$(grep -l '#include "emulator/lab.h"' "$root"/emulator/*.c "$root"/emulator/*.h || true)
[ "$out" = "$root/emulator/lab.c" ] || die "emulator files that include lab.h besides lab.c:
$out"
# and no machine holds a struct lab pointer to call back through
out=$(grep -n 'struct lab \*' "$root/emulator/machine.h" || true)
[ -z "$out" ] || die "machine.h names struct lab: $out"
