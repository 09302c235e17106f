/* The POP3 engine against a small in-test backend over real Maildirs in
 * temp dirs (the engine is backend-agnostic; src/exchange is the real one). */
#include "src/lib/base64.h"
#include "src/lib/buf.h"
#include "src/lib/md5.h"
#include "src/pop3/pop3.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 899283600LL

/* --- the in-test backend ---------------------------------------------------- */

struct tb {
    char root[PATH_MAX];  /* Maildirs are root/<mailbox> */
    const char *password; /* the one password that logs on */
    const char *secret;   /* APOP secret */
    uint32_t fail_win32;  /* when set: every logon fails with it */
    const char *fail_text;
    unsigned logons;
    char domain[64], account[64], mailbox[64], password_seen[64], mech[16];
    struct buf log; /* events, one per line */
};

static void tb_open(struct tb *b, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", b->root, c->mailbox);
    int rc = maildrop_open(dir, &r->maildrop);
    r->outcome = rc == 0        ? MAIL_LOGON_OK
                 : rc == EBUSY  ? MAIL_LOGON_IN_USE
                 : rc == ENOENT ? MAIL_LOGON_NO_MAILBOX
                                : MAIL_LOGON_SYSTEM_ERROR;
}

static void tb_login(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    struct tb *b = arg;
    b->logons++;
    snprintf(b->domain, sizeof b->domain, "%s", c->domain);
    snprintf(b->account, sizeof b->account, "%s", c->account);
    snprintf(b->mailbox, sizeof b->mailbox, "%s", c->mailbox);
    snprintf(b->password_seen, sizeof b->password_seen, "%s", c->password ? c->password : "(null)");
    snprintf(b->mech, sizeof b->mech, "%s", c->mechanism);
    if (b->fail_win32) {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = b->fail_win32;
        snprintf(r->text, sizeof r->text, "%s", b->fail_text);
        return;
    }
    if (!c->password || strcmp(c->password, b->password) != 0) {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1326;
        snprintf(r->text, sizeof r->text, "Logon failure: unknown user name or bad password.");
        return;
    }
    tb_open(b, c, r);
}

static void tb_login_apop(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    struct tb *b = arg;
    b->logons++;
    snprintf(b->mech, sizeof b->mech, "%s", c->mechanism);
    if (!mail_logon_apop_check(c->apop_timestamp, b->secret, c->apop_digest)) {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1326;
        snprintf(r->text, sizeof r->text, "Logon failure: unknown user name or bad password.");
        return;
    }
    tb_open(b, c, r);
}

static void tb_event(void *arg, const struct pop3_event *ev)
{
    struct tb *b = arg;
    if (ev->type == POP3_EV_LOGON) {
        CU_ASSERT_PTR_NULL(ev->cred->password); /* never a password in events */
        buf_printf(&b->log, "logon %s %d %u\n", ev->cred->account, (int)ev->result->outcome,
                   ev->result->win32);
    } else {
        buf_printf(&b->log, "close %d %d %zu %zu\n", (int)ev->reason, (int)ev->state, ev->removed,
                   ev->not_removed);
    }
}

static const struct mail_logon_ops tb_logon = {.login = tb_login, .login_apop = tb_login_apop};

static void tb_init(struct tb *b, const char *root)
{
    memset(b, 0, sizeof *b);
    snprintf(b->root, sizeof b->root, "%s", root);
    b->password = "Passw0rd";
    b->secret = "tanstaaf";
}

static char *tb_mailbox(struct tb *b, const char *name)
{
    static char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", b->root, name);
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    return dir;
}

/* --- a client: feeds input, drains output ------------------------------------ */

struct tc {
    struct pop3_session *s;
    struct pop3_config cfg;
    struct persona *p;
    struct buf got;
    int64_t now;
};

static void tc_drain(struct tc *c)
{
    for (;;) {
        size_t n;
        const char *o = pop3_session_output(c->s, &n);
        if (!n)
            return;
        buf_append(&c->got, o, n);
        pop3_session_consume(c->s, n, c->now);
    }
}

static void tc_open(struct tc *c, const char *persona, struct tb *b)
{
    memset(c, 0, sizeof *c);
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin(persona, &c->p, err, sizeof err), 0);
    pop3_config_default(&c->cfg);
    c->cfg.host = "exchsrv";
    c->now = T0;
    const struct pop3_backend be = {&tb_logon, b, tb_event, b};
    c->s = pop3_session_new(c->p, &be, &c->cfg, c->now, 42);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->s);
    tc_drain(c);
}

static void tc_sendn(struct tc *c, const char *data, size_t len)
{
    size_t off = 0;
    unsigned spins = 0;
    while (off < len && spins++ < 100000) {
        off += pop3_session_input(c->s, data + off, len - off, c->now);
        tc_drain(c);
    }
    CU_ASSERT_EQUAL(off, len);
}

static void tc_send(struct tc *c, const char *text)
{
    tc_sendn(c, text, strlen(text));
}

/* The output since the last call (static storage). */
static const char *tc_take(struct tc *c)
{
    static struct buf last = BUF_INIT;
    buf_reset(&last);
    buf_append(&last, c->got.p ? c->got.p : "", c->got.len);
    buf_reset(&c->got);
    return last.p;
}

