# Issue 12 §2: `--help` of each command lists every option its parser
# accepts; -h and --version work at the top and per command; an option
# that takes a value says so when the value is missing.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)/src/cli
[ -f "$src/main.c" ] || die "no source tree beside the test ($src)"

# The command table: {"NAME", cmd_FN, ...}
table=$(sed -n 's/^ *{"\([a-z]*\)", \(cmd_[a-z_]*\),.*/\1 \2/p' "$src/main.c")
[ "$(printf '%s\n' "$table" | wc -l)" -ge 20 ] || die "cannot read the command table: $table"

# Option literals per parsing function: "FILE FUNCTION OPTION"; options of
# static helpers belong to the file ("FILE - OPTION"). --machine is global.
opts=$(for f in "$src"/cmd_*.c; do
    awk -v file="$(basename "$f")" '
        /^int cmd_[a-z_]*\(/ { fn = $2; sub(/\(.*/, "", fn); next }
        /^static / { fn = "-" }
        {
            line = $0
            while (match(line, /"(--[a-z][-a-z]*|[-+][a-zA-Z])"/)) {
                o = substr(line, RSTART + 1, RLENGTH - 2)
                if (o != "--machine") print file, (fn == "" ? "-" : fn), o
                line = substr(line, RSTART + RLENGTH)
            }
        }' "$f"
done | sort -u)
[ "$(printf '%s\n' "$opts" | wc -l)" -ge 40 ] || die "too few options found: $opts"

has_opt() { # TEXT OPTION: OPTION appears as a word of TEXT
    printf '%s\n' "$1" | awk -v o="$2" '
        { s = $0; while ((i = index(s, o)) > 0) {
              b = i > 1 ? substr(s, i - 1, 1) : " "; a = substr(s, i + length(o), 1)
              if (b !~ /[-A-Za-z0-9]/ && a !~ /[-A-Za-z0-9]/) { found = 1; exit }
              s = substr(s, i + 1) } }
        END { exit found ? 0 : 1 }'
}
help_of() { "$NTLAB" help "$1"; }

missing=""
printf '%s\n' "$opts" | {
    while read -r file fn opt; do
        if [ "$fn" = "-" ]; then
            # a helper's option: the help of some command of the file
            # (every command the file defines: a helper may parse for any of them)
            fns=$({ printf '%s\n' "$opts" | awk -v f="$file" '$1 == f && $2 != "-" { print $2 }'
                    grep -o '^int cmd_[a-z_]*' "$src/$file" | sed 's/^int //'; } | sort -u)
            text=""
            for g in $fns; do
                for c in $(printf '%s\n' "$table" | awk -v g="$g" '$2 == g { print $1 }'); do
                    text="$text
$(help_of "$c")"
                done
            done
            has_opt "$text" "$opt" || missing="$missing
$file: $opt (in no help of $fns)"
        else
            for c in $(printf '%s\n' "$table" | awk -v g="$fn" '$2 == g { print $1 }'); do
                has_opt "$(help_of "$c")" "$opt" || missing="$missing
ntlab $c --help lacks $opt ($file $fn)"
            done
        fi
    done
    [ -z "$missing" ] || die "options missing from --help:$missing"
}
# the ones the issue names, explicitly
expect_rc 0 "$NTLAB" up --help
expect_grep "--max-connections"
expect_grep "--max-conn-rate"
expect_grep "--idle-timeout"
expect_grep "NAME=\]?ADDR:PORT"
expect_rc 0 "$NTLAB" mailbox --help
expect_grep "--apop-secret"

# -h and --version, at the top and per command
expect_rc 0 "$NTLAB" -h
expect_grep "^usage: ntlab "
expect_rc 0 "$NTLAB" --help
expect_grep "^usage: ntlab "
expect_rc 0 "$NTLAB" --version
expect_grep "^ntlab [^ ]+$"
version=$out
for c in $(printf '%s\n' "$table" | awk '{ print $1 }'); do
    expect_rc 0 "$NTLAB" "$c" -h
    expect_grep "^usage: ntlab $c"
    expect_rc 0 "$NTLAB" "$c" --help
    expect_grep "^usage: ntlab $c"
    expect_rc 0 "$NTLAB" "$c" --version
    [ "$out" = "$version" ] || die "ntlab $c --version: $out (ntlab --version: $version)"
done

# a missing value is named as such
"$NTLAB" init L --name EXCHSRV >/dev/null
cd L
for cmd in "ntrights +r SeTcbPrivilege -u" "ntrights -u Administrator +r" \
           "ntrights +r SeTcbPrivilege -u Administrator -m" \
           "ntrights +r SeTcbPrivilege -u Administrator -e" \
           "user add bob --password" "user add bob --password pw --group" \
           "user set Administrator --fullname" "group add g --comment" \
           "service add S --image" "eventlog --log" "eventlog --since" \
           "rights list --focus" "policy show --focus" "logon --caller" \
           "mailbox add a --owner" "machine add X --role" "up --listen" \
           "record 127.0.0.1:1 -o" "record 127.0.0.1:1 -n" "run --tag" "run --junit" \
           "init X --name"; do
    # shellcheck disable=SC2086
    expect_rc 2 "$NTLAB" $cmd
    last=$(printf '%s' "${cmd##* }" | sed 's/+/[+]/')
    expect_grep "$last needs a value"
done
expect_rc 2 "$NTLAB" -C
expect_grep "-C needs a lab directory"
expect_rc 2 "$NTLAB" user list --machine
expect_grep "--machine needs a machine name"
# one parser: an unknown option is named as such wherever it stands, also
# last (it is not taken for an option whose value is missing)
for cmd in "init X" "logon" "machine add X" "service add S" "eventlog" "mailbox add a" \
           "policy show" "rights list" "up" "run" "user add bob" "user set Administrator" \
           "group add g"; do
    # shellcheck disable=SC2086
    expect_rc 2 "$NTLAB" $cmd --bogus
    expect_grep "^ntlab: ${cmd%% *}[a-z ]*: unknown option '--bogus'$"
done
