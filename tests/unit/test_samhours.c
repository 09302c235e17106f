#include "emulator/samhours.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <string.h>

static void set(uint8_t h[21], int day, int from, int to)
{
    for (int x = from; x < to; x++) {
        unsigned bit = (unsigned)(day * 24 + x);
        h[bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
}

static void check_format(const uint8_t h[21], const char *want)
{
    char out[SAM_HOURS_TEXT_MAX];
    CU_ASSERT_EQUAL(sam_hours_format(h, out, sizeof out), strlen(want));
    CU_ASSERT_STRING_EQUAL(out, want);
}

static void test_format(void)
{
    uint8_t h[21] = {0};
    check_format(h, "");
    set(h, 1, 8, 18);
    check_format(h, "Mon 8-18");
    set(h, 0, 0, 24);
    set(h, 6, 23, 24);
    set(h, 3, 0, 1);
    set(h, 3, 5, 7);
    check_format(h, "Sun 0-24,Mon 8-18,Wed 0-1,Wed 5-7,Sat 23-24");
    CU_ASSERT_FALSE(sam_hours_all(h));
    memset(h, 0xff, sizeof h);
    CU_ASSERT_TRUE(sam_hours_all(h));
    check_format(h, "Sun 0-24,Mon 0-24,Tue 0-24,Wed 0-24,Thu 0-24,Fri 0-24,Sat 0-24");
}

/* The longest text (every other hour) fits SAM_HOURS_TEXT_MAX; a short
 * buffer is cut, NUL-terminated, and the full length still returned. */
static void test_format_cut(void)
{
    uint8_t h[21];
    memset(h, 0x55, sizeof h); /* hours 0, 2, 4, ... every day */
    char out[SAM_HOURS_TEXT_MAX];
    size_t n = sam_hours_format(h, out, sizeof out);
    CU_ASSERT(n < sizeof out);
    CU_ASSERT_EQUAL(n, strlen(out));
    CU_ASSERT_EQUAL(strncmp(out, "Sun 0-1,Sun 2-3,", 16), 0);
    uint8_t back[21] = {0}; /* the longest text reads back (the console records it) */
    CU_ASSERT_EQUAL(sam_hours_parse(out, back), 0);
    CU_ASSERT_EQUAL(memcmp(back, h, sizeof h), 0);
    char small[12];
    memset(small, 'x', sizeof small);
    CU_ASSERT_EQUAL(sam_hours_format(h, small, sizeof small), n);
    CU_ASSERT_STRING_EQUAL(small, "Sun 0-1,Sun");
    char one[1] = {'x'};
    CU_ASSERT_EQUAL(sam_hours_format(h, one, 1), n);
    CU_ASSERT_EQUAL(one[0], 0);
}

static void check_parse(const char *spec, const char *want)
{
    uint8_t h[21];
    memset(h, 0xaa, sizeof h);
    CU_ASSERT_EQUAL_FATAL(sam_hours_parse(spec, h), 0);
    char out[SAM_HOURS_TEXT_MAX];
    sam_hours_format(h, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, want);
}

static void test_parse(void)
{
    uint8_t h[21] = {0};
    CU_ASSERT_EQUAL(sam_hours_parse("all", h), 0);
    CU_ASSERT_TRUE(sam_hours_all(h));
    CU_ASSERT_EQUAL(sam_hours_parse("ALL", h), 0);
    CU_ASSERT_TRUE(sam_hours_all(h));
    check_parse("none", "");
    check_parse("None", "");
    check_parse("", "");
    check_parse(",,", "");
    check_parse("Mon 8-18", "Mon 8-18");
    check_parse("Sun 0-24,Mon 8-18", "Sun 0-24,Mon 8-18");
    check_parse("  mon-WED   9-17 , sat 0-1,", "Mon 9-17,Tue 9-17,Wed 9-17,Sat 0-1");
    check_parse("Fri-Mon 22-24", "Sun 22-24,Mon 22-24,Fri 22-24,Sat 22-24");
    check_parse("Mon 8-12,Mon 10-14", "Mon 8-14");
    check_parse("Tue 0-1,,Tue 1-2", "Tue 0-2");
}

/* Every malformed spec is refused and leaves the hours as they were. */
static void test_parse_bad(void)
{
    static const char *const bad[] = {
        "always", "Mon", "Mon8-18", "Mon\t8-18", "Mon 8", "Mon 8-", "Mon -18", "Mon 18-8",
        "Mon 8-8", "Mon 0-25", "Mon -1-5", "Mon 8 - 18", "Mon 8-18x", "Mon x-18",
        "Monday 8-18", "Mo 8-18", "Xyz 8-18", "Mon- 8-18", "-Mon 8-18", "Mon-Xyz 8-18",
        "Mon-Tue-Wed 8-18", " , Mon 8-18", "Mon 8-18,Tue", "all,Mon 8-18", "none ",
        "Mon 99999999999999999999-1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t h[21];
        memset(h, 0x5a, sizeof h);
        CU_ASSERT_EQUAL(sam_hours_parse(bad[i], h), EINVAL);
        for (int k = 0; k < 21; k++)
            CU_ASSERT_EQUAL(h[k], 0x5a);
    }
    /* SAM_HOURS_TEXT_MAX - 1 bytes parse; one more is over the bound even
     * when well formed. */
    char spec[SAM_HOURS_TEXT_MAX + 16];
    memset(spec, ' ', SAM_HOURS_TEXT_MAX - 9);
    strcpy(spec + SAM_HOURS_TEXT_MAX - 9, "Mon 8-18");
    uint8_t h[21] = {0};
    CU_ASSERT_EQUAL(strlen(spec), SAM_HOURS_TEXT_MAX - 1);
    CU_ASSERT_EQUAL(sam_hours_parse(spec, h), 0);
    CU_ASSERT_EQUAL(h[4], 0xff); /* bits 32..39: Mon 8-16 */
    memset(spec, ' ', SAM_HOURS_TEXT_MAX - 8);
    strcpy(spec + SAM_HOURS_TEXT_MAX - 8, "Mon 8-18");
    memset(h, 0, sizeof h);
    CU_ASSERT_EQUAL(sam_hours_parse(spec, h), EINVAL);
    CU_ASSERT_EQUAL(h[4], 0);
}

void suite_samhours(void)
{
    UNIT_SUITE("samhours", UNIT_TEST(test_format), UNIT_TEST(test_format_cut),
               UNIT_TEST(test_parse), UNIT_TEST(test_parse_bad));
}
