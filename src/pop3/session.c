/* The POP3 session state machine (pop3.h). Replies are rendered by the
 * persona; multi-line replies are produced in pieces by pump() as the
 * transport drains the output. */
#include "src/lib/linein.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/pop3/msgstream.h"
#include "src/pop3/pop3.h"
#include "src/pop3/sasl.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OUT_LOW 4096u   /* run further pipelined commands while below this */
/* While the transport takes each piece whole, the next one may be twice as
 * large, up to this; a partial send (the socket is full) or an idle session
 * goes back to POP3_OUT_CHUNK, and the buffer is freed when idle. */
#define OUT_BURST_MAX 262144u
#define FIELD_MAX MAIL_LOGON_FIELD_MAX /* a password, NUL included */

struct pop3_session {
    const struct persona *p;
    struct pop3_backend be;
    const struct pop3_config *cfg;
    enum pop3_state state;
    bool skipping;     /* discarding the rest of an over-long line */
    unsigned bad;
    int64_t start, last;
    uint64_t nonce;
    char *user; /* USER argument waiting for PASS */
    struct buf in, out;
    size_t out_off; /* bytes of out already sent (consumed) */
    size_t burst;   /* output produced ahead now; 0: POP3_OUT_CHUNK */
    struct maildrop *md;
    uint64_t msg_limit; /* the store's largest message for RETR/TOP; 0: none */
    unsigned char *marks; /* DELE bitmap */
    size_t ndel;
    uint64_t deloct;
    struct pop3_stream st;
    const struct pop3_sasl_mech *auth; /* the AUTH exchange waiting for a line */
    void *auth_state;                  /* the backend's state for it */
};

void pop3_config_default(struct pop3_config *c)
{
    c->host = NULL;
    c->idle_timeout = 600;
    c->max_bad_commands = 20;
    c->max_line = 255;
    c->max_auth_line = 8192;
    c->sasl = NULL;
    c->nsasl = 0;
}

static const char *host_of(const struct pop3_session *s)
{
    return s->cfg->host && *s->cfg->host ? s->cfg->host : "localhost";
}

static void apop_timestamp(const struct pop3_session *s, char *out, size_t n)
{
    snprintf(out, n, "<%llu.%lld@%.100s>", (unsigned long long)s->nonce, (long long)s->start,
             host_of(s));
}

static size_t in_cap(const struct pop3_session *s)
{
    size_t c = POP3_IN_MAX;
    if (s->cfg->max_auth_line + 1 > c)
        c = s->cfg->max_auth_line + 1;
    if (s->cfg->max_line + 1 > c)
        c = s->cfg->max_line + 1;
    return c;
}

/* --- replies and closing ------------------------------------------------------ */

static void session_close(struct pop3_session *s, enum pop3_close_reason why, size_t removed,
                          size_t not_removed);

static void reply(struct pop3_session *s, enum persona_reply r, const struct persona_vars *vars)
{
    struct persona_vars v = vars ? *vars : (struct persona_vars){0};
    v.host = host_of(s);
    if (persona_render(s->p, r, &v, &s->out))
        session_close(s, POP3_CLOSE_ERROR, 0, 0);
}

static void put(struct pop3_session *s, const char *text)
{
    if (buf_puts(&s->out, text))
        session_close(s, POP3_CLOSE_ERROR, 0, 0);
}

static void emit(struct pop3_session *s, const struct pop3_event *ev)
{
    if (s->be.event)
        s->be.event(s->be.event_arg, ev);
}

static void wipe_free(char *p)
{
    if (p) {
        plat_wipe(p, strlen(p));
        free(p);
    }
}

/* Ends the AUTH exchange in progress, if any: the backend frees its state. */
static void auth_end(struct pop3_session *s)
{
    if (s->auth_state && s->be.logon->challenge_end)
        s->be.logon->challenge_end(s->be.logon_arg, s->auth_state);
    s->auth_state = NULL;
    s->auth = NULL;
}

static void session_close(struct pop3_session *s, enum pop3_close_reason why, size_t removed,
                          size_t not_removed)
{
    if (s->state == POP3_CLOSED)
        return;
    struct pop3_event ev = {.type = POP3_EV_CLOSE,
                            .reason = why,
                            .state = s->state,
                            .removed = removed,
                            .not_removed = not_removed};
    maildrop_close(s->md); /* no UPDATE here: nothing is removed */
    s->md = NULL;
    free(s->marks);
    s->marks = NULL;
    wipe_free(s->user);
    s->user = NULL;
    if (s->in.p)
        plat_wipe(s->in.p, s->in.cap);
    buf_free(&s->in);
    s->st.kind = POP3_ST_NONE;
    auth_end(s);
    s->state = POP3_CLOSED;
    emit(s, &ev);
}

