# Issue 12 §2: every ntlab command in README.md, and every line of
# `ntlab help`, is paste-safe in bash: a word with a backslash
# (DOMAIN\account, \\COMPUTER) is quoted so that bash hands it over intact.
# Each such word goes through bash's own parser (printf '%s\n' WORD) and
# must arrive as written, less its quote marks. Scenario excerpts (their
# own syntax keeps backslashes) and the Windows section's ntlab.exe lines
# (cmd.exe keeps backslashes, and takes no single quotes) are not shell.
. "$(dirname "$0")/lib.sh"
set -f # the words below are split, never globbed
command -v bash >/dev/null || die "bash is needed to check what bash does"
readme=$(cd "$(dirname "$0")/../.." && pwd)/README.md
[ -f "$readme" ] || die "no README.md beside the test"

# The command texts: code-block lines and `inline spans` that start with
# ntlab, build/ntlab or an option; "LINE<TAB>TEXT".
commands() {
    awk '
    function flush(   i) {
        if (!scn) for (i = 1; i <= nb; i++) print blk[i]
        nb = 0; scn = 0
    }
    function cmdline(s) {
        sub(/^\$ /, "", s)
        return s ~ /^(build\/)?ntlab / || s ~ /^-/
    }
    /^    / {
        s = substr($0, 5)
        if (s ~ /^(title |open |begin|s[0-9]+ [<>] )/) scn = 1
        if (cmdline(s)) { sub(/^\$ /, "", s); blk[++nb] = NR "\t" s }
        next
    }
    /^$/ { next }   # a blank line inside a code block does not end it
    { flush() }
    {
        line = $0
        if (line ~ /^\|/) gsub(/\\\|/, "|", line)   # a table cell escapes | as \|
        while (match(line, /`[^`]+`/)) {
            s = substr(line, RSTART + 1, RLENGTH - 2)
            if (cmdline(s)) print NR "\t" s
            line = substr(line, RSTART + RLENGTH)
        }
    }
    END { flush() }' "$1"
}

# check WHERE TEXT: each backslash word of TEXT must reach bash intact.
bad=""
check() {
    where=$1 text=$2
    for word in $text; do
        case $word in *\\*) ;; *) continue ;; esac
        # alternatives (a|b) and brackets of a synopsis are not part of a word
        printf '%s\n' "$word" | tr '|' '\n' | while IFS= read -r piece; do
            case $piece in *\\*) ;; *) continue ;; esac
            piece=$(printf '%s' "$piece" | sed -e "s/^[[(]*//" -e "s/[]),;.]*\$//")
            want=$(printf '%s' "$piece" | tr -d "'")
            got=$(bash -c "printf '%s\n' $piece" 2>&1) || got="(bash: $got)"
            [ "$got" = "$want" ] || printf '%s: %s arrives as %s\n' "$where" "$piece" "$got"
        done
    done
}
found=$(commands "$readme")
n=$(printf '%s\n' "$found" | grep -c '\\' || true)
[ "$n" -ge 5 ] || die "found only $n README commands with a backslash; extraction broken?
$found"
bad=$(printf '%s\n' "$found" | while IFS="$(printf '\t')" read -r line text; do
    check "README.md:$line" "$text"
done)
bad="$bad$("$NTLAB" help | while IFS= read -r text; do check "ntlab help" "$text"; done)"
for c in ntrights rights mailbox logon user policy; do
    bad="$bad$("$NTLAB" help "$c" | while IFS= read -r text; do check "ntlab $c --help" "$text"; done)"
done
[ -z "$bad" ] || die "not paste-safe in bash (quote the word: 'CORP\\EXCHSVC', '\\\\EXCHSRV'):
$bad"

# the check itself catches an unquoted name (so it cannot pass vacuously)
printf '    ntlab -C lab ntrights +r SeTcbPrivilege -u CORP\\EXCHSVC -m \\\\EXCHSRV\n' > bad.md
[ -n "$(commands bad.md | while IFS="$(printf '\t')" read -r line text; do check "bad.md:$line" "$text"; done)" ] ||
    die "the check accepts an unquoted CORP\\EXCHSVC"
printf '    ntlab -C lab ntrights +r SeTcbPrivilege -u '"'"'CORP\\EXCHSVC'"'"' -m '"'"'\\\\EXCHSRV'"'"'\n' > good.md
[ -z "$(commands good.md | while IFS="$(printf '\t')" read -r line text; do check "good.md:$line" "$text"; done)" ] ||
    die "the check refuses a quoted 'CORP\\EXCHSVC': $(cat good.md)"