static void tc_close(struct tc *c)
{
    pop3_session_drop(c->s);
    persona_free(c->p);
    buf_free(&c->got);
}

static void expect(struct tc *c, const char *send, const char *want)
{
    tc_send(c, send);
    const char *got = tc_take(c);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\nsent:\n%s\nwanted:\n%s\ngot:\n%s\n", send, want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void deliver(const char *dir, const char *msg, int64_t t)
{
    CU_ASSERT_EQUAL_FATAL(maildrop_deliver(dir, msg, strlen(msg), t, NULL, 0), 0);
}

static size_t files_in(const char *dir)
{
    size_t n = 0;
    struct maildrop *md;
    if (maildrop_open(dir, &md) == 0) {
        n = maildrop_count(md);
        maildrop_close(md);
    }
    return n;
}

/* --- tests -------------------------------------------------------------------- */

/* KB Q189732, MORE INFORMATION: the sample session, byte for byte. */
static void test_pop3_q189732_transcript(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    tb_mailbox(&b, "alice");
    b.fail_win32 = 1314;
    b.fail_text = "A required privilege is not held by the client.";
    struct tc c;
    tc_open(&c, "q189732", &b);
    CU_ASSERT_STRING_EQUAL(tc_take(&c),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n");
    expect(&c, "User CORP\\alice\\alice\r\n", "+OK\r\n");
    expect(&c, "Pass Passw0rd\r\n", "-Err A required privilege is not held by the client\r\n");
    CU_ASSERT_STRING_EQUAL(b.domain, "CORP");
    CU_ASSERT_STRING_EQUAL(b.account, "alice");
    CU_ASSERT_STRING_EQUAL(b.mailbox, "alice");
    CU_ASSERT_STRING_EQUAL(b.password_seen, "Passw0rd");
    CU_ASSERT_EQUAL(pop3_session_state(c.s), POP3_AUTHORIZATION);
    CU_ASSERT_STRING_EQUAL(b.log.p, "logon alice 1 1314\n");
    /* the failed PASS started over: PASS alone is out of sequence */
    expect(&c, "Pass Passw0rd\r\n", "-Err Protocol error\r\n");
    expect(&c, "quit\r\n", "+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off\r\n");
    CU_ASSERT_TRUE(pop3_session_closed(c.s));
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* Exchange's USER forms (Q161116, Q322825, Q184463, Q324025). */
static void test_pop3_user_syntax(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    b.fail_win32 = 1326;
    b.fail_text = "Logon failure: unknown user name or bad password.";
    struct tc c;
    tc_open(&c, "exchange-5.0.1457.10", &b);
    tc_take(&c);
    static const char *const forms[][4] = {
        {"alice", "", "alice", "alice"},
        {"CORP\\alice", "CORP", "alice", "alice"},
        {"CORP\\alice\\sales", "CORP", "alice", "sales"},
        {"CORP\\alice/sales", "CORP", "alice", "sales"},
        {"CORP\\Alice Smith", "CORP", "Alice Smith", "Alice Smith"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "USER %s  \r\n", forms[i][0]);
        expect(&c, line, "+OK\r\n");
        expect(&c, "PASS pass word with spaces\r\n",
               "-ERR Logon failure: unknown user name or bad password.\r\n");
        CU_ASSERT_STRING_EQUAL(b.domain, forms[i][1]);
        CU_ASSERT_STRING_EQUAL(b.account, forms[i][2]);
        CU_ASSERT_STRING_EQUAL(b.mailbox, forms[i][3]);
        CU_ASSERT_STRING_EQUAL(b.password_seen, "pass word with spaces");
    }
    static const char *const badforms[] = {"\\alice", "CORP\\", "CORP\\\\x", "CORP\\alice\\",
                                           "CORP\\a\\b\\c", "CORP\\a/b/c"};
    for (size_t i = 0; i < sizeof badforms / sizeof badforms[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "USER %s\r\n", badforms[i]);
        expect(&c, line, "-ERR Invalid user name\r\n");
    }
    expect(&c, "USER\r\n", "-ERR Protocol error\r\n");
    tc_close(&c);

    /* plain syntax: the backslash is part of the name */
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    expect(&c, "USER CORP\\alice\r\n", "+OK send PASS\r\n");
    tc_send(&c, "PASS x\r\n");
    CU_ASSERT_STRING_EQUAL(b.domain, "");
    CU_ASSERT_STRING_EQUAL(b.account, "CORP\\alice");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static const char *const M1 = "From: a@x\r\nSubject: one\r\n\r\nhello\r\n";
/* stored with bare LFs, lines starting with '.', no final newline */
static const char *const M2 = "Subject: two\n\n.starts with dot\n.\nmiddle\n..two dots\nend";
static const char *const M2_WIRE =
    "Subject: two\r\n\r\n..starts with dot\r\n..\r\nmiddle\r\n...two dots\r\nend\r\n.\r\n";
static const char *const M3 = "Subject: three\r\nX: y\r\n\r\nl1\r\n.l2\r\nl3\r\n";

static void test_pop3_full_session(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0 - 300);
    deliver(dir, M2, T0 - 200);
    deliver(dir, M3, T0 - 100);
    uint64_t s1 = maildrop_sent_size(M1, strlen(M1)), s2 = maildrop_sent_size(M2, strlen(M2)),
             s3 = maildrop_sent_size(M3, strlen(M3));
    /* the wire form of M2 without the stuffing and the terminator has s2 octets */
    CU_ASSERT_EQUAL(s2, strlen(M2_WIRE) - 3 - 3);
    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    char uid1[80], uid2[80];
    snprintf(uid1, sizeof uid1, "%s", maildrop_uid(md, 0));
    snprintf(uid2, sizeof uid2, "%s", maildrop_uid(md, 1));
    maildrop_close(md);

    struct tc c;
    tc_open(&c, "exchange-5.0.1457.10", &b);
    CU_ASSERT_STRING_EQUAL(tc_take(&c),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10 ready\r\n");
    expect(&c, "stat\r\n", "-ERR Protocol error\r\n"); /* not yet */
    expect(&c, "user CORP\\alice\r\n", "+OK\r\n");
    expect(&c, "pass Passw0rd\r\n", "+OK User successfully logged on\r\n");
    CU_ASSERT_EQUAL(pop3_session_state(c.s), POP3_TRANSACTION);
    char want[4096];
    snprintf(want, sizeof want, "+OK 3 %llu\r\n", (unsigned long long)(s1 + s2 + s3));
    expect(&c, "STAT\r\n", want);
    snprintf(want, sizeof want, "+OK 3 messages (%llu octets)\r\n1 %llu\r\n2 %llu\r\n3 %llu\r\n.\r\n",
             (unsigned long long)(s1 + s2 + s3), (unsigned long long)s1, (unsigned long long)s2,
             (unsigned long long)s3);
    expect(&c, "LIST\r\n", want);
    snprintf(want, sizeof want, "+OK 2 %llu\r\n", (unsigned long long)s2);
    expect(&c, "LIST 2\r\n", want);
    expect(&c, "LIST 4\r\n", "-ERR The specified message is out of range.\r\n");
    expect(&c, "LIST 0\r\n", "-ERR The specified message is out of range.\r\n");
    expect(&c, "LIST x\r\n", "-ERR Protocol error\r\n");
    expect(&c, "LIST 1 2\r\n", "-ERR Protocol error\r\n");
    snprintf(want, sizeof want, "+OK\r\n1 %s\r\n2 %s\r\n", uid1, uid2);
    tc_send(&c, "UIDL\r\n");
    const char *got = tc_take(&c);
    CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
    CU_ASSERT(strlen(got) > 5 && strcmp(got + strlen(got) - 3, ".\r\n") == 0);
    snprintf(want, sizeof want, "+OK 2 %s\r\n", uid2);
    expect(&c, "UIDL 2\r\n", want);
    /* TOP: headers, the blank line, n body lines, stuffed */
    expect(&c, "TOP 3 0\r\n", "+OK\r\nSubject: three\r\nX: y\r\n\r\n.\r\n");
    expect(&c, "TOP 3 2\r\n", "+OK\r\nSubject: three\r\nX: y\r\n\r\nl1\r\n..l2\r\n.\r\n");
    expect(&c, "TOP 2 1\r\n", "+OK\r\nSubject: two\r\n\r\n..starts with dot\r\n.\r\n");
    expect(&c, "TOP 3 99\r\n", "+OK\r\nSubject: three\r\nX: y\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
    expect(&c, "TOP 3\r\n", "-ERR Protocol error\r\n");
    /* RETR: bare LF stored mail goes out with CRLF, stuffed, final CRLF added */
    snprintf(want, sizeof want, "+OK\r\n%s", M2_WIRE);
    expect(&c, "RETR 2\r\n", want);
    snprintf(want, sizeof want, "+OK\r\n%s.\r\n", M1);
    expect(&c, "retr 1\r\n", want);
    /* DELE marks; RSET unmarks */
    expect(&c, "DELE 1\r\n", "+OK\r\n");
    expect(&c, "DELE 1\r\n", "-ERR The specified message has been deleted.\r\n");
    expect(&c, "RETR 1\r\n", "-ERR The specified message has been deleted.\r\n");
    expect(&c, "LIST 1\r\n", "-ERR The specified message has been deleted.\r\n");
    snprintf(want, sizeof want, "+OK 2 %llu\r\n", (unsigned long long)(s2 + s3));
    expect(&c, "STAT\r\n", want);
    snprintf(want, sizeof want, "+OK 2 messages (%llu octets)\r\n2 %llu\r\n3 %llu\r\n.\r\n",
             (unsigned long long)(s2 + s3), (unsigned long long)s2, (unsigned long long)s3);
    expect(&c, "LIST\r\n", want);
    expect(&c, "RSET\r\n", "+OK\r\n");
    snprintf(want, sizeof want, "+OK 3 %llu\r\n", (unsigned long long)(s1 + s2 + s3));
    expect(&c, "STAT\r\n", want);
    expect(&c, "NOOP\r\n", "+OK\r\n");
    expect(&c, "USER bob\r\n", "-ERR Protocol error\r\n"); /* wrong state */
    expect(&c, "DELE 2\r\n", "+OK\r\n");
    expect(&c, "CAPA\r\n", "-ERR Protocol error\r\n"); /* Exchange 5.0 has no CAPA */
    /* only QUIT removes, and only the marked one */
    CU_ASSERT_EQUAL(files_in(dir), 0); /* locked by the session: open fails */
    expect(&c, "QUIT\r\n", "+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off\r\n");
    CU_ASSERT_TRUE(pop3_session_closed(c.s));
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    CU_ASSERT_EQUAL(maildrop_count(md), 2);
    CU_ASSERT_STRING_EQUAL(maildrop_uid(md, 0), uid1);
    CU_ASSERT_EQUAL(maildrop_size(md, 1), s3);
    maildrop_close(md);
    CU_ASSERT(strstr(b.log.p, "close 0 2 1 0\n") != NULL); /* QUIT in UPDATE, 1 removed */
    /* input after the close is ignored */
    CU_ASSERT_EQUAL(pop3_session_input(c.s, "STAT\r\n", 6, c.now), 6);
    tc_drain(&c);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* A dropped connection in TRANSACTION: no UPDATE, the lock is released. */
static void test_pop3_drop_deletes_nothing(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    deliver(dir, M3, T0);
    struct tc c;
    tc_open(&c, "exchange-5.5", &b);
    tc_send(&c, "USER alice\r\nPASS Passw0rd\r\nDELE 1\r\nDELE 2\r\n");
    CU_ASSERT_EQUAL(pop3_session_state(c.s), POP3_TRANSACTION);
    tc_close(&c); /* connection lost */
    CU_ASSERT_EQUAL(files_in(dir), 2);
    CU_ASSERT(strstr(b.log.p, "close 3 1 0 0\n") != NULL);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* A second session on the same maildrop gets the persona's in-use reply. */
static void test_pop3_second_session_in_use(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    struct tc c1, c2;
    tc_open(&c1, "rfc1939", &b);
    tc_open(&c2, "rfc1939", &b);
    tc_take(&c1);
    tc_take(&c2);
    expect(&c1, "USER alice\r\nPASS Passw0rd\r\n", "+OK send PASS\r\n+OK maildrop has 1 messages (34 octets)\r\n");
    expect(&c2, "USER alice\r\nPASS Passw0rd\r\n", "+OK send PASS\r\n-ERR [IN-USE] maildrop already locked\r\n");
    CU_ASSERT_EQUAL(pop3_session_state(c2.s), POP3_AUTHORIZATION);
    expect(&c1, "QUIT\r\n", "+OK POP3 server signing off\r\n");
    /* once the first is gone, the second may log on */
    expect(&c2, "USER alice\r\nPASS Passw0rd\r\n", "+OK send PASS\r\n+OK maildrop has 1 messages (34 octets)\r\n");
    expect(&c2, "USER alice\r\n", "-ERR command not valid in this state\r\n");
    /* no such mailbox */
    struct tc c3;
    tc_open(&c3, "rfc1939", &b);
    tc_take(&c3);
    expect(&c3, "USER nobody\r\nPASS Passw0rd\r\n", "+OK send PASS\r\n-ERR [AUTH] no such mailbox\r\n");
    tc_close(&c3);
    tc_close(&c2);
    tc_close(&c1);
    buf_free(&b.log);
    unit_rmtree(root);
}

static void test_pop3_overlong_line(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    char line[400];
    /* 253 octets + CRLF = 255: the longest allowed line */
    memset(line, 'x', 253);
    memcpy(line, "NOOP ", 5);
    strcpy(line + 253, "\r\n");
    expect(&c, line, "-ERR command not valid in this state\r\n");
    /* 254 + CRLF: too long, in one chunk with the LF */
    memset(line, 'x', 254);
    strcpy(line + 254, "\r\nQUIX\r\n");
    expect(&c, line, "-ERR line too long\r\n-ERR unknown command\r\n");
    /* a long line arriving in pieces: one reply, the rest skipped up to LF */
    memset(line, 'y', sizeof line);
    tc_sendn(&c, line, 200);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "");
    tc_sendn(&c, line, 200);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "-ERR line too long\r\n");
    for (int i = 0; i < 100; i++)
        tc_sendn(&c, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "");
    CU_ASSERT(pop3_session_memory(c.s) < 2048); /* skipped bytes are not kept */
    expect(&c, "tail of it\r\nQUIT\r\n", "+OK POP3 server signing off\r\n");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static void test_pop3_nul_byte(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    tc_sendn(&c, "US\0ER alice\r\nNOOP\r\n", 19);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "-ERR NUL byte in command\r\n-ERR command not valid in this state\r\n");
    CU_ASSERT_EQUAL(b.logons, 0);
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* The command table's rows: states, offers and argument counts, each
 * command at its edges (issue 13 item 8 made dispatch a table lookup). */
static void test_pop3_command_rows(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0 - 100);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    c.cfg.max_bad_commands = 0; /* more errors below than the default 20 */
    tc_take(&c);
    expect(&c, "STAT\r\n", "-ERR command not valid in this state\r\n");
    expect(&c, "XTND\r\n", "-ERR unknown command\r\n");
    expect(&c, "USERX a\r\n", "-ERR unknown command\r\n");
    expect(&c, "APOP alice\r\n", "-ERR syntax error\r\n");
    expect(&c, "APOP alice 0123 x\r\n", "-ERR syntax error\r\n");
    expect(&c, "AUTH PLAIN x y\r\n", "-ERR syntax error\r\n");
    expect(&c, "CAPA x\r\n", "-ERR syntax error\r\n");
    expect(&c, "QUIT now\r\n", "-ERR syntax error\r\n");
    expect(&c, "PASS x\r\n", "-ERR send USER first\r\n");
    expect(&c, "USER \t \r\n", "-ERR syntax error\r\n");
    expect(&c, "uSeR alice \t\r\n", "+OK send PASS\r\n");
    expect(&c, "PASS Passw0rd\r\n", "+OK maildrop has 1 messages (34 octets)\r\n");
    expect(&c, "USER alice\r\n", "-ERR command not valid in this state\r\n");
    expect(&c, "APOP alice 0123\r\n", "-ERR command not valid in this state\r\n");
    expect(&c, "STAT 1\r\n", "-ERR syntax error\r\n");
    expect(&c, "NOOP 1\r\n", "-ERR syntax error\r\n");
    expect(&c, "RSET 1\r\n", "-ERR syntax error\r\n");
    expect(&c, "RETR\r\n", "-ERR syntax error\r\n");
    expect(&c, "RETR 1 2\r\n", "-ERR syntax error\r\n");
    expect(&c, "DELE\r\n", "-ERR syntax error\r\n");
    expect(&c, "TOP 1 0 3\r\n", "-ERR syntax error\r\n");
    expect(&c, "UIDL 1 1\r\n", "-ERR syntax error\r\n");
    expect(&c, "LIST\t1\r\n", "-ERR unknown command\r\n"); /* the keyword ends at a space */
    expect(&c, "LIST  1\r\n", "+OK 1 34\r\n");
    expect(&c, "noop\r\n", "+OK\r\n");
    expect(&c, "STAT\r\n", "+OK 1 34\r\n");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static void test_pop3_too_many_bad_commands(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    struct tc c;
    tc_open(&c, "exchange-5.0.1457.10", &b);
    c.cfg.max_bad_commands = 3;
    tc_take(&c);
    expect(&c, "FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n",
           "-ERR Protocol error\r\n-ERR Protocol error\r\n-ERR Too many errors, closing connection\r\n");
    CU_ASSERT_TRUE(pop3_session_closed(c.s));
    CU_ASSERT_FALSE(pop3_session_want_input(c.s));
    CU_ASSERT(strstr(b.log.p, "close 2 0 0 0\n") != NULL);
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static void test_pop3_autologout(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    CU_ASSERT_EQUAL(c.cfg.idle_timeout, 600); /* RFC 1939's minimum by default */
    CU_ASSERT_EQUAL(pop3_session_deadline(c.s), T0 + 600);
    c.now = T0 + 100;
    tc_send(&c, "USER alice\r\nPASS Passw0rd\r\nDELE 1\r\n");
    tc_take(&c);
    CU_ASSERT_EQUAL(pop3_session_deadline(c.s), T0 + 700);
    pop3_session_tick(c.s, T0 + 699);
    CU_ASSERT_FALSE(pop3_session_closed(c.s));
    pop3_session_tick(c.s, T0 + 700);
    CU_ASSERT_TRUE(pop3_session_closed(c.s));
    CU_ASSERT_EQUAL(pop3_session_deadline(c.s), INT64_MAX);
    tc_drain(&c);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "-ERR autologout; idle for too long\r\n");
    CU_ASSERT_EQUAL(files_in(dir), 1); /* no UPDATE: lock released, nothing removed */
    tc_close(&c);
    /* Exchange personas close without a line */
    tc_open(&c, "exchange-5.0.1457.10", &b);
    tc_take(&c);
    pop3_session_tick(c.s, T0 + 600);
    tc_drain(&c);
    CU_ASSERT_TRUE(pop3_session_closed(c.s));
    CU_ASSERT_STRING_EQUAL(tc_take(&c), "");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static const char *b64(const void *data, size_t n)
{
    static char out[512];
    base64_encode(data, n, out);
    return out;
}

static void test_pop3_auth_plain(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    expect(&c, "AUTH\r\n", "+OK mechanisms follow\r\nPLAIN\r\n.\r\n");
    expect(&c, "AUTH LOGIN\r\n", "-ERR unsupported authentication mechanism\r\n");
    /* continuation, then cancel */
    expect(&c, "AUTH PLAIN\r\n", "+ \r\n");
    expect(&c, "*\r\n", "-ERR authentication cancelled\r\n");
    /* CRLF injection inside the decoded user name */
    char line[600];
    snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64("\0alice\r\n+OK forged\0Passw0rd", 26));
    expect(&c, line, "-ERR [AUTH] malformed authentication data\r\n");
    snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64("\0alice\0Pass\nw0rd", 16));
    expect(&c, line, "-ERR [AUTH] malformed authentication data\r\n");
    /* a third NUL, a missing field, bad base64, a foreign authzid, empty */
    snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64("\0alice\0Passw0rd\0", 16));
    expect(&c, line, "-ERR [AUTH] malformed authentication data\r\n");
    snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64("alice\0Passw0rd", 14));
    expect(&c, line, "-ERR [AUTH] malformed authentication data\r\n");
    expect(&c, "AUTH PLAIN AGFsaWNl!!==\r\n", "-ERR [AUTH] malformed authentication data\r\n");
    snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64("bob\0alice\0Passw0rd", 18));
    expect(&c, line, "-ERR [AUTH] malformed authentication data\r\n");
    expect(&c, "AUTH PLAIN =\r\n", "-ERR [AUTH] malformed authentication data\r\n");
    CU_ASSERT_EQUAL(b.logons, 0);
    /* a wrong password reaches the backend and fails there */
    snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64("\0alice\0nope", 11));
    expect(&c, line, "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    /* the continuation line may be longer than a command line */
    expect(&c, "AUTH PLAIN\r\n", "+ \r\n");
    char pw[200];
    memset(pw, 'p', sizeof pw);
    char raw[260];
    memcpy(raw, "alice\0alice\0", 12);
    memcpy(raw + 12, pw, sizeof pw);
    snprintf(line, sizeof line, "%s\r\n", b64(raw, 12 + sizeof pw));
    CU_ASSERT(strlen(line) > 255);
    expect(&c, line, "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    CU_ASSERT_EQUAL(strlen(b.password_seen), 63); /* reached the backend (truncated copy) */
    /* and the good one, with continuation */
    expect(&c, "AUTH PLAIN\r\n", "+ \r\n");
    snprintf(line, sizeof line, "%s\r\n", b64("\0alice\0Passw0rd", 15));
    expect(&c, line, "+OK maildrop has 1 messages (34 octets)\r\n");
    CU_ASSERT_STRING_EQUAL(b.mech, "PLAIN");
    CU_ASSERT_EQUAL(pop3_session_state(c.s), POP3_TRANSACTION);
    expect(&c, "AUTH PLAIN\r\n", "-ERR command not valid in this state\r\n");
    tc_close(&c);

    /* Exchange personas offer AUTH NTLM (issue 17), not PLAIN */
    tc_open(&c, "exchange-5.5", &b);
    tc_take(&c);
    expect(&c, "AUTH\r\n", "+OK\r\nNTLM\r\n.\r\n");
    expect(&c, "AUTH PLAIN\r\n", "-ERR Unrecognized authentication type\r\n");
    tc_close(&c);
    /* a persona without NTLM: rfc1939's words auth-disabled as auth-mechanism */
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    expect(&c, "AUTH NTLM\r\n", "-ERR unsupported authentication mechanism\r\n");
    expect(&c, "AUTH KERBEROS_V4\r\n", "-ERR unsupported authentication mechanism\r\n");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static void test_pop3_apop(void)
{
    /* RFC 1939 §7's example */
    CU_ASSERT_TRUE(mail_logon_apop_check("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf",
                                   "c4c9334bac560ecc979e58001b3e22fb"));
    CU_ASSERT_FALSE(mail_logon_apop_check("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf",
                                    "c4c9334bac560ecc979e58001b3e22fc"));
    CU_ASSERT_FALSE(mail_logon_apop_check("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf", "c4"));

    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    char want[128];
    snprintf(want, sizeof want, "+OK POP3 server ready <42.%lld@exchsrv>\r\n", (long long)T0);
    CU_ASSERT_STRING_EQUAL(tc_take(&c), want);
    char ts[64], digest[33], line[128];
    snprintf(ts, sizeof ts, "<42.%lld@exchsrv>%s", (long long)T0, b.secret);
    md5_hex(ts, strlen(ts), digest);
    expect(&c, "APOP alice 0123456789abcdef0123456789abcdef\r\n",
           "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    expect(&c, "APOP alice xyz\r\n", "-ERR syntax error\r\n");
    expect(&c, "APOP alice\r\n", "-ERR syntax error\r\n");
    for (char *d = digest; *d; d++) /* the digest is accepted in upper case too */
        if (*d >= 'a' && *d <= 'f')
            *d = (char)(*d - 'a' + 'A');
    snprintf(line, sizeof line, "apop alice %s\r\n", digest);
    expect(&c, line, "+OK maildrop has 1 messages (34 octets)\r\n");
    CU_ASSERT_STRING_EQUAL(b.mech, "APOP");
    tc_close(&c);
    /* not offered by Exchange (Q161116, Q322825) */
    tc_open(&c, "exchange-5.5", &b);
    tc_take(&c);
    expect(&c, line, "-ERR Protocol error\r\n");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* PIPELINING: many commands in one input chunk run in order. */
static void test_pop3_pipelined(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    deliver(dir, M2, T0 + 1);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    char want[2048];
    uint64_t s1 = maildrop_sent_size(M1, strlen(M1)), s2 = maildrop_sent_size(M2, strlen(M2));
    snprintf(want, sizeof want,
             "+OK send PASS\r\n+OK maildrop has 2 messages (%llu octets)\r\n+OK 2 %llu\r\n"
             "+OK 2 messages (%llu octets)\r\n1 %llu\r\n2 %llu\r\n.\r\n+OK %llu octets\r\n%s"
             "+OK message 1 deleted\r\n+OK POP3 server signing off\r\n",
             (unsigned long long)(s1 + s2), (unsigned long long)(s1 + s2),
             (unsigned long long)(s1 + s2), (unsigned long long)s1, (unsigned long long)s2,
             (unsigned long long)s2, M2_WIRE);
    /* bare LF line ends from a telnet-style client, mixed with CRLF */
    expect(&c, "USER alice\nPASS Passw0rd\r\nSTAT\nLIST\r\nRETR 2\nDELE 1\r\nQUIT\n", want);
    CU_ASSERT_EQUAL(files_in(dir), 1);
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

static void test_pop3_capa(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    tb_mailbox(&b, "alice");
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    expect(&c, "CAPA\r\n",
           "+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\n"
           "AUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN\r\nIMPLEMENTATION ntlab\r\n.\r\n");
    tc_send(&c, "USER alice\r\nPASS Passw0rd\r\n");
    tc_take(&c);
    expect(&c, "capa\r\n",
           "+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\n"
           "AUTH-RESP-CODE\r\nIMPLEMENTATION ntlab\r\n.\r\n");
    expect(&c, "LIST\r\n", "+OK 0 messages (0 octets)\r\n.\r\n");
    expect(&c, "UIDL\r\n", "+OK\r\n.\r\n");
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* A large message streams through a bounded buffer; pipelined input waits
 * (backpressure) instead of piling up. */
static void test_pop3_streaming_bounded(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    size_t big = 4u << 20;
    char *msg = malloc(big + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    for (size_t i = 0; i < big; i++)
        msg[i] = (i % 64 == 63) ? '\n' : (i % 64 == 0) ? '.' : 'a';
    msg[big] = 0;
    CU_ASSERT_EQUAL_FATAL(maildrop_deliver(dir, msg, big, T0, NULL, 0), 0);
    uint64_t size = maildrop_sent_size(msg, big);
    free(msg);
    struct tc c;
    tc_open(&c, "rfc1939", &b);
    tc_take(&c);
    tc_send(&c, "USER alice\r\nPASS Passw0rd\r\n");
    tc_take(&c);
    /* RETR, then lots of pipelined NOOPs, without reading */
    char *in = malloc(100000);
    size_t inlen = 0;
    inlen += (size_t)sprintf(in, "RETR 1\r\n");
    while (inlen + 6 < 100000)
        inlen += (size_t)sprintf(in + inlen, "NOOP\r\n");
    size_t taken = pop3_session_input(c.s, in, inlen, c.now);
    CU_ASSERT(taken < inlen);
    CU_ASSERT(taken <= POP3_IN_MAX + 8);
    CU_ASSERT_FALSE(pop3_session_want_input(c.s));
    /* drain in small writes; the buffer stays bounded */
    size_t maxbuf = 0, noops = 0, fed = taken;
    uint64_t dots = 0;
    struct buf all = BUF_INIT;
    for (unsigned spins = 0; spins < 10000000; spins++) {
        size_t n;
        const char *o = pop3_session_output(c.s, &n);
        if (n > maxbuf)
            maxbuf = n;
        if (pop3_session_memory(c.s) > 3 * POP3_OUT_CHUNK + POP3_IN_MAX + 1024)
            CU_FAIL("session memory above its bound");
        if (!n) {
            if (fed == inlen)
                break;
            fed += pop3_session_input(c.s, in + fed, inlen - fed, c.now);
            continue;
        }
        size_t w = n < 1000 ? n : 1000;
        buf_append(&all, o, w);
        pop3_session_consume(c.s, w, c.now);
        if (fed < inlen && pop3_session_want_input(c.s))
            fed += pop3_session_input(c.s, in + fed, inlen - fed, c.now);
    }
    CU_ASSERT(maxbuf <= 2 * POP3_OUT_CHUNK);
    /* +OK line, the message, the terminator, then the NOOP replies */
    const char *head = "+OK ";
    CU_ASSERT(strncmp(all.p, head, 4) == 0);
    const char *body = strstr(all.p, "\r\n") + 2;
    const char *end = strstr(body, "\r\n.\r\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    for (const char *q = body; q < end; q++)
        if (*q == '.' && (q == body || q[-1] == '\n'))
            dots++;
    CU_ASSERT_EQUAL((uint64_t)(end + 2 - body) - dots, size);
    for (const char *q = end + 5; (q = strstr(q, "+OK\r\n")); q += 5)
        noops++;
    CU_ASSERT_EQUAL(noops, (inlen - 8) / 6);
    buf_free(&all);
    free(in);
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* Idle sessions hold almost nothing: buffers go when they are empty. */
static void test_pop3_idle_memory(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    struct tc c;
    tc_open(&c, "exchange-5.0.1457.10", &b);
    size_t m0 = pop3_session_memory(c.s);
    CU_ASSERT(m0 <= 1024);
    tc_send(&c, "USER CORP\\alice\r\n");
    CU_ASSERT(pop3_session_memory(c.s) <= 1024);
    tc_send(&c, "PASS Passw0rd\r\nSTAT\r\nLIST\r\nRETR 1\r\n");
    size_t m1 = pop3_session_memory(c.s);
    CU_ASSERT(m1 <= 1024);
    printf("\n  idle session: %zu bytes before logon, %zu after (maildrop excluded)\n", m0, m1);
    tc_close(&c);
    buf_free(&b.log);
    unit_rmtree(root);
}

/* Hostile bytes: random command soup into every persona. The session never
 * crashes (the sanitizer build checks), every reply line ends in CRLF and
 * stays within 512 octets, and memory stays bounded. */
static void test_pop3_random_input(void)
{
    const char *root = unit_tmpdir();
    struct tb b;
    tb_init(&b, root);
    char *dir = tb_mailbox(&b, "alice");
    deliver(dir, M1, T0);
    deliver(dir, M2, T0 + 1);
    deliver(dir, M3, T0 + 2);
    static const char *const words[] = {
        "USER alice", "PASS Passw0rd", "USER CORP\\alice\\alice", "STAT", "LIST", "LIST 2",
        "UIDL", "UIDL 3", "RETR 1", "RETR 2", "TOP 3 1", "DELE 1", "RSET", "NOOP", "CAPA",
        "AUTH", "AUTH PLAIN", "AUTH PLAIN AGFsaWNlAFBhc3N3MHJk", "*", "APOP alice 00", "QUIT",
        "LIST 99999999999999999999", "TOP 1 18446744073709551615", "\x01\x02", ".", "",
    };
    const char *personas[] = {"q189732", "exchange-5.0.1457.10", "exchange-5.5", "rfc1939"};
    unsigned seed = 12345;
    for (unsigned round = 0; round < 200; round++) {
        struct tc c;
        tc_open(&c, personas[round % 4], &b);
        c.cfg.max_bad_commands = round % 3 ? 0 : 7;
        char chunk[700];
        for (unsigned k = 0; k < 40 && !pop3_session_closed(c.s); k++) {
            size_t n = 0;
            while (n < 500) {
                seed = seed * 1103515245u + 12345u;
                unsigned r = (seed >> 16) & 0x7fff;
                if (r % 5 == 0) { /* raw noise, NULs and CRs included */
                    size_t m = r % 40;
                    for (size_t i = 0; i < m && n < sizeof chunk; i++) {
                        seed = seed * 1103515245u + 12345u;
                        chunk[n++] = (char)(seed >> 16);
                    }
                } else {
                    const char *w = words[r % (sizeof words / sizeof words[0])];
                    size_t wl = strlen(w);
                    memcpy(chunk + n, w, wl);
                    n += wl;
                    const char *end = r % 3 ? "\r\n" : "\n";
                    memcpy(chunk + n, end, strlen(end));
                    n += strlen(end);
                }
            }
            tc_sendn(&c, chunk, n);
            CU_ASSERT(pop3_session_memory(c.s) <= 3 * POP3_OUT_CHUNK + 2 * POP3_IN_MAX);
        }
        /* every line ends in CRLF, none longer than 512 octets */
        const char *o = tc_take(&c);
        size_t linelen = 0;
        bool ok = true;
        for (const char *q = o; *q; q++) {
            linelen++;
            if (*q == '\n') {
                ok &= q > o && q[-1] == '\r' && linelen <= 512;
                linelen = 0;
            }
        }
        ok &= linelen == 0;
        CU_ASSERT_TRUE(ok);
        tc_close(&c);
    }
    /* the soup did reach TRANSACTION and UPDATE, not only AUTHORIZATION */
    CU_ASSERT_PTR_NOT_NULL(strstr(b.log.p, "logon alice 0 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.log.p, "close 0 2 "));
    buf_free(&b.log);
    unit_rmtree(root);
}

void suite_pop3_session(void)
{
    UNIT_SUITE("pop3_session", UNIT_TEST(test_pop3_q189732_transcript),
               UNIT_TEST(test_pop3_user_syntax), UNIT_TEST(test_pop3_full_session), UNIT_TEST(test_pop3_command_rows),
               UNIT_TEST(test_pop3_drop_deletes_nothing), UNIT_TEST(test_pop3_second_session_in_use),
               UNIT_TEST(test_pop3_overlong_line), UNIT_TEST(test_pop3_nul_byte),
               UNIT_TEST(test_pop3_too_many_bad_commands), UNIT_TEST(test_pop3_autologout),
               UNIT_TEST(test_pop3_auth_plain), UNIT_TEST(test_pop3_apop),
               UNIT_TEST(test_pop3_pipelined), UNIT_TEST(test_pop3_capa),
               UNIT_TEST(test_pop3_streaming_bounded), UNIT_TEST(test_pop3_idle_memory),
               UNIT_TEST(test_pop3_random_input));
}
