/* The SMTP command table (RFC 5321 §4.1) and AUTH LOGIN / PLAIN (RFC 4954)
 * through the logon contract. Replies come from the persona. */
#include "src/lib/base64.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/smtp/smtp_int.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool offers(const struct smtp_session *s, unsigned bit)
{
    return (s->p->offers & bit) != 0;
}

static bool auth_offered(const struct smtp_session *s, unsigned bit)
{
    return offers(s, bit) && s->be.logon && s->be.logon->login;
}

/* An address or a HELO name: printable, no blank, no <>, bounded. */
static bool word_ok(const char *w, size_t max)
{
    size_t n = strlen(w);
    if (n > max)
        return false;
    for (; *w; w++)
        if ((unsigned char)*w <= 0x20 || (unsigned char)*w >= 0x7f || *w == '<' || *w == '>')
            return false;
    return true;
}

/* "FROM:<path> params" after the verb: path without <> into *path, the
 * parameters (or "") into *params. Bare paths are taken (the IMS's own KB
 * test types "mail from:email@domain.com"). False on bad syntax. */
static bool parse_path(char *arg, const char *kw, char **path, char **params)
{
    size_t kl = strlen(kw);
    if (!str_istarts(arg, kw) || arg[kl] != ':')
        return false;
    char *p = arg + kl + 1;
    while (*p == ' ')
        p++; /* "MAIL FROM: <a>": common and harmless (choice) */
    char *end;
    if (*p == '<') {
        end = strchr(p, '>');
        if (!end)
            return false;
        *end++ = 0;
        p++;
    } else {
        end = p + strcspn(p, " ");
        if (*end)
            *end++ = 0;
    }
    if (*end && *end != ' ')
        return false;
    while (*end == ' ')
        end++;
    *path = p;
    *params = end;
    return word_ok(p, SMTP_ADDR_MAX);
}

static char *dup_or_close(struct smtp_session *s, const char *v)
{
    char *d = strdup(v);
    if (!d)
        smtp_int_close(s, SMTP_CLOSE_ERROR);
    return d;
}

/* --- HELO, EHLO --------------------------------------------------------------------- */

static bool greet(struct smtp_session *s, char *arg, bool esmtp)
{
    if (!*arg || !word_ok(arg, SMTP_ADDR_MAX)) {
        smtp_int_bad(s, SMTP_R_SYNTAX);
        return false;
    }
    char *h = dup_or_close(s, arg);
    if (!h)
        return false;
    free(s->helo);
    s->helo = h;
    s->esmtp = esmtp;
    smtp_int_reset(s); /* RFC 5321 §4.1.4: HELO/EHLO resets the transaction */
    return true;
}

static void cmd_helo(struct smtp_session *s, char *arg)
{
    if (greet(s, arg, false))
        smtp_int_reply(s, SMTP_R_HELO, NULL, false);
}

static void cmd_ehlo(struct smtp_session *s, char *arg)
{
    if (!offers(s, SMTP_OFFER_EHLO)) {
        smtp_int_bad(s, SMTP_R_UNKNOWN); /* an RFC 821 server */
        return;
    }
    if (!greet(s, arg, true))
        return;
    const char *ext[6];
    char size[40];
    size_t n = 0;
    if (offers(s, SMTP_OFFER_SIZE)) {
        snprintf(size, sizeof size, "SIZE %zu", s->cfg->max_message);
        ext[n++] = size;
    }
    if (offers(s, SMTP_OFFER_8BITMIME))
        ext[n++] = "8BITMIME";
    if (offers(s, SMTP_OFFER_PIPELINING))
        ext[n++] = "PIPELINING";
    bool lg = auth_offered(s, SMTP_OFFER_AUTH_LOGIN), pl = auth_offered(s, SMTP_OFFER_AUTH_PLAIN);
    if (lg || pl)
        ext[n++] = lg && pl ? "AUTH LOGIN PLAIN" : lg ? "AUTH LOGIN" : "AUTH PLAIN";
    smtp_int_reply(s, SMTP_R_EHLO, NULL, n > 0);
    for (size_t i = 0; i < n; i++)
        smtp_int_put(s, "250", i + 1 < n, ext[i]);
}

/* --- the transaction ------------------------------------------------------------------- */

