/* The POP3 engine's SASL mechanism table (src/pop3/sasl.h): a
 * challenge/response mechanism registered here as a row of the session's
 * table and verified by an in-test backend that implements a real one,
 * CRAM-MD5 (RFC 2195: the server's challenge, the client's "user
 * HMAC-MD5(secret, challenge)"), over real Maildirs. PLAIN's own cases are
 * in test_pop3_session.c. */
#include "src/lib/base64.h"
#include "src/lib/buf.h"
#include "src/lib/md5.h"
#include "src/lib/str.h"
#include "src/pop3/pop3.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 899283600LL
#define SASL_TEST_CRAM 0x80000000u /* a persona bit no file word sets */

/* --- HMAC-MD5 (RFC 2104) ------------------------------------------------------ */

static void hmac_md5(const char *key, const void *data, size_t n, char hex[33])
{
    uint8_t k[64] = {0}, pad[64], inner[16], d[16];
    size_t kl = strlen(key);
    if (kl > 64)
        md5(key, kl, k);
    else
        memcpy(k, key, kl);
    struct md5_ctx c;
    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x36);
    md5_init(&c);
    md5_update(&c, pad, 64);
    md5_update(&c, data, n);
    md5_final(&c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x5c);
    md5_init(&c);
    md5_update(&c, pad, 64);
    md5_update(&c, inner, 16);
    md5_final(&c, d);
    str_hex(d, 16, hex);
}

/* --- the backend: clear text for PLAIN, CRAM-MD5 for the challenge row -------- */

struct cb {
    char root[PATH_MAX]; /* Maildirs are root/<user> */
    const char *user, *secret;
    unsigned live;  /* exchange states allocated and not yet freed */
    unsigned ends;  /* challenge_end calls */
    unsigned calls; /* login_challenge calls */
    bool ir_seen;   /* the first call carried a message */
    size_t last_inlen;
    char mech[32];
    struct buf log; /* events */
};

struct cram_state {
    char challenge[128];
};

static void cb_open(struct cb *b, const char *user, struct mail_logon_result *r)
{
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", b->root, user);
    int rc = maildrop_open(dir, &r->maildrop);
    r->outcome = rc == 0 ? MAIL_LOGON_OK : MAIL_LOGON_SYSTEM_ERROR;
}

static void cb_fail(struct mail_logon_result *r)
{
    r->outcome = MAIL_LOGON_WIN32;
    r->win32 = 1326;
    snprintf(r->text, sizeof r->text, "Logon failure: unknown user name or bad password.");
}

static void cb_login(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    struct cb *b = arg;
    if (strcmp(c->account, b->user) != 0 || strcmp(c->password, b->secret) != 0) {
        cb_fail(r);
        return;
    }
    cb_open(b, c->account, r);
}

static enum mail_logon_step cb_challenge(void *arg, void **state, struct mail_logon_message *m,
                                         struct mail_logon_result *r)
{
    struct cb *b = arg;
    b->calls++;
    b->last_inlen = m->inlen;
    snprintf(b->mech, sizeof b->mech, "%s", m->mechanism);
    struct cram_state *st = *state;
    if (!st) {
        if (m->in) { /* CRAM-MD5 is server-first: no initial response */
            b->ir_seen = true;
            cb_fail(r);
            return MAIL_LOGON_DONE;
        }
        st = calloc(1, sizeof *st);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        b->live++;
        snprintf(st->challenge, sizeof st->challenge, "<%u.%lld@exchsrv>", b->calls, T0);
        size_t n = strlen(st->challenge);
        CU_ASSERT_FATAL(n <= m->outcap);
        memcpy(m->out, st->challenge, n);
        m->outlen = n;
        *state = st;
        return MAIL_LOGON_CONTINUE;
    }
    /* "user SP 32 hex digits" */
    char want[33];
    hmac_md5(b->secret, st->challenge, strlen(st->challenge), want);
    size_t ul = strlen(b->user);
    bool ok = m->inlen == ul + 1 + 32 && memcmp(m->in, b->user, ul) == 0 && m->in[ul] == ' ' &&
              memcmp(m->in + ul + 1, want, 32) == 0;
    free(st);
    b->live--;
    *state = NULL;
    snprintf(r->account, sizeof r->account, "%s", b->user);
    snprintf(r->mailbox, sizeof r->mailbox, "%s", b->user);
    if (ok)
        cb_open(b, b->user, r);
    else
        cb_fail(r);
    return MAIL_LOGON_DONE;
}

