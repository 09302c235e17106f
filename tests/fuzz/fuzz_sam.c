/* The SAM reader (sam_load) on a file holding arbitrary bytes. An accepted
 * SAM must be consistent: every user is found by its name and its RID,
 * membership expansion works for each, and what sam_save writes loads
 * again and saves to the same bytes (one canonical form). A user added to
 * it survives the same round trip. */
#include "emulator/sam.h"
#include "src/lib/afile.h"
#include "tests/fuzz/fuzz.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char in_path[PATH_MAX], out1[PATH_MAX], out2[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *d = fuzz_tmpdir("sam");
    snprintf(in_path, sizeof in_path, "%s/in.txt", d);
    snprintf(out1, sizeof out1, "%s/out1.txt", d);
    snprintf(out2, sizeof out2, "%s/out2.txt", d);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    char *p;
    if (afile_read(path, (size_t)64 << 20, &p, len))
        fuzz_fail("cannot read back %s", path);
    return p;
}

static void check_consistent(const struct sam *s)
{
    size_t nu = sam_user_count(s);
    for (size_t i = 0; i < nu; i++) {
        const struct sam_user *u = sam_user_at(s, i);
        if (sam_user_find(s, u->name) != u)
            fuzz_fail("user %s is not found by name", u->name);
        if (sam_user_by_rid(s, u->rid) != u)
            fuzz_fail("user %s is not found by RID %u", u->name, u->rid);
        struct sid sid, got, groups[64];
        sam_user_sid(s, u, &sid);
        bool is_group = true;
        if (!sam_lookup_name(s, u->name, &got, &is_group) || is_group || !sid_equal(&sid, &got))
            fuzz_fail("lookup of user %s disagrees", u->name);
        size_t n = 0;
        ntstatus st = sam_memberships(s, &sid, 1, groups, 64, &n);
        if (st != STATUS_SUCCESS && st != STATUS_NO_MEMORY)
            fuzz_fail("sam_memberships: 0x%08x", (unsigned)st);
    }
    size_t ng = sam_group_count(s);
    for (size_t i = 0; i < ng; i++) {
        const struct sam_group *g = sam_group_at(s, i);
        if (sam_group_find(s, g->name) != g || sam_group_by_sid(s, &g->sid) != g)
            fuzz_fail("group %s is not found by name or SID", g->name);
        for (size_t m = 1; m < g->nmembers; m++)
            if (sid_compare(&g->members[m - 1], &g->members[m]) >= 0)
                fuzz_fail("members of %s are not sorted and unique", g->name);
    }
}

static void round_trip(const struct sam *s)
{
    char err[512];
    ntstatus st = sam_save(s, out1);
    if (st != STATUS_SUCCESS)
        fuzz_fail("sam_save: 0x%08x", (unsigned)st);
    struct sam *back = NULL;
    st = sam_load(out1, &back, err, sizeof err);
    if (st != STATUS_SUCCESS)
        fuzz_fail("saved SAM does not load (0x%08x): %s", (unsigned)st, err);
    if (sam_user_count(back) != sam_user_count(s) || sam_group_count(back) != sam_group_count(s))
        fuzz_fail("saved SAM has other counts");
    st = sam_save(back, out2);
    if (st != STATUS_SUCCESS)
        fuzz_fail("sam_save: 0x%08x", (unsigned)st);
    size_t l1, l2;
    char *a = slurp(out1, &l1), *b = slurp(out2, &l2);
    if (l1 != l2 || memcmp(a, b, l1) != 0)
        fuzz_fail("sam_save is not canonical\n--- first:\n%s\n--- second:\n%s", a, b);
    free(a);
    free(b);
    sam_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    fuzz_write_file(in_path, data, size);
    struct sam *s = NULL;
    char err[512];
    err[0] = 0;
    ntstatus st = sam_load(in_path, &s, err, sizeof err);
    if (st != STATUS_SUCCESS) {
        if (s)
            fuzz_fail("sam_load failed but returned a SAM");
        if (st == STATUS_INTERNAL_DB_CORRUPTION && strncmp(err, in_path, strlen(in_path)) != 0)
            fuzz_fail("error not located: \"%s\"", err);
        if (st != STATUS_INTERNAL_DB_CORRUPTION && st != STATUS_NO_MEMORY)
            fuzz_fail("sam_load returned 0x%08x: %s", (unsigned)st, err);
        return 0;
    }
    check_consistent(s);
    round_trip(s);
    /* a change on top of a loaded SAM behaves like one on a fresh SAM */
    uint32_t rid = 0;
    st = sam_user_add(s, "fuzzuser", "pw", 899283600, &rid);
    if (st == STATUS_SUCCESS) {
        if (!sam_user_find(s, "FUZZUSER") || sam_user_by_rid(s, rid) != sam_user_find(s, "fuzzuser"))
            fuzz_fail("added user is not found");
        check_consistent(s);
        round_trip(s);
        if (sam_user_del(s, "fuzzuser") != STATUS_SUCCESS || sam_user_find(s, "fuzzuser"))
            fuzz_fail("added user cannot be deleted");
        check_consistent(s);
    } else if (st != STATUS_USER_EXISTS && st != STATUS_GROUP_EXISTS && st != STATUS_NO_MEMORY &&
               st != STATUS_INVALID_PARAMETER) {
        fuzz_fail("sam_user_add: 0x%08x", (unsigned)st);
    }
    sam_free(s);
    return 0;
}
