/* The SMTP receiver engine (src/smtp, issue 18 slice 1): the RFC 5321
 * dialogue, the limits and their replies, data before the 354, AUTH LOGIN
 * and PLAIN through the logon contract, driven byte for byte with an
 * in-test backend that records what the final dot hands over. */
#include "src/lib/buf.h"
#include "src/lib/str.h"
#include "src/smtp/smtp.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define T0 899283600LL /* Wed, 01 Jul 1998 09:00:00 +0000 */

struct tb {
    struct buf got;   /* messages delivered, each "<from>|<rcpt,rcpt>|<bytes>" */
    unsigned ndeliv;  /* deliver calls */
    unsigned logons;  /* login calls */
    int fail_deliver; /* errno deliver answers */
    bool closed_seen;
    enum smtp_close_reason reason;
};

static enum smtp_rcpt_result tb_rcpt(void *arg, const char *a)
{
    (void)arg;
    if (str_ieq(a, "alice@lab.example") || str_ieq(a, "bob@lab.example"))
        return SMTP_RCPT_OK;
    return str_ieq(a, "slow@lab.example") ? SMTP_RCPT_TEMPFAIL : SMTP_RCPT_UNKNOWN;
}

static int tb_deliver(void *arg, const struct smtp_envelope *env, const void *msg, size_t len)
{
    struct tb *t = arg;
    t->ndeliv++;
    if (t->fail_deliver)
        return t->fail_deliver;
    buf_printf(&t->got, "%s|", env->from);
    for (size_t i = 0; i < env->nrcpt; i++)
        buf_printf(&t->got, "%s%s", i ? "," : "", env->rcpt[i]);
    buf_putc(&t->got, '|');
    buf_append(&t->got, msg, len);
    return 0;
}

static void tb_login(void *arg, const struct mail_logon_credentials *c,
                     struct mail_logon_result *res)
{
    struct tb *t = arg;
    t->logons++;
    if (!strcmp(c->account, "alice") && !strcmp(c->password, "s3cret")) {
        res->outcome = MAIL_LOGON_OK;
    } else if (!strcmp(c->account, "broken")) {
        res->outcome = MAIL_LOGON_SYSTEM_ERROR;
    } else {
        res->outcome = MAIL_LOGON_WIN32;
        res->win32 = 1326;
    }
}

static void tb_event(void *arg, const struct smtp_event *ev)
{
    struct tb *t = arg;
    if (ev->type == SMTP_EV_CLOSE) {
        t->closed_seen = true;
        t->reason = ev->reason;
    }
    if (ev->type == SMTP_EV_LOGON)
        CU_ASSERT_PTR_NULL(ev->cred->password);
}

static const struct mail_logon_ops tb_ops = {.login = tb_login};

struct rig {
    struct tb t;
    struct smtp_config cfg;
    struct smtp_backend be;
    struct smtp_session *s;
    struct buf out;
};

static void rig_open(struct rig *r, const char *persona)
{
    memset(r, 0, sizeof *r);
    smtp_config_default(&r->cfg);
    r->cfg.host = "exch1.lab.example";
    r->be = (struct smtp_backend){.logon = &tb_ops,
                                  .logon_arg = &r->t,
                                  .rcpt = tb_rcpt,
                                  .deliver = tb_deliver,
                                  .arg = &r->t,
                                  .event = tb_event,
                                  .event_arg = &r->t};
    r->s = smtp_session_new(smtp_persona_find(persona), &r->be, &r->cfg, "127.0.0.1", T0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->s);
}

/* Drains the session's output into r->out. */
static void drain(struct rig *r)
{
    size_t n;
    const char *p;
    while ((p = smtp_session_output(r->s, &n)) && n) {
        buf_append(&r->out, p, n);
        smtp_session_consume(r->s, n, T0);
    }
}

/* Feeds text (all of it, draining as the session asks) and returns the
 * replies it produced, from the start of r->out on (reset each call). */
static const char *say(struct rig *r, const char *text)
{
    buf_reset(&r->out);
    drain(r);
    buf_reset(&r->out);
    size_t len = strlen(text), off = 0;
    while (off < len && !smtp_session_closed(r->s)) {
        off += smtp_session_input(r->s, text + off, len - off, T0);
        drain(r);
    }
    drain(r);
    return r->out.p ? r->out.p : "";
}

static void rig_close(struct rig *r)
{
    smtp_session_drop(r->s);
    buf_free(&r->out);
    buf_free(&r->t.got);
}

