# ntlab mailbox add/list and mail deliver, offline: owners resolved to
# SIDs, aliases checked, delivery from files and stdin, and their errors.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 0 "$NTLAB" -C lab user add bob --password B0bpass --machine CORPDC
expect_rc 0 "$NTLAB" -C lab mailbox add sales --owner 'CORP\bob'
expect_line 'mailbox sales on EXCHSRV owned by CORP\bob'
expect_rc 0 "$NTLAB" -C lab mailbox add Bob.Private --owner 'corp\BOB' --apop-secret 'tan staaf' --machine EXCHSRV
expect_line 'mailbox Bob.Private on EXCHSRV owned by CORP\bob'
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^alice +CORP.alice +3 +S-1-5-21-'
expect_grep '^sales +CORP.bob +0 +S-1-5-21-'
expect_grep '^Bob.Private +CORP.bob +0 +S-1-5-21-.*\(APOP secret set\)'
[ -d lab/EXCHSRV/mail/sales/new ] && [ -d lab/EXCHSRV/mail/sales/cur ] && [ -d lab/EXCHSRV/mail/sales/tmp ] || die "no Maildir"
[ "$(stat -c %a lab/EXCHSRV/mailboxes.conf)" = 600 ] || die "mailboxes.conf must be owner-only"
grep -qx 'ApopSecret = "tan staaf"' lab/EXCHSRV/mailboxes.conf && die "a secret with inner spaces needs no quotes"
grep -qx 'ApopSecret = tan staaf' lab/EXCHSRV/mailboxes.conf || die "secret not written: $(cat lab/EXCHSRV/mailboxes.conf)"

# errors
expect_rc 1 "$NTLAB" -C lab mailbox add sales --owner 'CORP\alice'
expect_grep "mailbox 'sales' already exists on EXCHSRV"
expect_rc 1 "$NTLAB" -C lab mailbox add SALES --owner 'CORP\alice'
expect_rc 1 "$NTLAB" -C lab mailbox add x --owner 'CORP\nobody'
expect_grep "owner 'CORP.nobody' is not an account known to EXCHSRV"
expect_rc 2 "$NTLAB" -C lab mailbox add ../evil --owner 'CORP\alice'
expect_grep "invalid alias '../evil'"
expect_rc 2 "$NTLAB" -C lab mailbox add x
expect_rc 2 "$NTLAB" -C lab mailbox frob
expect_rc 1 "$NTLAB" -C lab mailbox list --machine NOSUCH

# delivery: files and stdin, sizes as sent
printf 'Subject: a\n\nline one\n' > m1.eml
printf 'Subject: b\r\n\r\n.starts with a dot\r\n' > m2.eml
expect_rc 0 "$NTLAB" -C lab mail deliver sales m1.eml m2.eml
expect_grep '^delivered m1.eml to sales on EXCHSRV as [0-9]+\.N[0-9a-f]{16}R[0-9a-f]{8}\.ntlab,S=21,W=24$'
expect_grep '^delivered m2.eml to sales on EXCHSRV as .*,S=34,W=34$'
set +e
out=$(printf 'Subject: c\n\nfrom stdin\n' | "$NTLAB" -C lab mail deliver sales - 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] || die "stdin delivery failed: $out"
expect_grep '^delivered stdin to sales'
expect_rc 0 "$NTLAB" -C lab mailbox list
expect_grep '^sales +CORP.bob +3 '
expect_rc 1 "$NTLAB" -C lab mail deliver nosuch m1.eml
expect_grep "no mailbox 'nosuch' on EXCHSRV"
expect_rc 1 "$NTLAB" -C lab mail deliver sales missing.eml
expect_grep "missing.eml: No such file or directory"
expect_rc 2 "$NTLAB" -C lab mail deliver sales - -
expect_rc 2 "$NTLAB" -C lab mail deliver sales
expect_rc 2 "$NTLAB" -C lab mail frob sales m1.eml

# a malformed directory is reported with its file and line
printf '[broken\n' > lab/EXCHSRV/mailboxes.conf
expect_rc 1 "$NTLAB" -C lab mailbox list
expect_grep "mailboxes.conf:1: section header must be \[ALIAS\]"
