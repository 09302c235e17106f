/* Benchmark: LogonUser on a machine with 10,000 accounts. Prints the cost
 * of a successful network logon (in memory: no write), of a bad password
 * on a machine with a state directory (the bad-password count is written
 * to sam.txt at once, fsync included), and of building a token with
 * logon_token_for. Measures and prints; fails only on a setup error. */
#include "emulator/logon.h"
#include "emulator/machine.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define USERS 10000

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One batch: one write of the SAM, not one per user. */
static int add_users(struct machine *m)
{
    if (sam_batch_begin(machine_sam(m)) != STATUS_SUCCESS)
        return -1;
    for (int i = 0; i < USERS; i++) {
        char name[21];
        snprintf(name, sizeof name, "user%05d", i);
        if (sam_user_add(machine_sam(m), name, name, machine_now(m), NULL) != STATUS_SUCCESS) {
            sam_batch_cancel(machine_sam(m));
            return -1;
        }
    }
    return sam_batch_end(machine_sam(m)) == STATUS_SUCCESS ? 0 : -1;
}

int main(void)
{
    struct machine *m;
    if (machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "admin", &m) ||
        add_users(m))
        return 2;
    evtlog_set_capacity(machine_evtlog(m), 16); /* in memory: keep the log small */
    struct token sys, t;
    token_system(&sys, machine_os(m), machine_now(m));
    const int N = 20000;
    double t0 = now_us();
    for (int i = 0; i < N; i++) {
        char name[21];
        snprintf(name, sizeof name, "user%05d", i % USERS);
        if (logon_user(m, &sys, NULL, name, name, LOGON_NETWORK, NULL, "bench", &t))
            return 2;
    }
    double ok_us = (now_us() - t0) / N;
    t0 = now_us();
    for (int i = 0; i < N; i++)
        if (logon_token_for(m, NULL, "user00042", LOGON_SERVICE, &t))
            return 2;
    double tok_us = (now_us() - t0) / N;
    machine_free(m);

    char dir[] = "/tmp/ntlab-logon-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char mdir[64];
    snprintf(mdir, sizeof mdir, "%s/m", dir);
    if (machine_init_dir(mdir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "admin", &m) ||
        add_users(m) || machine_save_sam(m))
        return 2;
    const int B = 20;
    t0 = now_us();
    for (int i = 0; i < B; i++)
        if (logon_user(m, &sys, NULL, "user00001", "wrong", LOGON_NETWORK, NULL, "bench", &t) !=
            STATUS_LOGON_FAILURE)
            return 2;
    double bad_ms = (now_us() - t0) / B / 1e3;
    machine_free(m);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 2;
    printf("logon: %d accounts: success %.1f us (in memory), logon_token_for %.1f us, "
           "bad password with durable SAM write %.2f ms\n",
           USERS, ok_us, tok_us, bad_ms);
    return 0;
}
