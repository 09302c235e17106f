. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" errmsg 1314
expect_line "1314 ERROR_PRIVILEGE_NOT_HELD: A required privilege is not held by the client."
expect_rc 0 "$NTLAB" errmsg ERROR_LOGON_FAILURE
expect_line "1326 ERROR_LOGON_FAILURE: Logon failure: unknown user name or bad password."
expect_rc 0 "$NTLAB" errmsg 0xC0000061
expect_line "1314 ERROR_PRIVILEGE_NOT_HELD: A required privilege is not held by the client."
expect_rc 1 "$NTLAB" errmsg 99999
expect_grep "unknown error code '99999'"
expect_rc 2 "$NTLAB" errmsg
expect_rc 2 "$NTLAB" no-such-command
expect_grep "unknown command 'no-such-command'"