static void cb_end(void *arg, void *state)
{
    struct cb *b = arg;
    CU_ASSERT_PTR_NOT_NULL(state);
    free(state);
    b->live--;
    b->ends++;
}

static void cb_event(void *arg, const struct pop3_event *ev)
{
    struct cb *b = arg;
    if (ev->type == POP3_EV_LOGON)
        buf_printf(&b->log, "logon %s user=%s account=%s mailbox=%s %d\n", ev->cred->mechanism,
                   ev->cred->user, ev->cred->account, ev->cred->mailbox, (int)ev->result->outcome);
}

static const struct mail_logon_ops cb_ops = {.login = cb_login, .login_challenge = cb_challenge,
                                         .challenge_end = cb_end};
static const struct mail_logon_ops cb_ops_clear = {.login = cb_login};

/* The table under test: the built-in PLAIN and a challenge/response row. */
static const struct pop3_sasl_mech table[] = {
    {"PLAIN", PERSONA_SASL_PLAIN, pop3_sasl_plain},
    {"CRAM-MD5", SASL_TEST_CRAM, pop3_sasl_backend},
};

/* --- a client ---------------------------------------------------------------------- */

struct tc {
    struct pop3_session *s;
    struct pop3_config cfg;
    struct persona *p;
    struct buf got;
};

static void tc_drain(struct tc *c)
{
    size_t n;
    const char *o;
    while ((o = pop3_session_output(c->s, &n)) && n) {
        buf_append(&c->got, o, n);
        pop3_session_consume(c->s, n, T0);
    }
}

static void tc_open(struct tc *c, struct cb *b, const struct mail_logon_ops *ops, bool offer)
{
    memset(c, 0, sizeof *c);
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("rfc1939", &c->p, err, sizeof err), 0);
    if (offer)
        c->p->sasl |= SASL_TEST_CRAM;
    pop3_config_default(&c->cfg);
    c->cfg.host = "exchsrv";
    c->cfg.sasl = table;
    c->cfg.nsasl = 2;
    const struct pop3_backend be = {ops, b, cb_event, b};
    c->s = pop3_session_new(c->p, &be, &c->cfg, T0, 7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->s);
    tc_drain(c);
    buf_reset(&c->got);
}

static const char *tc_say(struct tc *c, const char *line)
{
    static struct buf last = BUF_INIT;
    size_t n = strlen(line);
    CU_ASSERT_EQUAL(pop3_session_input(c->s, line, n, T0), n);
    tc_drain(c);
    buf_reset(&last);
    buf_append(&last, c->got.p ? c->got.p : "", c->got.len);
    buf_reset(&c->got);
    return last.p ? last.p : "";
}

#define SAY(c, line, want)                                                                         \
    do {                                                                                           \
        const char *got_ = tc_say(c, line);                                                        \
        if (strcmp(got_, want) != 0)                                                               \
            fprintf(stderr, "\nsent: %s\nwanted: %s\ngot: %s\n", line, want, got_);                \
        CU_ASSERT_STRING_EQUAL(got_, want);                                                        \
    } while (0)

static void tc_close(struct tc *c)
{
    pop3_session_drop(c->s);
    persona_free(c->p);
    buf_free(&c->got);
}

static void cb_init(struct cb *b)
{
    memset(b, 0, sizeof *b);
    snprintf(b->root, sizeof b->root, "%s", unit_tmpdir());
    b->user = "tim";
    b->secret = "tanstaaftanstaaf";
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/tim", b->root);
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    const char *msg = "Subject: hi\r\n\r\nbody\r\n";
    CU_ASSERT_EQUAL_FATAL(maildrop_deliver(dir, msg, strlen(msg), T0, NULL, 0), 0);
}

static void cb_free(struct cb *b)
{
    CU_ASSERT_EQUAL(b->live, 0); /* every state the backend made was freed */
    buf_free(&b->log);
    unit_rmtree(b->root);
}

/* "+ BASE64" from the server: the decoded challenge into out. */
static bool challenge_of(const char *reply, char *out, size_t cap)
{
    size_t n = strlen(reply), got = 0;
    if (n < 4 || strncmp(reply, "+ ", 2) != 0 || strcmp(reply + n - 2, "\r\n") != 0)
        return false;
    if (base64_decode(reply + 2, n - 4, (uint8_t *)out, cap - 1, &got))
        return false;
    out[got] = 0;
    return true;
}

