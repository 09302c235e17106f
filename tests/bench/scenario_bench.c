/* Benchmark of the scenario runner (issue 5): the founding scenario
 * in-process against its 5 ms target, and 1,000 scenario runs through
 * `ntlab run -j 2` against the 10 s target on a 2-core machine. Measures
 * and prints; never fails on a figure (only when the scenario does not
 * pass or cannot be read).
 * Usage: scenario_bench [SCENARIO.scn] [RUNS]   (from the repository root) */
#include "emulator/lab.h"
#include "src/cli/cli.h"
#include "src/scenario/scenario.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define IN_PROCESS_RUNS 300
#define POOL_RUNS 1000
#define TARGET_ONE_MS 5.0
#define TARGET_POOL_S 10.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the waited-for children (the -j workers). */
static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Admin steps as `ntlab run` runs them in-process (src/cli/cmd_run.c). */
static int admin(void *arg, struct lab *lab, const char *labdir, int argc, char **argv, FILE *out)
{
    (void)arg;
    struct cli_ctx c = {.labdir = labdir, .lab = lab, .live = true, .out = out, .err = out};
    char *rest[SCN_MAX_ARGS + 1];
    int n = 0;
    for (int i = 0; i < argc && n < SCN_MAX_ARGS; i++) {
        if (strcmp(argv[i], "--machine") == 0 && i + 1 < argc)
            c.machine = argv[++i];
        else
            rest[n++] = argv[i];
    }
    rest[n] = NULL;
    return cli_dispatch(&c, n, rest);
}

static int pool_runs(const char *path, int runs, int workers, double *secs, double *cpu)
{
    char **argv = calloc((size_t)runs + 4, sizeof *argv);
    if (!argv)
        return -1;
    char jobs[16];
    snprintf(jobs, sizeof jobs, "%d", workers);
    int argc = 0;
    argv[argc++] = "run";
    argv[argc++] = "-j";
    argv[argc++] = jobs;
    for (int i = 0; i < runs; i++)
        argv[argc++] = (char *)path;
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) {
        free(argv);
        return -1;
    }
    struct cli_ctx ctx = {.labdir = ".", .out = devnull, .err = stderr};
    double t0 = now_s(), c0 = cpu_s() + children_cpu_s();
    int rc = cli_dispatch(&ctx, argc, argv);
    *secs = now_s() - t0;
    *cpu = cpu_s() + children_cpu_s() - c0;
    fclose(devnull);
    free(argv);
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "tests/scenarios/q189732.scn";
    int runs = argc > 2 ? atoi(argv[2]) : POOL_RUNS;
    if (runs < 1)
        runs = POOL_RUNS;
    char err[1024];
    struct scn *s;
    double t0 = now_s();
    if (scn_parse_file(path, NULL, &s, err, sizeof err)) {
        fprintf(stderr, "scenario_bench: %s\n", err);
        return 1;
    }
    double parse_ms = (now_s() - t0) * 1e3;
    size_t nsteps = s->nsteps;
    scn_free(s);

    /* In-process, one scenario at a time: parse + fresh lab + run + cleanup. */
    struct scn_admin adm = {admin, NULL};
    struct scn_run_opts o = {.admin = &adm};
    double *ms = calloc(IN_PROCESS_RUNS, sizeof *ms);
    double *run_ms = calloc(IN_PROCESS_RUNS, sizeof *run_ms);
    double *cpu_ms = calloc(IN_PROCESS_RUNS, sizeof *cpu_ms);
    if (!ms || !run_ms || !cpu_ms)
        return 1;
    for (int i = 0; i < IN_PROCESS_RUNS; i++) {
        double a = now_s(), ca = cpu_s();
        if (scn_parse_file(path, NULL, &s, err, sizeof err)) {
            fprintf(stderr, "scenario_bench: %s\n", err);
            return 1;
        }
        struct scn_result r;
        scn_run(s, &o, &r);
        ms[i] = (now_s() - a) * 1e3;
        cpu_ms[i] = (cpu_s() - ca) * 1e3;
        run_ms[i] = r.seconds * 1e3;
        if (r.status != SCN_PASS) {
            fprintf(stderr, "scenario_bench: %s does not pass: %s: %s\n%s", path,
                    r.where ? r.where : "", r.message ? r.message : "", r.diff ? r.diff : "");
            return 1;
        }
        scn_result_free(&r);
        scn_free(s);
    }
    qsort(ms, IN_PROCESS_RUNS, sizeof *ms, cmp_double);
    qsort(run_ms, IN_PROCESS_RUNS, sizeof *run_ms, cmp_double);
    qsort(cpu_ms, IN_PROCESS_RUNS, sizeof *cpu_ms, cmp_double);
    double load[1] = {0};
    if (getloadavg(load, 1) < 1)
        load[0] = -1;
    printf("scenario %s: %zu steps, parsed in %.3f ms\n", path, nsteps, parse_ms);
    printf("  in-process, %d runs (parse + fresh lab in %s + run + cleanup):\n", IN_PROCESS_RUNS,
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "$TMPDIR");
    printf("    median %.2f ms, p90 %.2f ms, min %.2f ms, max %.2f ms   (target < %.0f ms: %s)\n",
           ms[IN_PROCESS_RUNS / 2], ms[IN_PROCESS_RUNS * 9 / 10], ms[0], ms[IN_PROCESS_RUNS - 1],
           TARGET_ONE_MS, ms[IN_PROCESS_RUNS / 2] < TARGET_ONE_MS ? "met" : "NOT met");
    printf("    of which scn_run: median %.2f ms; CPU time: median %.2f ms, min %.2f ms\n",
           run_ms[IN_PROCESS_RUNS / 2], cpu_ms[IN_PROCESS_RUNS / 2], cpu_ms[0]);
    printf("    (load average %.2f: wall times above the CPU times mean other processes "
           "had the CPUs)\n", load[0]);
    free(ms);
    free(run_ms);
    free(cpu_ms);

    /* Through the command line, in worker processes. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (int workers = 2; workers >= 1; workers--) {
        double secs, cpu;
        int rc = pool_runs(path, runs, workers, &secs, &cpu);
        if (rc != 0) {
            fprintf(stderr, "scenario_bench: ntlab run -j %d failed (exit %d)\n", workers, rc);
            return 1;
        }
        printf("  ntlab run -j %d, %d runs on %ld CPUs: %.2f s (%.2f ms a scenario, %.0f/s; "
               "CPU %.2f s)%s\n",
               workers, runs, cpus, secs, secs * 1e3 / runs, runs / secs, cpu,
               workers == 2 ? (secs < TARGET_POOL_S ? "   (target < 10 s: met)"
                                                    : "   (target < 10 s: NOT met)")
                            : "");
    }
    return 0;
}
