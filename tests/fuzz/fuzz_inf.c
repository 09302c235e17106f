/* The security-template reader (inf_parse) and the LSA policy loader built
 * on it (lsa_load_mem), fed arbitrary bytes.
 *
 * Properties beyond "no UB": a rejected template says where ("NAME:LINE:"
 * or "NAME:"); an accepted one written by inf_write parses again, and
 * writing that gives the same bytes (the writer's form is canonical, so a
 * policy file diffs cleanly); lsa_load_mem agrees with inf_parse on whether
 * the template is acceptable. */
#include "emulator/inf.h"
#include "emulator/lsa.h"
#include "src/lib/buf.h"
#include "tests/fuzz/fuzz.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>

static char policy_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(policy_path, sizeof policy_path, "%s/policy.inf", fuzz_tmpdir("inf"));
    return 0;
}

/* Small bounds, so that the limits' own checks are reached by short inputs. */
static const struct inf_limits small = {.max_file = 1u << 16, .max_line = 512, .max_entries = 64};

static void check_err(const char *err, ntstatus st)
{
    if (strncmp(err, "fuzz.inf:", 9) != 0)
        fuzz_fail("inf_parse status 0x%08x without a located message: \"%s\"", (unsigned)st, err);
}

static void round_trip(struct inf *doc, enum osver os)
{
    struct buf w1 = BUF_INIT, w2 = BUF_INIT;
    char err[512];
    if (inf_write(doc, &w1))
        fuzz_fail("inf_write: out of memory");
    struct inf again;
    ntstatus st = inf_parse("fuzz.inf", w1.p, w1.len, os, NULL, &again, err, sizeof err);
    if (st != STATUS_SUCCESS)
        fuzz_fail("written template does not parse (0x%08x): %s\n--- written:\n%s", (unsigned)st,
                  err, w1.p);
    if (inf_write(&again, &w2))
        fuzz_fail("inf_write: out of memory");
    if (w1.len != w2.len || memcmp(w1.p, w2.p, w1.len) != 0)
        fuzz_fail("inf_write is not canonical\n--- first:\n%s\n--- second:\n%s", w1.p, w2.p);
    inf_free(&again);
    buf_free(&w1);
    buf_free(&w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum osver oses[] = {OSVER_NT4, OSVER_W2K, OSVER_XP};
    enum osver os = oses[size % 3];
    const char *text = (const char *)data;
    char err[512];

    struct inf doc;
    err[0] = 0;
    ntstatus st = inf_parse("fuzz.inf", text, size, os, NULL, &doc, err, sizeof err);
    if (st == STATUS_SUCCESS) {
        round_trip(&doc, os);
        inf_free(&doc);
    } else if (st == STATUS_INTERNAL_DB_CORRUPTION || st == STATUS_NO_SUCH_PRIVILEGE) {
        check_err(err, st);
        if (doc.ngrants || doc.nsections || doc.n_sa_extra)
            fuzz_fail("a failed inf_parse left a non-empty document");
    } else if (st != STATUS_NO_MEMORY) {
        fuzz_fail("inf_parse returned unexpected status 0x%08x", (unsigned)st);
    }

    /* the same input under tight limits */
    struct inf lim;
    ntstatus st2 = inf_parse("fuzz.inf", text, size, os, &small, &lim, err, sizeof err);
    if (st2 == STATUS_SUCCESS) {
        if (st != STATUS_SUCCESS)
            fuzz_fail("accepted under tight limits but not under the defaults");
        inf_free(&lim);
    }

    struct lsa *l = NULL;
    ntstatus st3 = lsa_load_mem("fuzz.inf", text, size, os, NULL, &l, err, sizeof err);
    if (st3 == STATUS_SUCCESS) {
        if (st != STATUS_SUCCESS)
            fuzz_fail("lsa_load_mem accepted what inf_parse refused (0x%08x)", (unsigned)st);
        /* the durable writer and the file loader agree with the reader */
        size_t n = lsa_account_count(l);
        ntstatus sv = lsa_save_as(l, policy_path);
        if (sv != STATUS_SUCCESS)
            fuzz_fail("lsa_save_as failed: 0x%08x", (unsigned)sv);
        struct lsa *back = NULL;
        ntstatus ld = lsa_load(policy_path, os, NULL, &back, err, sizeof err);
        if (ld != STATUS_SUCCESS)
            fuzz_fail("saved policy does not load (0x%08x): %s", (unsigned)ld, err);
        if (lsa_account_count(back) != n)
            fuzz_fail("saved policy has %zu accounts, not %zu", lsa_account_count(back), n);
        lsa_free(back);
        lsa_free(l);
    } else if (st == STATUS_SUCCESS && st3 != STATUS_NO_MEMORY) {
        fuzz_fail("lsa_load_mem refused (0x%08x: %s) what inf_parse accepted", (unsigned)st3, err);
    }
    return 0;
}
