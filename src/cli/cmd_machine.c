#define _GNU_SOURCE /* strptime, timegm */
/* ntlab machine / boot / shutdown / reboot / service / clock / eventlog:
 * the emulated machines, their service control managers, the lab clock and
 * the event logs. */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/exchange/exchange.h"
#include "emulator/query.h"
#include "src/net/drift.h"
#include "src/net/statusfmt.h"
#include "src/pop3/persona.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int win32_fail(struct cli_ctx *ctx, const char *what, const char *name, uint32_t code)
{
    char text[512];
    nterr_describe(code, text, sizeof text);
    return cli_error(ctx, CLI_FAIL, "%s %s: %s", what, name, text);
}

static int status_fail(struct cli_ctx *ctx, const char *what, const char *name, ntstatus st,
                       const char *detail)
{
    if (detail && *detail)
        return cli_error(ctx, CLI_FAIL, "%s %s: %s", what, name, detail);
    return win32_fail(ctx, what, name, nterr_to_win32(st));
}

/* --- machine ---------------------------------------------------------------- */

static void services_summary(struct cli_ctx *ctx, struct machine *m);
static bool logged_only(ntstatus st);
static int log_fail(struct cli_ctx *ctx, const char *verb, const char *name, ntstatus st,
                    const char *detail);

static void machine_line(struct cli_ctx *ctx, const struct machine *m)
{
    struct query_machine q;
    query_machine(m, &q);
    fprintf(ctx->out, "%-15s %-10s %-14s %-15s %s\n", q.name, machine_role_name(q.role),
            osver_display(q.os), q.domain[0] ? q.domain : "-", q.running ? "running" : "down");
}

/* --role, and whether it was given: machine add needs one. */
struct given_role {
    enum machine_role role;
    bool given;
};

static int machine_role_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                            const char *val)
{
    struct given_role *r = o->to;
    if (!machine_role_parse(val, &r->role))
        return cli_error(ctx, CLI_USAGE, "%s: unknown --role '%s' (pdc, bdc, member, standalone)",
                         what, val);
    r->given = true;
    return CLI_OK;
}

static int machine_os_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                          const char *val)
{
    if (!osver_parse(val, o->to))
        return cli_error(ctx, CLI_USAGE, "%s: unknown --os '%s' (nt4, w2k, xp)", what, val);
    return CLI_OK;
}

/* machine promote NAME / machine demote NAME [--admin-password P]: dcpromo
 * on Windows 2000 (lab.h: lab_machine_promote/demote). */
static int machine_role_change(struct cli_ctx *ctx, struct lab *lab, int argc, char **argv)
{
    bool promote = strcmp(argv[1], "promote") == 0;
    const char *name = NULL, *adminpw = "Admin1";
    const struct args_opt opts[] = {ARGS_OPT_STR("--admin-password", &adminpw)};
    struct args_words names = {.v = &name, .max = 1};
    const struct args_spec spec = {.what = promote ? "machine promote" : "machine demote",
                                   .opts = opts, .nopts = promote ? 0 : ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &names};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    if (!name)
        return cli_error(ctx, CLI_USAGE, promote ? "usage: ntlab machine promote NAME"
                                                 : "usage: ntlab machine demote NAME "
                                                   "[--admin-password P]");
    char err[512] = "";
    ntstatus st = promote ? lab_machine_promote(lab, name, err, sizeof err)
                          : lab_machine_demote(lab, name, adminpw, err, sizeof err);
    struct machine *m = lab_machine_find(lab, name);
    if (st != STATUS_SUCCESS && !(m && logged_only(st)))
        return status_fail(ctx, promote ? "machine promote" : "machine demote", name, st, err);
    fprintf(ctx->out, "%s ", promote ? "promoted" : "demoted");
    machine_line(ctx, m);
    if (st != STATUS_SUCCESS)
        return log_fail(ctx, promote ? "machine promote" : "machine demote", name, st, err);
    if (machine_running(m))
        services_summary(ctx, m);
    return CLI_OK;
}