/* A protocol error: counts towards max_bad_commands. */
static void bad(struct pop3_session *s, enum persona_reply r)
{
    s->bad++;
    if (s->cfg->max_bad_commands && s->bad >= s->cfg->max_bad_commands) {
        reply(s, PERSONA_TOO_MANY_BAD, NULL);
        session_close(s, POP3_CLOSE_BAD_COMMANDS, 0, 0);
        return;
    }
    reply(s, r, NULL);
}

/* --- logon ---------------------------------------------------------------------- */

static enum mail_logon_syntax syntax_of(const struct persona *p)
{
    return p->user_syntax == PERSONA_USER_EXCHANGE ? MAIL_LOGON_SYNTAX_NT : MAIL_LOGON_SYNTAX_PLAIN;
}

/* Splits a user argument by the persona's syntax; false when unusable. */
static bool parse_user(const struct persona *p, const char *arg, struct mail_logon_user *u)
{
    return mail_logon_split_user(arg, syntax_of(p), u);
}

/* A logon's result, from whichever call: the event, the state, the reply. */
static void login_done(struct pop3_session *s, const struct mail_logon_credentials *cred,
                       struct mail_logon_result *rp)
{
    struct mail_logon_result res = *rp;
    res.text[sizeof res.text - 1] = 0;
    struct maildrop *md = res.maildrop;
    res.maildrop = NULL;
    if (res.outcome == MAIL_LOGON_OK && !md)
        res.outcome = MAIL_LOGON_SYSTEM_ERROR;
    unsigned char *marks = NULL;
    if (res.outcome == MAIL_LOGON_OK) {
        size_t n = maildrop_count(md);
        marks = calloc(n / 8 + 1, 1);
        if (!marks)
            res.outcome = MAIL_LOGON_SYSTEM_ERROR;
    }
    if (res.outcome != MAIL_LOGON_OK) {
        maildrop_close(md); /* a backend that handed one over anyway */
        md = NULL;
    }
    struct mail_logon_credentials logged = *cred;
    logged.password = NULL;
    struct pop3_event ev = {.type = POP3_EV_LOGON, .cred = &logged, .result = &res};
    emit(s, &ev);
    struct persona_vars v = {0};
    switch (res.outcome) {
    case MAIL_LOGON_OK:
        s->md = md;
        s->msg_limit = res.message_limit;
        s->marks = marks;
        s->ndel = 0;
        s->deloct = 0;
        s->state = POP3_TRANSACTION;
        v.count = maildrop_count(md);
        v.octets = maildrop_total(md);
        reply(s, PERSONA_LOGON_OK, &v);
        return;
    case MAIL_LOGON_WIN32:
        v.code = res.win32;
        v.text = res.text;
        reply(s, PERSONA_WIN32, &v);
        return;
    case MAIL_LOGON_IN_USE:
        reply(s, PERSONA_IN_USE, NULL);
        return;
    case MAIL_LOGON_NO_MAILBOX:
        reply(s, PERSONA_NO_MAILBOX, NULL);
        return;
    case MAIL_LOGON_ACCESS_DENIED:
        reply(s, PERSONA_ACCESS_DENIED, NULL);
        return;
    case MAIL_LOGON_AMBIGUOUS:
        reply(s, PERSONA_AMBIGUOUS, NULL);
        return;
    case MAIL_LOGON_CUSTOM_RECIPIENT:
        reply(s, PERSONA_CUSTOM_RECIPIENT, NULL);
        return;
    case MAIL_LOGON_TOO_MANY_ITEMS:
        v.count = res.items;
        reply(s, PERSONA_TOO_MANY_ITEMS, &v);
        return;
    default:
        reply(s, PERSONA_SYSTEM_ERROR, NULL);
        return;
    }
}

