/* NTLM message parsing and building (MS-NLMP §2.2.1). Little-endian fields
 * at fixed offsets; payload through security buffers (len, maxlen, offset),
 * each checked to lie inside the message before it is read. */
#include "emulator/ntlmmsg.h"
#include <errno.h>
#include <string.h>

static const uint8_t ntlm_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t ntlmmsg_type(const uint8_t *msg, size_t len)
{
    if (len < 12 || memcmp(msg, ntlm_sig, 8) != 0)
        return 0;
    return get32(msg + 8);
}

/* The security buffer at msg+at: its bytes must lie inside the message. */
static int secbuf(const uint8_t *msg, size_t len, size_t at, const uint8_t **p, size_t *n)
{
    if (at + 8 > len)
        return EINVAL;
    size_t l = get16(msg + at), off = get32(msg + at + 4);
    if (off > len || l > len - off)
        return EINVAL;
    *p = l ? msg + off : NULL;
    *n = l;
    return 0;
}

/* Appends code point c as UTF-8 to out (cap with room for the NUL). */
static int utf8_put(char *out, size_t cap, size_t *o, uint32_t c)
{
    uint8_t b[3];
    size_t n;
    if (c < 0x80) {
        b[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (uint8_t)(0xc0 | (c >> 6));
        b[1] = (uint8_t)(0x80 | (c & 0x3f));
        n = 2;
    } else {
        b[0] = (uint8_t)(0xe0 | (c >> 12));
        b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (c & 0x3f));
        n = 3;
    }
    if (*o + n >= cap)
        return EMSGSIZE;
    memcpy(out + *o, b, n);
    *o += n;
    return 0;
}

/* Decodes a name: UTF-16LE when unicode (BMP only: a surrogate is refused,
 * NT 4.0 names have none), else OEM bytes taken as Latin-1 (a choice: the
 * lab's names are ASCII). NUL anywhere is refused. */
static int decode_name(const uint8_t *p, size_t n, int unicode, char out[NTLM_NAME_MAX])
{
    size_t o = 0;
    if (unicode && (n & 1))
        return EINVAL;
    for (size_t i = 0; i < n; i += unicode ? 2 : 1) {
        uint32_t c = unicode ? get16(p + i) : p[i];
        if (c == 0 || (c >= 0xd800 && c <= 0xdfff))
            return EINVAL;
        int rc = utf8_put(out, NTLM_NAME_MAX, &o, c);
        if (rc)
            return rc;
    }
    out[o] = '\0';
    return 0;
}

int ntlmmsg_parse_negotiate(const uint8_t *msg, size_t len, struct ntlm_negotiate *out)
{
    if (len > NTLM_MSG_MAX)
        return EMSGSIZE;
    if (len < 16 || ntlmmsg_type(msg, len) != 1)
        return EINVAL;
    out->flags = get32(msg + 12);
    /* the supplied domain and workstation are informational: checked for
     * bounds when their flags claim them, not used */
    const uint8_t *p;
    size_t n;
    if ((out->flags & NTLM_NEG_OEM_DOMAIN_SUPPLIED) && secbuf(msg, len, 16, &p, &n))
        return EINVAL;
    if ((out->flags & NTLM_NEG_OEM_WORKSTATION_SUPPLIED) && secbuf(msg, len, 24, &p, &n))
        return EINVAL;
    return 0;
}

int ntlmmsg_parse_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *out)
{
    if (len > NTLM_MSG_MAX)
        return EMSGSIZE;
    /* 52 bytes: the oldest form, without session key and flags */
    if (len < 52 || ntlmmsg_type(msg, len) != 3)
        return EINVAL;
    memset(out, 0, sizeof *out);
    const uint8_t *ws;
    size_t ws_len;
    if (secbuf(msg, len, 12, &out->lm, &out->lm_len) ||
        secbuf(msg, len, 20, &out->nt, &out->nt_len) ||
        secbuf(msg, len, 28, &out->domain_raw, &out->domain_raw_len) ||
        secbuf(msg, len, 36, &out->user_raw, &out->user_raw_len) ||
        secbuf(msg, len, 44, &ws, &ws_len))
        return EINVAL;
    if (len >= 64) {
        const uint8_t *k;
        size_t kn;
        if (secbuf(msg, len, 52, &k, &kn))
            return EINVAL;
        out->flags = get32(msg + 60);
    } else {
        out->flags = NTLM_NEG_OEM; /* no flags field: OEM names (a choice) */
    }
    out->unicode = (out->flags & NTLM_NEG_UNICODE) != 0;
    int rc = decode_name(out->domain_raw, out->domain_raw_len, out->unicode, out->domain);
    if (!rc)
        rc = decode_name(out->user_raw, out->user_raw_len, out->unicode, out->user);
    if (!rc)
        rc = decode_name(ws, ws_len, out->unicode, out->workstation);
    return rc;
}