/* MAIL's parameters (RFC 1870 SIZE, RFC 6152 BODY, RFC 4954 AUTH=). */
static bool mail_params(struct smtp_session *s, char *params)
{
    for (char *tok = params, *next; *tok; tok = next) {
        next = tok + strcspn(tok, " ");
        if (*next)
            *next++ = 0;
        while (*next == ' ')
            next++;
        if (!*tok)
            continue;
        if (offers(s, SMTP_OFFER_SIZE) && str_istarts(tok, "SIZE=")) {
            int64_t v;
            if (str_to_i64(tok + 5, 0, INT64_MAX, &v)) {
                smtp_int_bad(s, SMTP_R_SYNTAX);
                return false;
            }
            if (s->cfg->max_message && (uint64_t)v > s->cfg->max_message) {
                smtp_int_reply(s, SMTP_R_SIZE, NULL, false);
                return false;
            }
        } else if (offers(s, SMTP_OFFER_8BITMIME) &&
                   (str_ieq(tok, "BODY=8BITMIME") || str_ieq(tok, "BODY=7BIT"))) {
            continue;
        } else if (auth_offered(s, SMTP_OFFER_AUTH_LOGIN | SMTP_OFFER_AUTH_PLAIN) &&
                   str_istarts(tok, "AUTH=")) {
            continue; /* RFC 4954 §5: may be ignored */
        } else {
            smtp_int_bad(s, SMTP_R_PARAM);
            return false;
        }
    }
    return true;
}

static void cmd_mail(struct smtp_session *s, char *arg)
{
    char *path, *params;
    if (!s->helo) {
        smtp_int_bad(s, SMTP_R_NEED_HELO);
        return;
    }
    if (s->from) {
        smtp_int_bad(s, SMTP_R_SEQUENCE);
        return;
    }
    if (!parse_path(arg, "FROM", &path, &params)) {
        smtp_int_bad(s, SMTP_R_SYNTAX);
        return;
    }
    if (!mail_params(s, params))
        return;
    s->from = dup_or_close(s, path);
    if (s->from)
        smtp_int_reply(s, SMTP_R_MAIL_OK, path, false);
}

static void cmd_rcpt(struct smtp_session *s, char *arg)
{
    char *path, *params;
    if (!s->from) {
        smtp_int_bad(s, SMTP_R_SEQUENCE);
        return;
    }
    if (!parse_path(arg, "TO", &path, &params) || !*path) {
        smtp_int_bad(s, SMTP_R_SYNTAX);
        return;
    }
    if (*params) {
        smtp_int_bad(s, SMTP_R_PARAM); /* no RCPT parameter is offered */
        return;
    }
    if (s->nrcpt >= s->cfg->max_recipients) {
        smtp_int_reply(s, SMTP_R_TOO_MANY_RCPT, NULL, false); /* RFC 5321 §4.5.3.1.10 */
        return;
    }
    enum smtp_rcpt_result r = s->be.rcpt ? s->be.rcpt(s->be.arg, path) : SMTP_RCPT_TEMPFAIL;
    if (r != SMTP_RCPT_OK) {
        smtp_int_reply(s, r == SMTP_RCPT_UNKNOWN ? SMTP_R_RCPT_UNKNOWN : SMTP_R_RCPT_TEMPFAIL, path,
                       false);
        return;
    }
    for (size_t i = 0; i < s->nrcpt; i++)
        if (str_ieq(s->rcpt[i], path)) { /* named twice: delivered once */
            smtp_int_reply(s, SMTP_R_RCPT_OK, path, false);
            return;
        }
    if (s->nrcpt == s->rcpt_cap) {
        size_t cap = s->rcpt_cap ? s->rcpt_cap * 2 : 4;
        char **v = realloc(s->rcpt, cap * sizeof *v);
        if (!v) {
            smtp_int_close(s, SMTP_CLOSE_ERROR);
            return;
        }
        s->rcpt = v;
        s->rcpt_cap = cap;
    }
    char *d = dup_or_close(s, path);
    if (!d)
        return;
    s->rcpt[s->nrcpt++] = d;
    smtp_int_reply(s, SMTP_R_RCPT_OK, path, false);
}

static void cmd_data(struct smtp_session *s, char *arg)
{
    if (*arg)
        smtp_int_bad(s, SMTP_R_SYNTAX);
    else if (!s->from)
        smtp_int_bad(s, SMTP_R_SEQUENCE);
    else if (!s->nrcpt)
        smtp_int_reply(s, SMTP_R_NO_RCPT, NULL, false); /* RFC 5321 §3.3 */
    else
        smtp_int_data_begin(s);
}

