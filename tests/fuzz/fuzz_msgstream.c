/* RETR's converter (pop3_msg_convert, src/pop3/msgstream.h) on arbitrary
 * stored bytes: the wire form must be exactly RFC 1939's (a '.' doubled at
 * a line start, CR before every LF that lacks one, anything else as
 * stored, CRLF added after a last line without LF, then ".\r\n"), whatever
 * the read size, through the CPU's fastest scan and the portable one.
 *
 * Input layout: byte 0 picks the read size (1..64 from bits 0-5; bit 6
 * multiplies it by 64, bit 7 by 4096 more, so reads of 1 byte to 256 KiB
 * fall on both sides of the 64-byte blocks); the rest is the message. */
#include "src/lib/buf.h"
#include "src/pop3/msgstream.h"
#include "tests/fuzz/fuzz.h"
#include <stdbool.h>
#include <string.h>

static void reference(const uint8_t *m, size_t n, struct buf *out)
{
    bool start = true;
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        if (start && m[i] == '.')
            buf_putc(out, '.');
        if (m[i] == '\n' && last != '\r')
            buf_putc(out, '\r');
        buf_putc(out, (char)m[i]);
        start = m[i] == '\n';
        last = m[i];
    }
    if (!start)
        buf_append(out, "\r\n", 2);
    buf_append(out, ".\r\n", 3);
}

/* As pop3_msg_pump feeds it: each read lands at out->len, what was not
 * taken is read again. */
static void convert(const uint8_t *m, size_t n, size_t step, bool portable, struct buf *out)
{
    struct pop3_stream st;
    pop3_msg_start(&st, 0, false, 0);
    for (size_t off = 0; off < n;) {
        size_t k = n - off < step ? n - off : step;
        if (buf_reserve(out, k + 8))
            fuzz_fail("out of memory");
        memcpy(out->p + out->len, m + off, k);
        size_t used = 0;
        int rc = portable ? pop3_msg_convert_portable(&st, out, k, &used)
                          : pop3_msg_convert(&st, out, k, &used);
        if (rc || used == 0 || used > k)
            fuzz_fail("convert returned %d, took %zu of %zu", rc, used, k);
        off += used;
    }
    if (!st.line_start)
        buf_append(out, "\r\n", 2);
    buf_append(out, ".\r\n", 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    size_t step = (size_t)(data[0] & 63) + 1;
    if (data[0] & 64)
        step *= 64;
    if (data[0] & 128)
        step *= 4096;
    const uint8_t *m = data + 1;
    size_t n = size - 1;
    struct buf want = BUF_INIT, got = BUF_INIT;
    reference(m, n, &want);
    for (int portable = 0; portable < 2; portable++) {
        buf_reset(&got);
        convert(m, n, step, portable, &got);
        if (got.len != want.len || memcmp(got.p, want.p, want.len)) {
            size_t at = 0;
            while (at < got.len && at < want.len && got.p[at] == want.p[at])
                at++;
            fuzz_fail("%s scan, reads of %zu: the wire form differs from the rule at byte %zu",
                      portable ? "portable" : "fast", step, at);
        }
    }
    buf_free(&want);
    buf_free(&got);
    return 0;
}
