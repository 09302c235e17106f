# DESIGN.md's rooms: every #include "..." of a room's files points down the
# "may use" column (issue 13 item 2: the mail store room src/mailstore knows
# no protocol and no NT; src/pop3 is only the protocol, logging on through
# src/mailstore's contract; src/exchange serves sessions but holds none, so
# it uses no POP3 engine header, only the POP3 persona it loads). Issue 15:
# the console room src/console (served by src/net's HTTP row, which is the
# one file of src/net that includes it) uses the emulator and the store.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# room: the folders it may include from (its own first)
rooms='src/lib:src/lib
emulator:emulator src/lib
src/mailstore:src/mailstore src/lib
src/pop3:src/pop3 src/mailstore src/lib
src/smtp:src/smtp src/mailstore src/lib
src/exchange:src/exchange src/mailstore src/pop3 emulator src/lib
src/net:src/net src/console src/exchange src/mailstore src/pop3 src/smtp emulator src/lib
src/console:src/console src/exchange emulator src/lib
src/scenario:src/scenario src/net src/exchange src/mailstore src/pop3 emulator src/lib
src/exercise:src/exercise src/scenario src/net src/exchange src/mailstore src/pop3 emulator src/lib'
bad=
checked=0
printf '%s\n' "$rooms" | {
    while IFS=: read -r room allowed; do
        expect_rc 0 ls "$root/$room"
        for f in "$root/$room"/*.c "$root/$room"/*.h; do
            [ -f "$f" ] || continue
            checked=$((checked + 1))
            for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
                dir=${inc%/*}
                [ "$dir" != "$inc" ] || { bad="$bad
${f#"$root"/}: \"$inc\" names no room"; continue; }
                ok=
                for a in $allowed; do [ "$dir" = "$a" ] && ok=1; done
                [ -n "$ok" ] || bad="$bad
${f#"$root"/} (room $room) includes $inc"
            done
        done
    done
    [ "$checked" -gt 50 ] || die "only $checked files checked: the rooms moved?"
    [ -z "$bad" ] || die "includes against DESIGN.md's rooms:$bad"
}
# the store holds no engine session: of src/pop3 it uses the persona only
out=$(grep -l '#include "src/pop3/' "$root"/src/exchange/*.[ch] | xargs grep -h '#include "src/pop3/' |
      sort -u)
[ "$out" = '#include "src/pop3/persona.h"' ] || die "src/exchange includes from src/pop3: $out"
# of src/net only the HTTP row (httpconn.c, and httplive.c: its live
# streams and terminals, whose answers carry the console's CSP) serves the console
out=$(grep -l '#include "src/console/' "$root"/src/net/*.[ch] | sed 's|.*/||' | tr '\n' ' ')
[ "$out" = "httpconn.c httplive.c " ] || [ "$out" = "httpconn.c " ] ||
    die "src/net files that include src/console: $out"
