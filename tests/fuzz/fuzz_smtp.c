/* The SMTP engine (src/smtp, issue 18) fed arbitrary client bytes: every
 * persona, the dialogue, DATA with dot-stuffing, the limits, AUTH LOGIN
 * and PLAIN against an in-target backend ("fuzz"/"pass" logs on; "broken"
 * is a logon-service failure).
 *
 * Input layout: byte 0 picks the persona (bits 0-1: rfc, ims55, ims50),
 * whether output is drained after every chunk or only when the engine
 * stops taking input (bit 2), whether the transport consumes output a few
 * bytes at a time (bit 3), and whether bad commands ever close the session
 * (bit 4). Byte 1 is the chunk size (1-256). The rest is what the client
 * sends; time advances one second per chunk; the session ends with a
 * timeout tick when still open (bit 5) or a dropped connection.
 *
 * Properties checked on every input:
 *  - no deadlock: with its output drained, an open engine takes input;
 *  - the engine's memory stays bounded (smtp_session_memory);
 *  - every reply line is "DDD" then ' ' or '-', and every LF follows a CR;
 *  - events never carry a password;
 *  - a delivered message starts with the Received: line, has CRLF line
 *    ends only, is within the size limit, and goes to 1..max_recipients
 *    recipients the backend accepted;
 *  - nothing is delivered after the session is dropped mid-DATA (the
 *    engine hands a message over only at its final dot). */
#include "src/lib/buf.h"
#include "src/lib/str.h"
#include "src/smtp/smtp.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 899283600LL
#define MAX_MESSAGE 4096u
#define MEM_BOUND (256u * 1024u)

struct run {
    unsigned delivered;
    bool dropped;
};

static enum smtp_rcpt_result be_rcpt(void *arg, const char *a)
{
    (void)arg;
    if (str_ieq(a, "a@x") || str_ieq(a, "b@x") || str_ieq(a, "c@x"))
        return SMTP_RCPT_OK;
    return str_ieq(a, "t@x") ? SMTP_RCPT_TEMPFAIL : SMTP_RCPT_UNKNOWN;
}

static int be_deliver(void *arg, const struct smtp_envelope *env, const void *msg, size_t len)
{
    struct run *r = arg;
    const char *m = msg;
    if (r->dropped)
        fuzz_fail("delivery after the drop");
    if (env->nrcpt == 0 || env->nrcpt > 3)
        fuzz_fail("deliver with %zu recipients", env->nrcpt);
    for (size_t i = 0; i < env->nrcpt; i++)
        if (be_rcpt(NULL, env->rcpt[i]) != SMTP_RCPT_OK)
            fuzz_fail("deliver to a recipient the backend refused: %s", env->rcpt[i]);
    if (len < 10 || memcmp(m, "Received: ", 10))
        fuzz_fail("message without its Received: line");
    if (len > MAX_MESSAGE + 512)
        fuzz_fail("message of %zu octets over the limit", len);
    for (size_t i = 0; i < len; i++)
        if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
            fuzz_fail("bare LF in a delivered message at %zu", i);
    if (len < 2 || m[len - 2] != '\r' || m[len - 1] != '\n')
        fuzz_fail("message not ending in CRLF");
    r->delivered++;
    return env->nrcpt == 3 ? EIO : 0; /* a failing store too */
}

static void be_login(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    (void)arg;
    if (!c->password || !c->account || !*c->account || !c->mailbox || !c->domain)
        fuzz_fail("login without the credentials the contract promises");
    if (!strcmp(c->account, "broken"))
        r->outcome = MAIL_LOGON_SYSTEM_ERROR;
    else if (!strcmp(c->account, "fuzz") && !strcmp(c->password, "pass"))
        r->outcome = MAIL_LOGON_OK;
    else {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1326;
    }
}

static const struct mail_logon_ops ops = {.login = be_login};

static void on_event(void *arg, const struct smtp_event *ev)
{
    (void)arg;
    if (ev->type == SMTP_EV_LOGON && ev->cred->password)
        fuzz_fail("an event carries a password");
}

/* Checks and consumes the output (a few bytes at a time when partial). */
static void drain(struct smtp_session *s, struct buf *all, bool partial, int64_t now)
{
    size_t n;
    const char *p;
    while ((p = smtp_session_output(s, &n)) && n) {
        size_t take = partial && n > 7 ? 7 : n;
        if (buf_append(all, p, take))
            fuzz_fail("out of memory");
        smtp_session_consume(s, take, now);
    }
}

static void check_output(const struct buf *all)
{
    size_t i = 0;
    while (i < all->len) {
        const char *line = all->p + i, *lf = memchr(line, '\n', all->len - i);
        if (!lf)
            fuzz_fail("output ends without a line end");
        size_t n = (size_t)(lf - line);
        if (n < 5 || line[n - 1] != '\r')
            fuzz_fail("reply line without CRLF or too short");
        if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
            line[2] > '9' || (line[3] != ' ' && line[3] != '-'))
            fuzz_fail("reply line not 'DDD ' or 'DDD-': %.*s", (int)(n > 40 ? 40 : n), line);
        i += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const names[] = {"rfc", "ims55", "ims50", "rfc"};
    const struct smtp_persona *p = smtp_persona_find(names[data[0] & 3]);
    bool late = data[0] & 4, partial = data[0] & 8, tick = data[0] & 32;
    size_t chunk = (size_t)data[1] + 1;
    struct smtp_config cfg;
    smtp_config_default(&cfg);
    cfg.host = "fuzzhost";
    cfg.max_message = MAX_MESSAGE;
    cfg.max_recipients = 3;
    cfg.idle_timeout = 60;
    cfg.max_bad_commands = data[0] & 16 ? 5 : 0;
    struct run r = {0};
    const struct smtp_backend be = {
        .logon = &ops, .rcpt = be_rcpt, .deliver = be_deliver, .arg = &r, .event = on_event};
    int64_t now = T0;
    struct smtp_session *s = smtp_session_new(p, &be, &cfg, "192.0.2.1", now);
    if (!s)
        fuzz_fail("no session");
    struct buf all = BUF_INIT;
    const uint8_t *in = data + 2;
    size_t left = size - 2;
    while (left && !smtp_session_closed(s)) {
        size_t n = left < chunk ? left : chunk;
        size_t took = smtp_session_input(s, in, n, ++now);
        if (!late || took < n)
            drain(s, &all, partial, now);
        if (took < n && !smtp_session_closed(s) && !smtp_session_want_input(s))
            fuzz_fail("deadlock: output drained and the engine takes no input");
        if (smtp_session_memory(s) > MEM_BOUND)
            fuzz_fail("session holds %zu bytes", smtp_session_memory(s));
        in += took;
        left -= took;
    }
    drain(s, &all, partial, now);
    if (tick && !smtp_session_closed(s)) {
        smtp_session_tick(s, now + cfg.idle_timeout);
        if (!smtp_session_closed(s))
            fuzz_fail("the timeout did not close the session");
        drain(s, &all, partial, now);
    }
    check_output(&all);
    r.dropped = true;
    smtp_session_drop(s);
    buf_free(&all);
    return 0;
}
