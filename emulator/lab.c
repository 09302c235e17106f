/* The lab: lab.conf, its machines, the domain databases their DCs share,
 * the shared clock and the policy focus. */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
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

static ntstatus errno_status(int e)
{
    switch (e) {
    case 0:
        return STATUS_SUCCESS;
    case ENOENT:
        return STATUS_OBJECT_NAME_NOT_FOUND;
    case EEXIST:
        return STATUS_OBJECT_NAME_COLLISION;
    case ENOSPC:
        return STATUS_DISK_FULL;
    case EACCES:
    case EPERM:
    case EROFS:
        return STATUS_ACCESS_DENIED;
    case ENOMEM:
        return STATUS_NO_MEMORY;
    case ENAMETOOLONG:
        return STATUS_OBJECT_NAME_INVALID;
    default:
        return STATUS_IO_DEVICE_ERROR;
    }
}

/* NetBIOS-style names used as directory names: no path tricks possible. */
static bool valid_name(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
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

static ntstatus save_conf(const struct lab *lab, const struct clock *clk)
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
    buf_free(&b);
    return errno_status(rc);
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

static ntstatus parse_conf(const char *path, char *text, struct conf *c, char *err,
                           size_t errlen)
{
    memset(c, 0, sizeof *c);
    clock_init_virtual(&c->clock, CLOCK_DEFAULT_START);
    struct text_lines it;
    text_lines_init(&it, text);
    unsigned ln;
    char *line;
    const char *why = NULL;
    while ((line = text_lines_next(&it, &ln))) {
        char *s = str_trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            why = "expected KEY = VALUE";
            break;
        }
        *eq = 0;
        char *key = str_trim(s), *val = str_trim(eq + 1);
        if (str_ieq(key, "clock")) {
            int64_t t;
            if (str_ieq(val, "wall"))
                clock_init_wall(&c->clock);
            else if (str_to_i64(val, 0, INT64_MAX, &t) == 0)
                clock_init_virtual(&c->clock, t);
            else {
                why = "clock must be seconds since the epoch or \"wall\"";
                break;
            }
        } else if (str_ieq(key, "domain")) {
            char *sp = strpbrk(val, " \t");
            if (!sp) {
                why = "domain needs NAME and OS";
                break;
            }
            *sp = 0;
            char *os = str_trim(sp + 1);
            struct conf_entry *e = &c->domains[c->ndomains];
            if (c->ndomains == LAB_MAX_DOMAINS) {
                why = "too many domains";
                break;
            }
            if (!valid_name(val, SAM_DOMAIN_NAME_MAX)) {
                why = "bad domain name";
                break;
            }
            if (!osver_parse(os, &e->os)) {
                why = "unknown OS (nt4, w2k or xp)";
                break;
            }
            for (size_t i = 0; i < c->ndomains && !why; i++)
                if (str_ieq(c->domains[i].name, val))
                    why = "domain listed twice";
            if (why)
                break;
            strcpy(e->name, val);
            str_upper(e->name);
            e->line = ln;
            c->ndomains++;
        } else if (str_ieq(key, "machine")) {
            if (c->nmachines == LAB_MAX_MACHINES) {
                why = "too many machines";
                break;
            }
            if (!valid_name(val, MACHINE_NAME_MAX)) {
                why = "bad machine name";
                break;
            }
            for (size_t i = 0; i < c->nmachines && !why; i++)
                if (str_ieq(c->machines[i].name, val))
                    why = "machine listed twice";
            if (why)
                break;
            struct conf_entry *e = &c->machines[c->nmachines++];
            strcpy(e->name, val);
            e->line = ln;
        } else {
            why = "unknown key (clock, domain, machine)";
            break;
        }
    }
    if (why) {
        set_err(err, errlen, "%s:%u: %s", path, ln, why);
        return STATUS_INTERNAL_DB_CORRUPTION;
    }
    return STATUS_SUCCESS;
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
        scm_free(m->scm);
        m->scm = NULL;
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

static void adopt(struct lab *lab, struct machine *m)
{
    m->lab = lab;
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
    char *data = NULL;
    size_t len = 0;
    int rc = afile_read(lab->conf_path, LAB_CONF_MAX, &data, &len);
    ntstatus st = STATUS_SUCCESS;
    if (rc == ENOENT && create) {
        clock_init_virtual(&lab->clock, CLOCK_DEFAULT_START);
        rc = afile_mkdirs(dir, 0755);
        st = rc ? errno_status(rc) : save_conf(lab, &lab->clock);
        if (st)
            set_err(err, errlen, "%s: cannot create the lab", lab->conf_path);
        goto done;
    }
    if (rc) {
        set_err(err, errlen, "%s: %s", lab->conf_path,
                rc == EFBIG ? "file too large" : strerror(rc));
        st = rc == EFBIG ? STATUS_INTERNAL_DB_CORRUPTION : errno_status(rc);
        goto done;
    }
    char *text = NULL;
    size_t tlen;
    rc = text_decode(data, len, &text, &tlen);
    free(data);
    if (rc) {
        set_err(err, errlen, "%s: not valid text", lab->conf_path);
        st = rc == ENOMEM ? STATUS_NO_MEMORY : STATUS_INTERNAL_DB_CORRUPTION;
        goto done;
    }
    struct conf *c = malloc(sizeof *c);
    if (!c) {
        free(text);
        st = STATUS_NO_MEMORY;
        goto done;
    }
    st = parse_conf(lab->conf_path, text, c, err, errlen);
    free(text);
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
        return errno_status(rc);
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
    if (!lab || !valid_name(name, MACHINE_NAME_MAX))
        return STATUS_INVALID_PARAMETER;
    bool has_domain = domain && *domain;
    if (role == ROLE_STANDALONE ? has_domain : !has_domain)
        return STATUS_INVALID_PARAMETER;
    if (has_domain && !valid_name(domain, SAM_DOMAIN_NAME_MAX))
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

static bool boot_rank_is(const struct machine *m, int rank)
{
    int r = m->role == ROLE_PDC ? 0 : m->role == ROLE_BDC ? 1 : 2;
    return r == rank;
}

ntstatus lab_boot_all(struct lab *lab, char *err, size_t errlen)
{
    for (int rank = 0; rank < 3; rank++) {
        for (size_t i = 0; i < lab->nmachines; i++) {
            struct machine *m = lab->machines[i];
            if (!boot_rank_is(m, rank) || m->running)
                continue;
            ntstatus st = machine_boot(m, err, errlen);
            if (st)
                return st;
        }
    }
    return STATUS_SUCCESS;
}

void lab_shutdown_all(struct lab *lab)
{
    for (int rank = 2; rank >= 0; rank--)
        for (size_t i = lab->nmachines; i-- > 0;)
            if (boot_rank_is(lab->machines[i], rank))
                machine_shutdown(lab->machines[i]);
}

struct machine *lab_domain_controller(struct lab *lab, const char *domain)
{
    if (!lab || !domain)
        return NULL;
    struct machine *bdc = NULL;
    for (size_t i = 0; i < lab->nmachines; i++) {
        struct machine *m = lab->machines[i];
        if (!m->running || !machine_is_dc(m) || !str_ieq(m->domain, domain))
            continue;
        if (m->role == ROLE_PDC)
            return m;
        if (!bdc)
            bdc = m;
    }
    return bdc;
}

/* --- focus --------------------------------------------------------------- */

ntstatus lab_policy_for_focus(struct lab *lab, const char *focus, struct lsa **out)
{
    *out = NULL;
    if (!lab || !focus || !*focus)
        return STATUS_OBJECT_NAME_INVALID;
    if (focus[0] == '\\') {
        if (focus[1] != '\\' || !valid_name(focus + 2, MACHINE_NAME_MAX))
            return STATUS_OBJECT_NAME_INVALID;
        struct machine *m = lab_machine_find(lab, focus + 2);
        if (!m)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        if (machine_is_dc(m))
            return STATUS_INVALID_PARAMETER;
        *out = m->lsa;
        return m->lsa ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
    }
    if (!valid_name(focus, SAM_DOMAIN_NAME_MAX))
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
    struct machine *bdc = NULL;
    for (size_t i = 0; i < lab->nmachines; i++) {
        struct machine *m = lab->machines[i];
        if (!machine_is_dc(m) || !str_ieq(m->domain, focus))
            continue;
        if (m->role == ROLE_PDC)
            return m;
        if (!bdc)
            bdc = m;
    }
    return bdc;
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