/* Writes ASCII name s as UTF-16LE (unicode) or bytes; returns bytes written
 * or 0 on overflow / non-ASCII (an empty name writes nothing and is valid
 * only through the caller's own check). */
static size_t put_name(const char *s, int unicode, uint8_t *out, size_t cap)
{
    size_t n = strlen(s), w = unicode ? 2 * n : n;
    if (w > cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80 || s[i] == 0)
            return 0;
        if (unicode)
            put16(out + 2 * i, (uint8_t)s[i]);
        else
            out[i] = (uint8_t)s[i];
    }
    return w;
}

size_t ntlmmsg_build_target_info(const char *domain, const char *computer, uint8_t *out,
                                 size_t cap)
{
    const struct {
        uint16_t id;
        const char *v;
    } av[] = {{NTLM_AV_NB_DOMAIN, domain}, {NTLM_AV_NB_COMPUTER, computer}};
    size_t o = 0;
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(av[i].v);
        if (n == 0 || n > 255 || o + 4 > cap)
            return 0;
        size_t w = put_name(av[i].v, 1, out + o + 4, cap - o - 4);
        if (w != 2 * n)
            return 0;
        put16(out + o, av[i].id);
        put16(out + o + 2, (uint16_t)w);
        o += 4 + w;
    }
    if (o + 4 > cap)
        return 0;
    memset(out + o, 0, 4);
    return o + 4;
}

size_t ntlmmsg_build_challenge(uint32_t client_flags, const uint8_t challenge[8],
                               const char *domain, const char *computer, int target_is_domain,
                               uint8_t *out, size_t cap)
{
    enum { HDR = 48 };
    if (cap > NTLM_MSG_MAX)
        cap = NTLM_MSG_MAX;
    if (cap < HDR)
        return 0;
    int unicode = (client_flags & NTLM_NEG_UNICODE) != 0;
    const char *target = target_is_domain ? domain : computer;
    size_t tn = put_name(target, unicode, out + HDR, cap - HDR);
    if (tn == 0)
        return 0;
    size_t ti = ntlmmsg_build_target_info(domain, computer, out + HDR + tn, cap - HDR - tn);
    if (ti == 0)
        return 0;
    uint32_t flags = (unicode ? NTLM_NEG_UNICODE : NTLM_NEG_OEM) | NTLM_REQUEST_TARGET |
                     NTLM_NEG_NTLM | NTLM_NEG_TARGET_INFO |
                     (target_is_domain ? NTLM_TARGET_TYPE_DOMAIN : NTLM_TARGET_TYPE_SERVER) |
                     (client_flags & (NTLM_NEG_EXTENDED_SESSIONSECURITY | NTLM_NEG_ALWAYS_SIGN |
                                      NTLM_NEG_128 | NTLM_NEG_56));
    memcpy(out, ntlm_sig, 8);
    put32(out + 8, 2);
    put16(out + 12, (uint16_t)tn);
    put16(out + 14, (uint16_t)tn);
    put32(out + 16, HDR);
    put32(out + 20, flags);
    memcpy(out + 24, challenge, 8);
    memset(out + 32, 0, 8); /* reserved (context) */
    put16(out + 40, (uint16_t)ti);
    put16(out + 42, (uint16_t)ti);
    put32(out + 44, (uint32_t)(HDR + tn));
    return HDR + tn + ti;
}

int ntlmmsg_av_find(const uint8_t *ti, size_t len, uint16_t id, const uint8_t **val,
                    size_t *vlen)
{
    size_t o = 0;
    int found = 0;
    while (o + 4 <= len) {
        uint16_t aid = get16(ti + o);
        size_t n = get16(ti + o + 2);
        if (n > len - o - 4)
            return EINVAL;
        if (aid == NTLM_AV_EOL)
            return found ? 0 : ENOENT;
        if (aid == id && !found) {
            *val = ti + o + 4;
            *vlen = n;
            found = 1;
        }
        o += 4 + n;
    }
    return EINVAL; /* no EOL inside the list */
}
