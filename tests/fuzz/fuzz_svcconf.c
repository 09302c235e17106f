/* The services.conf reader (scm_attach) on a file holding arbitrary bytes.
 * A rejected file is named with its line; an accepted one is consistent:
 * every service is found by its name, starting each one ends (no loop
 * through dependencies) in a documented result, and what the SCM writes
 * back loads to the same configuration and writes the same bytes again. */
#include "emulator/machine_int.h" /* white-box: an in-memory event log, for speed */
#include "emulator/scm.h"
#include "src/lib/afile.h"
#include "tests/fuzz/fuzz.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct machine *m;
static char conf_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/m", fuzz_tmpdir("svcconf"));
    if (machine_init_dir(dir, "FUZZ", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &m))
        fuzz_fail("machine_init_dir");
    /* the service logons audit; keep those records in memory only */
    evtlog_free(machine_evtlog(m));
    if (evtlog_open(NULL, machine_name(m), &m->evtlog) || evtlog_set_capacity(m->evtlog, 64))
        fuzz_fail("evtlog_open");
    snprintf(conf_path, sizeof conf_path, "%s/services.conf", dir);
    return 0;
}

static char *slurp(size_t *len)
{
    char *p;
    if (afile_read(conf_path, (size_t)64 << 20, &p, len))
        fuzz_fail("cannot read back services.conf");
    return p;
}

static void reattach(void)
{
    scm_detach(m);
    char err[512];
    if (scm_attach(m, err, sizeof err) != STATUS_SUCCESS)
        fuzz_fail("services.conf written by the SCM does not load: %s", err);
}

static bool same_config(const struct scm_service *a, const struct scm_service *b)
{
    if (strcmp(a->name, b->name) || strcmp(a->display, b->display) ||
        strcmp(a->image, b->image) || strcmp(a->account, b->account) ||
        strcmp(a->password, b->password) || a->start != b->start || a->ndeps != b->ndeps)
        return false;
    for (size_t i = 0; i < a->ndeps; i++)
        if (strcmp(a->deps[i], b->deps[i]))
            return false;
    return true;
}

static bool known_start_result(uint32_t e)
{
    switch (e) {
    case ERROR_SUCCESS:
    case ERROR_SERVICE_ALREADY_RUNNING:
    case ERROR_SERVICE_DISABLED:
    case ERROR_SERVICE_DEPENDENCY_FAIL:
    case ERROR_SERVICE_DEPENDENCY_DELETED:
    case ERROR_SERVICE_LOGON_FAILED:
    case ERROR_FILE_NOT_FOUND: /* an image nobody registered */
        return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(conf_path, data, size);
    scm_detach(m);
    char err[512] = "";
    ntstatus st = scm_attach(m, err, sizeof err);
    if (st != STATUS_SUCCESS) {
        if (st != STATUS_INTERNAL_DB_CORRUPTION && st != STATUS_NO_MEMORY)
            fuzz_fail("scm_attach: unexpected status 0x%08x", (unsigned)st);
        if (st == STATUS_INTERNAL_DB_CORRUPTION &&
            (strncmp(err, conf_path, strlen(conf_path)) || err[strlen(conf_path)] != ':'))
            fuzz_fail("error not located in the file: %s", err);
        if (machine_scm(m))
            fuzz_fail("a failed attach left an SCM behind");
        return 0;
    }
    size_t n = scm_count(machine_scm(m));
    for (size_t i = 0; i < n; i++) {
        struct scm_service *s = scm_at(machine_scm(m), i);
        if (scm_find(machine_scm(m), s->name) != s)
            fuzz_fail("service %s is not found by name", s->name);
        if (s->ndeps > SCM_MAX_DEPS || strlen(s->name) > SCM_NAME_MAX)
            fuzz_fail("service %s exceeds the bounds", s->name);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t e = scm_start(m, scm_at(machine_scm(m), i)->name);
        if (!known_start_result(e))
            fuzz_fail("start of %s gave %u", scm_at(machine_scm(m), i)->name, (unsigned)e);
    }
    scm_stop_all(m);
    for (size_t i = 0; i < n; i++)
        if (scm_at(machine_scm(m), i)->state != SCM_STOPPED)
            fuzz_fail("service %s still runs after stop_all", scm_at(machine_scm(m), i)->name);
    if (n == 0)
        return 0;

    /* the canonical form: an unchanged config change rewrites the file */
    struct scm_service *copy = malloc(n * sizeof *copy);
    if (!copy)
        return 0;
    for (size_t i = 0; i < n; i++)
        copy[i] = *scm_at(machine_scm(m), i);
    struct scm_config none = {0};
    uint32_t e = scm_change_config(m, copy[0].name, &none);
    if (e != ERROR_SUCCESS)
        fuzz_fail("rewriting services.conf failed: %u", (unsigned)e);
    size_t l1, l2;
    char *first = slurp(&l1);
    reattach();
    if (scm_count(machine_scm(m)) != n)
        fuzz_fail("written file holds %zu services, not %zu", scm_count(machine_scm(m)), n);
    for (size_t i = 0; i < n; i++)
        if (!same_config(&copy[i], scm_at(machine_scm(m), i)))
            fuzz_fail("service %s changed in the round trip", copy[i].name);
    e = scm_change_config(m, copy[0].name, &none);
    if (e != ERROR_SUCCESS)
        fuzz_fail("second rewrite failed: %u", (unsigned)e);
    char *second = slurp(&l2);
    if (l1 != l2 || memcmp(first, second, l1))
        fuzz_fail("services.conf is not written in one canonical form");
    free(first);
    free(second);
    free(copy);
    return 0;
}