int cmd_machine(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab machine add|list ...");
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    if (strcmp(argv[1], "list") == 0) {
        if (argc != 2)
            return cli_error(ctx, CLI_USAGE, "usage: ntlab machine list");
        fprintf(ctx->out, "%-15s %-10s %-14s %-15s %s\n", "NAME", "ROLE", "OS", "DOMAIN", "STATE");
        for (size_t i = 0; i < lab_machine_count(lab); i++)
            machine_line(ctx, lab_machine_at(lab, i));
        return CLI_OK;
    }
    if (strcmp(argv[1], "promote") == 0 || strcmp(argv[1], "demote") == 0)
        return machine_role_change(ctx, lab, argc, argv);
    if (strcmp(argv[1], "add") != 0)
        return cli_error(ctx, CLI_USAGE,
                         "machine: unknown subcommand '%s' (add, list, promote, demote)", argv[1]);
    const char *name = NULL, *domain = NULL, *adminpw = "Admin1", *persona = NULL;
    enum osver os = OSVER_NT4;
    struct given_role r = {ROLE_STANDALONE, false};
    const struct args_opt opts[] = {
        ARGS_OPT_CALL("--role", &r, machine_role_opt),
        ARGS_OPT_CALL("--os", &os, machine_os_opt),
        ARGS_OPT_STR("--domain", &domain),
        ARGS_OPT_STR("--admin-password", &adminpw),
        ARGS_OPT_STR("--persona", &persona),
    };
    struct args_words names = {.v = &name, .max = 1};
    const struct args_spec spec = {.what = "machine add", .opts = opts,
                                   .nopts = ARGS_COUNT(opts), .word = args_words,
                                   .word_to = &names};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    enum machine_role role = r.role;
    bool have_role = r.given;
    if (!name || !have_role)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab machine add NAME --role pdc|bdc|member|"
                                         "standalone --os nt4|w2k|xp [--domain D]");
    if (os == OSVER_XP && (role == ROLE_PDC || role == ROLE_BDC))
        return cli_error(ctx, CLI_USAGE, "machine add: Windows XP cannot be a domain controller");
    if (persona) {
        /* The POP3 persona of the machine's Exchange store: built in, or
         * LAB/personas/NAME.persona. Checked now rather than at the store's start. */
        char pdir[4200], perr[512] = "";
        snprintf(pdir, sizeof pdir, "%s/personas", lab_dir(lab));
        struct persona *p = NULL;
        if (strlen(persona) > EXCHANGE_PERSONA_MAX ||
            persona_find(persona, pdir, &p, perr, sizeof perr) != 0)
            return cli_error(ctx, CLI_USAGE, "machine add: unknown --persona '%s'%s%s", persona,
                             perr[0] ? ": " : "", perr);
        persona_free(p);
    }
    struct machine *m;
    ntstatus st = lab_machine_add(lab, name, role, os, domain, adminpw, &m);
    if (st == STATUS_OBJECT_NAME_COLLISION)
        return cli_error(ctx, CLI_FAIL, "machine add: '%s'%s%s already exists", name,
                         role == ROLE_PDC ? " or domain " : "", role == ROLE_PDC ? domain : "");
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        return cli_error(ctx, CLI_FAIL, "machine add: no domain '%s' in this lab (add its PDC first)",
                         domain ? domain : "");
    if (st == STATUS_INVALID_PARAMETER)
        return cli_error(ctx, CLI_USAGE,
                         "machine add: bad name '%s' or role/domain combination (a standalone "
                         "server has no domain; pdc, bdc and member need --domain)",
                         name);
    if (st != STATUS_SUCCESS)
        return status_fail(ctx, "machine add", name, st, NULL);
    if (persona) {
        st = nterr_from_errno(exchange_set_persona(m, persona));
        if (st != STATUS_SUCCESS)
            return status_fail(ctx, "machine add: cannot save the persona of", name, st, NULL);
    }
    fprintf(ctx->out, "created ");
    machine_line(ctx, m);
    return CLI_OK;
}