static void finish_login(struct pop3_session *s, const struct mail_logon_credentials *cred,
                         bool apop)
{
    struct mail_logon_result res;
    memset(&res, 0, sizeof res);
    const struct mail_logon_ops *ops = s->be.logon;
    if (apop && !ops->login_apop) {
        res.outcome = MAIL_LOGON_SYSTEM_ERROR;
    } else if (apop) {
        ops->login_apop(s->be.logon_arg, cred, &res);
    } else {
        ops->login(s->be.logon_arg, cred, &res);
    }
    login_done(s, cred, &res);
}

/* USER and PASS take the rest of the line (their row's `line`): NT names
 * and passwords may hold spaces. USER drops trailing blanks a telnet user
 * typed. */
static void cmd_user(struct pop3_session *s, char **a)
{
    char *arg = a[0];
    if (arg) {
        size_t n = strlen(arg);
        while (n && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
            arg[--n] = 0;
    }
    struct mail_logon_user u;
    wipe_free(s->user);
    s->user = NULL;
    if (!arg || !*arg) {
        bad(s, PERSONA_SYNTAX);
        return;
    }
    if (!parse_user(s->p, arg, &u)) {
        reply(s, PERSONA_USER_BAD, NULL);
        return;
    }
    s->user = strdup(arg);
    if (!s->user) {
        reply(s, PERSONA_SYSTEM_ERROR, NULL);
        return;
    }
    reply(s, PERSONA_USER_OK, NULL);
}

static void cmd_pass(struct pop3_session *s, char **a)
{
    char *arg = a[0];
    if (!s->user) {
        reply(s, PERSONA_PASS_NO_USER, NULL);
        return;
    }
    char *user = s->user;
    s->user = NULL; /* RFC 1939: a failed PASS starts over with USER */
    struct mail_logon_user u;
    if (!arg || strlen(arg) >= FIELD_MAX || !parse_user(s->p, user, &u)) {
        wipe_free(user);
        bad(s, PERSONA_SYNTAX);
        return;
    }
    struct mail_logon_credentials c = {.mechanism = "USER",
                                       .user = user,
                                       .domain = u.domain,
                                       .account = u.account,
                                       .mailbox = u.mailbox,
                                       .password = arg,
                                       .authzid = ""};
    finish_login(s, &c, false);
    wipe_free(user);
}

static void cmd_apop(struct pop3_session *s, char **a)
{
    char *name = a[0], *digest = a[1];
    struct mail_logon_user u;
    if (!name || !digest || strlen(digest) != 32) {
        bad(s, PERSONA_SYNTAX);
        return;
    }
    for (char *d = digest; *d; d++) {
        if (*d >= 'A' && *d <= 'F')
            *d = (char)(*d - 'A' + 'a');
        if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'f'))) {
            bad(s, PERSONA_SYNTAX);
            return;
        }
    }
    if (!parse_user(s->p, name, &u)) {
        reply(s, PERSONA_USER_BAD, NULL);
        return;
    }
    char ts[160];
    apop_timestamp(s, ts, sizeof ts);
    struct mail_logon_credentials c = {.mechanism = "APOP",
                                       .user = name,
                                       .domain = u.domain,
                                       .account = u.account,
                                       .mailbox = u.mailbox,
                                       .authzid = "",
                                       .apop_timestamp = ts,
                                       .apop_digest = digest};
    finish_login(s, &c, true);
}

/* --- AUTH (sasl.h) ----------------------------------------------------------- */

static const struct pop3_sasl_mech *sasl_table(const struct pop3_session *s, size_t *n)
{
    *n = s->cfg->sasl ? s->cfg->nsasl : pop3_sasl_nbuiltin;
    return s->cfg->sasl ? s->cfg->sasl : pop3_sasl_builtin;
}

/* What the step asked for. */
static void auth_act(struct pop3_session *s, const struct pop3_sasl_mech *m, enum pop3_sasl_rc rc,
                     struct pop3_sasl_call *c)
{
    if (rc != POP3_SASL_CHALLENGE)
        auth_end(s); /* a state the backend kept past its end is freed too */
    switch (rc) {
    case POP3_SASL_CHALLENGE:
        s->auth = m;
        if (pop3_sasl_challenge(c->out, c->outlen, &s->out))
            session_close(s, POP3_CLOSE_ERROR, 0, 0);
        return;
    case POP3_SASL_LOGIN:
        finish_login(s, &c->cred, false);
        return;
    case POP3_SASL_RESULT: {
        /* who the backend found in the client's messages, for the event */
        const struct mail_logon_result *r = c->res;
        char user[2 * MAIL_LOGON_FIELD_MAX];
        snprintf(user, sizeof user, "%.255s%s%.255s", r->domain, r->domain[0] ? "\\" : "",
                 r->account);
        const struct mail_logon_credentials cred = {.mechanism = m->name,
                                                    .user = user,
                                                    .domain = r->domain,
                                                    .account = r->account,
                                                    .mailbox = r->mailbox,
                                                    .authzid = ""};
        login_done(s, &cred, c->res);
        return;
    }
    default:
        bad(s, PERSONA_AUTH_BAD);
        return;
    }
}

