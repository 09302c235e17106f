/* The one reader of the lab's section / key = value files (issue 13 item
 * 7): items in order, comments per syntax, quoting, each error with its
 * "PATH:LINE: problem", raw vs decoded text, bounds. */
#include "src/lib/afile.h"
#include "src/lib/kvfile.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct kvfile_syntax sectioned = {
    .comments = "#;",
    .sections = true,
    .quoted = true,
    .bad_text = "bad text (",
    .bad_text_end = ")",
    .no_equals = "expected KEY = VALUE",
    .bad_header = "header without ']'",
    .outside = "setting outside a section",
};

static const struct kvfile_syntax flat_raw = {
    .comments = "#",
    .raw = true,
    .line_max = 8,
    .no_equals = "expected key = value",
};

static char path[4200];

static const char *put(const char *dir, const char *data, size_t len)
{
    snprintf(path, sizeof path, "%s/f.conf", dir);
    CU_ASSERT_FATAL(afile_write(path, data, len, 0600) == 0);
    return path;
}

static void test_items(void)
{
    const char *dir = unit_tmpdir();
    static const char text[] = "# c\r\n; c\r\n\r\n[ Svc ]\r\nKey = \" v \"\r\n  k2=plain  \r\n";
    const char *p = put(dir, text, sizeof text - 1);
    char err[4400];
    struct kvfile f;
    CU_ASSERT_FATAL(kvfile_open(&f, p, 1024, &sectioned, err, sizeof err) == 0);
    struct kvfile_item it;
    CU_ASSERT(kvfile_next(&f, &it) == 0);
    CU_ASSERT(it.kind == KVFILE_SECTION && it.line == 4);
    CU_ASSERT_STRING_EQUAL(it.name, " Svc "); /* as written: the format judges it */
    CU_ASSERT(kvfile_next(&f, &it) == 0);
    CU_ASSERT(it.kind == KVFILE_PAIR && it.line == 5);
    CU_ASSERT_STRING_EQUAL(it.key, "Key");
    CU_ASSERT_STRING_EQUAL(it.value, " v ");
    CU_ASSERT(kvfile_next(&f, &it) == 0);
    CU_ASSERT(it.kind == KVFILE_PAIR && it.line == 6);
    CU_ASSERT_STRING_EQUAL(it.key, "k2");
    CU_ASSERT_STRING_EQUAL(it.value, "plain");
    CU_ASSERT(kvfile_next(&f, &it) == 0);
    CU_ASSERT(it.kind == KVFILE_END);
    CU_ASSERT(kvfile_lines(&f) == 6);
    CU_ASSERT(kvfile_next(&f, &it) == 0 && it.kind == KVFILE_END); /* stays at the end */
    kvfile_close(&f);
    unit_rmtree(dir);
}

static void expect_bad(const struct kvfile_syntax *syn, const char *data, size_t len, int rc,
                       const char *want)
{
    const char *dir = unit_tmpdir();
    const char *p = put(dir, data, len);
    char err[4400] = "", expect[4400];
    snprintf(expect, sizeof expect, "%s%s", p, want);
    struct kvfile f;
    int got = kvfile_open(&f, p, 64, syn, err, sizeof err);
    struct kvfile_item it = {.kind = KVFILE_PAIR};
    while (!got && it.kind != KVFILE_END)
        got = kvfile_next(&f, &it);
    kvfile_close(&f);
    CU_ASSERT_EQUAL(got, rc);
    if (strcmp(err, expect))
        fprintf(stderr, "\n  got '%s', want '%s'\n", err, expect);
    CU_ASSERT_STRING_EQUAL(err, expect);
    unit_rmtree(dir);
}

