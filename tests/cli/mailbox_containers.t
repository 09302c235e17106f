# ntlab mailbox add --container / --custom (issue 14 item 3): an alias is
# unique within a container, not per server; custom recipients have an
# address and no mailbox; mail deliver names one entry as ALIAS@CONTAINER;
# a mailboxes.conf written before containers stays byte for byte.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 0 "$NTLAB" -C lab user add bob --password B0bpass --machine CORPDC
cp lab/EXCHSRV/mailboxes.conf before.conf
expect_rc 0 "$NTLAB" -C lab mailbox add sales --owner 'CORP\bob'
expect_rc 0 "$NTLAB" -C lab mailbox add SALES --owner 'CORP\alice' --container Marketing
expect_line 'mailbox SALES on EXCHSRV owned by CORP\alice'
expect_rc 1 "$NTLAB" -C lab mailbox add Sales --owner 'CORP\alice' --container marketing
expect_grep "mailbox 'Sales' already exists on EXCHSRV \(container Marketing\)"
expect_rc 0 "$NTLAB" -C lab mailbox add ext --custom 'SMTP:ext@example.com' --container External
expect_line 'custom recipient ext on EXCHSRV: SMTP:ext@example.com'
expect_rc 2 "$NTLAB" -C lab mailbox add x --custom 'SMTP:x@y' --owner 'CORP\bob'
expect_rc 2 "$NTLAB" -C lab mailbox add x --custom 'SMTP:x@y' --apop-secret s
expect_rc 2 "$NTLAB" -C lab mailbox add x --owner 'CORP\bob' --container 'bad name'
expect_grep "invalid container 'bad name'"
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^sales +CORP.bob +0 +S-1-5-21-'
expect_grep '^SALES@Marketing +CORP.alice +0 +S-1-5-21-'
expect_grep '^ext@External +\(custom recipient\) +- +SMTP:ext@example.com$'
[ -d lab/EXCHSRV/mail/SALES@Marketing/new ] || die "no Maildir for the second container"
[ ! -e lab/EXCHSRV/mail/ext@External ] || die "a custom recipient has no Maildir"
grep -qx 'Container = Marketing' lab/EXCHSRV/mailboxes.conf || die "Container not written"
grep -qx 'CustomRecipient = SMTP:ext@example.com' lab/EXCHSRV/mailboxes.conf || die "no CustomRecipient"

# delivery: a shared alias needs its container; a custom recipient has no mailbox
printf 'Subject: a\n\nhi\n' > m1.eml
expect_rc 1 "$NTLAB" -C lab mail deliver sales m1.eml
expect_grep "'sales' names several recipients on EXCHSRV; name one as ALIAS@CONTAINER"
expect_rc 0 "$NTLAB" -C lab mail deliver sales@marketing m1.eml
expect_grep '^delivered m1.eml to sales@marketing on EXCHSRV'
expect_rc 0 "$NTLAB" -C lab mail deliver sales@Recipients m1.eml
expect_rc 1 "$NTLAB" -C lab mail deliver ext m1.eml
expect_grep "no mailbox 'ext' on EXCHSRV"
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^SALES@Marketing +CORP.alice +1 '
expect_grep '^sales +CORP.bob +1 '

# the preset's file (no containers) is written back unchanged by an add+load
head -c "$(wc -c < before.conf)" lab/EXCHSRV/mailboxes.conf | cmp -s - before.conf ||
    die "the old entries changed: $(cat lab/EXCHSRV/mailboxes.conf)"