/* One client message of an AUTH exchange with mechanism m: the initial
 * response (first; NULL when none) or a continuation line. */
static void auth_step(struct pop3_session *s, const struct pop3_sasl_mech *m, const char *line,
                      bool first)
{
    s->auth = NULL; /* a line answers the challenge once */
    if (line && strcmp(line, "*") == 0) {
        auth_end(s);
        reply(s, PERSONA_AUTH_CANCELLED, NULL);
        return;
    }
    uint8_t *in = NULL;
    size_t inlen = 0;
    int e = line ? pop3_sasl_decode(line, &in, &inlen) : 0;
    if (e) {
        auth_end(s);
        if (e == ENOMEM)
            reply(s, PERSONA_SYSTEM_ERROR, NULL);
        else
            bad(s, PERSONA_AUTH_BAD);
        return;
    }
    uint8_t ch[MAIL_LOGON_CHALLENGE_MAX];
    struct mail_logon_result res;
    memset(&res, 0, sizeof res);
    struct pop3_sasl_call c = {.mechanism = m->name,
                               .in = in,
                               .inlen = inlen,
                               .first = first,
                               .syntax = syntax_of(s->p),
                               .logon = s->be.logon,
                               .logon_arg = s->be.logon_arg,
                               .state = &s->auth_state,
                               .out = ch,
                               .outcap = sizeof ch,
                               .res = &res};
    auth_act(s, m, m->step(&c), &c);
    if (in) {
        plat_wipe(in, inlen);
        free(in);
    }
    plat_wipe(&c, sizeof c);
    plat_wipe(ch, sizeof ch);
}

static void cmd_auth(struct pop3_session *s, char **a)
{
    char *mech = a[0], *ir = a[1];
    size_t n, count;
    const struct pop3_sasl_mech *tab = sasl_table(s, &n);
    if (!mech) {
        reply(s, PERSONA_AUTH_LIST, NULL);
        if (pop3_sasl_names(tab, n, s->p->sasl, "", "\r\n", &s->out, &count))
            session_close(s, POP3_CLOSE_ERROR, 0, 0);
        put(s, ".\r\n");
        return;
    }
    const struct pop3_sasl_mech *m = pop3_sasl_find(tab, n, s->p->sasl, mech);
    if (!m) {
        bool off = pop3_sasl_find(tab, n, PERSONA_SASL_SWITCHABLE, mech) != NULL;
        reply(s, off ? PERSONA_AUTH_DISABLED : PERSONA_AUTH_MECHANISM, NULL);
        return;
    }
    auth_step(s, m, ir, true);
}

/* --- transaction ---------------------------------------------------------------- */

static bool marked(const struct pop3_session *s, size_t i)
{
    return s->marks[i / 8] & (1u << (i % 8));
}

/* Parses a message number; replies and returns false when unusable. */
static bool msg_arg(struct pop3_session *s, const char *arg, size_t *idx)
{
    if (!arg || !*arg || strlen(arg) > 19 || strspn(arg, "0123456789") != strlen(arg)) {
        bad(s, PERSONA_SYNTAX);
        return false;
    }
    uint64_t n = strtoull(arg, NULL, 10);
    struct persona_vars v = {0};
    v.n = n;
    if (n == 0 || n > maildrop_count(s->md)) {
        reply(s, PERSONA_NO_MESSAGE, &v);
        return false;
    }
    if (marked(s, (size_t)(n - 1))) {
        reply(s, PERSONA_DELETED, &v);
        return false;
    }
    *idx = (size_t)(n - 1);
    return true;
}

