/* The SMTP session's bytes (smtp.h): lines in, persona-rendered replies
 * out, the message text with dot-unstuffing and its limits, the final dot's
 * hand-over to the backend. Commands are in cmd.c. */
#include "src/lib/linein.h"
#include "src/lib/plat.h"
#include "src/smtp/smtp_int.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_LOW 4096u /* run further pipelined commands while below this */

void smtp_config_default(struct smtp_config *c)
{
    c->host = NULL;
    c->idle_timeout = 300;
    c->max_bad_commands = 20;
    c->max_line = 512;
    c->max_text_line = 1000;
    c->max_message = 10u * 1024u * 1024u;
    c->max_recipients = 100;
}

static const char *host_of(const struct smtp_session *s)
{
    return s->cfg->host && *s->cfg->host ? s->cfg->host : "localhost";
}

static size_t in_cap(const struct smtp_session *s)
{
    size_t c = SMTP_IN_MAX;
    if (s->cfg->max_line + 1 > c)
        c = s->cfg->max_line + 1;
    if (s->cfg->max_text_line + 1 > c)
        c = s->cfg->max_text_line + 1;
    if (SMTP_AUTH_LINE_MAX + 1 > c)
        c = SMTP_AUTH_LINE_MAX + 1;
    return c;
}

/* --- replies ---------------------------------------------------------------- */

static void out_fail(struct smtp_session *s, int err)
{
    if (err)
        smtp_int_close(s, SMTP_CLOSE_ERROR);
}

/* Expands a persona line's text (after the code) into out. */
static int render(struct smtp_session *s, const char *t, const char *arg)
{
    int err = 0;
    for (; *t && !err; t++) {
        if (*t != '%' || !t[1]) {
            err = buf_putc(&s->out, *t);
            continue;
        }
        t++;
        switch (*t) {
        case 'h':
            err = buf_puts(&s->out, host_of(s));
            break;
        case 'a':
            err = buf_puts(&s->out, arg ? arg : "");
            break;
        case 'c':
            err = buf_puts(&s->out, s->helo ? s->helo : "");
            break;
        case 'r':
            err = buf_puts(&s->out, s->peer);
            break;
        case 'z':
            err = buf_printf(&s->out, "%zu", s->cfg->max_message);
            break;
        default:
            err = buf_putc(&s->out, *t);
            break;
        }
    }
    return err;
}

void smtp_int_reply(struct smtp_session *s, enum smtp_reply r, const char *arg, bool more)
{
    if (s->phase == SMTP_PH_CLOSED)
        return;
    const char *line = s->p->line[r];
    /* a persona row without this line: the RFC's bare code (choice) */
    static const char fallback[] = "451 Requested action aborted: local error";
    if (!line || strlen(line) < 4)
        line = fallback;
    int err = buf_append(&s->out, line, 3);
    if (!err)
        err = buf_putc(&s->out, more ? '-' : ' ');
    if (!err)
        err = render(s, line + 4, arg);
    if (!err)
        err = buf_puts(&s->out, "\r\n");
    out_fail(s, err);
}

void smtp_int_put(struct smtp_session *s, const char *code, bool more, const char *text)
{
    if (s->phase == SMTP_PH_CLOSED)
        return;
    out_fail(s, buf_printf(&s->out, "%s%c%s\r\n", code, more ? '-' : ' ', text));
}

static void emit(struct smtp_session *s, const struct smtp_event *ev)
{
    if (s->be.event)
        s->be.event(s->be.event_arg, ev);
}

void smtp_int_reset(struct smtp_session *s)
{
    free(s->from);
    s->from = NULL;
    for (size_t i = 0; i < s->nrcpt; i++)
        free(s->rcpt[i]);
    s->nrcpt = 0;
    buf_free(&s->msg);
    s->msg_base = 0;
    s->bad_line = s->too_big = s->midline = s->early = false;
}

void smtp_int_close(struct smtp_session *s, enum smtp_close_reason why)
{
    if (s->phase == SMTP_PH_CLOSED)
        return;
    smtp_int_auth_abort(s);
    smtp_int_reset(s);
    free(s->rcpt);
    s->rcpt = NULL;
    s->rcpt_cap = 0;
    if (s->in.p)
        plat_wipe(s->in.p, s->in.cap); /* an AUTH line may be in there */
    buf_free(&s->in);
    s->phase = SMTP_PH_CLOSED;
    struct smtp_event ev = {.type = SMTP_EV_CLOSE, .reason = why};
    emit(s, &ev);
}

void smtp_int_bad(struct smtp_session *s, enum smtp_reply r)
{
    s->bad++;
    if (s->cfg->max_bad_commands && s->bad >= s->cfg->max_bad_commands) {
        smtp_int_reply(s, SMTP_R_TOO_MANY_BAD, NULL, false);
        smtp_int_close(s, SMTP_CLOSE_BAD_COMMANDS);
        return;
    }
    smtp_int_reply(s, r, NULL, false);
}

/* --- the message text ----------------------------------------------------------- */

