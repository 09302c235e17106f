/* SID strings: sid_parse must accept or refuse any bytes without UB, and an
 * accepted SID must format to a string that parses back to the same SID and
 * formats identically (the canonical form policy.inf and sam.txt use). */
#include "emulator/sid.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    struct sid a;
    const char *why = NULL;
    int rc = sid_parse(s, &a, &why);
    if (rc == 0) {
        if (a.revision != 1 || a.count > SID_MAX_SUBAUTH || a.authority >> 48)
            fuzz_fail("sid_parse accepted an impossible SID from \"%s\"", s);
        char f1[SID_STR_MAX], f2[SID_STR_MAX];
        if (sid_format(&a, f1, sizeof f1))
            fuzz_fail("sid_format failed for \"%s\"", s);
        struct sid b;
        if (sid_parse(f1, &b, &why))
            fuzz_fail("formatted SID \"%s\" does not parse: %s", f1, why ? why : "?");
        if (!sid_equal(&a, &b) || sid_compare(&a, &b) != 0 || sid_hash(&a) != sid_hash(&b))
            fuzz_fail("\"%s\" -> \"%s\" parses to another SID", s, f1);
        if (sid_format(&b, f2, sizeof f2) || strcmp(f1, f2) != 0)
            fuzz_fail("format not canonical: \"%s\" vs \"%s\"", f1, f2);
        /* the well-known lookups must cope with any SID */
        const char *wk = sid_wellknown_name(&a);
        if (wk) {
            struct sid c;
            if (!sid_wellknown_lookup(wk, &c) || !sid_equal(&a, &c))
                fuzz_fail("well-known name %s of %s does not map back", wk, f1);
        }
        (void)sid_is_builtin_alias(&a);
        /* formatting into a short buffer must fail cleanly, not overflow */
        char small[8];
        int r = sid_format(&a, small, sizeof small);
        if (r != 0 && r != E2BIG)
            fuzz_fail("sid_format into 8 bytes returned %d", r);
    } else if (rc != EINVAL || !why) {
        fuzz_fail("sid_parse(\"%s\") returned %d without a reason", s, rc);
    }
    /* the textual lookups take the same hostile strings */
    struct sid w;
    (void)sid_wellknown_lookup(s, &w);
    free(s);
    return 0;
}