static void retr_top(struct pop3_session *s, bool top, char *a1, char *a2)
{
    size_t i;
    uint64_t lines = 0;
    if (top && (!a2 || !*a2 || strlen(a2) > 19 || strspn(a2, "0123456789") != strlen(a2))) {
        bad(s, PERSONA_SYNTAX);
        return;
    }
    if (!msg_arg(s, a1, &i))
        return;
    if (top)
        lines = strtoull(a2, NULL, 10);
    struct persona_vars v = {0};
    v.octets = maildrop_size(s->md, i);
    if (s->msg_limit && v.octets > s->msg_limit) { /* the store's limit (mail_logon.h) */
        v.n = i + 1;
        reply(s, PERSONA_MESSAGE_TOO_LARGE, &v);
        if (s->be.logon->message_refused)
            s->be.logon->message_refused(s->be.logon_arg, i, v.octets);
        return;
    }
    /* open it now so that a vanished file is an -ERR, not a broken +OK */
    char probe[1];
    size_t got;
    if (maildrop_read(s->md, i, 0, probe, sizeof probe, &got)) {
        reply(s, PERSONA_SYSTEM_ERROR, NULL);
        return;
    }
    reply(s, top ? PERSONA_TOP_OK : PERSONA_RETR_OK, &v);
    pop3_msg_start(&s->st, i, top, lines);
}

static void list_uidl(struct pop3_session *s, bool uidl, char *arg)
{
    struct persona_vars v = {0};
    if (arg) {
        size_t i;
        if (!msg_arg(s, arg, &i))
            return;
        v.n = i + 1;
        v.octets = maildrop_size(s->md, i);
        v.uid = maildrop_uid(s->md, i);
        reply(s, uidl ? PERSONA_UIDL_ONE : PERSONA_LIST_ONE, &v);
        return;
    }
    v.count = maildrop_count(s->md) - s->ndel;
    v.octets = maildrop_total(s->md) - s->deloct;
    reply(s, uidl ? PERSONA_UIDL_ALL : PERSONA_LIST_ALL, &v);
    memset(&s->st, 0, sizeof s->st);
    s->st.kind = uidl ? POP3_ST_UIDL : POP3_ST_LIST;
}

static void cmd_retr(struct pop3_session *s, char **a)
{
    retr_top(s, false, a[0], NULL);
}

static void cmd_top(struct pop3_session *s, char **a)
{
    retr_top(s, true, a[0], a[1]);
}

static void cmd_list(struct pop3_session *s, char **a)
{
    list_uidl(s, false, a[0]);
}

static void cmd_uidl(struct pop3_session *s, char **a)
{
    list_uidl(s, true, a[0]);
}

static void cmd_stat(struct pop3_session *s, char **a)
{
    (void)a;
    struct persona_vars v = {0};
    v.count = maildrop_count(s->md) - s->ndel;
    v.octets = maildrop_total(s->md) - s->deloct;
    reply(s, PERSONA_STAT, &v);
}

static void cmd_noop(struct pop3_session *s, char **a)
{
    (void)a;
    reply(s, PERSONA_NOOP_OK, NULL);
}

static void cmd_dele(struct pop3_session *s, char **a)
{
    char *arg = a[0];
    size_t i;
    if (!msg_arg(s, arg, &i))
        return;
    s->marks[i / 8] |= (unsigned char)(1u << (i % 8));
    s->ndel++;
    s->deloct += maildrop_size(s->md, i);
    struct persona_vars v = {0};
    v.n = i + 1;
    reply(s, PERSONA_DELE_OK, &v);
}

static void cmd_rset(struct pop3_session *s, char **a)
{
    (void)a;
    memset(s->marks, 0, maildrop_count(s->md) / 8 + 1);
    s->ndel = 0;
    s->deloct = 0;
    struct persona_vars v = {0};
    v.count = maildrop_count(s->md);
    v.octets = maildrop_total(s->md);
    reply(s, PERSONA_RSET_OK, &v);
}

static void cmd_quit(struct pop3_session *s, char **a)
{
    (void)a;
    if (s->state != POP3_TRANSACTION) {
        reply(s, PERSONA_SIGNOFF, NULL);
        session_close(s, POP3_CLOSE_QUIT, 0, 0);
        return;
    }
    /* UPDATE (RFC 1939 §6): remove the marked messages, durably */
    s->state = POP3_UPDATE;
    size_t removed = 0, failed = 0, n = maildrop_count(s->md);
    for (size_t i = 0; i < n; i++) {
        if (!marked(s, i))
            continue;
        if (maildrop_remove(s->md, i))
            failed++;
        else
            removed++;
    }
    if (removed && maildrop_sync(s->md)) {
        failed += removed; /* not durable: say so */
        removed = 0;
    }
    reply(s, failed ? PERSONA_UPDATE_FAILED : PERSONA_SIGNOFF, NULL);
    session_close(s, POP3_CLOSE_QUIT, removed, failed);
}

