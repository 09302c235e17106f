/* RETR's converter alone (pop3_msg_convert, src/pop3/msgstream.h): MB/s
 * over a 100 KB message with LF line ends (what a Maildir holds) and the
 * same message with CRLF (what `make bench` serves), each against a
 * memcpy of the same bytes in the same run (the copy that puts the stored
 * bytes where the converter works, as the read does). The lines are
 * pop3load's: printable, 0..98 characters, every 13th empty, every 29th
 * starting with '.', every 97th exactly ".". Each figure is the best of
 * ROUNDS rounds (the machine is shared). Checks the output against the
 * rule once; fails only when it differs. */
#include "src/lib/buf.h"
#include "src/pop3/msgstream.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIZE 102400u
#define ROUNDS 7
#define REPS 400 /* conversions a round: 41 MB */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A message of exactly SIZE bytes; crlf chooses the line ends. */
static void make_message(char *m, bool crlf)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    size_t pos = 0;
    for (uint32_t i = 0; pos < SIZE; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = i % 13 == 0 ? 0 : (size_t)(x % 99);
        if (i % 97 == 5)
            len = 1;
        for (size_t k = 0; k < len && pos < SIZE; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            bool dot = k == 0 && (i % 97 == 5 || i % 29 == 1);
            m[pos++] = dot ? '.' : (char)(' ' + x % 95);
        }
        if (crlf && pos < SIZE)
            m[pos++] = '\r';
        if (pos < SIZE)
            m[pos++] = '\n';
    }
}

/* The rule, plainly (RFC 1939 byte-stuffing, CRLF for every LF). */
static void reference(const char *m, size_t n, struct buf *out)
{
    bool start = true;
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        if (start && m[i] == '.')
            buf_putc(out, '.');
        if (m[i] == '\n' && last != '\r')
            buf_putc(out, '\r');
        buf_putc(out, m[i]);
        start = m[i] == '\n';
        last = (unsigned char)m[i];
    }
}

/* One message through the converter as pop3_msg_pump feeds it: the stored
 * bytes copied to out->len, converted in place, the rest again if it
 * stopped short. Returns false on ENOMEM. */
static bool convert_once(const char *m, struct buf *out)
{
    struct pop3_stream st;
    pop3_msg_start(&st, 0, false, 0);
    out->len = 0;
    for (size_t off = 0; off < SIZE;) {
        memcpy(out->p + out->len, m + off, SIZE - off);
        size_t used;
        if (pop3_msg_convert(&st, out, SIZE - off, &used))
            return false;
        off += used;
    }
    return true;
}

static int run(const char *name, bool crlf)
{
    char *m = malloc(SIZE);
    struct buf out = BUF_INIT, want = BUF_INIT;
    if (!m || buf_reserve(&out, 3 * SIZE))
        return 1;
    make_message(m, crlf);
    reference(m, SIZE, &want);
    if (!convert_once(m, &out) || out.len != want.len || memcmp(out.p, want.p, want.len)) {
        fprintf(stderr, "retr_convert_bench: %s: the converter's output differs from the rule\n",
                name);
        return 1;
    }
    double best_copy = 1e9, best_conv = 1e9;
    volatile char sink = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_s();
        for (int k = 0; k < REPS; k++) {
            memcpy(out.p, m, SIZE);
            sink ^= out.p[k % SIZE];
        }
        double t1 = now_s();
        for (int k = 0; k < REPS; k++) {
            if (!convert_once(m, &out))
                return 1;
            sink ^= out.p[k % out.len];
        }
        double t2 = now_s();
        if (t1 - t0 < best_copy)
            best_copy = t1 - t0;
        if (t2 - t1 < best_conv)
            best_conv = t2 - t1;
    }
    (void)sink;
    double mb = (double)SIZE * REPS / 1e6;
    /* the conversion's own cost: copy + convert, less the copy */
    double own = best_conv - best_copy > 1e-9 ? best_conv - best_copy : 1e-9;
    printf("%-5s 100 KB message: memcpy %.0f MB/s; copy+convert %.0f MB/s; the converter alone "
           "%.0f MB/s (%.2f of memcpy's speed)\n",
           name, mb / best_copy, mb / best_conv, mb / own, best_copy / own);
    free(m);
    buf_free(&out);
    buf_free(&want);
    return 0;
}

int main(void)
{
    return run("LF", false) || run("CRLF", true);
}