/* The client's answer to a challenge, as a base64 line. */
static void cram_answer(const char *user, const char *secret, const char *challenge, char *line,
                        size_t cap)
{
    char hex[33], resp[200];
    hmac_md5(secret, challenge, strlen(challenge), hex);
    snprintf(resp, sizeof resp, "%s %s", user, hex);
    CU_ASSERT_FATAL(base64_encoded_len(strlen(resp)) + 3 <= cap);
    base64_encode(resp, strlen(resp), line);
    strcat(line, "\r\n");
}

/* --- tests ---------------------------------------------------------------------------- */

/* RFC 2195's example, so that the mechanism below is the real one. */
static void test_sasl_cram_vector(void)
{
    char hex[33];
    const char *ch = "<1896.697170952@postoffice.reston.mci.net>";
    hmac_md5("tanstaaftanstaaf", ch, strlen(ch), hex);
    CU_ASSERT_STRING_EQUAL(hex, "b913a602c7eda7a495b4e6e7334d3890");
}

/* AUTH and CAPA list what the table and the persona both offer; a row the
 * persona does not offer answers as an unknown mechanism. */
static void test_sasl_listing(void)
{
    struct cb b;
    cb_init(&b);
    struct tc c;
    tc_open(&c, &b, &cb_ops, true);
    SAY(&c, "AUTH\r\n", "+OK mechanisms follow\r\nPLAIN\r\nCRAM-MD5\r\n.\r\n");
    const char *capa = tc_say(&c, "CAPA\r\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(capa, "\r\nSASL PLAIN CRAM-MD5\r\n"));
    SAY(&c, "AUTH DIGEST-MD5\r\n", "-ERR unsupported authentication mechanism\r\n");
    tc_close(&c);

    tc_open(&c, &b, &cb_ops, false);
    SAY(&c, "AUTH\r\n", "+OK mechanisms follow\r\nPLAIN\r\n.\r\n");
    capa = tc_say(&c, "CAPA\r\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(capa, "\r\nSASL PLAIN\r\n"));
    SAY(&c, "AUTH CRAM-MD5\r\n", "-ERR unsupported authentication mechanism\r\n");
    tc_close(&c);

    /* a persona whose CAPA names SASL but whose AUTH offers nothing: no
     * SASL line (CAPA never names a mechanism AUTH refuses) */
    char err[256];
    struct persona *p;
    static const char text[] = "persona 1\ninherit rfc1939\nsasl\ncapa-auth SASL PLAIN\n";
    CU_ASSERT_EQUAL_FATAL(persona_parse("nosasl", text, sizeof text - 1, NULL, &p, err, sizeof err),
                          0);
    struct pop3_config cfg;
    pop3_config_default(&cfg);
    const struct pop3_backend be = {&cb_ops, &b, NULL, NULL};
    struct pop3_session *s = pop3_session_new(p, &be, &cfg, T0, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const char *cmd = "CAPA\r\nAUTH\r\n";
    CU_ASSERT_EQUAL(pop3_session_input(s, cmd, strlen(cmd), T0), strlen(cmd));
    struct buf all = BUF_INIT;
    size_t n;
    const char *o;
    while ((o = pop3_session_output(s, &n)) && n) {
        buf_append(&all, o, n);
        pop3_session_consume(s, n, T0);
    }
    CU_ASSERT_PTR_NOT_NULL(all.p);
    CU_ASSERT_PTR_NULL(strstr(all.p ? all.p : "", "SASL"));
    CU_ASSERT_PTR_NOT_NULL(strstr(all.p ? all.p : "", "+OK mechanisms follow\r\n.\r\n"));
    buf_free(&all);
    pop3_session_drop(s);
    persona_free(p);
    cb_free(&b);
}

/* The challenge/response row: AUTH, the backend's challenge, the client's
 * answer, the logon; a wrong answer fails and the session stays usable. */
static void test_sasl_challenge_exchange(void)
{
    struct cb b;
    cb_init(&b);
    struct tc c;
    tc_open(&c, &b, &cb_ops, true);
    char ch[256], line[256];
    /* a wrong answer first */
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    CU_ASSERT_STRING_EQUAL(b.mech, "CRAM-MD5");
    CU_ASSERT_EQUAL(b.live, 1);
    cram_answer("tim", "wrong secret", ch, line, sizeof line);
    SAY(&c, line, "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    CU_ASSERT_EQUAL(b.live, 0);
    CU_ASSERT_EQUAL(b.ends, 0); /* the backend ended it itself */
    CU_ASSERT_EQUAL(pop3_session_state(c.s), POP3_AUTHORIZATION);
    /* the line after a finished exchange is a command again */
    SAY(&c, "NOOP\r\n", "-ERR command not valid in this state\r\n");
    /* then the right one, the mechanism named in lower case */
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "auth cram-md5\r\n"), ch, sizeof ch));
    CU_ASSERT_PTR_NOT_NULL(strstr(ch, "@exchsrv>"));
    cram_answer("tim", "tanstaaftanstaaf", ch, line, sizeof line);
    SAY(&c, line, "+OK maildrop has 1 messages (21 octets)\r\n");
    CU_ASSERT_EQUAL(pop3_session_state(c.s), POP3_TRANSACTION);
    SAY(&c, "STAT\r\n", "+OK 1 21\r\n");
    CU_ASSERT_STRING_EQUAL(b.log.p, "logon CRAM-MD5 user=tim account=tim mailbox=tim 1\n"
                                    "logon CRAM-MD5 user=tim account=tim mailbox=tim 0\n");
    SAY(&c, "QUIT\r\n", "+OK POP3 server signing off\r\n");
    tc_close(&c);
    cb_free(&b);
}

/* "*" cancels; a line that is not base64, a NUL byte and an over-long line
 * end the exchange as bad commands; each time the backend frees its state
 * and the next line is a command. */
static void test_sasl_exchange_errors(void)
{
    struct cb b;
    cb_init(&b);
    struct tc c;
    tc_open(&c, &b, &cb_ops, true);
    char ch[256];
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    SAY(&c, "*\r\n", "-ERR authentication cancelled\r\n");
    CU_ASSERT_EQUAL(b.ends, 1);
    CU_ASSERT_EQUAL(b.live, 0);
    SAY(&c, "*\r\n", "-ERR unknown command\r\n");

    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    SAY(&c, "dGltIGFi!!==\r\n", "-ERR [AUTH] malformed authentication data\r\n");
    CU_ASSERT_EQUAL(b.ends, 2);
    CU_ASSERT_EQUAL(b.calls, 2); /* the bad line never reached the backend */
    SAY(&c, "NOOP\r\n", "-ERR command not valid in this state\r\n");

    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    CU_ASSERT_EQUAL(pop3_session_input(c.s, "dGlt\0\r\n", 7, T0), 7);
    tc_drain(&c);
    CU_ASSERT_STRING_EQUAL(c.got.p, "-ERR NUL byte in command\r\n");
    buf_reset(&c.got);
    CU_ASSERT_EQUAL(b.ends, 3);

    /* longer than max_auth_line: line-too-long, and what follows of it is
     * not taken as a command */
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    size_t big = c.cfg.max_auth_line + 100;
    char *line = malloc(big + 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    memset(line, 'A', big);
    memcpy(line + big, "\r\n", 3);
    SAY(&c, line, "-ERR line too long\r\n");
    free(line);
    CU_ASSERT_EQUAL(b.ends, 4);
    CU_ASSERT_EQUAL(b.live, 0);
    SAY(&c, "NOOP\r\n", "-ERR command not valid in this state\r\n");

    /* "=" is an empty message and reaches the backend as one */
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    SAY(&c, "=\r\n", "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    CU_ASSERT_EQUAL(b.last_inlen, 0);

    /* an initial response reaches the backend on its first call */
    SAY(&c, "AUTH CRAM-MD5 dGlt\r\n",
        "-ERR [AUTH] Logon failure: unknown user name or bad password.\r\n");
    CU_ASSERT(b.ir_seen);
    CU_ASSERT_EQUAL(b.live, 0);

    /* a session dropped mid-exchange frees the state too */
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    CU_ASSERT_EQUAL(b.live, 1);
    tc_close(&c);
    CU_ASSERT_EQUAL(b.live, 0);
    CU_ASSERT_EQUAL(b.ends, 5);
    cb_free(&b);
}

/* Bad exchange lines count towards max_bad_commands like any bad command. */
static void test_sasl_bad_lines_count(void)
{
    struct cb b;
    cb_init(&b);
    struct tc c;
    tc_open(&c, &b, &cb_ops, true);
    c.cfg.max_bad_commands = 2; /* the session reads its config as it goes */
    char ch[256];
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    SAY(&c, "%%%%\r\n", "-ERR [AUTH] malformed authentication data\r\n");
    CU_ASSERT_FATAL(challenge_of(tc_say(&c, "AUTH CRAM-MD5\r\n"), ch, sizeof ch));
    SAY(&c, "%%%%\r\n", "-ERR too many bad commands, closing connection\r\n");
    CU_ASSERT(pop3_session_closed(c.s));
    CU_ASSERT_EQUAL(b.live, 0);
    tc_close(&c);
    cb_free(&b);
}

/* A backend without login_challenge: the row answers system-error, and
 * PLAIN still goes through the clear-text login. */
static void test_sasl_backend_without_challenge(void)
{
    struct cb b;
    cb_init(&b);
    struct tc c;
    tc_open(&c, &b, &cb_ops_clear, true);
    SAY(&c, "AUTH CRAM-MD5\r\n", "-ERR [SYS/TEMP] server error\r\n");
    CU_ASSERT_EQUAL(b.calls, 0);
    SAY(&c, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n",
        "+OK maildrop has 1 messages (21 octets)\r\n");
    CU_ASSERT_STRING_EQUAL(b.log.p, "logon CRAM-MD5 user= account= mailbox= 5\n"
                                    "logon PLAIN user=tim account=tim mailbox=tim 0\n");
    tc_close(&c);
    cb_free(&b);
}

/* The table's pieces on their own. */
static void test_sasl_helpers(void)
{
    CU_ASSERT_PTR_EQUAL(pop3_sasl_find(table, 2, PERSONA_SASL_PLAIN, "plain"), &table[0]);
    CU_ASSERT_PTR_NULL(pop3_sasl_find(table, 2, PERSONA_SASL_PLAIN, "CRAM-MD5"));
    CU_ASSERT_PTR_EQUAL(pop3_sasl_find(table, 2, ~0u, "Cram-Md5"), &table[1]);
    CU_ASSERT_PTR_NULL(pop3_sasl_find(table, 2, ~0u, "CRAM"));
    CU_ASSERT_PTR_EQUAL(
        pop3_sasl_find(pop3_sasl_builtin, pop3_sasl_nbuiltin, PERSONA_SASL_PLAIN, "PLAIN"),
        &pop3_sasl_builtin[0]);
    uint8_t *d;
    size_t n;
    CU_ASSERT_EQUAL(pop3_sasl_decode("=", &d, &n), 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(d[0], 0);
    free(d);
    CU_ASSERT_EQUAL(pop3_sasl_decode("dGlt", &d, &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_STRING_EQUAL((char *)d, "tim");
    free(d);
    CU_ASSERT_EQUAL(pop3_sasl_decode("dGl", &d, &n), EINVAL);
    CU_ASSERT_EQUAL(pop3_sasl_decode("dG l", &d, &n), EINVAL);
    CU_ASSERT_EQUAL(pop3_sasl_decode("", &d, &n), 0); /* nothing decodes to nothing */
    CU_ASSERT_EQUAL(n, 0);
    free(d);
    struct buf out = BUF_INIT;
    CU_ASSERT_EQUAL(pop3_sasl_challenge((const uint8_t *)"", 0, &out), 0);
    CU_ASSERT_EQUAL(pop3_sasl_challenge((const uint8_t *)"tim", 3, &out), 0);
    CU_ASSERT_STRING_EQUAL(out.p, "+ \r\n+ dGlt\r\n");
    buf_reset(&out);
    size_t count;
    CU_ASSERT_EQUAL(pop3_sasl_names(table, 2, ~0u, " ", "", &out, &count), 0);
    CU_ASSERT_EQUAL(count, 2);
    CU_ASSERT_STRING_EQUAL(out.p, " PLAIN CRAM-MD5");
    buf_reset(&out);
    CU_ASSERT_EQUAL(pop3_sasl_capa(table, 2, SASL_TEST_CRAM, &out), 0);
    CU_ASSERT_EQUAL(pop3_sasl_capa(table, 2, 0, &out), 0); /* none offered: no line */
    CU_ASSERT_STRING_EQUAL(out.p, "SASL CRAM-MD5\r\n");
    buf_free(&out);
}

void suite_pop3_sasl(void)
{
    UNIT_SUITE("pop3_sasl", UNIT_TEST(test_sasl_cram_vector), UNIT_TEST(test_sasl_listing),
               UNIT_TEST(test_sasl_challenge_exchange), UNIT_TEST(test_sasl_exchange_errors),
               UNIT_TEST(test_sasl_bad_lines_count), UNIT_TEST(test_sasl_backend_without_challenge),
               UNIT_TEST(test_sasl_helpers));
}