static void cmd_capa(struct pop3_session *s, char **a)
{
    (void)a;
    unsigned want = s->state == POP3_TRANSACTION ? PERSONA_CAPA_TRANS : PERSONA_CAPA_AUTH;
    reply(s, PERSONA_CAPA_OK, NULL);
    for (size_t i = 0; i < s->p->ncapa; i++) {
        const char *line = s->p->capa[i].line;
        if (!(s->p->capa[i].states & want))
            continue;
        if (strncasecmp(line, "SASL", 4) == 0 && (!line[4] || line[4] == ' ')) {
            size_t n; /* what AUTH offers, from the same table (persona.h) */
            const struct pop3_sasl_mech *tab = sasl_table(s, &n);
            if (pop3_sasl_capa(tab, n, s->p->sasl, &s->out))
                session_close(s, POP3_CLOSE_ERROR, 0, 0);
            continue;
        }
        put(s, line);
        put(s, "\r\n");
    }
    put(s, ".\r\n");
}

/* --- command dispatch ---------------------------------------------------------- */

#define IN_AUTH 1u
#define IN_TRANS 2u
/* One row per command: dispatch is a lookup and a call (as popa3d does). */
static const struct {
    const char *kw;
    void (*fn)(struct pop3_session *s, char **a); /* a[0], a[1]: arguments or NULL */
    unsigned states;
    unsigned offer;         /* 0: always offered */
    bool line;              /* a[0] is the rest of the line, unsplit */
    unsigned char min, max; /* words, when not `line` */
} cmds[] = {
    {"USER", cmd_user, IN_AUTH, 0, true, 0, 0},
    {"PASS", cmd_pass, IN_AUTH, 0, true, 0, 0},
    {"APOP", cmd_apop, IN_AUTH, PERSONA_OFFER_APOP, false, 2, 2},
    {"AUTH", cmd_auth, IN_AUTH, PERSONA_OFFER_AUTH, false, 0, 2},
    {"QUIT", cmd_quit, IN_AUTH | IN_TRANS, 0, false, 0, 0},
    {"CAPA", cmd_capa, IN_AUTH | IN_TRANS, PERSONA_OFFER_CAPA, false, 0, 0},
    {"STAT", cmd_stat, IN_TRANS, 0, false, 0, 0},
    {"LIST", cmd_list, IN_TRANS, 0, false, 0, 1},
    {"RETR", cmd_retr, IN_TRANS, 0, false, 1, 1},
    {"DELE", cmd_dele, IN_TRANS, 0, false, 1, 1},
    {"NOOP", cmd_noop, IN_TRANS, 0, false, 0, 0},
    {"RSET", cmd_rset, IN_TRANS, 0, false, 0, 0},
    {"TOP", cmd_top, IN_TRANS, PERSONA_OFFER_TOP, false, 2, 2},
    {"UIDL", cmd_uidl, IN_TRANS, PERSONA_OFFER_UIDL, false, 0, 1},
};

/* Splits rest into words a[0], a[1]; returns how many, 3 for more than two
 * (no row takes more). */
static size_t split_args(char *rest, char **a)
{
    size_t na = 0;
    char *save = NULL;
    for (char *w = rest ? strtok_r(rest, " \t", &save) : NULL; w; w = strtok_r(NULL, " \t", &save)) {
        if (na == 2)
            return 3;
        a[na++] = w;
    }
    return na;
}

static void command(struct pop3_session *s, char *line)
{
    char *rest = strchr(line, ' ');
    size_t kl = rest ? (size_t)(rest - line) : strlen(line);
    if (rest)
        rest++;
    size_t c = 0, nc = sizeof cmds / sizeof cmds[0];
    for (; c < nc; c++)
        if (kl == strlen(cmds[c].kw) && strncasecmp(line, cmds[c].kw, kl) == 0)
            break;
    if (c == nc || (cmds[c].offer && !(s->p->offers & cmds[c].offer))) {
        bad(s, PERSONA_UNKNOWN_COMMAND);
        return;
    }
    unsigned st = s->state == POP3_TRANSACTION ? IN_TRANS : IN_AUTH;
    if (!(cmds[c].states & st)) {
        bad(s, PERSONA_WRONG_STATE);
        return;
    }
    char *a[2] = {NULL, NULL};
    if (cmds[c].line) {
        a[0] = rest;
    } else {
        size_t na = split_args(rest, a);
        if (na < cmds[c].min || na > cmds[c].max) {
            bad(s, PERSONA_SYNTAX);
            return;
        }
    }
    cmds[c].fn(s, a);
}

