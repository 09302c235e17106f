# Issue 14 item 2: scenarios bring their own files -- a persona inline or
# from a file beside the .scn, a security template and a message inline --
# and each runs the same in-process, with --prepare and against the daemon
# (--target): a step's files travel through the control channel as content
# (the daemon may not see this host's files: the QEMU appliance, Wine), so
# this uses the TCP control endpoint as those suites do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > secret
chmod 600 secret

for name in persona-inline persona-file template-import-inline mail-deliver-inline; do
    expect_rc 0 "$NTLAB" run "$scn/$name.scn"
    expect_line "1 passed, 0 failed"
    expect_rc 0 "$NTLAB" run --prepare "lab-$name" "$scn/$name.scn"
    expect_grep "^prepared lab-$name from "
    PORT=$(free_port)
    CTL=$(free_port)
    start_daemon "lab-$name" --listen "127.0.0.1:$PORT" --control "tcp:127.0.0.1:$CTL" \
        --control-secret-file "$T/secret"
    expect_rc 0 env NTLAB_CONTROL="tcp:127.0.0.1:$CTL" NTLAB_CONTROL_SECRET_FILE="$T/secret" \
        "$NTLAB" run -v --target "127.0.0.1:$PORT" "$scn/$name.scn"
    expect_line "1 passed, 0 failed"
    case $name in
    template-import-inline)
        # The daemon read the template it was sent, under its lab, not the
        # runner's here-doc file; its reply names the file as the runner did.
        grep -q 'control: policy --machine EXCHSRV (1 file sent)$\|control: policy (1 file sent)$' \
            "lab-$name/ntlab.log" || die "the template was not sent: $(grep control: "lab-$name/ntlab.log")"
        expect_grep "^ +\| \| Importing /.*/heredoc-1\.txt into"
        printf '%s\n' "$out" | grep -q 'ctl-files' && die "the reply names the daemon's copy: $out"
        ;;
    mail-deliver-inline)
        grep -q 'control: mail.* (1 file sent)$' "lab-$name/ntlab.log" || die "the message was not sent"
        expect_grep "^ +\| \| delivered /.*/heredoc-1\.txt to alice on EXCHSRV"
        ;;
    esac
    # The sent files are gone once the command ran.
    [ -z "$(ls -A "lab-$name/.ctl-files" 2>/dev/null)" ] || die "files left in lab-$name/.ctl-files"
    expect_rc 0 "$NTLAB" -C "lab-$name" down
done

# The persona the scenario brought is the lab's own file.
grep -qx "version 5.0.1460.8" "lab-persona-inline/personas/site.persona" || die "no lab persona file"
expect_rc 0 "$NTLAB" -C lab-persona-file persona list
expect_grep "^site +lab +5\.5\.2650\.21$"

# A persona file outside the scenario's tree is refused when it is read.
mkdir -p s/lib && cp "$scn"/lib/*.inc s/lib/
printf 'persona 1\ninherit q189732\nversion 1\n' > outside.persona
printf '%s\n' 'ntlab persona add site ../outside.persona' 'include lib/corp-site-lab.inc' 'begin' > s/out.scn
expect_rc 1 "$NTLAB" run s/out.scn
expect_grep "s/out.scn:1: \.\./outside\.persona: outside the scenario's directory"

# persona add inside the daemon: a file that is not a persona. ntlab sent
# it (src/cli/forward.c), so the reason, which may quote it, comes back; a
# client that names a path is refused, the file unread (the client may be
# on another host).
PORT=$(free_port)
CTL=$(free_port)
start_daemon lab-persona-file --listen "127.0.0.1:$PORT" --control "tcp:127.0.0.1:$CTL" \
    --control-secret-file "$T/secret"
printf 'persona 1\nsecret-word x\n' > bad.persona
expect_rc 1 env NTLAB_CONTROL="tcp:127.0.0.1:$CTL" NTLAB_CONTROL_SECRET_FILE="$T/secret" \
    "$NTLAB" persona add other bad.persona
expect_line "ntlab: persona add: other:2: unknown key 'secret-word'"
python3 "$(dirname "$0")/ctlraw.py" lab-persona-file/ntlab.ctl persona add other "$PWD/bad.persona" \
    > raw.txt
grep -qx 2 raw.txt || die "a path the daemon read: $(cat raw.txt)"
grep -qxF "ntlab: persona add: inside the daemon a file comes sent with the command (ntlab sends it), not named by its path: '$PWD/bad.persona'" raw.txt ||
    die "a path the daemon read: $(cat raw.txt)"
grep -q "secret-word" raw.txt && die "the daemon quoted a file it read: $(cat raw.txt)"
printf 'persona 1\ninherit site\nversion 5.5.2650.22\n' > good.persona
expect_rc 0 env NTLAB_CONTROL="tcp:127.0.0.1:$CTL" NTLAB_CONTROL_SECRET_FILE="$T/secret" \
    "$NTLAB" persona add other good.persona
expect_line "persona other added: version 5.5.2650.22"
# --prepare --force never empties a lab that a daemon serves.
expect_rc 1 "$NTLAB" run --prepare lab-persona-file --force "$scn/persona-file.scn"
expect_grep "lab-persona-file is served by ntlab up \(pid [0-9]+\): stop it first"
[ -f lab-persona-file/personas/other.persona ] || die "--force removed a served lab"
expect_rc 0 "$NTLAB" -C lab-persona-file down
# Offline the reason is shown; built-in names and existing ones are refused.
expect_rc 1 "$NTLAB" -C lab-persona-file persona add bad bad.persona
expect_line "ntlab: persona add: bad:2: unknown key 'secret-word'"
expect_rc 1 "$NTLAB" -C lab-persona-file persona add q189732 good.persona
expect_grep "q189732 is a built-in persona"
expect_rc 1 "$NTLAB" -C lab-persona-file persona add other good.persona
expect_line "ntlab: persona add: the lab already has a persona other"
expect_rc 2 "$NTLAB" -C lab-persona-file persona add ../x good.persona
