/* Benchmark: reboot of a machine with 50 services and 10,000 accounts, in
 * process, against the 5 ms target of issue 3 (scenario suites reboot
 * thousands of times). Measures and prints; never fails on a figure (only
 * on a setup error). Two runs: every service as LocalSystem, and the same
 * with 5 services under an account (each a service logon with its
 * Security-log audit, fsynced). */
#include "emulator/lsa.h"
#include "emulator/machine.h"
#include "emulator/scm.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define USERS 10000
#define SERVICES 50
#define REBOOTS 1000
#define TARGET_MS 5.0

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "reboot_bench: %s%s%s\n", what, detail && *detail ? ": " : "",
            detail ? detail : "");
    return 2;
}

/* Builds the machine in dir; `accounts` services run as .\svcN. */
static int setup(const char *dir, int accounts, struct machine **out)
{
    struct machine *m;
    if (machine_init_dir(dir, "BENCH", OSVER_NT4, ROLE_STANDALONE, NULL, "Adm1n!", &m))
        return fail("machine_init_dir", dir);
    int64_t now = machine_now(m);
    if (sam_batch_begin(machine_sam(m))) /* one SAM write for all accounts */
        return fail("sam_batch_begin", NULL);
    for (int i = 0; i < USERS; i++) {
        char name[21];
        snprintf(name, sizeof name, "user%05d", i);
        if (sam_user_add(machine_sam(m), name, name, now, NULL))
            return fail("sam_user_add", name);
    }
    struct lsa_handle h;
    if (lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h))
        return fail("lsa_open_policy", NULL);
    for (int i = 0; i < accounts; i++) {
        char name[21];
        snprintf(name, sizeof name, "svc%d", i);
        if (sam_user_add(machine_sam(m), name, "pw", now, NULL))
            return fail("sam_user_add", name);
        struct sid sid;
        sam_user_sid(machine_sam(m), sam_user_find(machine_sam(m), name), &sid);
        const char *r[1] = {"SeServiceLogonRight"};
        if (lsa_add_account_rights(&h, &sid, r, 1))
            return fail("lsa_add_account_rights", name);
    }
    lsa_close(&h);
    if (sam_batch_end(machine_sam(m)))
        return fail("sam_batch_end", NULL);
    char err[256];
    if (scm_attach(m, err, sizeof err))
        return fail("scm_attach", err);
    for (int i = 0; i < SERVICES; i++) {
        char name[16], dep[16], account[24];
        snprintf(name, sizeof name, "Svc%02d", i);
        snprintf(dep, sizeof dep, "Svc%02d", i - 1);
        snprintf(account, sizeof account, ".\\svc%d", i);
        const char *deps[1] = {dep};
        struct scm_config c = {0};
        c.name = name;
        c.start = SCM_AUTO;
        /* chains of five: every service but the first of a chain depends on
         * the one before it */
        c.set_deps = true;
        c.deps = deps;
        c.ndeps = i % 5 ? 1 : 0;
        if (i < accounts) {
            c.account = account;
            c.password = "pw";
        }
        if (scm_add(m, &c))
            return fail("scm_add", name);
    }
    if (machine_boot(m, err, sizeof err))
        return fail("machine_boot", err);
    for (int i = 0; i < SERVICES; i++)
        if (scm_at(machine_scm(m), (size_t)i)->state != SCM_RUNNING)
            return fail("service did not start", scm_at(machine_scm(m), (size_t)i)->name);
    *out = m;
    return 0;
}

/* What one fdatasync of a small append costs on this disk right now: a
 * reboot syncs the System and Security logs once each, so on a loaded or
 * slow disk this, not the CPU, sets the figure. */
static double sync_cost_ms(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/sync-probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return -1;
    double t = now_ms();
    int n = 0;
    for (; n < 100; n++)
        if (write(fd, "probe line of about the size of an event record\n", 49) != 49 ||
            fdatasync(fd))
            break;
    t = now_ms() - t;
    close(fd);
    unlink(path);
    return n ? t / n : -1;
}

static int run(int accounts)
{
    char dir[] = "/tmp/ntlab-reboot-bench-XXXXXX";
    if (!mkdtemp(dir))
        return fail("mkdtemp", NULL);
    struct machine *m = NULL;
    int rc = setup(dir, accounts, &m);
    if (rc)
        return rc;
    double *t = malloc(REBOOTS * sizeof *t);
    if (!t)
        return fail("out of memory", NULL);
    char err[256];
    double cpu = cpu_ms();
    double total = now_ms();
    for (int i = 0; i < REBOOTS; i++) {
        double t0 = now_ms();
        if (machine_reboot(m, err, sizeof err))
            return fail("machine_reboot", err);
        t[i] = now_ms() - t0;
    }
    total = now_ms() - total;
    cpu = cpu_ms() - cpu;
    for (int i = 0; i < SERVICES; i++)
        if (scm_at(machine_scm(m), (size_t)i)->state != SCM_RUNNING)
            return fail("service not running after the reboots", NULL);
    qsort(t, REBOOTS, sizeof *t, cmp_double);
    double mean = total / REBOOTS;
    printf("reboot: %d services (%d under an account), %d accounts: %.3f ms per reboot "
           "(median %.3f, p99 %.3f, max %.3f; %d reboots) - target %.1f ms: %s\n"
           "        CPU (user+system) %.3f ms per reboot; one fdatasync on this disk now: "
           "%.3f ms (a reboot syncs the System log, and the Security log when a service "
           "logs on)\n",
           SERVICES, accounts, USERS, mean, t[REBOOTS / 2], t[REBOOTS * 99 / 100],
           t[REBOOTS - 1], REBOOTS, TARGET_MS, mean < TARGET_MS ? "met" : "NOT met",
           cpu / REBOOTS, sync_cost_ms(dir));
    free(t);
    machine_shutdown(m);
    machine_free(m);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "reboot_bench: could not remove %s\n", dir);
    return 0;
}

int main(void)
{
    int rc = run(0);
    if (!rc)
        rc = run(5);
    return rc;
}