/* RFC 5322 §3.3 date-time in UTC for a Unix time (civil-from-days). */
static void rfc5322_date(int64_t t, char *out, size_t n)
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, n, "%s, %02d %s %lld %02d:%02d:%02d +0000", wd[((days % 7) + 7) % 7], (int)d,
             mo[m - 1], (long long)y, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

void smtp_int_data_begin(struct smtp_session *s)
{
    char date[64];
    rfc5322_date(s->last, date, sizeof date);
    /* RFC 5321 §4.4 trace line; "with" by RFC 3848 */
    const char *with = s->authed ? "ESMTPA" : s->esmtp ? "ESMTP" : "SMTP";
    buf_reset(&s->msg);
    if (buf_printf(&s->msg, "Received: from %s ([%s])\r\n\tby %s with %s;\r\n\t%s\r\n",
                   s->helo ? s->helo : "unknown", s->peer, host_of(s), with, date)) {
        smtp_int_close(s, SMTP_CLOSE_ERROR);
        return;
    }
    s->msg_base = s->msg.len;
    s->bad_line = s->too_big = s->midline = s->early = false;
    smtp_int_reply(s, SMTP_R_DATA_GO, NULL, false);
    if (s->phase != SMTP_PH_CLOSED)
        s->phase = SMTP_PH_DATA_WAIT;
}

static void data_end(struct smtp_session *s)
{
    s->phase = SMTP_PH_CMD;
    if (s->bad_line || s->too_big) {
        smtp_int_reply(s, s->bad_line ? SMTP_R_TEXT_LINE : SMTP_R_SIZE, NULL, false);
        smtp_int_reset(s);
        return;
    }
    struct smtp_envelope env = {.helo = s->helo ? s->helo : "",
                                .from = s->from ? s->from : "",
                                .rcpt = (const char *const *)s->rcpt,
                                .nrcpt = s->nrcpt,
                                .auth_user = s->authed ? s->auth_user : NULL};
    int err = s->be.deliver ? s->be.deliver(s->be.arg, &env, s->msg.p ? s->msg.p : "", s->msg.len)
                            : ENOSYS;
    struct smtp_event ev = {.type = SMTP_EV_DELIVERED, .env = &env, .size = s->msg.len, .err = err};
    emit(s, &ev);
    smtp_int_reply(s, err ? SMTP_R_DATA_FAIL : SMTP_R_DATA_OK, NULL, false);
    smtp_int_reset(s);
}

/* One text line, CRLF (or LF) stripped: n bytes at line; tail: the end of
 * an over-long line whose start was discarded. */
static void data_line(struct smtp_session *s, const char *line, size_t n, bool tail)
{
    if (!tail && n == 1 && line[0] == '.') {
        data_end(s);
        return;
    }
    if (!tail && n > 0 && line[0] == '.') { /* RFC 5321 §4.5.2 */
        line++;
        n--;
    }
    if (tail || n + 2 > s->cfg->max_text_line)
        s->bad_line = true;
    if (s->bad_line || s->too_big)
        return; /* read on to the final dot, keep nothing */
    size_t size = s->msg.len - s->msg_base;
    if (s->cfg->max_message && (n + 2 > s->cfg->max_message - size || size > s->cfg->max_message)) {
        s->too_big = true;
        buf_free(&s->msg);
        return;
    }
    if (buf_append(&s->msg, line, n) || buf_puts(&s->msg, "\r\n"))
        smtp_int_close(s, SMTP_CLOSE_ERROR);
}

/* Takes what it can of s->in in the DATA phase. */
static void data_run(struct smtp_session *s)
{
    size_t off = 0;
    while (s->phase == SMTP_PH_DATA && off < s->in.len) {
        char *p = s->in.p + off;
        char *lf = memchr(p, '\n', s->in.len - off);
        if (!lf) {
            /* a line longer than any allowed: drop its start, remember */
            if (s->in.len - off >= s->cfg->max_text_line) {
                s->bad_line = true;
                s->midline = true;
                off = s->in.len;
            }
            break;
        }
        size_t n = (size_t)(lf - p);
        size_t keep = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
        bool tail = s->midline;
        s->midline = false;
        off += n + 1;
        data_line(s, p, keep, tail);
    }
    if (s->phase != SMTP_PH_CLOSED)
        buf_consume(&s->in, off);
}

/* --- command lines ------------------------------------------------------------------ */

static bool blocked(const struct smtp_session *s)
{
    return s->out.len - s->out_off >= OUT_LOW || s->phase == SMTP_PH_DATA_WAIT;
}