/* --- boot / shutdown / reboot -------------------------------------------- */

static void services_summary(struct cli_ctx *ctx, struct machine *m)
{
    struct query_service *s = malloc(sizeof *s);
    for (size_t i = 0; s && i < query_service_count(m); i++) {
        if (query_service_at(m, i, s) != STATUS_SUCCESS)
            continue;
        if (s->start != SCM_AUTO && s->state != SCM_RUNNING)
            continue;
        fprintf(ctx->out, "  %-20s %s", s->name, scm_state_name(s->state));
        if (s->state != SCM_RUNNING && s->last_error) {
            char text[512];
            nterr_describe(s->last_error, text, sizeof text);
            fprintf(ctx->out, " (%s)", text);
        }
        fputc('\n', ctx->out);
    }
    free(s);
}

/* The statuses of an operation that happened but whose events were lost
 * (machine_boot): a full event log or an I/O error writing it. */
static bool logged_only(ntstatus st)
{
    return st == STATUS_LOG_FILE_FULL || st == STATUS_IO_DEVICE_ERROR;
}

/* Not silent, and not a success: "ntlab: boot EXCHSRV: The System log file
 * is full. (1502 ERROR_LOG_FILE_FULL: The event log file is full.)" */
static int log_fail(struct cli_ctx *ctx, const char *verb, const char *name, ntstatus st,
                    const char *detail)
{
    char text[512];
    nterr_describe(nterr_to_win32(st), text, sizeof text);
    if (detail && *detail)
        return cli_error(ctx, CLI_FAIL, "%s %s: %s (%s)", verb, name, detail, text);
    return cli_error(ctx, CLI_FAIL, "%s %s: the event log lost events (%s)", verb, name, text);
}

int cmd_boot(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argv[0];
    if (argc != 1)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab %s [--machine M]", verb);
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    char err[512] = "";
    ntstatus logst = STATUS_SUCCESS;
    if (!ctx->machine) {
        if (strcmp(verb, "shutdown") == 0) {
            lab_shutdown_all(lab);
        } else {
            if (strcmp(verb, "reboot") == 0)
                lab_shutdown_all(lab);
            ntstatus st = lab_boot_all(lab, err, sizeof err);
            if (st != STATUS_SUCCESS && !logged_only(st))
                return status_fail(ctx, verb, "the lab", st, err);
            if (st != STATUS_SUCCESS)
                logst = st;
        }
        for (size_t i = 0; i < lab_machine_count(lab); i++) {
            struct machine *m = lab_machine_at(lab, i);
            fprintf(ctx->out, "%s: %s\n", machine_name(m), machine_running(m) ? "running" : "down");
            services_summary(ctx, m);
        }
        return logst ? log_fail(ctx, verb, "the lab", logst, err) : CLI_OK;
    }
    struct machine *m = cli_machine(ctx);
    if (!m)
        return CLI_FAIL;
    ntstatus st;
    if (strcmp(verb, "boot") == 0)
        st = machine_boot(m, err, sizeof err);
    else if (strcmp(verb, "shutdown") == 0)
        st = machine_shutdown(m);
    else
        st = machine_reboot(m, err, sizeof err);
    /* the machine is up (or down) but its event log lost the events */
    bool booted = strcmp(verb, "shutdown") == 0 ? !machine_running(m) : machine_running(m);
    if (st != STATUS_SUCCESS && !(booted && logged_only(st)))
        return status_fail(ctx, verb, machine_name(m), st, err);
    fprintf(ctx->out, "%s: %s\n", machine_name(m), machine_running(m) ? "running" : "down");
    services_summary(ctx, m);
    return st ? log_fail(ctx, verb, machine_name(m), st, err) : CLI_OK;
}

/* --- service ------------------------------------------------------------------ */

