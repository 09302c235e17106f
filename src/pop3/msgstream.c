/* RETR and TOP: a stored message to its wire form, in pieces (msgstream.h). */
#include "src/pop3/msgstream.h"
#include <errno.h>
#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#define RAW_CHUNK 4096u /* stored bytes read per step of a TOP */
/* stored bytes read per step of a RETR (the piece's room permitting): a
 * 100 KB message in one read (issue 12: 4.3 reads a message at 64 KiB) */
#define RAW_READ 262144u

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

/* Where a byte goes in, 64 stored bytes at a time: bit k of the result is
 * set when q[k] is an LF not preceded by CR or a '.' preceded by LF (q[-1]
 * is the byte before; q[-1] .. q[63] must be readable). Branch-free, no
 * call per line: RETR's cost was a memchr call and a few branches per
 * line (issue 12). SSE2 is in every x86-64 build (mingw's included), and
 * AVX2, where the CPU has it, does 32 bytes a step (scan_avx2); elsewhere
 * the plain loop, which a compiler may vectorise. */
#if defined(__SSE2__)
static inline uint64_t need16(const char *q)
{
    const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)q);
    const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(q - 1));
    const __m128i lf = _mm_cmpeq_epi8(a, _mm_set1_epi8('\n'));
    const __m128i cr_lf = _mm_andnot_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\r')), lf);
    const __m128i lf_dot = _mm_and_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\n')),
                                         _mm_cmpeq_epi8(a, _mm_set1_epi8('.')));
    return (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(cr_lf, lf_dot));
}

static inline uint64_t need_mask(const char *q)
{
    return need16(q) | need16(q + 16) << 16 | need16(q + 32) << 32 | need16(q + 48) << 48;
}
#else
static inline uint64_t need_mask(const char *q)
{
    uint64_t m = 0;
    for (unsigned k = 0; k < 64; k++) {
        bool bad = (q[k] == '\n' && q[k - 1] != '\r') || (q[k] == '.' && q[k - 1] == '\n');
        m |= (uint64_t)bad << k;
    }
    return m;
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2_PATH 1
__attribute__((target("avx2"))) static inline uint64_t need32(const char *q)
{
    const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)q);
    const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(q - 1));
    const __m256i lf = _mm256_cmpeq_epi8(a, _mm256_set1_epi8('\n'));
    const __m256i cr_lf = _mm256_andnot_si256(_mm256_cmpeq_epi8(b, _mm256_set1_epi8('\r')), lf);
    const __m256i lf_dot = _mm256_and_si256(_mm256_cmpeq_epi8(b, _mm256_set1_epi8('\n')),
                                            _mm256_cmpeq_epi8(a, _mm256_set1_epi8('.')));
    return (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(cr_lf, lf_dot));
}

__attribute__((target("avx2"))) static inline uint64_t need_mask_avx2(const char *q)
{
    return need32(q) | need32(q + 32) << 32;
}
#endif

/* need_mask for the k <= 64 bytes at p whose preceding byte is prev (the
 * first and the last block of a piece): through a padded copy. */
static uint64_t need_mask_copy(char prev, const char *p, size_t k)
{
    char tmp[1 + 64] = {0};
    tmp[0] = prev;
    memcpy(tmp + 1, p, k);
    return need_mask(tmp + 1);
}

#define INS_MAX 4096u
#define INS_DOT 0x80000000u /* in ins[]: a '.' goes in (else a CR) */

/* Notes in ins[] (*nins of INS_MAX) where a byte goes in among the n > 0
 * bytes at p, prev being the byte before p[0] as need_mask reads it.
 * Returns how many bytes it covered: n, or less when ins[] filled up (then
 * it stops at an insertion point, never at 0). Inlined into the two
 * wrappers below, each with its own need_mask. */
__attribute__((always_inline)) static inline size_t scan(const char *p, size_t n, char prev,
                                                         uint32_t *ins, size_t *nins, bool avx2)
{
    size_t k = 0, i = 0;
    uint64_t m = need_mask_copy(prev, p, n < 64 ? n : 64);
    for (;;) {
        while (m) {
            size_t q = i + (size_t)__builtin_ctzll(m);
            m &= m - 1;
            if (k == INS_MAX) {
                *nins = k;
                return q;
            }
            ins[k++] = (uint32_t)q | (p[q] == '.' ? INS_DOT : 0);
        }
        i += 64;
        if (i >= n)
            break;
        if (n - i < 64) {
            m = need_mask_copy(p[i - 1], p + i, n - i);
            continue;
        }
        /* the bulk: whole blocks, most of them with nothing to note */
#ifdef HAVE_AVX2_PATH
        m = avx2 ? need_mask_avx2(p + i) : need_mask(p + i);
        while (!m && n - i >= 128) {
            i += 64;
            m = avx2 ? need_mask_avx2(p + i) : need_mask(p + i);
        }
#else
        (void)avx2;
        m = need_mask(p + i);
        while (!m && n - i >= 128) {
            i += 64;
            m = need_mask(p + i);
        }
#endif
    }
    *nins = k;
    return n;
}