/* Runs complete lines in s->in while replies are not piling up. */
static void run(struct smtp_session *s)
{
    while (s->phase != SMTP_PH_CLOSED && !blocked(s)) {
        if (s->phase == SMTP_PH_DATA) {
            data_run(s);
            if (s->phase == SMTP_PH_DATA)
                return; /* wants more bytes */
            continue;
        }
        char *lf = s->in.len ? memchr(s->in.p, '\n', s->in.len) : NULL;
        bool auth = s->phase != SMTP_PH_CMD;
        size_t max = auth ? SMTP_AUTH_LINE_MAX : s->cfg->max_line;
        if (!lf) {
            if (s->in.len >= max) /* over-long: drop it up to its LF */
                linein_overlong(&s->in, &s->skipping);
            return;
        }
        size_t n = (size_t)(lf - s->in.p) + 1;
        if (n > max || memchr(s->in.p, 0, n)) {
            plat_wipe(s->in.p, n);
            buf_consume(&s->in, n);
            if (auth)
                smtp_int_auth_abort(s);
            smtp_int_bad(s, n > max ? SMTP_R_LINE_TOO_LONG : SMTP_R_SYNTAX);
            continue;
        }
        char *line = s->in.p;
        *lf = 0;
        if (lf > line && lf[-1] == '\r')
            lf[-1] = 0;
        if (auth)
            smtp_int_auth_line(s, line);
        else
            smtp_int_command(s, line);
        if (s->phase == SMTP_PH_CLOSED)
            return;
        plat_wipe(s->in.p, n);
        buf_consume(&s->in, n);
        if (s->phase == SMTP_PH_DATA_WAIT && s->in.len)
            s->early = true; /* bytes behind the DATA line: sent before the 354 */
    }
}

static void in_run(void *s)
{
    run(s);
}

static bool in_blocked(const void *s)
{
    return blocked(s);
}

static bool in_closed(const void *s)
{
    return ((const struct smtp_session *)s)->phase == SMTP_PH_CLOSED;
}

static void in_skipped(void *s)
{
    smtp_int_bad(s, SMTP_R_LINE_TOO_LONG);
}

static void in_failed(void *s)
{
    smtp_int_close(s, SMTP_CLOSE_ERROR);
}

static const struct linein_ops in_ops = {in_run, in_blocked, in_closed, in_skipped, in_failed};

size_t smtp_session_input(struct smtp_session *s, const void *data, size_t len, int64_t now)
{
    if (s->phase == SMTP_PH_CLOSED)
        return len;
    s->last = now;
    if (len && s->phase == SMTP_PH_DATA_WAIT)
        s->early = true; /* the client did not wait for the 354 */
    return linein_feed(&s->in, &s->skipping, in_cap(s), data, len, &in_ops, s);
}

bool smtp_session_want_input(const struct smtp_session *s)
{
    return s->phase != SMTP_PH_CLOSED && s->in.len < in_cap(s);
}

/* --- the transport's side ------------------------------------------------------------- */

struct smtp_session *smtp_session_new(const struct smtp_persona *persona,
                                      const struct smtp_backend *backend,
                                      const struct smtp_config *config, const char *peer,
                                      int64_t now)
{
    struct smtp_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = persona;
    s->be = *backend;
    s->cfg = config;
    s->last = now;
    snprintf(s->peer, sizeof s->peer, "%s", peer && *peer ? peer : "unknown");
    for (char *c = s->peer; *c; c++)
        if ((unsigned char)*c < 0x21 || *c == '[' || *c == ']')
            *c = '_';
    smtp_int_reply(s, SMTP_R_BANNER, NULL, false);
    if (s->phase == SMTP_PH_CLOSED) {
        smtp_session_drop(s);
        return NULL;
    }
    return s;
}

const char *smtp_session_output(struct smtp_session *s, size_t *len)
{
    *len = s->out.len - s->out_off;
    return *len ? s->out.p + s->out_off : NULL;
}

void smtp_session_consume(struct smtp_session *s, size_t n, int64_t now)
{
    size_t left = s->out.len - s->out_off;
    s->out_off += n < left ? n : left;
    if (s->out_off == s->out.len) {
        buf_free(&s->out);
        s->out_off = 0;
    }
    if (s->phase == SMTP_PH_CLOSED)
        return;
    s->last = now;
    if (s->phase == SMTP_PH_DATA_WAIT && s->out.len == 0) {
        if (s->early) {
            smtp_int_reply(s, SMTP_R_SYNC, NULL, false);
            smtp_int_close(s, SMTP_CLOSE_SYNC);
            return;
        }
        s->phase = SMTP_PH_DATA;
    }
    run(s);
}

void smtp_session_tick(struct smtp_session *s, int64_t now)
{
    if (s->phase == SMTP_PH_CLOSED || now - s->last < s->cfg->idle_timeout)
        return;
    smtp_int_reply(s, SMTP_R_TIMEOUT, NULL, false);
    smtp_int_close(s, SMTP_CLOSE_TIMEOUT);
}

int64_t smtp_session_deadline(const struct smtp_session *s)
{
    return s->phase == SMTP_PH_CLOSED ? INT64_MAX : s->last + s->cfg->idle_timeout;
}

bool smtp_session_closed(const struct smtp_session *s)
{
    return s->phase == SMTP_PH_CLOSED;
}

void smtp_session_drop(struct smtp_session *s)
{
    if (!s)
        return;
    smtp_int_close(s, SMTP_CLOSE_DROPPED);
    free(s->helo);
    free(s->auth_user);
    buf_free(&s->out);
    free(s);
}

size_t smtp_session_memory(const struct smtp_session *s)
{
    return sizeof *s + s->in.cap + s->out.cap + s->msg.cap + s->rcpt_cap * sizeof(char *) +
           s->nrcpt * (SMTP_ADDR_MAX / 8);
}