/* Output bytes not yet consumed by the transport. */
static size_t pending(const struct pop3_session *s)
{
    return s->out.len - s->out_off;
}

static size_t out_target(const struct pop3_session *s)
{
    return s->burst ? s->burst : POP3_OUT_CHUNK;
}

/* A transport taking large pieces lets pipelined commands run until a
 * whole piece is pending, so that a pipelined RETR's reply joins the piece
 * that ends the previous one. */
static bool blocked(const struct pop3_session *s)
{
    size_t low = s->burst ? s->burst : OUT_LOW;
    return s->state == POP3_CLOSED || s->st.kind != POP3_ST_NONE || pending(s) >= low;
}

/* Runs the complete lines waiting in the input buffer, in order. */
static void run(struct pop3_session *s)
{
    while (!blocked(s) && s->in.len) {
        size_t limit = s->auth ? s->cfg->max_auth_line : s->cfg->max_line;
        char *lf = memchr(s->in.p, '\n', s->in.len);
        if (!lf) {
            if (s->in.len >= limit) {
                linein_overlong(&s->in, &s->skipping);
                auth_end(s);
                bad(s, PERSONA_LINE_TOO_LONG);
            }
            break;
        }
        size_t used = (size_t)(lf - s->in.p) + 1;
        size_t n = used - 1;
        if (n && s->in.p[n - 1] == '\r')
            n--;
        char *line = s->in.p;
        line[n] = 0;
        if (n + 2 > limit) {
            auth_end(s);
            bad(s, PERSONA_LINE_TOO_LONG);
        } else if (memchr(line, 0, n)) {
            auth_end(s);
            bad(s, PERSONA_NUL_BYTE);
        } else if (s->auth) {
            auth_step(s, s->auth, line, false);
        } else {
            command(s, line);
        }
        if (s->state == POP3_CLOSED)
            break; /* the input buffer is gone */
        /* the line may have held a password: leave no copy behind */
        size_t had = s->in.len;
        plat_wipe(s->in.p, used);
        buf_consume(&s->in, used);
        plat_wipe(s->in.p + s->in.len, had - s->in.len);
    }
    if (s->in.len == 0)
        buf_free(&s->in);
}

/* --- multi-line output ---------------------------------------------------------- */

static void pump_list(struct pop3_session *s, size_t target)
{
    size_t n = maildrop_count(s->md);
    while (s->st.kind != POP3_ST_NONE && s->out.len < target) {
        size_t i = s->st.idx;
        if (i >= n) {
            put(s, ".\r\n");
            s->st.kind = POP3_ST_NONE;
            return;
        }
        s->st.idx++;
        if (marked(s, i))
            continue;
        int rc = s->st.kind == POP3_ST_LIST ? buf_printf(&s->out, "%zu %llu\r\n", i + 1,
                                                    (unsigned long long)maildrop_size(s->md, i))
                                       : buf_printf(&s->out, "%zu %s\r\n", i + 1, maildrop_uid(s->md, i));
        if (rc) {
            session_close(s, POP3_CLOSE_ERROR, 0, 0);
            return;
        }
    }
}

/* Produces output until out_target() bytes are pending or nothing is,
 * running pipelined commands as each multi-line reply completes. */
static void pump(struct pop3_session *s)
{
    size_t target = out_target(s);
    if (pending(s) >= target)
        return;
    if (s->out_off) { /* what a partial send left goes to the front */
        memmove(s->out.p, s->out.p + s->out_off, pending(s) + 1);
        s->out.len -= s->out_off;
        s->out_off = 0;
    }
    for (;;) {
        if (s->st.kind == POP3_ST_MSG) {
            if (pop3_msg_pump(&s->st, &s->out, s->md, target))
                session_close(s, POP3_CLOSE_ERROR, 0, 0);
        }
        else if (s->st.kind != POP3_ST_NONE)
            pump_list(s, target);
        if (s->st.kind != POP3_ST_NONE || s->out.len >= target || s->state == POP3_CLOSED)
            return;
        size_t before = s->in.len;
        run(s);
        if (s->st.kind == POP3_ST_NONE && s->in.len == before)
            return;
    }
}