static void test_errors(void)
{
    expect_bad(&sectioned, "junk\n", 5, EINVAL, ":1: expected KEY = VALUE");
    expect_bad(&sectioned, "\na = b\n", 7, EINVAL, ":2: setting outside a section");
    expect_bad(&sectioned, "[a\n", 3, EINVAL, ":1: header without ']'");
    expect_bad(&sectioned, "[\n", 2, EINVAL, ":1: header without ']'");
    expect_bad(&sectioned, "[a]\nk = \"open\n", 14, EINVAL, ":2: broken quoted value");
    expect_bad(&sectioned, "[a]\nk = \"x\" y\n", 14, EINVAL, ":2: broken quoted value");
    expect_bad(&sectioned, "[a]\n\nk\xff = 1\n", 11, EILSEQ, ":3: bad text (invalid UTF-8)");
    expect_bad(&sectioned, "[a]\nk\0 = 1\n", 11, EILSEQ, ":2: bad text (NUL byte)");
    expect_bad(&sectioned,
               "[a]\n"
               "0123456789012345678901234567890123456789"
               "0123456789012345678901234567890123456789\n",
               85, EFBIG, ": file too large");
    /* a raw syntax: no decoding, a NUL at its line, the line bound, ';' is
     * no comment there, and no sections */
    expect_bad(&flat_raw, "a = 1\n\nb\0 = 2\n", 14, EILSEQ, ":3: NUL byte in line");
    expect_bad(&flat_raw, "a = 123456\n", 11, EINVAL, ":1: line longer than 8 bytes");
    expect_bad(&flat_raw, "; c\n", 4, EINVAL, ":1: expected key = value");
    expect_bad(&flat_raw, "[a]\n", 4, EINVAL, ":1: expected key = value");
    /* a missing file: ENOENT, named */
    char err[4400];
    struct kvfile f;
    CU_ASSERT(kvfile_open(&f, "/nonexistent/f.conf", 64, &flat_raw, err, sizeof err) == ENOENT);
    kvfile_close(&f);
    CU_ASSERT(strncmp(err, "/nonexistent/f.conf: ", 21) == 0);
}

static void test_raw_and_fail(void)
{
    const char *dir = unit_tmpdir();
    const char *p = put(dir, "k=caf\xc3\xa9\n", 8);
    char err[4400];
    struct kvfile f;
    CU_ASSERT_FATAL(kvfile_open(&f, p, 64, &flat_raw, err, sizeof err) == 0);
    struct kvfile_item it;
    CU_ASSERT_FATAL(kvfile_next(&f, &it) == 0 && it.kind == KVFILE_PAIR);
    CU_ASSERT_STRING_EQUAL(it.value, "caf\xc3\xa9");
    /* the caller's own complaint: same shape, control bytes shown as '?' */
    CU_ASSERT(kvfile_fail(&f, 1, "bad %s", "x\ty") == EINVAL);
    char want[4400];
    snprintf(want, sizeof want, "%s:1: bad x?y", p);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT(kvfile_fail(&f, 0, "whole file") == EINVAL);
    snprintf(want, sizeof want, "%s: whole file", p);
    CU_ASSERT_STRING_EQUAL(err, want);
    kvfile_close(&f);
    /* UTF-16 with BOM is text too */
    static const char u16[] = "\xff\xfe[\0a\0]\0\n\0k\0=\0v\0\n\0";
    p = put(dir, u16, sizeof u16 - 1);
    CU_ASSERT_FATAL(kvfile_open(&f, p, 64, &sectioned, err, sizeof err) == 0);
    CU_ASSERT_FATAL(kvfile_next(&f, &it) == 0 && it.kind == KVFILE_SECTION);
    CU_ASSERT_STRING_EQUAL(it.name, "a");
    CU_ASSERT_FATAL(kvfile_next(&f, &it) == 0 && it.kind == KVFILE_PAIR);
    CU_ASSERT_STRING_EQUAL(it.value, "v");
    kvfile_close(&f);
    unit_rmtree(dir);
}

void suite_kvfile(void)
{
    UNIT_SUITE("kvfile", UNIT_TEST(test_items), UNIT_TEST(test_errors),
               UNIT_TEST(test_raw_and_fail));
}