static int service_list(struct cli_ctx *ctx, struct machine *m, bool tokens)
{
    fprintf(ctx->out, "%-20s %-8s %-8s %-14s %s\n", "SERVICE", "STATE", "START", "IMAGE", "ACCOUNT");
    struct query_service *s = malloc(sizeof *s);
    if (!s)
        return cli_error(ctx, CLI_FAIL, "service list: out of memory");
    for (size_t i = 0; i < query_service_count(m); i++) {
        if (query_service_at(m, i, s) != STATUS_SUCCESS)
            continue;
        fprintf(ctx->out, "%-20s %-8s %-8s %-14s %s\n", s->name, scm_state_name(s->state),
                scm_start_type_name(s->start), s->image, s->account);
        if (tokens && s->has_token) {
            fprintf(ctx->out, "  token of %s\\%s:\n", s->token.domain, s->token.user);
            status_print_privileges(ctx->out, &s->token, machine_os(m), "    ");
            drift_print_token(ctx->out, &s->token, "  ");
            if (strcmp(s->image, EXCHANGE_IMAGE) == 0)
                status_print_credcache(ctx->out, m, "  ");
        }
    }
    free(s);
    return CLI_OK;
}

static int service_list_usage(struct cli_ctx *ctx, const char *what, void *to, const char *word)
{
    (void)what;
    (void)to;
    (void)word;
    return cli_error(ctx, CLI_USAGE, "usage: ntlab service list [--tokens]");
}

static int service_unexpected(struct cli_ctx *ctx, const char *what, void *to, const char *word)
{
    (void)to;
    return cli_error(ctx, CLI_USAGE, "%s: unexpected '%s'", what, word);
}

static int service_start_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                             const char *val)
{
    if (!scm_start_type_parse(val, o->to))
        return cli_error(ctx, CLI_USAGE, "%s: bad --start '%s' (auto, demand, disabled)", what,
                         val);
    return CLI_OK;
}

/* --depends, once per dependency: into deps, the array behind cfg->deps. */
struct service_deps {
    struct scm_config *cfg;
    const char **deps;
};

static int service_depends_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                               const char *val)
{
    struct service_deps *d = o->to;
    if (d->cfg->ndeps == SCM_MAX_DEPS)
        return cli_error(ctx, CLI_USAGE, "%s: at most %d dependencies", what, SCM_MAX_DEPS);
    d->cfg->set_deps = true;
    d->deps[d->cfg->ndeps++] = val;
    return CLI_OK;
}

