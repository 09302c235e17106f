/* `ntlab up` (daemon.h): one daemon per lab (the locked pid file), the
 * listeners' assignment to machines, booting, daemonizing with a readiness
 * pipe, the log. */
#include "src/net/daemon.h"
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/net/httpconn.h"
#include "src/net/labwatch.h"
#include "src/net/log.h"
#include "src/net/pop3conn.h"
#include "src/net/smtpconn.h"
#include "src/net/server.h"
#include "src/net/status.h"
#include "src/net/welcome.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WELCOME_FILE "welcome.txt" /* a lab's own words for `up --foreground` */
#define WELCOME_MAX 8192u

static int lab_path(const char *labdir, const char *file, char *out, size_t n)
{
    int k = snprintf(out, n, "%s/%s", labdir, file);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

long daemon_pid(const char *labdir)
{
    char p[PATH_MAX];
    if (lab_path(labdir, CONTROL_PIDFILE, p, sizeof p))
        return 0;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    /* Held by a live daemon? (a lock test, not a take) */
    bool held = plat_lock_held(fd);
    char buf[32] = "";
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (!held || r <= 0)
        return 0;
    buf[r] = 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    int64_t v;
    return str_to_i64(buf, 1, INT32_MAX, &v) ? 0 : (long)v;
}

/* Whether m has a service that runs the Exchange store image. */
static bool has_store(struct machine *m)
{
    for (size_t i = 0; machine_scm(m) && i < scm_count(machine_scm(m)); i++)
        if (str_ieq(scm_at(machine_scm(m), i)->image, EXCHANGE_IMAGE))
            return true;
    return false;
}

int daemon_listen_check(const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '='), *addr = eq ? eq + 1 : spec;
    char why[160];
    if (eq && eq == spec)
        snprintf(why, sizeof why, "no machine name before '='");
    else if (eq && (size_t)(eq - spec) > MACHINE_NAME_MAX + 2)
        snprintf(why, sizeof why, "machine name longer than %d characters", MACHINE_NAME_MAX);
    else if (eq && !*addr)
        snprintf(why, sizeof why, "no ADDR:PORT after '='");
    else if (net_addr_check(addr, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "--listen '%s': %s (expected [NAME=]ADDR:PORT, e.g. 127.0.0.1:1110, "
                          "[::1]:110, EXCHSRV=0.0.0.0:110)", spec, why);
    return EINVAL;
}

/* Which listener serves which machine: NAME=ADDR:PORT names one; a bare
 * ADDR:PORT is the single store's; machines left over get 127.0.0.1:1110,
 * 1111, ... in lab order. */
static int plan_listeners(struct lab *lab, const struct daemon_config *cfg,
                          struct server_listen *ls, size_t *nls, char *err, size_t errlen)
{
    struct machine *stores[LAB_MAX_MACHINES];
    size_t ns = 0;
    for (size_t i = 0; i < lab_machine_count(lab); i++)
        if (has_store(lab_machine_at(lab, i)))
            stores[ns++] = lab_machine_at(lab, i);
    bool assigned[LAB_MAX_MACHINES] = {false};
    *nls = 0;
    for (size_t i = 0; i < cfg->nlisten; i++) {
        const char *spec = cfg->listen[i], *eq = strchr(spec, '=');
        struct machine *m = NULL;
        if (daemon_listen_check(spec, err, errlen)) /* the input's own faults first */
            return EINVAL;
        if (eq) {
            char name[MACHINE_NAME_MAX + 3];
            if (str_copyn(name, sizeof name, spec, (size_t)(eq - spec))) {
                snprintf(err, errlen, "--listen '%s': no such machine", spec);
                return EINVAL;
            }
            const char *nm = name[0] == '\\' && name[1] == '\\' ? name + 2 : name;
            m = lab_machine_find(lab, nm);
            if (!m) {
                snprintf(err, errlen, "--listen '%s': no machine '%s' in this lab", spec, nm);
                return EINVAL;
            }
            spec = eq + 1;
        } else {
            if (ns == 0) {
                snprintf(err, errlen, "--listen '%s': no machine of this lab has an Exchange "
                                      "store (an msexchangeis service)", spec);
                return EINVAL;
            }
            if (ns > 1) {
                snprintf(err, errlen, "--listen '%s': this lab has %zu Exchange stores; name the "
                                      "machine (--listen NAME=ADDR:PORT)", spec, ns);
                return EINVAL;
            }
            m = stores[0];
        }
        size_t k = 0;
        while (k < ns && stores[k] != m)
            k++;
        if (k == ns) {
            snprintf(err, errlen, "--listen: %s has no Exchange store (an msexchangeis service)",
                     machine_name(m));
            return EINVAL;
        }
        if (assigned[k]) {
            snprintf(err, errlen, "--listen: %s is given twice", machine_name(m));
            return EINVAL;
        }
        (void)net_addr_parse(spec, &ls[*nls].addr); /* checked above */
        ls[*nls].kind = &pop3conn_kind;
        ls[*nls].m = m;
        assigned[k] = true;
        (*nls)++;
    }
    unsigned port = NET_DEFAULT_PORT;
    for (size_t k = 0; k < ns; k++) {
        if (assigned[k])
            continue;
        char spec[32];
        snprintf(spec, sizeof spec, "%s:%u", NET_DEFAULT_ADDR, port++);
        (void)net_addr_parse(spec, &ls[*nls].addr);
        ls[*nls].kind = &pop3conn_kind;
        ls[*nls].m = stores[k];
        (*nls)++;
    }
    return 0;
}

static void print_welcome(const char *labdir, const char *shown, const struct server_listen *ls,
                          size_t nls, FILE *f)
{
    char p[PATH_MAX];
    if (lab_path(labdir, WELCOME_FILE, p, sizeof p))
        return;
    FILE *w = fopen(p, "r");
    if (!w)
        return;
    char buf[WELCOME_MAX];
    size_t n = fread(buf, 1, sizeof buf, w);
    fclose(w);
    fputc('\n', f);
    welcome_render(buf, n, shown, ls, nls, f);
}

/* What the user sees once the daemon serves. */
static void ready_text(struct server *srv, const struct daemon_config *cfg, const char *labdir,
                       const struct server_listen *ls, size_t nls, FILE *f)
{
    fprintf(f, "ntlab: serving lab %s (pid %ld)%s\n", labdir, (long)getpid(),
            cfg->foreground ? "; Ctrl-C stops it" : "; 'ntlab down' stops it");
    status_print_listeners(srv, f);
    httpconn_print(srv, f);
    if (cfg->foreground)
        print_welcome(labdir, cfg->labdir_shown ? cfg->labdir_shown : labdir, ls, nls, f);
    fflush(f);
}

/* A daemon whose lab was just deleted or replaced (rm -rf LAB; init; up)
 * lets go of its port within a LABWATCH_INTERVAL_MS: a port in use gets
 * twice that to come free before server_new reports it busy. */
#define PORT_WAIT_MS (2 * LABWATCH_INTERVAL_MS + 500)

static void wait_ports(const struct server_listen *ls, size_t nls, FILE *log)
{
    int64_t waited = 0;
    for (size_t i = 0; i < nls; i++) {
        for (;;) {
            int fd;
            char err[256];
            int e = net_listen_tcp(&ls[i].addr, &fd, err, sizeof err);
            if (e == 0)
                plat_sock_close(fd);
            if (e != EADDRINUSE || waited >= PORT_WAIT_MS)
                break;
            if (waited == 0)
                net_log(log, "%s; waiting up to %d ms for it to come free", err, PORT_WAIT_MS);
            plat_sleep_ms(100);
            waited += 100;
        }
    }
}

/* After a daemon that was killed, the clock in lab.conf may be behind what
 * it logged: start no earlier than the newest event-log record. */
static void clock_after_kill(struct lab *lab, FILE *log)
{
    int64_t moved;
    ntstatus st = lab_clock_not_before_events(lab, &moved);
    if (st)
        net_log(log, "cannot move the lab clock to its last event: %s", nterr_status_symbol(st));
    else if (moved)
        net_log(log, "the last daemon did not stop cleanly: lab clock moved %llds forward to "
                     "its newest event-log record", (long long)moved);
}

/* The daemon proper, in whichever process serves. ready_fd >= 0: the
 * waiting parent's pipe (gets the ready text or the error, then EOF). */
/* Every listener of the lab: each machine's POP3 and SMTP ones (ls[0..*nls)),
 * then the console's (ls[*nls..*nall)). 0, or non-zero with msg said. */
static int plan_all(struct lab *lab, const struct daemon_config *cfg, struct server_listen *ls,
                    size_t *nls, size_t *nall, char *msg, size_t msglen)
{
    if (plan_listeners(lab, cfg, ls, nls, msg, msglen) ||
        smtpconn_plan(lab, cfg, ls, nls, DAEMON_MAX_LISTEN, msg, msglen))
        return -1;
    *nall = *nls;
    if (!cfg->http)
        return 0;
    if (*nall == DAEMON_MAX_LISTEN) {
        snprintf(msg, msglen, "--http: too many listeners (at most %d)", DAEMON_MAX_LISTEN);
        return -1;
    }
    if (httpconn_parse(cfg->http, &ls[*nall].addr, msg, msglen) ||
        httpconn_prepare(lab_dir(lab), msg, msglen))
        return -1;
    ls[*nall].kind = &httpconn_kind;
    ls[(*nall)++].m = NULL;
    return 0;
}

/* The daemon log's lines on what the boot left running. */
static void log_booted(struct lab *lab, FILE *log)
{
    for (size_t i = 0; i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        net_log(log, "%s booted: %s", machine_name(m), machine_running(m) ? "running" : "down");
        for (size_t j = 0; machine_scm(m) && j < scm_count(machine_scm(m)); j++) {
            struct scm_service *svc = scm_at(machine_scm(m), j);
            net_log(log, "%s: service %s %s%s%s", machine_name(m), svc->name,
                    scm_state_name(svc->state), svc->last_error ? ": " : "",
                    svc->last_error && nterr_win32_text(svc->last_error)
                        ? nterr_win32_text(svc->last_error)
                        : "");
        }
    }
}

static int serve(struct lab *lab, const struct daemon_config *cfg, FILE *err, int ready_fd,
                 FILE *log)
{
    const char *labdir = lab_dir(lab);
    char msg[PATH_MAX + 1024] = "", p[PATH_MAX];
    struct filelock lock = {-1};
    struct server *srv = NULL;
    bool wrote_pid = false, lab_lost = false;
    int rc = 1;
    FILE *ready = ready_fd >= 0 ? fdopen(ready_fd, "w") : NULL;
    if (ready_fd >= 0 && !ready)
        close(ready_fd);
    FILE *report = ready ? ready : err;

    int e = lab_path(labdir, CONTROL_PIDFILE, p, sizeof p);
    /* A pid file nobody holds: the last daemon was killed (its clock save
     * may be up to LABWATCH_CLOCK_SAVE_MS old). */
    struct plat_stat pst;
    bool unclean = !e && plat_stat(p, &pst) == 0;
    if (!e)
        e = filelock_acquire(&lock, p, false);
    if (e) {
        long pid = daemon_pid(labdir);
        if (e == EWOULDBLOCK || e == EAGAIN || e == EACCES)
            snprintf(msg, sizeof msg, "a daemon (pid %ld) already serves %s", pid, labdir);
        else
            snprintf(msg, sizeof msg, "cannot lock %s: %s", p, strerror(e));
        goto out;
    }
    char pidtext[32];
    int pl = snprintf(pidtext, sizeof pidtext, "%ld\n", (long)getpid());
    wrote_pid = true;
    if (ftruncate(lock.fd, 0) != 0 || plat_pwrite(lock.fd, pidtext, (size_t)pl, 0) != pl ||
        plat_fsync(lock.fd) != 0) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", p, strerror(errno));
        goto out;
    }

    /* The lab's own time, running: a lab prepared on the virtual clock
     * (accounts, password ages, logs of 1998) behaves live as it did
     * in-process; `clock advance` still works. */
    if (unclean)
        clock_after_kill(lab, log);
    lab_clock_run(lab);
    for (size_t i = 0; i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        e = exchange_register(m);
        if (e) {
            snprintf(msg, sizeof msg, "%s: cannot register the Exchange store image: %s",
                     machine_name(m), e == EIO ? "services.conf is malformed" : strerror(e));
            goto out;
        }
    }
    struct server_listen ls[DAEMON_MAX_LISTEN];
    size_t nls = 0, nall = 0; /* ls[nls..nall): listeners of no machine (the console) */
    if (plan_all(lab, cfg, ls, &nls, &nall, msg, sizeof msg))
        goto out;
    char berr[512] = "";
    ntstatus st = lab_boot_all(lab, berr, sizeof berr);
    if (st != STATUS_SUCCESS) {
        const char *sym = nterr_status_symbol(st);
        snprintf(msg, sizeof msg, "cannot boot the lab: %s", berr[0] ? berr : sym ? sym : "error");
        goto out;
    }
    wait_ports(ls, nall, log);
    if (server_new(lab, cfg, ls, nall, log, &srv, msg, sizeof msg)) {
        lab_shutdown_all(lab);
        goto out;
    }
    log_booted(lab, log);
    ready_text(srv, cfg, labdir, ls, nls, ready ? ready : cfg->out ? cfg->out : stdout);
    if (ready) {
        fclose(ready); /* EOF: the parent returns */
        ready = NULL;
        report = err;
    }
    server_run(srv);
    lab_lost = server_lab_lost(srv);
    server_free(srv);
    srv = NULL;
    if (!lab_lost) {
        lab_shutdown_all(lab); /* 6006 on every machine; state is on disk already */
        /* The next start goes on from here: time never runs back. */
        ntstatus cst = lab_clock_save(lab);
        if (cst) {
            char why[256];
            labwatch_save_error(cst, why, sizeof why);
            net_log(log, "%s", why);
        }
    }
    rc = 0;
out:
    if (msg[0] && report) {
        fprintf(report, "%sntlab: up: %s\n", ready ? "!" : "", msg);
        fflush(report);
    }
    if (ready)
        fclose(ready);
    if (wrote_pid && !lab_lost) /* unlinked while still locked (POSIX): no other daemon raced in */
        filelock_release_remove(&lock, p);
    else
        filelock_release(&lock);
    return rc;
}