static void cmd_rset(struct smtp_session *s, char *arg)
{
    (void)arg;
    smtp_int_reset(s);
    smtp_int_reply(s, SMTP_R_RSET, NULL, false);
}

static void cmd_noop(struct smtp_session *s, char *arg)
{
    (void)arg;
    smtp_int_reply(s, SMTP_R_NOOP, NULL, false);
}

static void cmd_vrfy(struct smtp_session *s, char *arg)
{
    if (!*arg)
        smtp_int_bad(s, SMTP_R_SYNTAX);
    else
        smtp_int_reply(s, SMTP_R_VRFY, NULL, false);
}

static void cmd_quit(struct smtp_session *s, char *arg)
{
    (void)arg;
    smtp_int_reply(s, SMTP_R_QUIT, NULL, false);
    smtp_int_close(s, SMTP_CLOSE_QUIT);
}

static void cmd_not_impl(struct smtp_session *s, char *arg)
{
    (void)arg;
    smtp_int_reply(s, SMTP_R_NOT_IMPL, NULL, false);
}

/* --- AUTH ---------------------------------------------------------------------------- */

static void wipe_free(char *p)
{
    if (p) {
        plat_wipe(p, strlen(p));
        free(p);
    }
}

void smtp_int_auth_abort(struct smtp_session *s)
{
    wipe_free(s->login_user);
    s->login_user = NULL;
    if (s->phase == SMTP_PH_AUTH_USER || s->phase == SMTP_PH_AUTH_PASS ||
        s->phase == SMTP_PH_AUTH_PLAIN)
        s->phase = SMTP_PH_CMD;
}

/* Decodes a base64 line into out (NUL-terminated). "=" is the empty
 * response (RFC 4954 §4). False when it is not base64 or too long. */
static bool decode(const char *line, uint8_t *out, size_t cap, size_t *n)
{
    if (!strcmp(line, "=")) {
        *n = 0;
        out[0] = 0;
        return true;
    }
    if (base64_decode(line, strlen(line), out, cap - 1, n))
        return false;
    out[*n] = 0;
    return true;
}

static void login(struct smtp_session *s, const char *mech, const char *user, const char *pass,
                  const char *authzid)
{
    struct mail_logon_user u;
    struct mail_logon_result res = {0};
    struct mail_logon_credentials cred = {.mechanism = mech, .user = user, .authzid = authzid};
    bool ok = mail_logon_split_user(user, MAIL_LOGON_SYNTAX_NT, &u) &&
              (!*authzid || !strcmp(authzid, user));
    if (ok) {
        cred.domain = u.domain;
        cred.account = u.account;
        cred.mailbox = u.mailbox;
        cred.password = pass;
        s->be.logon->login(s->be.logon_arg, &cred, &res);
        maildrop_close(res.maildrop); /* SMTP reads no mailbox */
        res.maildrop = NULL;
    } else {
        res.outcome = MAIL_LOGON_WIN32;
        res.win32 = 1326; /* ERROR_LOGON_FAILURE: the name cannot be a logon name */
    }
    cred.password = NULL;
    struct smtp_event ev = {.type = SMTP_EV_LOGON, .cred = &cred, .result = &res};
    if (s->be.event)
        s->be.event(s->be.event_arg, &ev);
    /* IN_USE: the password was right and a POP3 session holds the mailbox */
    if (res.outcome == MAIL_LOGON_OK || res.outcome == MAIL_LOGON_IN_USE) {
        char *d = dup_or_close(s, user);
        if (!d)
            return;
        free(s->auth_user);
        s->auth_user = d;
        s->authed = true;
        smtp_int_reply(s, SMTP_R_AUTH_OK, NULL, false);
    } else if (res.outcome == MAIL_LOGON_SYSTEM_ERROR) {
        smtp_int_reply(s, SMTP_R_AUTH_ERROR, NULL, false);
    } else {
        smtp_int_bad(s, SMTP_R_AUTH_FAIL);
    }
}