/* --- public API ------------------------------------------------------------------ */

struct pop3_session *pop3_session_new(const struct persona *persona,
                                      const struct pop3_backend *backend,
                                      const struct pop3_config *config, int64_t now, uint64_t nonce)
{
    struct pop3_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = persona;
    s->be = *backend;
    s->cfg = config;
    s->state = POP3_AUTHORIZATION;
    s->start = s->last = now;
    s->nonce = nonce;
    char ts[160];
    apop_timestamp(s, ts, sizeof ts);
    struct persona_vars v = {0};
    v.timestamp = ts;
    v.host = host_of(s);
    if (persona_render(persona, PERSONA_BANNER, &v, &s->out)) {
        buf_free(&s->out);
        free(s);
        return NULL;
    }
    return s;
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
    return ((const struct pop3_session *)s)->state == POP3_CLOSED;
}

static void in_failed(void *s)
{
    session_close(s, POP3_CLOSE_ERROR, 0, 0);
}

static const struct linein_ops in_ops = {in_run, in_blocked, in_closed, NULL, in_failed};

size_t pop3_session_input(struct pop3_session *s, const void *data, size_t len, int64_t now)
{
    if (s->state == POP3_CLOSED)
        return len;
    s->last = now;
    return linein_feed(&s->in, &s->skipping, in_cap(s), data, len, &in_ops, s);
}

bool pop3_session_want_input(const struct pop3_session *s)
{
    return s->state != POP3_CLOSED && s->in.len < in_cap(s);
}

const char *pop3_session_output(struct pop3_session *s, size_t *len)
{
    pump(s);
    *len = pending(s);
    return *len ? s->out.p + s->out_off : "";
}

void pop3_session_consume(struct pop3_session *s, size_t n, int64_t now)
{
    size_t have = pending(s);
    if (n > have)
        n = have;
    s->out_off += n;
    if (n < have) {
        s->burst = 0; /* the transport is full: back to small pieces */
    } else if (n) {
        /* all taken at once: a fast transport gets larger pieces */
        size_t t = out_target(s);
        if (have >= t)
            s->burst = t >= OUT_BURST_MAX / 2 ? OUT_BURST_MAX : 2 * t;
        s->out.len = s->out_off = 0;
        s->out.p[0] = 0;
    }
    if (s->out.len == 0 && s->st.kind == POP3_ST_NONE) {
        buf_free(&s->out); /* idle sessions hold no buffers */
        s->burst = 0;
    }
    if (n && s->state != POP3_CLOSED)
        s->last = now;
    if (!blocked(s))
        run(s);
}

void pop3_session_tick(struct pop3_session *s, int64_t now)
{
    if (s->state == POP3_CLOSED || now - s->last < s->cfg->idle_timeout)
        return;
    reply(s, PERSONA_AUTOLOGOUT, NULL);
    session_close(s, POP3_CLOSE_AUTOLOGOUT, 0, 0);
}

int64_t pop3_session_deadline(const struct pop3_session *s)
{
    if (s->state == POP3_CLOSED)
        return INT64_MAX;
    if (s->last > INT64_MAX - s->cfg->idle_timeout)
        return INT64_MAX;
    return s->last + s->cfg->idle_timeout;
}

bool pop3_session_closed(const struct pop3_session *s)
{
    return s->state == POP3_CLOSED;
}

unsigned pop3_session_fds(const struct pop3_session *s)
{
    return s->md ? maildrop_fds(s->md) : 0;
}

enum pop3_state pop3_session_state(const struct pop3_session *s)
{
    return s->state;
}

void pop3_session_drop(struct pop3_session *s)
{
    if (!s)
        return;
    session_close(s, POP3_CLOSE_DROPPED, 0, 0);
    buf_free(&s->out);
    free(s);
}

size_t pop3_session_memory(const struct pop3_session *s)
{
    size_t m = sizeof *s + s->in.cap + s->out.cap;
    if (s->marks)
        m += maildrop_count(s->md) / 8 + 1;
    if (s->user)
        m += strlen(s->user) + 1;
    return m;
}
