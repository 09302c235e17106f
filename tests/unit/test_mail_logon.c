/* The protocol-neutral logon contract's helpers (src/mailstore/mail_logon.h):
 * the user-name syntax every Exchange protocol shares, and the APOP check. */
#include "src/mailstore/mail_logon.h"
#include "tests/unit/unit.h"
#include <string.h>

/* Q161116: USER <username>, <domain\username>, <domain\username/mailbox>
 * (and ntlab's domain\account\mailbox); plain syntax takes the whole
 * argument as account and mailbox. */
static void test_mail_logon_split_user(void)
{
    static const struct {
        const char *arg;
        enum mail_logon_syntax syntax;
        bool ok;
        const char *domain, *account, *mailbox;
    } v[] = {
        {"alice", MAIL_LOGON_SYNTAX_NT, true, "", "alice", "alice"},
        {"CORP\\alice", MAIL_LOGON_SYNTAX_NT, true, "CORP", "alice", "alice"},
        {"CORP\\alice\\amail", MAIL_LOGON_SYNTAX_NT, true, "CORP", "alice", "amail"},
        {"CORP\\alice/amail", MAIL_LOGON_SYNTAX_NT, true, "CORP", "alice", "amail"},
        /* '/' after the domain too (issue 14 item 3) */
        {"CORP/alice/amail", MAIL_LOGON_SYNTAX_NT, true, "CORP", "alice", "amail"},
        {"CORP/alice\\amail", MAIL_LOGON_SYNTAX_NT, true, "CORP", "alice", "amail"},
        {"CORP/alice", MAIL_LOGON_SYNTAX_NT, true, "CORP", "alice", "alice"},
        {"/alice/amail", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"CORP/alice/a/b", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"CORP\\Al Ice", MAIL_LOGON_SYNTAX_NT, true, "CORP", "Al Ice", "Al Ice"},
        {"CORP\\alice", MAIL_LOGON_SYNTAX_PLAIN, true, "", "CORP\\alice", "CORP\\alice"},
        {"", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"\\alice", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"CORP\\", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"CORP\\alice\\", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"CORP\\alice/a/b", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"CORP\\alice\\a\\b", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
        {"ali\tce", MAIL_LOGON_SYNTAX_PLAIN, false, NULL, NULL, NULL},
        {"alice\x7f", MAIL_LOGON_SYNTAX_NT, false, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct mail_logon_user u;
        bool ok = mail_logon_split_user(v[i].arg, v[i].syntax, &u);
        CU_ASSERT_EQUAL(ok, v[i].ok);
        if (!ok || !v[i].ok)
            continue;
        CU_ASSERT_STRING_EQUAL(u.domain, v[i].domain);
        CU_ASSERT_STRING_EQUAL(u.account, v[i].account);
        CU_ASSERT_STRING_EQUAL(u.mailbox, v[i].mailbox);
    }
    /* the longest argument that fits, and one octet more */
    char big[MAIL_LOGON_FIELD_MAX + 1];
    memset(big, 'a', sizeof big);
    big[MAIL_LOGON_FIELD_MAX - 1] = 0;
    struct mail_logon_user u;
    CU_ASSERT(mail_logon_split_user(big, MAIL_LOGON_SYNTAX_NT, &u));
    CU_ASSERT_EQUAL(strlen(u.account), MAIL_LOGON_FIELD_MAX - 1);
    big[MAIL_LOGON_FIELD_MAX - 1] = 'a';
    big[MAIL_LOGON_FIELD_MAX] = 0;
    CU_ASSERT(!mail_logon_split_user(big, MAIL_LOGON_SYNTAX_NT, &u));
}

/* RFC 1939 §7's example. */
static void test_mail_logon_apop(void)
{
    const char *ts = "<1896.697170952@dbc.mtview.ca.us>";
    CU_ASSERT(mail_logon_apop_check(ts, "tanstaaf", "c4c9334bac560ecc979e58001b3e22fb"));
    CU_ASSERT(!mail_logon_apop_check(ts, "tanstaaf", "c4c9334bac560ecc979e58001b3e22fc"));
    CU_ASSERT(!mail_logon_apop_check(ts, "tanstaaF", "c4c9334bac560ecc979e58001b3e22fb"));
    CU_ASSERT(!mail_logon_apop_check(ts, "tanstaaf", "c4c9334bac560ecc979e58001b3e22f"));
    CU_ASSERT(!mail_logon_apop_check(ts, "tanstaaf", ""));
}

void suite_mail_logon(void)
{
    UNIT_SUITE("mail_logon", UNIT_TEST(test_mail_logon_split_user),
               UNIT_TEST(test_mail_logon_apop));
}