static void test_dialogue(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    size_t n;
    const char *b = smtp_session_output(r.s, &n);
    CU_ASSERT(n > 0 && !strncmp(b, "220 exch1.lab.example ESMTP ready\r\n", n));
    CU_ASSERT_STRING_EQUAL(say(&r, "EHLO client.example\r\n"),
                           "250-exch1.lab.example greets client.example\r\n"
                           "250-SIZE 10485760\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
                           "250 AUTH LOGIN PLAIN\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "MAIL FROM:<carol@far.example> SIZE=20 BODY=8BITMIME\r\n"),
                           "250 2.1.0 Sender <carol@far.example> OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<Alice@lab.example>\r\n"),
                           "250 2.1.5 Recipient <Alice@lab.example> OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<nobody@lab.example>\r\n"),
                           "550 5.1.1 <nobody@lab.example>: no such mailbox here\r\n");
    CU_ASSERT_STRING_EQUAL(
        say(&r, "RCPT TO:<slow@lab.example>\r\n"),
        "451 4.3.0 <slow@lab.example>: directory unavailable, try again later\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<bob@lab.example>\r\n"),
                           "250 2.1.5 Recipient <bob@lab.example> OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "DATA\r\n"), "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    CU_ASSERT_EQUAL(r.t.ndeliv, 0);
    CU_ASSERT_STRING_EQUAL(say(&r, "Subject: hi\r\n\r\n..dot\r\n.\r\n"),
                           "250 2.0.0 Message accepted for delivery\r\n");
    CU_ASSERT_EQUAL(r.t.ndeliv, 1);
    CU_ASSERT_STRING_EQUAL(r.t.got.p, "carol@far.example|Alice@lab.example,bob@lab.example|"
                                      "Received: from client.example ([127.0.0.1])\r\n"
                                      "\tby exch1.lab.example with ESMTP;\r\n"
                                      "\tWed, 01 Jul 1998 09:00:00 +0000\r\n"
                                      "Subject: hi\r\n\r\n.dot\r\n");
    /* the transaction is over: RCPT needs a new MAIL */
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<bob@lab.example>\r\n"),
                           "503 5.5.1 Bad sequence of commands\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "VRFY alice\r\nNOOP\r\nRSET\r\nEXPN x\r\n"),
                           "252 2.5.2 Cannot VRFY user, but will accept message\r\n"
                           "250 2.0.0 OK\r\n250 2.0.0 OK\r\n502 5.5.1 Command not implemented\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "QUIT\r\n"),
                           "221 2.0.0 exch1.lab.example closing connection\r\n");
    CU_ASSERT(smtp_session_closed(r.s));
    CU_ASSERT_EQUAL(r.t.reason, SMTP_CLOSE_QUIT);
    rig_close(&r);
}

static void test_sequence(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    CU_ASSERT_STRING_EQUAL(say(&r, "MAIL FROM:<a@b>\r\n"), "503 5.5.1 Send HELO or EHLO first\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "HELO\r\n"),
                           "501 5.5.4 Syntax error in parameters or arguments\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "HELO c\r\n"), "250 exch1.lab.example\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<alice@lab.example>\r\n"),
                           "503 5.5.1 Bad sequence of commands\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "DATA\r\n"), "503 5.5.1 Bad sequence of commands\r\n");
    /* bare path (the IMS KB's own telnet test types it so), bare LF */
    CU_ASSERT_STRING_EQUAL(say(&r, "mail from:a@b\n"), "250 2.1.0 Sender <a@b> OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "DATA\r\n"), "554 5.5.1 No valid recipients\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "MAIL FROM:<a@b>\r\n"),
                           "503 5.5.1 Bad sequence of commands\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<alice@lab.example> NOTIFY=NEVER\r\n"),
                           "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<alice@lab.example\r\n"),
                           "501 5.5.4 Syntax error in parameters or arguments\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "FROB\r\n"), "500 5.5.1 Command unrecognized\r\n");
    /* a null reverse-path and a message with bare LF lines */
    CU_ASSERT_STRING_EQUAL(say(&r, "RSET\r\nMAIL FROM:<>\r\nRCPT TO:<bob@lab.example>\r\n"),
                           "250 2.0.0 OK\r\n250 2.1.0 Sender <> OK\r\n"
                           "250 2.1.5 Recipient <bob@lab.example> OK\r\n");
    say(&r, "DATA\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "x\n.\n"), "250 2.0.0 Message accepted for delivery\r\n");
    CU_ASSERT(r.t.got.p && strstr(r.t.got.p, "|bob@lab.example|Received: from c ") &&
              strstr(r.t.got.p, " with SMTP;\r\n") && !strcmp(strchr(r.t.got.p, 0) - 3, "x\r\n"));
    rig_close(&r);
}