/* AUTH PLAIN's message: authzid NUL authcid NUL passwd. */
static void plain(struct smtp_session *s, const char *line)
{
    uint8_t b[SMTP_AUTH_LINE_MAX];
    size_t n;
    if (!decode(line, b, sizeof b, &n)) {
        smtp_int_bad(s, SMTP_R_SYNTAX);
        return;
    }
    const char *z = (const char *)b, *u = memchr(b, 0, n);
    const char *pw = u ? memchr(u + 1, 0, n - (size_t)(u + 1 - z)) : NULL;
    if (!u || !pw || memchr(pw + 1, 0, n - (size_t)(pw + 1 - z)))
        smtp_int_bad(s, SMTP_R_SYNTAX);
    else
        login(s, "PLAIN", u + 1, pw + 1, z);
    plat_wipe(b, sizeof b);
}

void smtp_int_auth_line(struct smtp_session *s, char *line)
{
    enum smtp_phase ph = s->phase;
    s->phase = SMTP_PH_CMD;
    if (!strcmp(line, "*")) {
        smtp_int_auth_abort(s);
        smtp_int_reply(s, SMTP_R_AUTH_CANCEL, NULL, false);
        return;
    }
    if (ph == SMTP_PH_AUTH_PLAIN) {
        plain(s, line);
        return;
    }
    uint8_t b[SMTP_AUTH_LINE_MAX];
    size_t n;
    if (!decode(line, b, MAIL_LOGON_FIELD_MAX, &n) || memchr(b, 0, n)) {
        smtp_int_auth_abort(s);
        smtp_int_bad(s, SMTP_R_SYNTAX);
    } else if (ph == SMTP_PH_AUTH_USER) {
        s->login_user = dup_or_close(s, (char *)b);
        if (s->login_user) {
            smtp_int_put(s, "334", false, "UGFzc3dvcmQ6"); /* "Password:" */
            s->phase = SMTP_PH_AUTH_PASS;
        }
    } else {
        char *user = s->login_user;
        s->login_user = NULL;
        login(s, "LOGIN", user ? user : "", (char *)b, "");
        wipe_free(user);
    }
    plat_wipe(b, sizeof b);
}

static void cmd_auth(struct smtp_session *s, char *arg)
{
    char *ir = strchr(arg, ' ');
    if (ir)
        *ir++ = 0;
    bool lg = str_ieq(arg, "LOGIN"), pl = str_ieq(arg, "PLAIN");
    if (!s->helo || s->authed || s->from) {
        smtp_int_bad(s, SMTP_R_SEQUENCE); /* RFC 4954 §4 */
        return;
    }
    if (!*arg) {
        smtp_int_bad(s, SMTP_R_SYNTAX);
        return;
    }
    if (!(lg && auth_offered(s, SMTP_OFFER_AUTH_LOGIN)) &&
        !(pl && auth_offered(s, SMTP_OFFER_AUTH_PLAIN))) {
        smtp_int_bad(s, SMTP_R_AUTH_MECH);
        return;
    }
    if (pl && ir) {
        plain(s, ir);
    } else if (pl) {
        smtp_int_put(s, "334", false, "");
        s->phase = SMTP_PH_AUTH_PLAIN;
    } else if (ir) { /* LOGIN with the name as initial response (RFC 4954 §4) */
        s->phase = SMTP_PH_AUTH_USER;
        smtp_int_auth_line(s, ir);
    } else {
        smtp_int_put(s, "334", false, "VXNlcm5hbWU6"); /* "Username:" */
        s->phase = SMTP_PH_AUTH_USER;
    }
}

/* --- the table ------------------------------------------------------------------------- */

static const struct {
    const char *verb;
    void (*fn)(struct smtp_session *s, char *arg);
} commands[] = {
    {"HELO", cmd_helo},     {"EHLO", cmd_ehlo},     {"MAIL", cmd_mail},     {"RCPT", cmd_rcpt},
    {"DATA", cmd_data},     {"RSET", cmd_rset},     {"NOOP", cmd_noop},     {"VRFY", cmd_vrfy},
    {"QUIT", cmd_quit},     {"AUTH", cmd_auth},     {"EXPN", cmd_not_impl}, {"TURN", cmd_not_impl},
    {"HELP", cmd_not_impl}, {"ETRN", cmd_not_impl},
};

void smtp_int_command(struct smtp_session *s, char *line)
{
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = 0;
    else
        arg = line + strlen(line);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (str_ieq(line, commands[i].verb)) {
            commands[i].fn(s, arg);
            return;
        }
    smtp_int_bad(s, SMTP_R_UNKNOWN);
}