int cmd_service(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab service list|start|stop|restart|add|config|delete ...");
    struct machine *m = cli_machine(ctx);
    if (!m)
        return CLI_FAIL;
    char err[512] = "";
    if (!machine_scm(m)) {
        ntstatus st = scm_attach(m, err, sizeof err);
        if (st != STATUS_SUCCESS)
            return status_fail(ctx, "services of", machine_name(m), st, err);
    }
    const char *sub = argv[1];
    if (strcmp(sub, "list") == 0) {
        bool tokens = false;
        const struct args_opt opts[] = {ARGS_OPT_FLAG("--tokens", &tokens)};
        const struct args_spec spec = {.what = "service list", .opts = opts,
                                       .nopts = ARGS_COUNT(opts), .word = service_list_usage,
                                       .unknown_is_word = true};
        int e = args_parse(ctx, &spec, argc, argv, 2);
        return e != CLI_OK ? e : service_list(ctx, m, tokens);
    }
    if (argc < 3)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab service %s NAME", sub);
    const char *name = argv[2];
    uint32_t rc;
    if (strcmp(sub, "start") == 0 || strcmp(sub, "stop") == 0 || strcmp(sub, "restart") == 0 ||
        strcmp(sub, "delete") == 0) {
        if (argc != 3)
            return cli_error(ctx, CLI_USAGE, "usage: ntlab service %s NAME", sub);
        if (sub[0] == 'd')
            rc = scm_delete(m, name);
        else if (strcmp(sub, "start") == 0)
            rc = scm_start(m, name);
        else if (strcmp(sub, "stop") == 0)
            rc = scm_stop(m, name);
        else
            rc = scm_restart(m, name);
        if (rc != ERROR_SUCCESS)
            return win32_fail(ctx, sub, name, rc);
        struct scm_service *s = sub[0] == 'd' ? NULL : scm_find(machine_scm(m), name);
        fprintf(ctx->out, "%s: %s\n", name, s ? scm_state_name(s->state) : "deleted");
        return CLI_OK;
    }
    if (strcmp(sub, "add") != 0 && strcmp(sub, "config") != 0)
        return cli_error(ctx, CLI_USAGE, "service: unknown subcommand '%s'", sub);
    struct scm_config cfg = {.name = name};
    const char *deps[SCM_MAX_DEPS];
    struct service_deps d = {&cfg, deps};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--image", &cfg.image),
        ARGS_OPT_STR("--account", &cfg.account),
        ARGS_OPT_STR("--password", &cfg.password),
        ARGS_OPT_STR("--display", &cfg.display),
        ARGS_OPT_CALL("--start", &cfg.start, service_start_opt),
        ARGS_OPT_CALL("--depends", &d, service_depends_opt),
    };
    char what[32];
    snprintf(what, sizeof what, "service %s", sub);
    const struct args_spec spec = {.what = what, .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = service_unexpected};
    int e = args_parse(ctx, &spec, argc, argv, 3);
    if (e != CLI_OK)
        return e;
    cfg.deps = deps;
    struct sid sid;
    char guess[300];
    /* LocalSystem and the like resolve through the SCM; only a name that
     * resolves once a backslash is put back gets the shell hint. */
    if (cfg.account && machine_resolve(m, cfg.account, &sid) != STATUS_SUCCESS &&
        cli_eaten_account(m, cfg.account, guess, sizeof guess))
        return cli_error(ctx, CLI_FAIL, "service %s: no account '%s'; did the shell eat a "
                                        "backslash? quote it: '%s'", sub, cfg.account, guess);
    rc = sub[0] == 'a' ? scm_add(m, &cfg) : scm_change_config(m, name, &cfg);
    if (rc != ERROR_SUCCESS)
        return win32_fail(ctx, sub[0] == 'a' ? "cannot add service" : "cannot configure service",
                          name, rc);
    fprintf(ctx->out, "service %s %s\n", name, sub[0] == 'a' ? "added" : "configured");
    return CLI_OK;
}

/* --- clock ----------------------------------------------------------------------- */

static void print_time(struct cli_ctx *ctx, int64_t t, bool virt)
{
    char buf[64];
    time_t tt = (time_t)t;
    struct tm tm;
    plat_gmtime(&tt, &tm);
    strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(ctx->out, "%s (%s clock, %lld)\n", buf, virt ? "virtual" : "wall", (long long)t);
}

int cmd_clock(struct cli_ctx *ctx, int argc, char **argv)
{
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    const char *sub = argc > 1 ? argv[1] : "show";
    ntstatus st;
    if (strcmp(sub, "show") == 0 && argc <= 2) {
        print_time(ctx, lab_clock_now(lab), lab_clock_is_virtual(lab));
        return CLI_OK;
    }
    if (strcmp(sub, "advance") == 0 && argc == 3) {
        int64_t d;
        if (str_to_duration(argv[2], &d))
            return cli_error(ctx, CLI_USAGE, "clock advance: bad duration '%s' (e.g. 90s, 30m, 2h, 7d)", argv[2]);
        if (!lab_clock_is_virtual(lab))
            return cli_error(ctx, CLI_FAIL, "clock advance: this lab runs on wall time");
        st = lab_clock_advance(lab, d);
    } else if (strcmp(sub, "set") == 0 && (argc == 3 || argc == 4)) {
        char when[64];
        snprintf(when, sizeof when, "%s%s%s", argv[2], argc == 4 ? " " : "", argc == 4 ? argv[3] : "");
        struct tm tm = {0};
        const char *end = plat_strptime(when, "%Y-%m-%d", &tm);
        if (end && (*end == ' ' || *end == 'T')) {
            const char *e2 = plat_strptime(end + 1, "%H:%M:%S", &tm);
            end = e2 ? e2 : plat_strptime(end + 1, "%H:%M", &tm);
        }
        int64_t t;
        if (!end || *end) {
            if (str_to_i64(when, 0, INT64_MAX / 2, &t))
                return cli_error(ctx, CLI_USAGE, "clock set: bad time '%s' (YYYY-MM-DD[ HH:MM[:SS]] UTC, or seconds)", when);
        } else {
            t = (int64_t)plat_timegm(&tm);
        }
        st = lab_clock_set(lab, t);
    } else {
        return cli_error(ctx, CLI_USAGE, "usage: ntlab clock show | set YYYY-MM-DD[ HH:MM[:SS]] | advance DURATION");
    }
    if (st != STATUS_SUCCESS)
        return status_fail(ctx, "clock", sub, st, NULL);
    print_time(ctx, lab_clock_now(lab), lab_clock_is_virtual(lab));
    return CLI_OK;
}

