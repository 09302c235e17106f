/* LSA scale benchmark: a 100,000-account policy.inf is loaded and queried.
 * Prints the figures beside the targets; it measures and never fails on a
 * figure (only on a setup error). KEEP=1 keeps the generated policy.inf. */
#include "emulator/lsa.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ACCOUNTS 100000
#define QUERIES 10000000L
#define RUNS 5

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Account i holds right (i % 26) (a privilege) and, every third one,
 * SeBatchLogonRight too: ~133,000 grants on 27 lines. */
static int generate(const char *path)
{
    struct buf b = BUF_INIT;
    int rc = buf_puts(&b, "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\n"
                          "Revision=1\r\n[System Access]\r\nMaximumPasswordAge = 42\r\n"
                          "[Privilege Rights]\r\n");
    for (unsigned r = 0; r < 26 && !rc; r++) {
        rc = buf_printf(&b, "%s = *S-1-1-0", rights_at(r)->name);
        for (unsigned i = r; i < ACCOUNTS && !rc; i += 26)
            rc = buf_printf(&b, ",*S-1-5-21-1004336348-1177238915-682003330-%u", 1000 + i);
        if (!rc)
            rc = buf_puts(&b, "\r\n");
    }
    if (!rc)
        rc = buf_puts(&b, "SeBatchLogonRight = *S-1-5-32-544");
    for (unsigned i = 0; i < ACCOUNTS && !rc; i += 3)
        rc = buf_printf(&b, ",*S-1-5-21-1004336348-1177238915-682003330-%u", 1000 + i);
    if (!rc)
        rc = buf_puts(&b, "\r\n");
    if (!rc)
        rc = afile_write(path, b.p, b.len, 0600);
    printf("policy.inf: %zu bytes\n", b.len);
    buf_free(&b);
    return rc;
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    char dir[512], path[600], lockp[620];
    snprintf(dir, sizeof dir, "%s/lsa-bench-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/policy.inf", dir);
    snprintf(lockp, sizeof lockp, "%s.lock", path);
    if (generate(path)) {
        fprintf(stderr, "lsa_bench: cannot write %s\n", path);
        return 1;
    }

    double t[RUNS];
    struct lsa *l = NULL;
    char err[512];
    for (int i = 0; i < RUNS; i++) {
        lsa_free(l);
        double t0 = now_ms();
        ntstatus st = lsa_load(path, OSVER_W2K, NULL, &l, err, sizeof err);
        t[i] = now_ms() - t0;
        if (st != STATUS_SUCCESS) {
            fprintf(stderr, "lsa_bench: load: 0x%08X %s\n", st, err);
            return 1;
        }
    }
    double first = t[0];
    qsort(t, RUNS, sizeof t[0], cmp_double);
    printf("lsa_load of %zu accounts: first %.1f ms, median %.1f ms (target < 200 ms)\n",
           lsa_account_count(l), first, t[RUNS / 2]);

    /* A token's SIDs: the user, Everyone, Users, Authenticated Users, a
     * domain group. The user varies so that lookups spread over the table. */
    struct sid tok[5];
    sid_parse("S-1-5-21-1004336348-1177238915-682003330-1000", &tok[0], NULL);
    tok[1] = *sid_wellknown(SID_WK_EVERYONE);
    tok[2] = *sid_wellknown(SID_WK_USERS);
    tok[3] = *sid_wellknown(SID_WK_AUTHENTICATED_USERS);
    sid_parse("S-1-5-21-1004336348-1177238915-682003330-513", &tok[4], NULL);
    rights_mask sink = 0;
    double t0 = now_ms();
    for (long q = 0; q < QUERIES; q++) {
        tok[0].sub[4] = 1000 + (uint32_t)(q % ACCOUNTS);
        sink ^= lsa_effective_rights(l, tok, 5);
    }
    double ms = now_ms() - t0;
    printf("lsa_effective_rights (5 SIDs) x %ld: %.1f ms, %.0f checks/s (target > 1,000,000/s)%s\n",
           QUERIES, ms, QUERIES / (ms / 1e3), sink == 1 ? " " : "");

    /* One durable grant on the big policy (lock, stat, serialize, write). */
    struct lsa_handle h;
    lsa_open_policy(l, sid_wellknown(SID_WK_ADMINISTRATORS), 1, POLICY_ALL_ACCESS, &h);
    const char *tcb[] = {"SeTcbPrivilege"};
    t0 = now_ms();
    ntstatus st = lsa_add_account_rights(&h, &tok[4], tcb, 1);
    printf("one durable lsa_add_account_rights on it: %.1f ms (status 0x%08X)\n", now_ms() - t0, st);

    lsa_free(l);
    if (getenv("KEEP")) printf("kept %s\n", path); else unlink(path);
    unlink(lockp);
    rmdir(dir);
    return 0;
}
