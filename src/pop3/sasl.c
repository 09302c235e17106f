/* The SASL mechanism table of the POP3 engine (sasl.h). */
#include "src/pop3/sasl.h"
#include "src/lib/base64.h"
#include "src/lib/str.h"
#include "src/pop3/persona.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct pop3_sasl_mech pop3_sasl_builtin[] = {
    {"PLAIN", PERSONA_SASL_PLAIN, pop3_sasl_plain},
    {"NTLM", PERSONA_SASL_NTLM, pop3_sasl_backend},
};
const size_t pop3_sasl_nbuiltin = sizeof pop3_sasl_builtin / sizeof pop3_sasl_builtin[0];

enum pop3_sasl_rc pop3_sasl_plain(struct pop3_sasl_call *c)
{
    if (!c->in)
        return c->first ? POP3_SASL_CHALLENGE : POP3_SASL_MALFORMED; /* "+ " */
    /* authzid NUL authcid NUL passwd: three fields, two NULs; the decoder's
     * NUL at in[inlen] ends the last */
    const char *d = (const char *)c->in, *f[3];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= c->inlen; i++) {
        if (i < c->inlen && d[i] != 0)
            continue;
        if (nf == 3)
            return POP3_SASL_MALFORMED; /* a third NUL */
        f[nf++] = d + start;
        start = i + 1;
    }
    if (nf != 3 || !*f[1] || strlen(f[2]) >= MAIL_LOGON_FIELD_MAX)
        return POP3_SASL_MALFORMED;
    for (size_t i = 0; i < 3; i++)
        if (strpbrk(f[i], "\r\n"))
            return POP3_SASL_MALFORMED;
    if ((*f[0] && strcmp(f[0], f[1]) != 0) || !mail_logon_split_user(f[1], c->syntax, &c->user))
        return POP3_SASL_MALFORMED;
    c->cred = (struct mail_logon_credentials){.mechanism = c->mechanism,
                                              .user = f[1],
                                              .domain = c->user.domain,
                                              .account = c->user.account,
                                              .mailbox = c->user.mailbox,
                                              .password = f[2],
                                              .authzid = f[0]};
    return POP3_SASL_LOGIN;
}

static enum pop3_sasl_rc system_error(struct mail_logon_result *res)
{
    memset(res, 0, sizeof *res);
    res->outcome = MAIL_LOGON_SYSTEM_ERROR;
    return POP3_SASL_RESULT;
}

enum pop3_sasl_rc pop3_sasl_backend(struct pop3_sasl_call *c)
{
    if (!c->logon->login_challenge)
        return system_error(c->res);
    struct mail_logon_message msg = {.mechanism = c->mechanism,
                                     .in = c->in,
                                     .inlen = c->inlen,
                                     .out = c->out,
                                     .outcap = c->outcap};
    if (c->logon->login_challenge(c->logon_arg, c->state, &msg, c->res) == MAIL_LOGON_DONE)
        return POP3_SASL_RESULT;
    if (msg.outlen > c->outcap) /* the contract broken: no challenge to send */
        return system_error(c->res);
    c->outlen = msg.outlen;
    return POP3_SASL_CHALLENGE;
}

const struct pop3_sasl_mech *pop3_sasl_find(const struct pop3_sasl_mech *tab, size_t n,
                                            unsigned offers, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if ((tab[i].offer & offers) && str_ieq(tab[i].name, name))
            return &tab[i];
    return NULL;
}

int pop3_sasl_names(const struct pop3_sasl_mech *tab, size_t n, unsigned offers, const char *before,
                    const char *after, struct buf *out, size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(tab[i].offer & offers))
            continue;
        if (buf_puts(out, before) || buf_puts(out, tab[i].name) || buf_puts(out, after))
            return ENOMEM;
        ++*count;
    }
    return 0;
}

int pop3_sasl_capa(const struct pop3_sasl_mech *tab, size_t n, unsigned offers, struct buf *out)
{
    size_t count, mark = out->len;
    if (buf_puts(out, "SASL") || pop3_sasl_names(tab, n, offers, " ", "", out, &count))
        return ENOMEM;
    if (count)
        return buf_puts(out, "\r\n");
    out->len = mark; /* no mechanism: no line */
    out->p[mark] = 0;
    return 0;
}

int pop3_sasl_decode(const char *line, uint8_t **out, size_t *len)
{
    size_t n = strlen(line), cap = n / 4 * 3 + 3;
    uint8_t *d = malloc(cap + 1);
    if (!d)
        return ENOMEM;
    *len = 0;
    /* "=" is the empty response (RFC 5034 §4) */
    int rc = strcmp(line, "=") == 0 ? 0 : base64_decode(line, n, d, cap, len);
    if (rc) {
        free(d);
        return EINVAL; /* E2BIG cannot happen with this cap */
    }
    d[*len] = 0;
    *out = d;
    return 0;
}

int pop3_sasl_challenge(const uint8_t *data, size_t len, struct buf *out)
{
    size_t n = base64_encoded_len(len);
    if (buf_puts(out, "+ ") || buf_reserve(out, n + 3))
        return ENOMEM;
    base64_encode(data, len, out->p + out->len);
    out->len += n;
    return buf_puts(out, "\r\n");
}
