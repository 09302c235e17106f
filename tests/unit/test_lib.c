/* src/lib basics and the emulator clock. */
#include "emulator/clock.h"
#include "src/lib/arr.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
#include "tests/unit/unit.h"
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static void test_buf(void)
{
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(buf_puts(&b, "abc"), 0);
    CU_ASSERT_EQUAL(buf_printf(&b, "-%d-", 42), 0);
    CU_ASSERT_STRING_EQUAL(b.p, "abc-42-");
    buf_consume(&b, 2);
    CU_ASSERT_STRING_EQUAL(b.p, "c-42-");
    for (int i = 0; i < 1000; i++)
        buf_putc(&b, 'x');
    CU_ASSERT_EQUAL(b.len, 1005u);
    char *s = buf_steal(&b);
    CU_ASSERT_EQUAL(b.len, 0u);
    CU_ASSERT_PTR_NULL(b.p);
    free(s);
    buf_free(&b);
}

/* buf_printf formats into the spare room first and grows when the text
 * does not fit: every length around the room left gives the whole text,
 * NUL-terminated, after what was there. */
/* Issue 12 (logons): buf_printf formats %s %c %d %u %ld %lu %lld %llu %zu
 * %% itself; the text is snprintf's, at the limits too, and any other
 * conversion (flags, width, precision, %x, %p) still goes to vsnprintf. */
#define SAME_AS_SNPRINTF(...)                                                                      \
    do {                                                                                           \
        char want_[256];                                                                           \
        struct buf b_ = BUF_INIT;                                                                  \
        CU_ASSERT_EQUAL(buf_puts(&b_, "x"), 0);                                                    \
        CU_ASSERT_EQUAL(buf_printf(&b_, __VA_ARGS__), 0);                                          \
        want_[0] = 'x';                                                                            \
        snprintf(want_ + 1, sizeof want_ - 1, __VA_ARGS__);                                        \
        CU_ASSERT_STRING_EQUAL(b_.p, want_);                                                       \
        CU_ASSERT_EQUAL(b_.len, strlen(want_));                                                    \
        buf_free(&b_);                                                                             \
    } while (0)

