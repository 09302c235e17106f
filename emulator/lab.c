/* The lab: lab.conf, its machines, the domain databases their DCs share,
 * the shared clock and the policy focus. */
#include "emulator/lab.h"
#include "emulator/dcpromo.h"
#include "emulator/machine_int.h"
#include "emulator/scm.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/kvfile.h"
#include "src/lib/str.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAB_CONF "lab.conf"
#define LAB_CONF_MAX (64u << 10)

struct lab_domain {
    char name[SAM_DOMAIN_NAME_MAX + 1];
    enum osver os;
    char dir[PATH_MAX];        /* LAB/domains/NAME */
    char sam_path[PATH_MAX];
    char policy_path[PATH_MAX];
    struct sam *sam;
    struct lsa *lsa;
    struct lsa_names names;    /* resolves the policy's account names */
};

struct lab {
    char dir[PATH_MAX];
    char conf_path[PATH_MAX];
    struct filesig conf_sig; /* lab.conf as last read or written here */
    struct clock clock;
    struct machine *machines[LAB_MAX_MACHINES];
    size_t nmachines;
    struct lab_domain *domains[LAB_MAX_DOMAINS]; /* pointers: names.arg points in */
    size_t ndomains;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool path_join(char *out, size_t n, const char *a, const char *b)
{
    int k = snprintf(out, n, "%s/%s", a, b);
    return k >= 0 && (size_t)k < n;
}

/* --- domains ------------------------------------------------------------- */

static struct lab_domain *domain_find(const struct lab *lab, const char *name)
{
    if (!lab || !name)
        return NULL;
    for (size_t i = 0; i < lab->ndomains; i++)
        if (str_ieq(lab->domains[i]->name, name))
            return lab->domains[i];
    return NULL;
}

/* The domain policy's account names resolve in the domain's own SAM and
 * among the well-known SIDs: "CORP\name", "name", "BUILTIN\...", "*S-1-...". */
static bool domain_name_to_sid(void *arg, const char *name, struct sid *out)
{
    struct lab_domain *d = arg;
    const char *s = name;
    if (*s == '*')
        s++;
    if ((s[0] == 'S' || s[0] == 's') && s[1] == '-' && sid_parse(s, out, NULL) == 0)
        return true;
    if (sid_wellknown_lookup(name, out))
        return true;
    const char *bs = strchr(name, '\\');
    if (bs) {
        size_t dl = (size_t)(bs - name);
        if (dl != strlen(d->name) || strncasecmp(name, d->name, dl) != 0)
            return false;
        name = bs + 1;
    }
    bool is_group;
    return d->sam && sam_lookup_name(d->sam, name, out, &is_group);
}

static bool domain_sid_to_name(void *arg, const struct sid *sid, char *out, size_t n)
{
    struct lab_domain *d = arg;
    const char *wk = sid_wellknown_name(sid);
    if (wk) {
        str_copy(out, n, wk);
        return true;
    }
    const char *name;
    bool is_group;
    if (!d->sam || !sam_lookup_sid(d->sam, sid, &name, &is_group))
        return false;
    if (sid_is_builtin_alias(sid))
        snprintf(out, n, "BUILTIN\\%s", name);
    else
        snprintf(out, n, "%s\\%s", d->name, name);
    return true;
}

static void domain_free(struct lab_domain *d)
{
    if (!d)
        return;
    sam_free(d->sam);
    lsa_free(d->lsa);
    free(d);
}

static ntstatus domain_new(struct lab *lab, const char *name, enum osver os,
                           struct lab_domain **out)
{
    *out = NULL;
    struct lab_domain *d = calloc(1, sizeof *d);
    if (!d)
        return STATUS_NO_MEMORY;
    strcpy(d->name, name);
    str_upper(d->name);
    d->os = os;
    char sub[PATH_MAX];
    if (!path_join(sub, sizeof sub, lab->dir, "domains") ||
        !path_join(d->dir, sizeof d->dir, sub, d->name) ||
        !path_join(d->sam_path, sizeof d->sam_path, d->dir, "sam.txt") ||
        !path_join(d->policy_path, sizeof d->policy_path, d->dir, "policy.inf")) {
        free(d);
        return STATUS_OBJECT_NAME_INVALID;
    }
    d->names.name_to_sid = domain_name_to_sid;
    d->names.sid_to_name = domain_sid_to_name;
    d->names.arg = d;
    *out = d;
    return STATUS_SUCCESS;
}

static ntstatus domain_load(struct lab_domain *d, char *err, size_t errlen)
{
    ntstatus st = sam_load(d->sam_path, &d->sam, err, errlen);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        set_err(err, errlen, "%s: missing", d->sam_path);
    if (st)
        return st;
    st = lsa_load(d->policy_path, d->os, &d->names, &d->lsa, err, errlen);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        set_err(err, errlen, "%s: missing", d->policy_path);
    return st;
}

/* Points a DC at its domain's database, dropping any copy it loaded. */
static void attach_dc(struct lab_domain *d, struct machine *m)
{
    if (m->owns_db) {
        sam_free(m->sam);
        lsa_free(m->lsa);
    }
    m->sam = d->sam;
    m->lsa = d->lsa;
    m->owns_db = false;
}

ntstatus lab_domain_reload_if_changed(struct lab *lab, const char *domain, char *err,
                                      size_t errlen)
{
    struct lab_domain *d = domain_find(lab, domain);
    if (!d)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    /* in place: the DCs of the domain keep pointing at it */
    ntstatus st = sam_refresh(d->sam, err, errlen);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        set_err(err, errlen, "%s: missing", d->sam_path);
    if (st)
        return st;
    st = lsa_refresh(d->lsa);
    if (st)
        set_err(err, errlen, "%s", lsa_last_error(d->lsa));
    return st;
}

const char *lab_domain_sam_path(const struct lab *lab, const char *domain)
{
    const struct lab_domain *d = domain_find(lab, domain);
    return d ? d->sam_path : NULL;
}

size_t lab_domain_count(const struct lab *lab)
{
    return lab ? lab->ndomains : 0;
}

const char *lab_domain_name(const struct lab *lab, size_t i)
{
    return lab && i < lab->ndomains ? lab->domains[i]->name : NULL;
}

struct sam *lab_domain_sam(struct lab *lab, const char *domain)
{
    struct lab_domain *d = domain_find(lab, domain);
    return d ? d->sam : NULL;
}

struct lsa *lab_domain_lsa(struct lab *lab, const char *domain)
{
    struct lab_domain *d = domain_find(lab, domain);
    return d ? d->lsa : NULL;
}

/* --- lab.conf ------------------------------------------------------------ */

static ntstatus save_conf(struct lab *lab, const struct clock *clk)
{
    struct buf b = BUF_INIT;
    int rc = buf_puts(&b, "# ntlab lab.conf: the lab's clock, domains and machines.\n");
    if (!rc)
        rc = clk->virtual_time ? buf_printf(&b, "clock = %lld\n", (long long)clock_now(clk))
                               : buf_puts(&b, "clock = wall\n");
    for (size_t i = 0; !rc && i < lab->ndomains; i++)
        rc = buf_printf(&b, "domain = %s %s\n", lab->domains[i]->name,
                        osver_name(lab->domains[i]->os));
    for (size_t i = 0; !rc && i < lab->nmachines; i++)
        rc = buf_printf(&b, "machine = %s\n", lab->machines[i]->name);
    if (!rc)
        rc = afile_write(lab->conf_path, b.p, b.len, 0644);
    if (!rc)
        (void)filesig_take(&lab->conf_sig, lab->conf_path);
    buf_free(&b);
    return nterr_from_errno(rc);
}

struct conf_entry {
    char name[MACHINE_NAME_MAX + 1];
    enum osver os;
    unsigned line;
};

struct conf {
    struct clock clock;
    struct conf_entry domains[LAB_MAX_DOMAINS];
    size_t ndomains;
    struct conf_entry machines[LAB_MAX_MACHINES];
    size_t nmachines;
};

/* lab.conf: settings without sections, '#' comments (format in lab.h). */
static const struct kvfile_syntax lab_syntax = {
    .comments = "#",
    .bad_text = "not valid text (",
    .bad_text_end = ")",
    .no_equals = "expected KEY = VALUE",
};

static const char *conf_domain(struct conf *c, char *val)
{
    char *sp = strpbrk(val, " \t");
    if (!sp)
        return "domain needs NAME and OS";
    *sp = 0;
    char *os = str_trim(sp + 1);
    struct conf_entry *e = &c->domains[c->ndomains];
    if (c->ndomains == LAB_MAX_DOMAINS)
        return "too many domains";
    if (!machine_name_valid(val, SAM_DOMAIN_NAME_MAX))
        return "bad domain name";
    if (!osver_parse(os, &e->os))
        return "unknown OS (nt4, w2k or xp)";
    for (size_t i = 0; i < c->ndomains; i++)
        if (str_ieq(c->domains[i].name, val))
            return "domain listed twice";
    strcpy(e->name, val);
    str_upper(e->name);
    c->ndomains++;
    return NULL;
}

static const char *conf_machine(struct conf *c, const char *val)
{
    if (c->nmachines == LAB_MAX_MACHINES)
        return "too many machines";
    if (!machine_name_valid(val, MACHINE_NAME_MAX))
        return "bad machine name";
    for (size_t i = 0; i < c->nmachines; i++)
        if (str_ieq(c->machines[i].name, val))
            return "machine listed twice";
    strcpy(c->machines[c->nmachines++].name, val);
    return NULL;
}

/* One setting; returns what is wrong with it, or NULL. */
static const char *conf_setting(struct conf *c, const char *key, char *val, unsigned ln)
{
    if (str_ieq(key, "clock")) {
        int64_t t;
        if (str_ieq(val, "wall"))
            clock_init_wall(&c->clock);
        else if (str_to_i64(val, 0, INT64_MAX, &t) == 0)
            clock_init_virtual(&c->clock, t);
        else
            return "clock must be seconds since the epoch or \"wall\"";
        return NULL;
    }
    if (str_ieq(key, "domain")) {
        const char *why = conf_domain(c, val);
        if (!why)
            c->domains[c->ndomains - 1].line = ln;
        return why;
    }
    if (str_ieq(key, "machine")) {
        const char *why = conf_machine(c, val);
        if (!why)
            c->machines[c->nmachines - 1].line = ln;
        return why;
    }
    return "unknown key (clock, domain, machine)";
}

static ntstatus parse_conf(struct kvfile *kf, struct conf *c)
{
    memset(c, 0, sizeof *c);
    clock_init_virtual(&c->clock, CLOCK_DEFAULT_START);
    for (;;) {
        struct kvfile_item it;
        if (kvfile_next(kf, &it))
            return STATUS_INTERNAL_DB_CORRUPTION;
        if (it.kind == KVFILE_END)
            return STATUS_SUCCESS;
        const char *why = conf_setting(c, it.key, it.value, it.line);
        if (why) {
            kvfile_fail(kf, it.line, "%s", why);
            return STATUS_INTERNAL_DB_CORRUPTION;
        }
    }
}

/* --- open, free ---------------------------------------------------------- */

void lab_free(struct lab *lab)
{
    if (!lab)
        return;
    for (size_t i = 0; i < lab->nmachines; i++) {
        struct machine *m = lab->machines[i];
        /* let the service images release what they hold */
        scm_stop_all(m);
        scm_detach(m);
        if (!m->owns_db) {
            m->sam = NULL;
            m->lsa = NULL;
        }
        m->running = false;
        machine_free(m);
    }
    for (size_t i = 0; i < lab->ndomains; i++)
        domain_free(lab->domains[i]);
    free(lab);
}

const char *lab_dir(const struct lab *lab)
{
    return lab->dir;
}

/* What a machine may ask of its lab (machine.h): the lab's own calls, with
 * the lab as context. */
static struct machine *host_domain_controller(void *ctx, const char *domain)
{
    return lab_domain_controller(ctx, domain);
}

static struct sam *host_domain_sam(void *ctx, const char *domain)
{
    return lab_domain_sam(ctx, domain);
}

static ntstatus host_domain_reload(void *ctx, const char *domain, char *err, size_t errlen)
{
    return lab_domain_reload_if_changed(ctx, domain, err, errlen);
}

static const struct machine_host_ops host_ops = {
    .domain_controller = host_domain_controller,
    .domain_sam = host_domain_sam,
    .domain_reload_if_changed = host_domain_reload,
};

static void adopt(struct lab *lab, struct machine *m)
{
    m->host = (struct machine_host){&host_ops, lab};
    m->clock = lab->clock;
    lab->machines[lab->nmachines++] = m;
}

ntstatus lab_open(const char *dir, bool create, struct lab **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    if (!dir || !*dir)
        return STATUS_OBJECT_NAME_INVALID;
    struct lab *lab = calloc(1, sizeof *lab);
    if (!lab)
        return STATUS_NO_MEMORY;
    if (str_copy(lab->dir, sizeof lab->dir, dir) ||
        !path_join(lab->conf_path, sizeof lab->conf_path, dir, LAB_CONF)) {
        free(lab);
        return STATUS_OBJECT_NAME_INVALID;
    }
    /* Taken before the read: a change in between shows as a change. */
    (void)filesig_take(&lab->conf_sig, lab->conf_path);
    struct kvfile kf;
    int rc = kvfile_open(&kf, lab->conf_path, LAB_CONF_MAX, &lab_syntax, err, errlen);
    ntstatus st = STATUS_SUCCESS;
    if (rc == ENOENT && create) {
        kvfile_close(&kf);
        set_err(err, errlen, "%s", "");
        clock_init_virtual(&lab->clock, CLOCK_DEFAULT_START);
        rc = afile_mkdirs(dir, 0755);
        st = rc ? nterr_from_errno(rc) : save_conf(lab, &lab->clock);
        if (st)
            set_err(err, errlen, "%s: cannot create the lab", lab->conf_path);
        goto done;
    }
    if (rc) {
        kvfile_close(&kf);
        st = rc == EFBIG || rc == EILSEQ ? STATUS_INTERNAL_DB_CORRUPTION : nterr_from_errno(rc);
        goto done;
    }
    struct conf *c = malloc(sizeof *c);
    if (!c) {
        kvfile_close(&kf);
        st = STATUS_NO_MEMORY;
        goto done;
    }
    st = parse_conf(&kf, c);
    kvfile_close(&kf);
    if (!st)
        lab->clock = c->clock;
    for (size_t i = 0; !st && i < c->ndomains; i++) {
        struct lab_domain *d;
        st = domain_new(lab, c->domains[i].name, c->domains[i].os, &d);
        if (st)
            break;
        lab->domains[lab->ndomains++] = d;
        st = domain_load(d, err, errlen);
    }
    for (size_t i = 0; !st && i < c->nmachines; i++) {
        char mdir[PATH_MAX];
        if (!path_join(mdir, sizeof mdir, dir, c->machines[i].name)) {
            st = STATUS_OBJECT_NAME_INVALID;
            break;
        }
        struct machine *m;
        st = machine_load(mdir, &m, err, errlen);
        if (st)
            break;
        const char *why = NULL;
        struct lab_domain *d = NULL;
        if (!str_ieq(m->name, c->machines[i].name))
            why = "the machine's name differs from its directory";
        else if (m->role != ROLE_STANDALONE && !(d = domain_find(lab, m->domain)))
            why = "the machine's domain is not in the lab";
        if (why) {
            set_err(err, errlen, "%s:%u: %s: %s", lab->conf_path, c->machines[i].line,
                    c->machines[i].name, why);
            machine_free(m);
            st = STATUS_INTERNAL_DB_CORRUPTION;
            break;
        }
        if (machine_is_dc(m))
            attach_dc(d, m);
        adopt(lab, m);
    }
    free(c);
done:
    if (st) {
        lab_free(lab);
        return st;
    }
    *out = lab;
    return STATUS_SUCCESS;
}

/* --- machines ------------------------------------------------------------ */

struct lab *lab_of_machine(const struct machine *m)
{
    return m && m->host.ops == &host_ops ? m->host.ctx : NULL;
}

size_t lab_machine_count(const struct lab *lab)
{
    return lab ? lab->nmachines : 0;
}

struct machine *lab_machine_at(struct lab *lab, size_t i)
{
    return lab && i < lab->nmachines ? lab->machines[i] : NULL;
}

struct machine *lab_machine_find(struct lab *lab, const char *name)
{
    if (!lab || !name)
        return NULL;
    for (size_t i = 0; i < lab->nmachines; i++)
        if (str_ieq(lab->machines[i]->name, name))
            return lab->machines[i];
    return NULL;
}

/* Moves a new PDC's database into LAB/domains/NAME and makes it the
 * domain's. The SAM is created afresh for the domain account database
 * (domain name, the PDC's SID as domain SID); the policy is the DC default
 * the machine was created with. */
static ntstatus create_domain(struct lab *lab, struct machine *m, const char *admin_password,
                              struct lab_domain **out)
{
    struct lab_domain *d;
    ntstatus st = domain_new(lab, m->domain, m->os, &d);
    if (st)
        return st;
    int rc = afile_mkdirs(d->dir, 0700);
    if (rc) {
        domain_free(d);
        return nterr_from_errno(rc);
    }
    st = sam_create(d->name, &m->sid, true, admin_password ? admin_password : "",
                    clock_now(&lab->clock), &d->sam);
    if (!st)
        st = sam_save_as(d->sam, d->sam_path);
    if (!st && m->owns_db && m->lsa) {
        d->lsa = m->lsa; /* the DC default policy of this OS */
        m->lsa = NULL;
        lsa_set_names(d->lsa, &d->names);
        st = lsa_save_as(d->lsa, d->policy_path);
    } else if (!st) {
        st = lsa_create(m->os, &d->lsa);
        if (!st) {
            lsa_set_names(d->lsa, &d->names);
            st = lsa_save_as(d->lsa, d->policy_path);
        }
    }
    if (st) {
        domain_free(d);
        return st;
    }
    *out = d;
    return STATUS_SUCCESS;
}

/* A DC in a lab keeps no database of its own: the files machine_init_dir
 * may have written for a lone DC would only mislead a reader. */
static void drop_local_db_files(const struct machine *m)
{
    char p[PATH_MAX];
    if (path_join(p, sizeof p, m->dir, "sam.txt"))
        unlink(p);
    if (path_join(p, sizeof p, m->dir, "policy.inf"))
        unlink(p);
}

ntstatus lab_machine_add(struct lab *lab, const char *name, enum machine_role role, enum osver os,
                         const char *domain, const char *admin_password, struct machine **out)
{
    if (out)
        *out = NULL;
    if (!lab || !machine_name_valid(name, MACHINE_NAME_MAX))
        return STATUS_INVALID_PARAMETER;
    bool has_domain = domain && *domain;
    if (role == ROLE_STANDALONE ? has_domain : !has_domain)
        return STATUS_INVALID_PARAMETER;
    if (has_domain && !machine_name_valid(domain, SAM_DOMAIN_NAME_MAX))
        return STATUS_INVALID_PARAMETER;
    if (role != ROLE_STANDALONE && role != ROLE_MEMBER && role != ROLE_PDC && role != ROLE_BDC)
        return STATUS_INVALID_PARAMETER;
    if (lab_machine_find(lab, name))
        return STATUS_OBJECT_NAME_COLLISION;
    if (lab->nmachines == LAB_MAX_MACHINES)
        return STATUS_NO_MEMORY;
    struct lab_domain *d = has_domain ? domain_find(lab, domain) : NULL;
    if (role == ROLE_PDC) {
        if (d)
            return STATUS_OBJECT_NAME_COLLISION;
        if (lab->ndomains == LAB_MAX_DOMAINS)
            return STATUS_NO_MEMORY;
    } else if (has_domain && !d) {
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    char upper[MACHINE_NAME_MAX + 1];
    strcpy(upper, name);
    str_upper(upper);
    char mdir[PATH_MAX];
    if (!path_join(mdir, sizeof mdir, lab->dir, upper))
        return STATUS_OBJECT_NAME_INVALID;
    struct stat st_dir;
    if (stat(mdir, &st_dir) == 0)
        return STATUS_OBJECT_NAME_COLLISION;
    char dom_upper[SAM_DOMAIN_NAME_MAX + 1] = "";
    if (has_domain) {
        strcpy(dom_upper, domain);
        str_upper(dom_upper);
    }
    struct machine *m;
    ntstatus st = machine_init_dir(mdir, upper, os, role, has_domain ? dom_upper : NULL,
                                   admin_password, &m);
    if (st)
        return st;
    struct lab_domain *created = NULL;
    if (role == ROLE_PDC) {
        st = create_domain(lab, m, admin_password, &created);
        if (st) {
            machine_free(m);
            return st;
        }
        d = created;
    } else if (role == ROLE_BDC) {
        /* NT BDCs carry the domain's SID as their own */
        m->sid = *sam_domain_sid(d->sam);
        st = machine_save_conf(m);
        if (st) {
            machine_free(m);
            return st;
        }
    }
    if (machine_is_dc(m)) {
        attach_dc(d, m);
        drop_local_db_files(m);
    } else if (role == ROLE_MEMBER) {
        /* Joining a domain puts DOMAIN\Domain Admins into the member's
         * Administrators and DOMAIN\Domain Users into its Users, as NT's
         * join does. */
        st = machine_join_domain(m, sam_domain_sid(d->sam));
        if (st) {
            machine_free(m);
            return st;
        }
    }
    if (created)
        lab->domains[lab->ndomains++] = created;
    adopt(lab, m);
    st = save_conf(lab, &lab->clock);
    if (st) {
        /* not listed: take it back out of memory (its directory stays, and
         * a retry reports the collision rather than guessing) */
        lab->nmachines--;
        if (created)
            lab->ndomains--;
        if (!m->owns_db) {
            m->sam = NULL;
            m->lsa = NULL;
        }
        machine_free(m);
        domain_free(created);
        return st;
    }
    if (out)
        *out = m;
    return STATUS_SUCCESS;
}

ntstatus lab_machine_promote(struct lab *lab, const char *name, char *err, size_t errlen)
{
    struct machine *m = lab && name ? lab_machine_find(lab, name) : NULL;
    if (!m) {
        set_err(err, errlen, "no machine '%s' in this lab", name ? name : "");
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    return dcpromo_promote(m, lab_domain_sam(lab, m->domain), lab_domain_lsa(lab, m->domain),
                           err, errlen);
}

ntstatus lab_machine_demote(struct lab *lab, const char *name, const char *admin_password,
                            char *err, size_t errlen)
{
    struct machine *m = lab && name ? lab_machine_find(lab, name) : NULL;
    if (!m) {
        set_err(err, errlen, "no machine '%s' in this lab", name ? name : "");
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    return dcpromo_demote(m, lab_domain_sam(lab, m->domain), admin_password, err, errlen);
}

static bool boot_rank_is(const struct machine *m, int rank)
{
    int r = m->role == ROLE_PDC ? 0 : m->role == ROLE_BDC ? 1 : 2;
    return r == rank;
}

ntstatus lab_boot_all(struct lab *lab, char *err, size_t errlen)
{
    /* A machine that booted but could not log it (a full event log) does
     * not stop the others: the first such status is returned at the end. */
    ntstatus logged = STATUS_SUCCESS;
    char first[512] = "";
    for (int rank = 0; rank < 3; rank++) {
        for (size_t i = 0; i < lab->nmachines; i++) {
            struct machine *m = lab->machines[i];
            if (!boot_rank_is(m, rank) || m->running)
                continue;
            ntstatus st = machine_boot(m, err, errlen);
            if (st && !m->running)
                return st;
            if (st && !logged) {
                logged = st;
                snprintf(first, sizeof first, "%s: %s", m->name, err && errlen ? err : "");
            }
        }
    }
    if (logged && err && errlen)
        snprintf(err, errlen, "%s", first);
    return logged;
}

void lab_shutdown_all(struct lab *lab)
{
    for (int rank = 2; rank >= 0; rank--)
        for (size_t i = lab->nmachines; i-- > 0;)
            if (boot_rank_is(lab->machines[i], rank))
                machine_shutdown(lab->machines[i]);
}

/* A DC of domain (running ones only when asked), preferring the PDC. */
static struct machine *find_dc(struct lab *lab, const char *domain, bool running)
{
    struct machine *bdc = NULL;
    for (size_t i = 0; i < lab->nmachines; i++) {
        struct machine *m = lab->machines[i];
        if ((running && !m->running) || !machine_is_dc(m) || !str_ieq(m->domain, domain))
            continue;
        if (m->role == ROLE_PDC)
            return m;
        if (!bdc)
            bdc = m;
    }
    return bdc;
}

struct machine *lab_domain_controller(struct lab *lab, const char *domain)
{
    return lab && domain ? find_dc(lab, domain, true) : NULL;
}

/* --- focus --------------------------------------------------------------- */

ntstatus lab_policy_for_focus(struct lab *lab, const char *focus, struct lsa **out)
{
    *out = NULL;
    if (!lab || !focus || !*focus)
        return STATUS_OBJECT_NAME_INVALID;
    if (focus[0] == '\\') {
        if (focus[1] != '\\' || !machine_name_valid(focus + 2, MACHINE_NAME_MAX))
            return STATUS_OBJECT_NAME_INVALID;
        struct machine *m = lab_machine_find(lab, focus + 2);
        if (!m)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        if (machine_is_dc(m))
            return STATUS_INVALID_PARAMETER;
        *out = m->lsa;
        return m->lsa ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
    }
    if (!machine_name_valid(focus, SAM_DOMAIN_NAME_MAX))
        return STATUS_OBJECT_NAME_INVALID;
    struct lab_domain *d = domain_find(lab, focus);
    if (!d)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    *out = d->lsa;
    return STATUS_SUCCESS;
}

struct machine *lab_focus_machine(struct lab *lab, const char *focus)
{
    if (!lab || !focus)
        return NULL;
    if (focus[0] == '\\')
        return focus[1] == '\\' ? lab_machine_find(lab, focus + 2) : NULL;
    return find_dc(lab, focus, false);
}

/* --- clock --------------------------------------------------------------- */

int64_t lab_clock_now(const struct lab *lab)
{
    return clock_now(&lab->clock);
}

bool lab_clock_is_virtual(const struct lab *lab)
{
    return lab->clock.virtual_time;
}

static ntstatus clock_apply(struct lab *lab, const struct clock *c)
{
    ntstatus st = save_conf(lab, c);
    if (st)
        return st;
    lab->clock = *c;
    for (size_t i = 0; i < lab->nmachines; i++)
        lab->machines[i]->clock = *c;
    return STATUS_SUCCESS;
}

ntstatus lab_clock_set(struct lab *lab, int64_t t)
{
    if (t < 0)
        return STATUS_INVALID_PARAMETER;
    struct clock c = lab->clock; /* a running clock keeps running */
    if (!c.virtual_time)
        clock_init_virtual(&c, t);
    else if (clock_set(&c, t))
        return STATUS_INVALID_PARAMETER;
    return clock_apply(lab, &c);
}

ntstatus lab_clock_advance(struct lab *lab, int64_t seconds)
{
    struct clock c = lab->clock;
    if (clock_advance(&c, seconds))
        return STATUS_INVALID_PARAMETER;
    return clock_apply(lab, &c);
}

void lab_clock_run(struct lab *lab)
{
    clock_run(&lab->clock);
    for (size_t i = 0; i < lab->nmachines; i++)
        lab->machines[i]->clock = lab->clock;
}

void lab_clock_use_wall(struct lab *lab)
{
    clock_init_wall(&lab->clock);
    for (size_t i = 0; i < lab->nmachines; i++)
        clock_init_wall(&lab->machines[i]->clock);
}

ntstatus lab_clock_save(struct lab *lab)
{
    if (!lab->clock.virtual_time)
        return STATUS_SUCCESS;
    struct filesig now;
    if (lab->conf_sig.exists && filesig_take(&now, lab->conf_path) == 0 &&
        !filesig_equal(&now, &lab->conf_sig))
        return STATUS_SHARING_VIOLATION; /* someone edited it: their words win */
    return save_conf(lab, &lab->clock);
}

/* The newest record time in any machine's event logs (the last record of
 * each log: they are appended in clock order), or -1. */
static int64_t newest_event(const struct lab *lab)
{
    int64_t t = -1;
    for (size_t i = 0; i < lab->nmachines; i++)
        for (int w = 0; lab->machines[i]->evtlog && w < EVTLOG_COUNT; w++) {
            struct evtlog *l = lab->machines[i]->evtlog;
            size_t n = evtlog_count(l, (enum evtlog_which)w);
            const struct evtlog_record *r =
                n ? evtlog_at(l, (enum evtlog_which)w, n - 1) : NULL;
            if (r && r->time > t)
                t = r->time;
        }
    return t;
}

ntstatus lab_clock_not_before_events(struct lab *lab, int64_t *moved)
{
    *moved = 0;
    int64_t last = newest_event(lab), now = lab_clock_now(lab);
    if (!lab->clock.virtual_time || last <= now)
        return STATUS_SUCCESS;
    ntstatus st = lab_clock_set(lab, last);
    if (!st)
        *moved = last - now;
    return st;
}
