#include "src/pop3/persona.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *render(const struct persona *p, enum persona_reply r, const struct persona_vars *v)
{
    static char out[1024];
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(persona_render(p, r, v, &b), 0);
    snprintf(out, sizeof out, "%s", b.p ? b.p : "");
    buf_free(&b);
    return out;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void test_persona_builtins_load(void)
{
    char names[16][PERSONA_NAME_MAX];
    size_t n = persona_builtin_list(names, 16);
    CU_ASSERT(n >= 4);
    const char *want[] = {"exchange-5.0.1457.10", "exchange-5.5", "q189732", "rfc1939"};
    for (size_t w = 0; w < 4; w++) {
        bool found = false;
        for (size_t i = 0; i < n && i < 16; i++)
            found |= strcmp(names[i], want[w]) == 0;
        CU_ASSERT_TRUE(found);
    }
    for (size_t i = 0; i < n && i < 16; i++) {
        struct persona *p;
        char err[256];
        int rc = persona_builtin(names[i], &p, err, sizeof err);
        if (rc)
            fprintf(stderr, "\n%s\n", err);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_STRING_EQUAL(p->name, names[i]);
        for (unsigned r = 0; r < PERSONA_REPLY_COUNT; r++)
            CU_ASSERT_PTR_NOT_NULL(p->reply[r]);
        persona_free(p);
    }
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL(persona_builtin("no-such-persona", &p, err, sizeof err), ENOENT);
    CU_ASSERT_EQUAL(persona_builtin("../etc/passwd", &p, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NULL(p);
}

static void test_persona_q189732_lines(void)
{
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("q189732", &p, err, sizeof err), 0);
    struct persona_vars v = {0};
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_BANNER, &v),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n");
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_USER_OK, &v), "+OK\r\n");
    v.text = "A required privilege is not held by the client.";
    v.code = 1314;
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v),
                           "-Err A required privilege is not held by the client\r\n");
    CU_ASSERT_EQUAL(p->user_syntax, PERSONA_USER_EXCHANGE);
    CU_ASSERT_FALSE(p->offers & PERSONA_OFFER_APOP);
    persona_free(p);

    CU_ASSERT_EQUAL_FATAL(persona_builtin("exchange-5.0.1457.10", &p, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v),
                           "-ERR A required privilege is not held by the client.\r\n");
    memset(&v, 0, sizeof v);
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_BANNER, &v),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10 ready\r\n");
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_LOGON_OK, &v), "+OK User successfully logged on\r\n");
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_SIGNOFF, &v),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off\r\n");
    v.count = 2;
    v.octets = 320;
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_STAT, &v), "+OK 2 320\r\n");
    CU_ASSERT_TRUE(persona_silent(p, PERSONA_AUTOLOGOUT));
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_AUTOLOGOUT, &v), "");
    persona_free(p);

    CU_ASSERT_EQUAL_FATAL(persona_builtin("exchange-5.5", &p, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(p->version, "5.5.2653.23");
    CU_ASSERT_EQUAL(p->offers, PERSONA_OFFER_TOP | PERSONA_OFFER_UIDL | PERSONA_OFFER_AUTH);
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_BANNER, &v),
                           "+OK Microsoft Exchange POP3 server version 5.5.2653.23 ready\r\n");
    persona_free(p);
}

static void test_persona_rfc1939(void)
{
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("rfc1939", &p, err, sizeof err), 0);
    CU_ASSERT_EQUAL(p->user_syntax, PERSONA_USER_PLAIN);
    CU_ASSERT_EQUAL(p->offers, PERSONA_OFFER_TOP | PERSONA_OFFER_UIDL | PERSONA_OFFER_CAPA |
                                   PERSONA_OFFER_APOP | PERSONA_OFFER_AUTH);
    CU_ASSERT_EQUAL(p->sasl, PERSONA_SASL_PLAIN);
    struct persona_vars v = {0};
    v.timestamp = "<1.2@h>";
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_BANNER, &v), "+OK POP3 server ready <1.2@h>\r\n");
    v.text = "Logon failure: unknown user name or bad password.";
    v.code = 1326;
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v),
                           "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    v.text = "A required privilege is not held by the client.";
    v.code = 1314;
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v),
                           "-ERR [SYS/PERM] A required privilege is not held by the client.\r\n");
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_IN_USE, &v), "-ERR [IN-USE] maildrop already locked\r\n");
    bool user_auth_only = false;
    for (size_t i = 0; i < p->ncapa; i++)
        if (strcmp(p->capa[i].line, "USER") == 0)
            user_auth_only = p->capa[i].states == PERSONA_CAPA_AUTH;
    CU_ASSERT_TRUE(user_auth_only);
    persona_free(p);
}