static void test_limits(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    r.cfg.max_message = 100;
    r.cfg.max_recipients = 2;
    say(&r, "EHLO c\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "MAIL FROM:<a@b> SIZE=101\r\n"),
                           "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
    say(&r, "MAIL FROM:<a@b> SIZE=100\r\n");
    say(&r, "RCPT TO:<alice@lab.example>\r\nRCPT TO:<bob@lab.example>\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "RCPT TO:<Bob@lab.example>\r\n"),
                           "452 4.5.3 Too many recipients\r\n");
    say(&r, "DATA\r\n");
    char big[200];
    memset(big, 'x', 60);
    strcpy(big + 60, "\r\n");
    say(&r, big);
    CU_ASSERT_STRING_EQUAL(say(&r, big), "");
    CU_ASSERT_STRING_EQUAL(say(&r, ".\r\n"),
                           "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
    CU_ASSERT_EQUAL(r.t.ndeliv, 0);
    /* a text line over 1000 octets: refused at the dot, nothing kept */
    r.cfg.max_message = 100000;
    say(&r, "MAIL FROM:<a@b>\r\nRCPT TO:<alice@lab.example>\r\n");
    say(&r, "DATA\r\n");
    struct buf l = BUF_INIT;
    for (int i = 0; i < 3000; i++)
        buf_putc(&l, 'y');
    buf_puts(&l, "\r\nshort\r\n.\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, l.p), "500 5.5.2 Line too long in message text\r\n");
    CU_ASSERT_EQUAL(r.t.ndeliv, 0);
    /* exactly 1000 with CRLF is fine */
    buf_reset(&l);
    for (int i = 0; i < 998; i++)
        buf_putc(&l, 'z');
    buf_puts(&l, "\r\n.\r\n");
    say(&r, "MAIL FROM:<a@b>\r\nRCPT TO:<alice@lab.example>\r\n");
    say(&r, "DATA\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, l.p), "250 2.0.0 Message accepted for delivery\r\n");
    CU_ASSERT_EQUAL(r.t.ndeliv, 1);
    /* a command line over 512 */
    buf_reset(&l);
    buf_puts(&l, "NOOP ");
    for (int i = 0; i < 600; i++)
        buf_putc(&l, 'n');
    buf_puts(&l, "\r\nNOOP\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, l.p), "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
    buf_free(&l);
    /* deliver fails: 451, the client may retry */
    r.t.fail_deliver = EIO;
    say(&r, "MAIL FROM:<a@b>\r\nRCPT TO:<alice@lab.example>\r\n");
    say(&r, "DATA\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "m\r\n.\r\n"),
                           "451 4.3.0 Message not stored, try again later\r\n");
    rig_close(&r);
}

static void test_bad_commands(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    r.cfg.max_bad_commands = 3;
    CU_ASSERT_STRING_EQUAL(say(&r, "X\r\nY\r\nZ\r\nNOOP\r\n"),
                           "500 5.5.1 Command unrecognized\r\n500 5.5.1 Command unrecognized\r\n"
                           "421 4.7.0 exch1.lab.example Too many errors, closing connection\r\n");
    CU_ASSERT(smtp_session_closed(r.s));
    CU_ASSERT_EQUAL(r.t.reason, SMTP_CLOSE_BAD_COMMANDS);
    rig_close(&r);
}

/* RFC 5321 §3.3 / RFC 2920 §3.1: the client must wait for the DATA reply. */
static void test_early_data(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    say(&r, "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice@lab.example>\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"),
                           "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
                           "554 5.5.0 exch1.lab.example Data sent before the 354 reply, "
                           "closing connection\r\n");
    CU_ASSERT(smtp_session_closed(r.s));
    CU_ASSERT_EQUAL(r.t.reason, SMTP_CLOSE_SYNC);
    CU_ASSERT_EQUAL(r.t.ndeliv, 0);
    rig_close(&r);
    /* bytes arriving while the 354 sits unsent count too */
    rig_open(&r, "rfc");
    say(&r, "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice@lab.example>\r\n");
    smtp_session_input(r.s, "DATA\r\n", 6, T0);
    smtp_session_input(r.s, "x\r\n.\r\n", 6, T0);
    buf_reset(&r.out);
    drain(&r);
    CU_ASSERT(r.out.p && strstr(r.out.p, "554 5.5.0"));
    CU_ASSERT_EQUAL(r.t.ndeliv, 0);
    rig_close(&r);
}

/* A connection lost before the final dot delivers nothing. */
static void test_drop_midway(void)
{
    struct rig r;
    rig_open(&r, "ims55");
    say(&r, "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice@lab.example>\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "DATA\r\n"), "354 Send data.  End with CRLF.CRLF\r\n");
    say(&r, "Subject: half\r\n\r\nbody\r\n");
    smtp_session_drop(r.s);
    r.s = NULL;
    CU_ASSERT_EQUAL(r.t.ndeliv, 0);
    CU_ASSERT_EQUAL(r.t.reason, SMTP_CLOSE_DROPPED);
    rig_close(&r);
}

static void test_ims_persona(void)
{
    struct rig r;
    rig_open(&r, "IMS55");
    size_t n;
    const char *b = smtp_session_output(r.s, &n);
    const char *want = "220 exch1.lab.example ESMTP Server (Microsoft Exchange Internet Mail "
                       "Service 5.5.2651.58) ready\r\n";
    CU_ASSERT(n == strlen(want) && !memcmp(b, want, n));
    CU_ASSERT_STRING_EQUAL(say(&r, "HELO me\r\n"), "250 OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "mail from:email@domain.com\r\n"),
                           "250 OK - mail from <email@domain.com>\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "rcpt to:alice@lab.example\r\n"),
                           "250 OK - Recipient <alice@lab.example>\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "EHLO me\r\n"),
                           "250-exch1.lab.example Hello [127.0.0.1]\r\n250-SIZE 10485760\r\n"
                           "250 AUTH LOGIN\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"),
                           "504 Unrecognized authentication type\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "quit\r\n"), "221 Closing Port / Mail queued for delivery\r\n");
    rig_close(&r);
    rig_open(&r, "ims50");
    CU_ASSERT_STRING_EQUAL(say(&r, "EHLO me\r\n"),
                           "250-exch1.lab.example Hello [127.0.0.1]\r\n250 SIZE 10485760\r\n");
    rig_close(&r);
    CU_ASSERT_PTR_NULL(smtp_persona_find("nosuch"));
}

static void test_auth(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH LOGIN\r\n"), "503 5.5.1 Bad sequence of commands\r\n");
    say(&r, "EHLO c\r\n");
    /* PLAIN with a wrong password, then right ("\0alice\0s3cret") */
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH PLAIN AGFsaWNlAHdyb25n\r\n"),
                           "535 5.7.8 Authentication credentials invalid\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH PLAIN\r\n"), "334 \r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AGFsaWNlAHMzY3JldA==\r\n"),
                           "235 2.7.0 Authentication successful\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"),
                           "503 5.5.1 Bad sequence of commands\r\n");
    CU_ASSERT_EQUAL(r.t.logons, 2);
    /* the Received: line says ESMTPA (RFC 3848) */
    say(&r, "MAIL FROM:<alice@lab.example>\r\nRCPT TO:<bob@lab.example>\r\n");
    say(&r, "DATA\r\n");
    say(&r, "hi\r\n.\r\n");
    CU_ASSERT(r.t.got.p && strstr(r.t.got.p, " with ESMTPA;"));
    rig_close(&r);

    rig_open(&r, "rfc");
    say(&r, "EHLO c\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH\r\n"),
                           "501 5.5.4 Syntax error in parameters or arguments\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH CRAM-MD5\r\n"),
                           "504 5.5.4 Unrecognized authentication type\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "*\r\n"), "501 5.7.0 Authentication cancelled\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH LOGIN YWxpY2U=\r\n"), "334 UGFzc3dvcmQ6\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "not base64!\r\n"),
                           "501 5.5.4 Syntax error in parameters or arguments\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "YnJva2Vu\r\n"), "334 UGFzc3dvcmQ6\r\n"); /* broken */
    CU_ASSERT_STRING_EQUAL(say(&r, "eA==\r\n"), "454 4.7.0 Temporary authentication failure\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "AUTH LOGIN YWxpY2U=\r\n"), "334 UGFzc3dvcmQ6\r\n");
    CU_ASSERT_STRING_EQUAL(say(&r, "czNjcmV0\r\n"), "235 2.7.0 Authentication successful\r\n");
    rig_close(&r);
}

static void test_timeout(void)
{
    struct rig r;
    rig_open(&r, "rfc");
    CU_ASSERT_EQUAL(smtp_session_deadline(r.s), T0 + 300);
    smtp_session_tick(r.s, T0 + 299);
    CU_ASSERT(!smtp_session_closed(r.s));
    smtp_session_tick(r.s, T0 + 300);
    CU_ASSERT(smtp_session_closed(r.s));
    CU_ASSERT_EQUAL(r.t.reason, SMTP_CLOSE_TIMEOUT);
    buf_reset(&r.out);
    drain(&r);
    CU_ASSERT(r.out.p && strstr(r.out.p, "220 ") &&
              strstr(r.out.p, "\r\n421 4.4.2 exch1.lab.example Timeout"));
    rig_close(&r);
}

void suite_smtp_session(void)
{
    UNIT_SUITE("smtp_session", UNIT_TEST(test_dialogue), UNIT_TEST(test_sequence),
               UNIT_TEST(test_limits), UNIT_TEST(test_bad_commands), UNIT_TEST(test_early_data),
               UNIT_TEST(test_drop_midway), UNIT_TEST(test_ims_persona), UNIT_TEST(test_auth),
               UNIT_TEST(test_timeout));
}