static size_t scan_plain(const char *p, size_t n, char prev, uint32_t *ins, size_t *nins)
{
    return scan(p, n, prev, ins, nins, false);
}

#ifdef HAVE_AVX2_PATH
__attribute__((target("avx2"))) static size_t scan_avx2(const char *p, size_t n, char prev,
                                                        uint32_t *ins, size_t *nins)
{
    return scan(p, n, prev, ins, nins, true);
}
#endif

/* Moves w[at..end) up by shift, for the runs between insertions, which
 * are moved from the last down. A short run moved far (bare-LF mail: one
 * per line) goes in 32-byte strides from its end, the lowest stride
 * reading and writing up to 31 bytes below the run: with shift >= 32 those
 * writes land at or above at + 1, in what the lower runs and insertions
 * overwrite afterwards, never on bytes still to be moved (at_j >= j, so
 * the reads stay inside w). Saves a memmove call and its size dispatch per
 * line. */
static inline void move_up(char *w, size_t at, size_t end, size_t shift)
{
    if (shift < 32 || end - at > 256) {
        memmove(w + at + shift, w + at, end - at);
        return;
    }
    for (size_t r = end; r > at; r -= 32) { /* r > at >= 31: no wrap */
        char t[32];
        memcpy(t, w + r - 32, 32);
        memcpy(w + r - 32 + shift, t, 32);
    }
}

/* RETR's path, a run at a time: the same rules as xform (a line starting
 * with '.' gets another '.', an LF not preceded by CR gets a CR, anything
 * else, a CR alone included, passes as stored), applied in place to the n
 * stored bytes just read to out->p + out->len (msgstream.h). A first pass
 * notes where a byte goes in (scan); a second moves the runs between
 * those points up, from the end, so that each byte after the first
 * insertion moves once and CRLF mail without leading dots not at all.
 * st->line_start and st->last carry across pieces. *used is how many
 * stored bytes it took: all of them unless one piece needs more than
 * INS_MAX insertions (bare-LF mail), when it stops at an insertion point
 * and the rest is read again. */
static int convert(struct pop3_stream *st, struct buf *out, size_t n, size_t *used, bool fast)
{
    *used = 0;
    if (!n)
        return 0;
    const char *p = out->p + out->len;
    uint32_t ins[INS_MAX];
    size_t nins;
    /* the byte before p[0] as need_mask reads it: an LF at a line start */
    char prev = st->line_start ? '\n' : (char)st->last;
#ifdef HAVE_AVX2_PATH
    size_t cut = fast && __builtin_cpu_supports("avx2") ? scan_avx2(p, n, prev, ins, &nins)
                                                        : scan_plain(p, n, prev, ins, &nins);
#else
    (void)fast;
    size_t cut = scan_plain(p, n, prev, ins, &nins);
#endif
    st->last = (unsigned char)p[cut - 1];
    st->line_start = p[cut - 1] == '\n';
    *used = cut;
    if (nins) {
        if (buf_reserve(out, cut + nins + 8))
            return ENOMEM;
        char *w = out->p + out->len;
        size_t end = cut;
        for (size_t j = nins; j-- > 0;) {
            size_t at = ins[j] & ~INS_DOT;
            move_up(w, at, end, j + 1);
            w[at + j] = ins[j] & INS_DOT ? '.' : '\r';
            end = at;
        }
    }
    out->len += cut + nins;
    out->p[out->len] = 0;
    return 0;
}

int pop3_msg_convert(struct pop3_stream *st, struct buf *out, size_t n, size_t *used)
{
    return convert(st, out, n, used, true);
}

int pop3_msg_convert_portable(struct pop3_stream *st, struct buf *out, size_t n, size_t *used)
{
    return convert(st, out, n, used, false);
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
            if (pop3_msg_convert(st, out, got, &used))
                return ENOMEM;
            st->off += used;
            /* a message file is a regular file: a short read is its end,
             * which saves the read that would return 0 */
            done = got < want && used == got;
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
