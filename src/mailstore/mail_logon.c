/* The user-name syntax and the APOP check of the logon contract
 * (mail_logon.h). */
#include "src/mailstore/mail_logon.h"
#include "src/lib/md5.h"
#include "src/lib/str.h"
#include <string.h>

static bool has_ctl(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

bool mail_logon_split_user(const char *arg, enum mail_logon_syntax syntax,
                           struct mail_logon_user *u)
{
    size_t n = strlen(arg);
    if (n == 0 || n >= MAIL_LOGON_FIELD_MAX || has_ctl(arg, n))
        return false;
    u->domain[0] = 0;
    const char *bs = NULL;
    if (syntax == MAIL_LOGON_SYNTAX_NT && arg[strcspn(arg, "\\/")])
        bs = arg + strcspn(arg, "\\/");
    if (!bs) {
        memcpy(u->account, arg, n + 1);
        memcpy(u->mailbox, arg, n + 1);
        return true;
    }
    /* domain\account, domain\account\mailbox, domain\account/mailbox, and
     * each with '/' after the domain */
    size_t dl = (size_t)(bs - arg);
    const char *rest = bs + 1;
    size_t al = strcspn(rest, "\\/");
    if (dl == 0 || al == 0)
        return false;
    memcpy(u->domain, arg, dl);
    u->domain[dl] = 0;
    memcpy(u->account, rest, al);
    u->account[al] = 0;
    if (!rest[al]) {
        memcpy(u->mailbox, u->account, al + 1);
        return true;
    }
    const char *mb = rest + al + 1;
    if (!*mb || strpbrk(mb, "\\/"))
        return false;
    memcpy(u->mailbox, mb, strlen(mb) + 1);
    return true;
}

bool mail_logon_apop_check(const char *timestamp, const char *secret, const char *digest)
{
    struct md5_ctx c;
    uint8_t d[16];
    char hex[33];
    md5_init(&c);
    md5_update(&c, timestamp, strlen(timestamp));
    md5_update(&c, secret, strlen(secret));
    md5_final(&c, d);
    str_hex(d, 16, hex);
    if (strlen(digest) != 32)
        return false;
    unsigned diff = 0;
    for (unsigned i = 0; i < 32; i++)
        diff |= (unsigned)(hex[i] ^ digest[i]);
    return diff == 0;
}