/* The waiting parent: copies the daemon's ready text (or error) through. */
static int wait_ready(int fd, FILE *out, FILE *err, long child)
{
    FILE *in = fdopen(fd, "r");
    if (!in) {
        close(fd);
        return 1;
    }
    char line[4096];
    bool failed = false, any = false;
    while (fgets(line, sizeof line, in)) {
        any = true;
        if (line[0] == '!') {
            failed = true;
            fputs(line + 1, err);
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    plat_waitpid(child, NULL); /* the intermediate child exits at once */
    if (!any) {
        fprintf(err, "ntlab: up: the daemon exited before serving (see its log)\n");
        return 1;
    }
    return failed ? 1 : 0;
}

int daemon_up(struct lab *lab, const struct daemon_config *cfg, FILE *err, bool *is_daemon)
{
    *is_daemon = false;
    const char *labdir = lab_dir(lab);
    long pid = daemon_pid(labdir);
    if (pid) {
        fprintf(err, "ntlab: up: a daemon (pid %ld) already serves %s\n", pid, labdir);
        return 1;
    }
    if (cfg->foreground) {
        *is_daemon = true;
        return serve(lab, cfg, err, -1, stderr);
    }
    char logp[PATH_MAX];
    if (lab_path(labdir, DAEMON_LOG, logp, sizeof logp)) {
        fprintf(err, "ntlab: up: lab path too long\n");
        return 1;
    }
    if (!PLAT_HAS_FORK) {
        fprintf(err, "ntlab: up: on Windows the daemon runs in the foreground: add --foreground\n");
        return 1;
    }
    int pfd[2];
    int pe = plat_pipe(pfd);
    if (pe) {
        fprintf(err, "ntlab: up: pipe: %s\n", strerror(pe));
        return 1;
    }
    fflush(NULL);
    long c1 = plat_fork();
    if (c1 < 0) {
        fprintf(err, "ntlab: up: fork: %s\n", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return 1;
    }
    if (c1 > 0) {
        close(pfd[1]);
        return wait_ready(pfd[0], cfg->out ? cfg->out : stdout, err, c1);
    }
    /* First child: a new session, then fork again so the daemon is no
     * session leader and can never regain a controlling terminal. */
    close(pfd[0]);
    *is_daemon = true;
    /* setsid, a second fork, umask 077, stdin/stdout on /dev/null, chdir
     * "/" (the lab path is absolute: the caller made it so). */
    if (plat_detach(-1) != 0)
        _exit(1);
    FILE *log = fopen(logp, "a");
    if (!log) {
        char m[PATH_MAX + 128];
        int k = snprintf(m, sizeof m, "!ntlab: up: cannot open %s: %s\n", logp, strerror(errno));
        if (k > 0 && write(pfd[1], m, (size_t)k < sizeof m ? (size_t)k : sizeof m - 1) < 0) {
            /* the parent sees EOF without a word: it says so */
        }
        close(pfd[1]);
        return 1;
    }
    setvbuf(log, NULL, _IOLBF, 0);
    dup2(fileno(log), 2);
    int rc = serve(lab, cfg, log, pfd[1], log);
    fclose(log);
    return rc;
}