static void test_buf_printf_plain(void)
{
    SAME_AS_SNPRINTF("%s", "");
    SAME_AS_SNPRINTF("plain text, no conversion");
    SAME_AS_SNPRINTF("#%llu %s logon %s user=\"%s\": OK", 18446744073709551615ULL, "BENCH",
                     "127.0.0.1:1", "user0001");
    SAME_AS_SNPRINTF("%d %d %d %u %u", 0, INT_MIN, INT_MAX, 0u, UINT_MAX);
    SAME_AS_SNPRINTF("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
    SAME_AS_SNPRINTF("%lld|%lld|%llu", LLONG_MIN, LLONG_MAX, 0ULL);
    SAME_AS_SNPRINTF("%zu%%%c%s%%", SIZE_MAX, 'q', "end");
    SAME_AS_SNPRINTF("%5d|%-3s|%.2s|%x|%02u|%lx|%zd", 42, "a", "abc", 255u, 7u, 255ul, (ssize_t)-3);
    SAME_AS_SNPRINTF("100%% %s %llu%s", "done", 3ULL, "");
}

static void test_buf_printf_room(void)
{
    char want[300], arg[200];
    for (size_t pre = 0; pre < 70; pre++) {
        for (size_t n = 0; n < 140; n += 3) {
            struct buf b = BUF_INIT;
            memset(want, 'p', pre);
            want[pre] = 0;
            CU_ASSERT_EQUAL_FATAL(buf_puts(&b, want), 0);
            memset(arg, 'a' + (int)(n % 26), n);
            arg[n] = 0;
            CU_ASSERT_EQUAL_FATAL(buf_printf(&b, "<%s|%zu>", arg, n), 0);
            snprintf(want + pre, sizeof want - pre, "<%s|%zu>", arg, n);
            CU_ASSERT_EQUAL(b.len, strlen(want));
            CU_ASSERT_STRING_EQUAL(b.p, want);
            CU_ASSERT(b.len < b.cap);
            buf_free(&b);
        }
    }
}

static void test_str(void)
{
    char d[4];
    CU_ASSERT_EQUAL(str_copy(d, sizeof d, "abc"), 0);
    CU_ASSERT_EQUAL(str_copy(d, sizeof d, "abcd"), E2BIG);
    CU_ASSERT_STRING_EQUAL(d, "abc");
    CU_ASSERT_TRUE(str_ieq("SeTcb", "setcb"));
    CU_ASSERT_FALSE(str_ieq("SeTcb", "setc"));
    int64_t v;
    CU_ASSERT_EQUAL(str_to_i64("-12", -100, 100, &v), 0);
    CU_ASSERT_EQUAL(v, -12);
    CU_ASSERT_EQUAL(str_to_i64("101", -100, 100, &v), ERANGE);
    CU_ASSERT_EQUAL(str_to_i64("1x", 0, 100, &v), EINVAL);
    CU_ASSERT_EQUAL(str_to_i64("", 0, 100, &v), EINVAL);
    CU_ASSERT_EQUAL(str_to_i64("99999999999999999999999", 0, INT64_MAX, &v), ERANGE);
    CU_ASSERT_EQUAL(str_to_duration("30m", &v), 0);
    CU_ASSERT_EQUAL(v, 1800);
    CU_ASSERT_EQUAL(str_to_duration("2d", &v), 0);
    CU_ASSERT_EQUAL(v, 172800);
    CU_ASSERT_EQUAL(str_to_duration("m", &v), EINVAL);
    CU_ASSERT_EQUAL(str_to_duration("-5s", &v), ERANGE);
    char q1[] = "  plain value  ", q2[] = " \"  a \\\"q\\\" \\\\ \" ", q3[] = "\"open",
         q4[] = "\"bad\\x\"", q5[] = "\"a\" tail";
    char *u;
    CU_ASSERT_TRUE(str_unquote(q1, &u));
    CU_ASSERT_STRING_EQUAL(u, "plain value");
    CU_ASSERT_TRUE(str_unquote(q2, &u));
    CU_ASSERT_STRING_EQUAL(u, "  a \"q\" \\ ");
    CU_ASSERT_FALSE(str_unquote(q3, &u));
    CU_ASSERT_FALSE(str_unquote(q4, &u));
    CU_ASSERT_FALSE(str_unquote(q5, &u));
    uint8_t raw[3] = {0x00, 0xab, 0xff}, back[3];
    char hex[7];
    str_hex(raw, 3, hex);
    CU_ASSERT_STRING_EQUAL(hex, "00abff");
    CU_ASSERT_EQUAL(str_unhex("00ABff", back, 3), 0);
    CU_ASSERT_EQUAL(memcmp(raw, back, 3), 0);
    CU_ASSERT_EQUAL(str_unhex("00abf", back, 3), EINVAL);
    CU_ASSERT_EQUAL(str_unhex("00abgg", back, 3), EINVAL);
}

static void test_text_decode(void)
{
    /* UTF-16LE with BOM, as secedit writes templates: "[A]\r\né" */
    const char u16[] = "\xff\xfe[\0A\0]\0\r\0\n\0\xe9\0";
    char *out;
    size_t n;
    CU_ASSERT_EQUAL(text_decode(u16, sizeof u16 - 1, &out, &n), 0);
    CU_ASSERT_STRING_EQUAL(out, "[A]\r\n\xc3\xa9");
    free(out);
    /* odd length, lone surrogate, embedded NUL */
    CU_ASSERT_EQUAL(text_decode("\xff\xfe[\0A", 5, &out, &n), EILSEQ);
    CU_ASSERT_EQUAL(text_decode("\xff\xfe\x00\xd8\x41\x00", 6, &out, &n), EILSEQ);
    CU_ASSERT_EQUAL(text_decode("\xff\xfe\x41\x00\x00\x00", 6, &out, &n), EILSEQ);
    /* UTF-8 BOM dropped; invalid UTF-8 and overlong forms refused */
    CU_ASSERT_EQUAL(text_decode("\xef\xbb\xbfok", 5, &out, &n), 0);
    CU_ASSERT_STRING_EQUAL(out, "ok");
    free(out);
    CU_ASSERT_EQUAL(text_decode("a\xc3", 2, &out, &n), EILSEQ);
    CU_ASSERT_EQUAL(text_decode("\xc0\xaf", 2, &out, &n), EILSEQ);
    CU_ASSERT_EQUAL(text_decode("a\0b", 3, &out, &n), EILSEQ);
}

static void test_text_lines(void)
{
    char t[] = "one\r\ntwo\nthree";
    struct text_lines it;
    unsigned ln;
    text_lines_init(&it, t);
    CU_ASSERT_STRING_EQUAL(text_lines_next(&it, &ln), "one");
    CU_ASSERT_EQUAL(ln, 1u);
    CU_ASSERT_STRING_EQUAL(text_lines_next(&it, &ln), "two");
    CU_ASSERT_STRING_EQUAL(text_lines_next(&it, &ln), "three");
    CU_ASSERT_EQUAL(ln, 3u);
    CU_ASSERT_PTR_NULL(text_lines_next(&it, &ln));
}

static void test_afile(void)
{
    const char *dir = unit_tmpdir();
    char path[512], sub[512];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    CU_ASSERT_EQUAL(afile_write(path, "hello", 5, 0644), 0);
    char *data;
    size_t n;
    CU_ASSERT_EQUAL(afile_read(path, 100, &data, &n), 0);
    CU_ASSERT_EQUAL(n, 5u);
    CU_ASSERT_STRING_EQUAL(data, "hello");
    free(data);
    CU_ASSERT_EQUAL(afile_read(path, 4, &data, &n), EFBIG);
    snprintf(sub, sizeof sub, "%s/nope/f.txt", dir);
    CU_ASSERT_EQUAL(afile_read(sub, 100, &data, &n), ENOENT);
    /* a write into a missing directory fails and leaves nothing behind */
    CU_ASSERT_EQUAL(afile_write(sub, "x", 1, 0644), ENOENT);
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    CU_ASSERT_EQUAL(afile_mkdirs(sub, 0755), 0);
    struct stat st;
    CU_ASSERT_EQUAL(stat(sub, &st), 0);
    CU_ASSERT_EQUAL(afile_read(sub, 100, &data, &n), EISDIR);
    /* issue 12: a FIFO without a writer is refused at once (it used to
     * block the open forever), a device too (/dev/zero read "Is a
     * directory"), with a text that says what is wrong */
    snprintf(sub, sizeof sub, "%s/fifo", dir);
    CU_ASSERT_EQUAL_FATAL(mkfifo(sub, 0600), 0);
    CU_ASSERT_EQUAL(afile_read(sub, 100, &data, &n), PLAT_ENOTREG);
    CU_ASSERT_EQUAL(afile_read("/dev/zero", 100, &data, &n), PLAT_ENOTREG);
    CU_ASSERT_PTR_NOT_NULL(strstr(plat_strerror(PLAT_ENOTREG), "not a regular file"));
    int fd;
    CU_ASSERT_EQUAL(plat_open_regular(sub, 0, &fd), PLAT_ENOTREG);
    CU_ASSERT_EQUAL(fd, -1);
    CU_ASSERT_EQUAL(plat_open_regular(path, 0, &fd), 0);
    if (fd >= 0) { /* blocking again: the descriptor reads as any other */
        CU_ASSERT_EQUAL(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
        close(fd);
    }
    snprintf(sub, sizeof sub, "%s/link", dir);
    CU_ASSERT_EQUAL_FATAL(symlink(path, sub), 0);
    CU_ASSERT_EQUAL(plat_open_regular(sub, PLAT_OPEN_NOFOLLOW, &fd), ELOOP);
    CU_ASSERT_EQUAL(plat_open_regular(sub, 0, &fd), 0);
    if (fd >= 0)
        close(fd);
    unit_rmtree(dir);
}

/* Issue 12: a NUL in services.conf was reported at line 0; every reader
 * now names the line text_error_line finds. */
static void test_text_error_line(void)
{
    const char *why = "x";
    CU_ASSERT_EQUAL(text_error_line("a\nb\n", 4, &why), 0u);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_EQUAL(text_error_line("a\nb\nc\0d\n", 8, &why), 3u);
    CU_ASSERT_STRING_EQUAL(why, "NUL byte");
    CU_ASSERT_EQUAL(text_error_line("\xEF\xBB\xBF" "a\n\xC3(\n", 8, &why), 2u);
    CU_ASSERT_STRING_EQUAL(why, "invalid UTF-8");
    /* UTF-16LE: lines are counted in units */
    const char u16[] = "\xFF\xFE" "a\0\n\0b\0\n\0\0\0";
    CU_ASSERT_EQUAL(text_error_line(u16, sizeof u16 - 1, &why), 3u);
    CU_ASSERT_STRING_EQUAL(why, "NUL character");
    const char lone[] = "\xFF\xFE\n\0\x00\xDC";
    CU_ASSERT_EQUAL(text_error_line(lone, sizeof lone - 1, &why), 2u);
    CU_ASSERT_STRING_EQUAL(why, "broken UTF-16 surrogate pair");
    CU_ASSERT_EQUAL(text_error_line("\xFF\xFE" "a\0b", 5, &why), 1u);
    CU_ASSERT_STRING_EQUAL(why, "odd number of bytes in UTF-16 text");
}

static void test_afile_sweeps_stale_temps(void)
{
    const char *dir = unit_tmpdir();
    char path[512], dead[600], live[600], other[600];
    snprintf(path, sizeof path, "%s/policy.inf", dir);
    /* a writer killed mid-write (pid 99999999 cannot exist), one still
     * running (pid 1), and another file's temp */
    snprintf(dead, sizeof dead, "%s.tmp.99999999", path);
    snprintf(live, sizeof live, "%s.tmp.1", path);
    snprintf(other, sizeof other, "%s/sam.txt.tmp.99999999", dir);
    CU_ASSERT_EQUAL(afile_write(dead, "x", 1, 0644), 0);
    CU_ASSERT_EQUAL(afile_write(live, "x", 1, 0644), 0);
    CU_ASSERT_EQUAL(afile_write(other, "x", 1, 0644), 0);
    CU_ASSERT_EQUAL(afile_write(path, "new", 3, 0644), 0);
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(dead, &st), 0);
    CU_ASSERT_EQUAL(stat(live, &st), 0);
    CU_ASSERT_EQUAL(stat(other, &st), 0);
    char *data;
    size_t n;
    CU_ASSERT_EQUAL(afile_read(path, 100, &data, &n), 0);
    CU_ASSERT_STRING_EQUAL(data, "new");
    free(data);
    unit_rmtree(dir);
}

static void test_filelock(void)
{
    const char *dir = unit_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x.lock", dir);
    struct filelock a, b;
    CU_ASSERT_EQUAL(filelock_acquire(&a, path, false), 0);
    /* a second writer (another open file description) is refused at once */
    CU_ASSERT_EQUAL(filelock_acquire(&b, path, false), EWOULDBLOCK);
    filelock_release(&a);
    CU_ASSERT_EQUAL(filelock_acquire(&b, path, false), 0);
    filelock_release(&b);
    unit_rmtree(dir);
}

static void test_re_bounded(void)
{
    char err[160];
    /* the patterns scenarios use */
    CU_ASSERT_TRUE(plat_re_bounded("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}", err, sizeof err));
    CU_ASSERT_TRUE(plat_re_bounded("[!-~]{1,70}", err, sizeof err));
    CU_ASSERT_TRUE(plat_re_bounded("<[0-9]+\\.[0-9]+@[a-z]+>", err, sizeof err));
    CU_ASSERT_TRUE(plat_re_bounded("[+{]+{3}", err, sizeof err)); /* '+' '{' inside brackets are literal */
    /* the fuzz input that took 2 GB in regcomp, and nested intervals */
    CU_ASSERT_FALSE(plat_re_bounded("[1-9]++++++++++++++++++++++++++++++++++", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too deep"));
    CU_ASSERT_FALSE(plat_re_bounded("((a{255}){255}){255}", err, sizeof err));
    struct plat_re re;
    CU_ASSERT_EQUAL(plat_re_compile(&re, "((x{999}){999}){9}", err, sizeof err), EINVAL);
    CU_ASSERT_EQUAL(plat_re_compile(&re, "ok[0-9]+", err, sizeof err), 0);
    CU_ASSERT_TRUE(plat_re_match(&re, "ok12"));
    plat_re_free(&re);
}

static void test_clock(void)
{
    struct clock c;
    clock_init_virtual(&c, CLOCK_DEFAULT_START);
    CU_ASSERT_EQUAL(clock_now(&c), CLOCK_DEFAULT_START);
    CU_ASSERT_EQUAL(clock_advance(&c, 1800), 0);
    CU_ASSERT_EQUAL(clock_now(&c), CLOCK_DEFAULT_START + 1800);
    CU_ASSERT_EQUAL(clock_advance(&c, -1), EINVAL);
    CU_ASSERT_EQUAL(clock_advance(&c, INT64_MAX), EINVAL);
    CU_ASSERT_EQUAL(clock_set(&c, 5), 0);
    CU_ASSERT_EQUAL(clock_now(&c), 5);
    clock_init_wall(&c);
    CU_ASSERT_TRUE(clock_now(&c) > CLOCK_DEFAULT_START);
    CU_ASSERT_EQUAL(clock_advance(&c, 1), EINVAL);
}

static void test_arr_grow(void)
{
    size_t cap = 0;
    int *v = arr_grow(NULL, &cap, 0, sizeof *v, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(cap, 4);
    for (int i = 0; i < 4; i++)
        v[i] = i;
    CU_ASSERT_PTR_EQUAL(arr_grow(v, &cap, 3, sizeof *v, 4), v); /* room left: unchanged */
    int *w = arr_grow(v, &cap, 4, sizeof *w, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(cap, 8);
    CU_ASSERT_EQUAL(w[3], 3); /* the elements move along */
    /* a size that would overflow: NULL, the array and its capacity kept */
    size_t huge = SIZE_MAX / 2 + 1;
    CU_ASSERT_PTR_NULL(arr_grow(w, &huge, huge, 2, 4));
    CU_ASSERT_EQUAL(huge, SIZE_MAX / 2 + 1);
    size_t c8 = 8;
    CU_ASSERT_PTR_NULL(arr_grow(w, &c8, 8, SIZE_MAX / 8, 4));
    CU_ASSERT_EQUAL(c8, 8);
    CU_ASSERT_PTR_NULL(arr_grow(w, &c8, 8, 0, 4)); /* no element size */
    free(w);
}

void suite_lib(void)
{
    UNIT_SUITE("lib", UNIT_TEST(test_buf), UNIT_TEST(test_buf_printf_room),
               UNIT_TEST(test_buf_printf_plain), UNIT_TEST(test_str), UNIT_TEST(test_text_decode),
               UNIT_TEST(test_text_lines), UNIT_TEST(test_afile), UNIT_TEST(test_text_error_line),
               UNIT_TEST(test_afile_sweeps_stale_temps), UNIT_TEST(test_filelock),
               UNIT_TEST(test_re_bounded), UNIT_TEST(test_clock), UNIT_TEST(test_arr_grow));
}