/* A value never ends the line early or adds one; lines stay within 512. */
static void test_persona_render_safety(void)
{
    const char *text = "persona 1\nok +OK\nerr -ERR\n";
    struct buf b = BUF_INIT;
    buf_puts(&b, text);
    for (unsigned r = 0; r < PERSONA_REPLY_COUNT; r++)
        buf_printf(&b, "reply %s %s\n", persona_reply_key(r),
                   r == PERSONA_WIN32 ? "%- %s (%e) 100%%" : "%+ x");
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_parse("t", b.p, b.len, NULL, &p, err, sizeof err), 0);
    buf_free(&b);
    struct persona_vars v = {0};
    v.text = "evil\r\n+OK forged\0";
    v.code = 5;
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v), "-ERR evil  +OK forged (5) 100%\r\n");
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    v.text = big;
    char *line = render(p, PERSONA_WIN32, &v);
    CU_ASSERT_EQUAL(strlen(line), 512);
    CU_ASSERT_STRING_EQUAL(line + 510, "\r\n");
    persona_free(p);
}

static void test_persona_malformed(void)
{
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"", "bad: empty file (the first line must be 'persona 1')"},
        {"# only a comment\n", "bad: empty file (the first line must be 'persona 1')"},
        {"persona 2\n", "bad:1: the first line must be 'persona 1'"},
        {"\n# c\nversion 1\n", "bad:3: the first line must be 'persona 1'"},
        {"persona 1\nok +OK\nbogus 1\n", "bad:3: unknown key 'bogus'"},
        {"persona 1\nok +OK\nok +OK\n", "bad:3: ok given twice"},
        {"persona 1\nok +O K\n", "bad:2: ok: the token must be printable ASCII without spaces"},
        {"persona 1\nkeep-period maybe\n", "bad:2: keep-period: expected yes or no"},
        {"persona 1\nuser-syntax unix\n", "bad:2: user-syntax: expected exchange or plain"},
        {"persona 1\noffer TOP STLS\n", "bad:2: offer: unknown word 'STLS'"},
        {"persona 1\nsasl CRAM-MD5\n", "bad:2: sasl: unknown word 'CRAM-MD5'"},
        {"persona 1\nreply nonsense +OK\n", "bad:2: reply: unknown reply name 'nonsense'"},
        {"persona 1\nreply banner %+ %n\n", "bad:2: reply banner: %n is not available in this reply"},
        {"persona 1\nreply stat %+ 100%\n", "bad:2: reply stat: '%' at the end (write %% for a percent sign)"},
        {"persona 1\nreply noop-ok\n", "bad:2: reply noop-ok: empty template"},
        {"persona 1\nreply noop-ok +OK\nreply noop-ok +OK\n", "bad:3: reply noop-ok given twice"},
        {"persona 1\nreply win32.abc %- %s\n", "bad:2: reply win32.abc: expected win32.<decimal error code>"},
        {"persona 1\nreply win32.5 %- %n\n", "bad:2: reply win32.5: %n is not available in this reply"},
        {"persona 1\nversion a\tb\x01\n", "bad:2: control character 0x01 at column 12"},
        {"persona 1\ncapa .x\n", "bad:2: capa: a capability cannot start with '.'"},
        {"persona 1\nok +OK\ninherit rfc1939\n", "bad:3: inherit must come right after 'persona 1'"},
        {"persona 1\ninherit ../x\n", "bad:2: inherit: bad persona name"},
        {"persona 1\ninherit nope-nope\n", "bad:2: inherit: no persona named nope-nope"},
        {"persona 1\nok +OK\n", "bad: missing err"},
        {"persona 1\nok +OK\nerr -ERR\n", "bad: missing reply banner"},
        {"persona 1\ninherit rfc1939\nreply banner %+ hi\n",
         "bad: offer APOP needs the timestamp %t in the banner"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct persona *p = (struct persona *)1;
        char err[256] = "";
        int rc = persona_parse("bad", cases[i].text, strlen(cases[i].text), NULL, &p, err, sizeof err);
        CU_ASSERT_NOT_EQUAL(rc, 0);
        CU_ASSERT_PTR_NULL(p);
        if (strcmp(err, cases[i].err) != 0)
            fprintf(stderr, "\ncase %zu: got '%s'\n", i, err);
        CU_ASSERT_STRING_EQUAL(err, cases[i].err);
    }
    /* a line over the limit, and an embedded NUL */
    char longline[PERSONA_LINE_MAX + 40];
    snprintf(longline, sizeof longline, "persona 1\nversion ");
    size_t l = strlen(longline);
    memset(longline + l, 'v', sizeof longline - l - 1);
    longline[sizeof longline - 1] = 0;
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL(persona_parse("bad", longline, strlen(longline), NULL, &p, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "bad:2: line longer than 1024 bytes");
    CU_ASSERT_EQUAL(persona_parse("bad", "persona 1\nok +\0K\n", 16, NULL, &p, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "bad:2: control character 0x00 at column 5");
}

/* A lab's persona file: inherits a built-in, or a sibling file, overrides
 * a few lines; loops are caught. */
static void test_persona_lab_files(void)
{
    const char *dir = unit_tmpdir();
    write_file(dir, "mine.persona",
               "persona 1\r\ninherit q189732\r\nversion 5.0.1458.49\r\n"
               "reply win32.1326 %- Logon failure (%e)\r\ncapa-trans X-ONE\r\n");
    write_file(dir, "child.persona", "persona 1\ninherit mine\nok +Ok\n");
    write_file(dir, "loop-a.persona", "persona 1\ninherit loop-b\n");
    write_file(dir, "loop-b.persona", "persona 1\ninherit loop-a\n");
    write_file(dir, "rfc1939.persona", "persona 1\ninherit exchange-5.5\n");
    char path[PATH_MAX], err[256];
    struct persona *p;
    snprintf(path, sizeof path, "%s/child.persona", dir);
    CU_ASSERT_EQUAL_FATAL(persona_load(path, &p, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(p->name, "child");
    struct persona_vars v = {0};
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_BANNER, &v),
                           "+Ok Microsoft Exchange POP3 server version 5.0.1458.49     ready\r\n");
    v.code = 1326;
    v.text = "Logon failure: unknown user name or bad password.";
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v), "-Err Logon failure (1326)\r\n");
    v.code = 1314;
    v.text = "A required privilege is not held by the client.";
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_WIN32, &v),
                           "-Err A required privilege is not held by the client\r\n");
    CU_ASSERT_EQUAL(p->ncapa, 1);
    persona_free(p);

    snprintf(path, sizeof path, "%s/loop-a.persona", dir);
    CU_ASSERT_EQUAL(persona_load(path, &p, err, sizeof err), ELOOP);
    snprintf(path, sizeof path, "%s/absent.persona", dir);
    CU_ASSERT_EQUAL(persona_load(path, &p, err, sizeof err), ENOENT);

    /* persona_find: the lab's file wins over the built-in of the same name */
    CU_ASSERT_EQUAL_FATAL(persona_find("rfc1939", dir, &p, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(p->version, "5.5.2653.23");
    persona_free(p);
    CU_ASSERT_EQUAL_FATAL(persona_find("q189732", dir, &p, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(p->err, "-Err");
    persona_free(p);
    unit_rmtree(dir);
}

/* Issue 14 item 2: a persona that inherits another and sets only its
 * version differs from it in exactly the replies whose template says %v,
 * and there only by the version; offers, tokens and the rest are the
 * parent's. Names a lab persona may take are checked. */
static void test_persona_inherit_version_only(void)
{
    static const char *const parents[] = {"q189732", "exchange-5.5", "rfc1939"};
    for (size_t k = 0; k < sizeof parents / sizeof parents[0]; k++) {
        struct persona *base = NULL, *child = NULL;
        char err[256], text[200];
        CU_ASSERT_EQUAL_FATAL(persona_builtin(parents[k], &base, err, sizeof err), 0);
        int n = snprintf(text, sizeof text, "persona 1\ninherit %s\nversion 9.9.9999.99\n",
                         parents[k]);
        CU_ASSERT_EQUAL_FATAL(persona_parse("child", text, (size_t)n, NULL, &child, err, sizeof err), 0);
        CU_ASSERT_STRING_EQUAL(child->version, "9.9.9999.99");
        CU_ASSERT_STRING_EQUAL(child->ok, base->ok);
        CU_ASSERT_STRING_EQUAL(child->err, base->err);
        CU_ASSERT_EQUAL(child->offers, base->offers);
        CU_ASSERT_EQUAL(child->keep_period, base->keep_period);
        CU_ASSERT_EQUAL(child->ncapa, base->ncapa);
        struct persona_vars v = {.host = "EXCHSRV", .timestamp = "<1.2@EXCHSRV>", .text = "T.",
                                 .code = 5, .n = 1, .count = 2, .octets = 3, .uid = "u"};
        for (unsigned r = 0; r < PERSONA_REPLY_COUNT; r++) {
            char want[1024];
            snprintf(want, sizeof want, "%s", render(base, (enum persona_reply)r, &v));
            const char *got = render(child, (enum persona_reply)r, &v);
            if (!strstr(base->reply[r], "%v")) {
                CU_ASSERT_STRING_EQUAL(got, want);
                continue;
            }
            /* the same line with the version swapped */
            char *at = strstr(want, base->version);
            CU_ASSERT_PTR_NOT_NULL_FATAL(at);
            char swapped[1100];
            snprintf(swapped, sizeof swapped, "%.*s9.9.9999.99%s", (int)(at - want), want,
                     at + strlen(base->version));
            CU_ASSERT_STRING_EQUAL(got, swapped);
        }
        persona_free(base);
        persona_free(child);
    }
    CU_ASSERT(persona_name_valid("site"));
    CU_ASSERT(persona_name_valid("exchange-5.5-sp3_a"));
    CU_ASSERT(!persona_name_valid(""));
    CU_ASSERT(!persona_name_valid(".hidden"));
    CU_ASSERT(!persona_name_valid("../x"));
    CU_ASSERT(!persona_name_valid("a/b"));
    CU_ASSERT(!persona_name_valid("a b"));
    char longname[PERSONA_NAME_MAX + 1];
    memset(longname, 'a', PERSONA_NAME_MAX);
    longname[PERSONA_NAME_MAX] = 0;
    CU_ASSERT(!persona_name_valid(longname));
    longname[PERSONA_NAME_MAX - 1] = 0;
    CU_ASSERT(persona_name_valid(longname));
}

/* The store's limits (issue 14 item 4): values, inheritance, the reply
 * fallback to system-error, and every malformed value. */
static void test_persona_limits(void)
{
    struct persona *p = NULL, *base = NULL;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("exchange-5.0.1457.10", &base, err, sizeof err), 0);
    CU_ASSERT_EQUAL(base->item_limit, 0);
    CU_ASSERT_EQUAL(base->message_limit, 0);
    static const char ok[] = "persona 1\ninherit exchange-5.0.1457.10\nitem-limit 5\n"
                             "message-limit 1099511627776\n"
                             "reply message-too-large %- %n is %o octets\n";
    CU_ASSERT_EQUAL_FATAL(persona_parse("lim", ok, sizeof ok - 1, NULL, &p, err, sizeof err), 0);
    CU_ASSERT_EQUAL(p->item_limit, 5);
    CU_ASSERT_EQUAL(p->message_limit, (uint64_t)1 << 40);
    struct persona_vars v = {.n = 2, .octets = 485, .count = 6};
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_MESSAGE_TOO_LARGE, &v), "-ERR 2 is 485 octets\r\n");
    /* not worded: the system-error line */
    CU_ASSERT_STRING_EQUAL(render(p, PERSONA_TOO_MANY_ITEMS, &v),
                           "-ERR The information store is not available\r\n");
    CU_ASSERT_STRING_EQUAL(persona_reply_key(PERSONA_TOO_MANY_ITEMS), "too-many-items");
    CU_ASSERT_STRING_EQUAL(persona_event_key(PERSONA_EVENT_MESSAGE_TOO_LARGE), "message-too-large");
    CU_ASSERT_PTR_NOT_NULL(persona_event(p, PERSONA_EVENT_TOO_MANY_ITEMS, 0));
    persona_free(p);
    persona_free(base);
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"persona 1\nitem-limit -1\n",
         "bad:2: item-limit: expected a number from 0 (no limit) to 4294967295"},
        {"persona 1\nitem-limit 4294967296\n",
         "bad:2: item-limit: expected a number from 0 (no limit) to 4294967295"},
        {"persona 1\nitem-limit five\n",
         "bad:2: item-limit: expected a number from 0 (no limit) to 4294967295"},
        {"persona 1\nitem-limit\n",
         "bad:2: item-limit: expected a number from 0 (no limit) to 4294967295"},
        {"persona 1\nitem-limit 1\nitem-limit 2\n", "bad:3: item-limit given twice"},
        {"persona 1\nmessage-limit 1099511627777\n",
         "bad:2: message-limit: expected a number from 0 (no limit) to 1099511627776"},
        {"persona 1\nreply too-many-items %- %n\n",
         "bad:2: reply too-many-items: %n is not available in this reply"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = NULL;
        CU_ASSERT_EQUAL(persona_parse("bad", bad[i].text, strlen(bad[i].text), NULL, &p, err,
                                      sizeof err), EINVAL);
        CU_ASSERT_PTR_NULL(p);
        CU_ASSERT_STRING_EQUAL(err, bad[i].err);
    }
}

void suite_persona(void)
{
    UNIT_SUITE("persona", UNIT_TEST(test_persona_builtins_load), UNIT_TEST(test_persona_q189732_lines),
               UNIT_TEST(test_persona_rfc1939), UNIT_TEST(test_persona_render_safety),
               UNIT_TEST(test_persona_malformed), UNIT_TEST(test_persona_lab_files),
               UNIT_TEST(test_persona_inherit_version_only), UNIT_TEST(test_persona_limits));
}