/* --- eventlog ---------------------------------------------------------------------- */

/* The log --log chose; all until one is chosen. */
struct eventlog_choice {
    enum evtlog_which which;
    bool all;
};

static int eventlog_log_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                            const char *val)
{
    struct eventlog_choice *c = o->to;
    if (evtlog_parse_name(val, &c->which))
        return cli_error(ctx, CLI_USAGE, "%s: unknown log '%s' (system, application, security)",
                         what, val);
    c->all = false;
    return CLI_OK;
}

static int eventlog_since_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                              const char *val)
{
    if (str_to_i64(val, 0, UINT32_MAX, o->to))
        return cli_error(ctx, CLI_USAGE, "%s: bad --since '%s' (a record number)", what, val);
    return CLI_OK;
}

static int eventlog_usage(struct cli_ctx *ctx, const char *what, void *to, const char *word)
{
    (void)what;
    (void)to;
    (void)word;
    return cli_error(ctx, CLI_USAGE,
                     "usage: ntlab eventlog [--log system|application|security] [--since N]");
}

int cmd_eventlog(struct cli_ctx *ctx, int argc, char **argv)
{
    struct eventlog_choice c = {EVTLOG_SYSTEM, true};
    int64_t since = 0;
    const struct args_opt opts[] = {
        ARGS_OPT_CALL("--log", &c, eventlog_log_opt),
        ARGS_OPT_CALL("--since", &since, eventlog_since_opt),
    };
    const struct args_spec spec = {.what = "eventlog", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = eventlog_usage};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc != CLI_OK)
        return rc;
    enum evtlog_which which = c.which;
    bool all = c.all;
    struct machine *m = cli_machine(ctx);
    if (!m)
        return CLI_FAIL;
    /* a page of records at a time, from the emulator's copies */
    enum { PAGE = 32 };
    struct evtlog_record *page = malloc(PAGE * sizeof *page);
    if (!page)
        return cli_error(ctx, CLI_FAIL, "eventlog: out of memory");
    for (int w = 0; w < EVTLOG_COUNT; w++) {
        if (!all && (enum evtlog_which)w != which)
            continue;
        uint32_t after = since > 0 ? (since >= UINT32_MAX ? UINT32_MAX : (uint32_t)since) : 0;
        size_t n;
        ntstatus st;
        while ((st = query_events(m, (enum evtlog_which)w, after, page, PAGE, &n)) ==
                   STATUS_SUCCESS &&
               n) {
            for (size_t i = 0; i < n; i++) {
                char line[EVTLOG_TEXT_MAX + 512];
                evtlog_format(&page[i], line, sizeof line);
                fprintf(ctx->out, "%s%s%s\n", all ? evtlog_name((enum evtlog_which)w) : "",
                        all ? " " : "", line);
            }
            after = page[n - 1].record;
        }
        if (st == STATUS_OBJECT_NAME_NOT_FOUND) {
            free(page);
            return cli_error(ctx, CLI_FAIL, "eventlog: %s has no event log open", machine_name(m));
        }
    }
    free(page);
    return CLI_OK;
}
