/* {{ntlm ...}} session lines (ntlmstep.h). */
#include "src/scenario/ntlmstep.h"
#include "emulator/msv1_0.h"
#include "emulator/sam.h"
#include "src/lib/base64.h"
#include "src/lib/hmac_md5.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NTLM_PREFIX "{{ntlm "

bool scn_ntlm_is(const char *text, size_t len)
{
    size_t pl = strlen(NTLM_PREFIX);
    return len > pl + 2 && memcmp(text, NTLM_PREFIX, pl) == 0 && text[len - 2] == '}' &&
           text[len - 1] == '}';
}

static void le(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static size_t utf16(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);
    if (2 * n > cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)s[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

static int put_b64(struct buf *line, const uint8_t *d, size_t n)
{
    size_t el = base64_encoded_len(n);
    if (buf_reserve(line, el + 3))
        return ENOMEM;
    base64_encode(d, n, line->p + line->len);
    line->len += el;
    return buf_puts(line, "\r\n") ? ENOMEM : 0;
}

/* The AUTHENTICATE for the CHALLENGE t2 (n2 bytes). */
static int authenticate(const uint8_t *t2, size_t n2, const char *dom, const char *user,
                        const char *pw, struct buf *line)
{
    static const uint8_t client_chal[8] = {'n', 't', 'l', 'a', 'b', 'c', 'l', 'i'};
    size_t til = (size_t)(t2[40] | t2[41] << 8), tio = (size_t)(t2[44] | t2[45] << 8);
    if (tio > n2 || til > n2 - tio || til > 1024)
        return EINVAL;
    uint8_t nthash[16], v2[16], u[256], d[256], nt[16 + 28 + 1024 + 4], msg[2048];
    size_t ul = utf16(user, u, sizeof u), dl = utf16(dom, d, sizeof d);
    if (!ul)
        return EINVAL;
    sam_nthash(pw, nthash);
    if (msv1_0_ntowf_v2(nthash, u, ul, d, dl, 1, v2))
        return EINVAL;
    uint8_t *blob = nt + 16;
    memset(blob, 0, 28);
    blob[0] = blob[1] = 1;
    memcpy(blob + 16, client_chal, 8);
    memcpy(blob + 28, t2 + tio, til);
    memset(blob + 28 + til, 0, 4);
    size_t bl = 28 + til + 4;
    struct hmac_md5_ctx h;
    hmac_md5_init(&h, v2, 16);
    hmac_md5_update(&h, t2 + 24, 8);
    hmac_md5_update(&h, blob, bl);
    hmac_md5_final(&h, nt);
    uint8_t lm[24] = {0}, ws[16];
    size_t wl = utf16("SCENARIO", ws, sizeof ws), off = 64;
    const uint8_t *parts[5] = {lm, nt, d, u, ws};
    size_t lens[5] = {24, 16 + bl, dl, ul, wl};
    memset(msg, 0, 64);
    memcpy(msg, "NTLMSSP", 8);
    le(msg + 8, 3, 4);
    for (int i = 0; i < 5; i++) {
        le(msg + 12 + 8 * i, (uint32_t)lens[i], 2);
        le(msg + 14 + 8 * i, (uint32_t)lens[i], 2);
        le(msg + 16 + 8 * i, (uint32_t)off, 4);
        memcpy(msg + off, parts[i], lens[i]);
        off += lens[i];
    }
    le(msg + 56, (uint32_t)off, 4);
    le(msg + 60, NTLM_NEG_UNICODE | NTLM_NEG_NTLM, 4);
    return put_b64(line, msg, off);
}

int scn_ntlm_line(const char *text, size_t len, const char *last, size_t lastlen,
                  struct buf *line, struct buf *shown, char *err, size_t errcap)
{
    char args[512], *sp;
    size_t pl = strlen(NTLM_PREFIX);
    if (!scn_ntlm_is(text, len) || len - pl - 2 >= sizeof args) {
        snprintf(err, errcap, "{{ntlm ...}}: arguments too long");
        return EINVAL;
    }
    memcpy(args, text + pl, len - pl - 2);
    args[len - pl - 2] = 0;
    if (strcmp(args, "negotiate") == 0) {
        uint8_t t1[16] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
        le(t1 + 8, 1, 4);
        le(t1 + 12, NTLM_NEG_UNICODE | NTLM_NEG_NTLM | NTLM_REQUEST_TARGET, 4);
        return buf_puts(shown, "{{ntlm negotiate}}") ? ENOMEM : put_b64(line, t1, sizeof t1);
    }
    if (!(sp = strchr(args, ' ')) || strchr(sp + 1, ' ') || sp == args || !sp[1]) {
        snprintf(err, errcap, "{{ntlm ...}}: expected 'negotiate' or '[DOMAIN\\]USER PASSWORD'");
        return EINVAL;
    }
    *sp = 0;
    char *bs = strchr(args, '\\'), *user = bs ? bs + 1 : args;
    const char *dom = bs ? args : "";
    if (bs)
        *bs = 0;
    uint8_t t2[2048];
    size_t n2 = 0;
    if (lastlen < 2 || memcmp(last, "+ ", 2) != 0 ||
        base64_decode(last + 2, lastlen - 2, t2, sizeof t2, &n2) || n2 < 48 ||
        ntlmmsg_type(t2, n2) != 2) {
        snprintf(err, errcap, "{{ntlm ...}}: the last line received is not '+ ' and a CHALLENGE");
        return EINVAL;
    }
    if (buf_puts(shown, "{{ntlm ") || (bs && (buf_puts(shown, dom) || buf_puts(shown, "\\"))) ||
        buf_puts(shown, user) || buf_puts(shown, " ********}}"))
        return ENOMEM;
    int rc = authenticate(t2, n2, dom, user, sp + 1, line);
    if (rc == EINVAL)
        snprintf(err, errcap, "{{ntlm ...}}: the CHALLENGE or a name is unusable");
    return rc;
}
