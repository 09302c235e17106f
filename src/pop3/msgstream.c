/* RETR and TOP: a stored message to its wire form, in pieces (msgstream.h). */
#include "src/pop3/msgstream.h"
#include <errno.h>
#include <string.h>

#define RAW_CHUNK 4096u /* stored bytes read per step of a TOP */
#define RAW_READ 65536u /* stored bytes read per step of a RETR */

void pop3_msg_start(struct pop3_stream *st, size_t i, bool top, uint64_t lines)
{
    memset(st, 0, sizeof *st);
    st->kind = POP3_ST_MSG;
    st->idx = i;
    st->top = top;
    st->lines_left = lines;
    st->line_start = true;
    st->last = -1;
}

/* TOP's path, a byte at a time: stored bytes to wire form (CRLF line ends,
 * dot-stuffing) with TOP's cut. Returns true when TOP has sent all it
 * should. RETR takes the runs below, which produce the same bytes. */
static bool xform(struct pop3_stream *st, struct buf *out, const unsigned char *p, size_t n)
{
    char *o = out->p + out->len;
    bool done = false;
    for (size_t i = 0; i < n && !done; i++) {
        unsigned char c = p[i];
        if (st->line_start && c == '.')
            *o++ = '.';
        if (c == '\n') {
            if (st->last != '\r')
                *o++ = '\r';
            *o++ = '\n';
            st->line_start = true;
            if (st->top) {
                bool empty = st->ln == 0 || (st->ln == 1 && st->ln_cr);
                if (!st->in_body) {
                    if (empty) {
                        st->in_body = true;
                        done = st->lines_left == 0;
                    }
                } else {
                    done = --st->lines_left == 0;
                }
            }
            st->ln = 0;
        } else {
            *o++ = (char)c;
            st->line_start = false;
            if (st->ln == 0)
                st->ln_cr = c == '\r';
            if (st->ln < 2)
                st->ln++;
        }
        st->last = c;
    }
    out->len = (size_t)(o - out->p);
    out->p[out->len] = 0;
    return done;
}

/* RETR's path, a run at a time: the same rules as xform (a line starting
 * with '.' gets another '.', an LF not preceded by CR gets a CR, anything
 * else, a CR alone included, passes as stored), applied in place to the n
 * stored bytes just read to out->p + out->len. A first pass finds the
 * lines with memchr and notes where a byte goes in; a second moves the
 * runs between those points up, from the end, so that each byte after the
 * first insertion moves once and CRLF mail without leading dots not at all.
 * st->line_start and st->last carry across pieces. *used is how many
 * stored bytes it took: all of them unless one piece needs more than
 * INS_MAX insertions (bare-LF mail), when it stops at a line start and the
 * rest is read again. Returns 0 or ENOMEM. */
#define INS_MAX 2048u
#define INS_DOT 0x80000000u /* in ins[]: a '.' goes in (else a CR) */

static int retr_convert(struct pop3_stream *st, struct buf *out, size_t n, size_t *used)
{
    const char *p = out->p + out->len;
    uint32_t ins[INS_MAX];
    size_t nins = 0, i = 0;
    while (i < n && nins + 2 <= INS_MAX) { /* at most two per line */
        if (st->line_start && p[i] == '.')
            ins[nins++] = (uint32_t)i | INS_DOT;
        const char *lf = memchr(p + i, '\n', n - i);
        if (!lf) {
            st->line_start = false;
            st->last = (unsigned char)p[n - 1];
            i = n;
            break;
        }
        size_t q = (size_t)(lf - p);
        if ((q ? (unsigned char)p[q - 1] : st->last) != '\r')
            ins[nins++] = (uint32_t)q;
        st->line_start = true;
        st->last = '\n';
        i = q + 1;
    }
    *used = i;
    if (nins) {
        if (buf_reserve(out, i + nins + 8))
            return ENOMEM;
        char *w = out->p + out->len;
        size_t end = i;
        for (size_t j = nins; j-- > 0;) {
            size_t at = ins[j] & ~INS_DOT;
            memmove(w + at + j + 1, w + at, end - at);
            w[at + j] = ins[j] & INS_DOT ? '.' : '\r';
            end = at;
        }
    }
    out->len += i + nins;
    out->p[out->len] = 0;
    return 0;
}

int pop3_msg_pump(struct pop3_stream *st, struct buf *out, struct maildrop *md, size_t target)
{
    unsigned char raw[RAW_CHUNK];
    while (st->kind == POP3_ST_MSG && out->len < target) {
        size_t room = target - out->len, want;
        if (st->top) /* the output may be twice the input */
            want = room / 2 + 1 < sizeof raw ? room / 2 + 1 : sizeof raw;
        else
            want = room < RAW_READ ? room : RAW_READ;
        if (buf_reserve(out, (st->top ? 2 * want : want) + 8))
            return ENOMEM;
        /* RETR reads straight into the output buffer */
        void *dst = st->top ? (void *)raw : (void *)(out->p + out->len);
        size_t got;
        if (maildrop_read(md, st->idx, st->off, dst, want, &got))
            return EIO;
        bool done = got == 0;
        if (got && st->top) {
            st->off += got;
            done = xform(st, out, raw, got);
        } else if (got) {
            size_t used;
            if (retr_convert(st, out, got, &used))
                return ENOMEM;
            st->off += used;
        }
        if (done) {
            if (!st->line_start && buf_append(out, "\r\n", 2))
                return ENOMEM;
            if (buf_append(out, ".\r\n", 3))
                return ENOMEM;
            st->kind = POP3_ST_NONE;
            /* an idle session holds its lock alone, not the last message */
            maildrop_read_done(md);
        }
    }
    return 0;
}
