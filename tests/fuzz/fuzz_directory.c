/* The Exchange mailbox directory reader (exchange_directory_load) on a
 * mailboxes.conf holding arbitrary bytes (issue 14 item 3: containers and
 * custom recipients). A rejected file is named with its line; an accepted
 * one is consistent: every entry is found by container and alias and
 * counted by its alias, resolves as the resolver promises, and what is
 * saved loads to the same entries and saves to the same bytes. */
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char conf_path[PATH_MAX], save_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = fuzz_tmpdir("directory");
    snprintf(conf_path, sizeof conf_path, "%s/%s", dir, EXCHANGE_DIR_FILE);
    snprintf(save_path, sizeof save_path, "%s/saved.conf", dir);
    return 0;
}

static void check_entry(const struct exchange_directory *d, const struct exchange_mailbox *mb)
{
    if (!exchange_alias_valid(mb->alias) || !exchange_container_valid(mb->container))
        fuzz_fail("entry with a bad alias or container was accepted");
    if (exchange_directory_find_in(d, mb->container, mb->alias) != mb)
        fuzz_fail("%s in %s is not found by container and alias", mb->alias, mb->container);
    const struct exchange_mailbox *v[8];
    size_t n = exchange_directory_lookup(d, mb->alias, v, 8);
    if (n == 0)
        fuzz_fail("%s is not counted by its alias", mb->alias);
    bool seen = false;
    for (size_t i = 0; i < n && i < 8; i++)
        seen = seen || v[i] == mb;
    if (n <= 8 && !seen)
        fuzz_fail("%s is missing from its alias's lookup", mb->alias);
    const struct exchange_mailbox *r;
    enum exchange_resolve res = exchange_directory_resolve(d, mb->alias, &r);
    enum exchange_resolve want = n > 1      ? EXCHANGE_RESOLVE_AMBIGUOUS
                                 : mb->custom ? EXCHANGE_RESOLVE_CUSTOM
                                              : EXCHANGE_RESOLVE_MAILBOX;
    if (res != want || (n == 1) != (r == mb))
        fuzz_fail("%s resolves to %d, want %d", mb->alias, (int)res, (int)want);
    if (mb->custom ? !mb->address[0] || mb->owner[0] || mb->has_secret : !mb->owner[0])
        fuzz_fail("%s: a custom recipient with an owner, or a mailbox without", mb->alias);
}

static char *slurp(const char *path, size_t *len)
{
    char *p;
    if (afile_read(path, (size_t)64 << 20, &p, len))
        fuzz_fail("cannot read back %s", path);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(conf_path, data, size);
    struct exchange_directory *d = NULL;
    char err[512] = "";
    int e = exchange_directory_load(conf_path, &d, err, sizeof err);
    if (e) {
        if (e == EINVAL && (strncmp(err, conf_path, strlen(conf_path)) ||
                            err[strlen(conf_path)] != ':'))
            fuzz_fail("error not located in the file: %s", err);
        if (e != EINVAL && e != EFBIG && e != ENOMEM)
            fuzz_fail("unexpected error %d", e);
        return 0;
    }
    size_t n = exchange_directory_count(d);
    for (size_t i = 0; i < n; i++)
        check_entry(d, exchange_directory_at(d, i));
    /* the canonical form: saved, loaded, saved again: the same bytes */
    if (exchange_directory_save(d, save_path))
        fuzz_fail("cannot save");
    struct exchange_directory *d2 = NULL;
    if (exchange_directory_load(save_path, &d2, err, sizeof err))
        fuzz_fail("a saved directory does not load: %s", err);
    if (exchange_directory_count(d2) != n)
        fuzz_fail("saved directory has %zu entries, not %zu", exchange_directory_count(d2), n);
    for (size_t i = 0; i < n; i++) {
        const struct exchange_mailbox *a = exchange_directory_at(d, i);
        const struct exchange_mailbox *b = exchange_directory_at(d2, i);
        if (strcmp(a->alias, b->alias) || strcmp(a->container, b->container) ||
            strcmp(a->owner, b->owner) || a->custom != b->custom ||
            strcmp(a->address, b->address) || a->has_secret != b->has_secret ||
            strcmp(a->apop_secret, b->apop_secret) || !sid_equal(&a->owner_sid, &b->owner_sid))
            fuzz_fail("entry %zu (%s) changed through a save", i, a->alias);
    }
    size_t l1, l2;
    char *s1 = slurp(save_path, &l1);
    if (exchange_directory_save(d2, save_path))
        fuzz_fail("cannot save again");
    char *s2 = slurp(save_path, &l2);
    if (l1 != l2 || memcmp(s1, s2, l1))
        fuzz_fail("a second save wrote other bytes");
    free(s1);
    free(s2);
    exchange_directory_free(d2);
    exchange_directory_free(d);
    return 0;
}
