/* One emulated machine: identity (machine.conf), SAM, LSA policy, event log
 * and clock, created in memory or from a state directory.
 *
 * machine.conf is UTF-8 text, one "key = value" a line; blank lines and
 * lines starting with '#' or ';' are ignored; each key at most once:
 *   name    = EXCHSRV            1-15 letters, digits, '-' or '_' (upper case)
 *   os      = nt4                nt4, w2k or xp (osver_parse)
 *   role    = member             standalone, member, pdc or bdc
 *   domain  = CORP               required unless standalone; same syntax as name
 *   sid     = S-1-5-21-a-b-c     the machine SID (on a DC: the domain SID)
 *   clock   = 899283600          optional: virtual clock (seconds, UTC), or "wall"
 * Any other key (1-32 letters, digits, '.', '_', '-'; at most
 * MACHINE_SETTINGS_MAX) is a setting of a product on the machine, kept
 * verbatim and written back before the clock (machine_setting, machine.h).
 * A malformed file fails with "PATH:LINE: problem". The machine SID of a new
 * machine is derived from its name (a hash), so that labs and tests are
 * reproducible; machine.conf is what counts afterwards.
 *
 * The default policy of a new machine is the embedded template of its OS
 * and role (policies/nt4-member.inf, nt4-dc.inf, w2k-member.inf,
 * w2k-dc.inf, xp-workstation.inf); Windows XP cannot be a domain
 * controller. */
#include "emulator/machine_int.h"
#include "emulator/scm.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/embed.h"
#include "src/lib/kvfile.h"
#include "src/lib/str.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CONF_NAME "machine.conf"
#define CONF_MAX (64u << 10)
#define CONF_LINE_MAX 1024
#define FIRST_LOGON_ID 0x10000u /* LUIDs below are the system's (SYSTEM = 0x3e7) */

/* ---- names, roles ------------------------------------------------------- */

const char *machine_role_name(enum machine_role r)
{
    switch (r) {
    case ROLE_STANDALONE: return "standalone";
    case ROLE_MEMBER: return "member";
    case ROLE_PDC: return "pdc";
    case ROLE_BDC: return "bdc";
    }
    return "?";
}

bool machine_role_parse(const char *s, enum machine_role *out)
{
    static const enum machine_role all[] = {ROLE_STANDALONE, ROLE_MEMBER, ROLE_PDC, ROLE_BDC};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (str_ieq(s, machine_role_name(all[i]))) {
            *out = all[i];
            return true;
        }
    return false;
}

bool machine_is_dc(const struct machine *m)
{
    return m->role == ROLE_PDC || m->role == ROLE_BDC;
}

bool machine_name_valid(const char *s, size_t max)
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

static bool setting_key_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MACHINE_SETTING_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static bool machine_sid_ok(const struct sid *s)
{
    return s->authority == 5 && s->count == 4 && s->sub[0] == 21;
}

/* S-1-5-21-a-b-c from the name: FNV-1a, then splitmix64 for each part. */
static void derive_sid(const char *upper_name, struct sid *out)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = "ntlab machine "; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = upper_name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    uint32_t part[3];
    for (int i = 0; i < 3; i++) {
        h += 0x9E3779B97F4A7C15ull;
        uint64_t z = h;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        part[i] = (uint32_t)z | 0x10000000u; /* ten digits, as NT's look */
    }
    sid_make_domain(part[0], part[1], part[2], out);
}

/* ---- name resolution ---------------------------------------------------- */

/* The SAM of another domain this machine can see: its primary domain (a
 * member server's) through the lab. */
static struct sam *domain_sam(struct machine *m, const char *domain)
{
    if (!m->host.ops || m->role != ROLE_MEMBER || !str_ieq(domain, m->domain))
        return NULL;
    return m->host.ops->domain_sam(m->host.ctx, domain);
}

static bool is_local_domain(const struct machine *m, const char *d, size_t dl)
{
    if (dl == 1 && d[0] == '.')
        return true;
    const char *own = machine_is_dc(m) ? m->domain : m->name;
    if (dl == strlen(own) && strncasecmp(d, own, dl) == 0)
        return true;
    /* a DC also answers to its own computer name for the domain SAM */
    return dl == strlen(m->name) && strncasecmp(d, m->name, dl) == 0;
}

ntstatus machine_resolve(struct machine *m, const char *name, struct sid *out)
{
    if (!name || !*name)
        return STATUS_NONE_MAPPED;
    const char *s = name[0] == '*' ? name + 1 : name;
    if ((s[0] == 'S' || s[0] == 's') && s[1] == '-')
        return sid_parse(s, out, NULL) == 0 ? STATUS_SUCCESS : STATUS_NONE_MAPPED;
    bool is_group;
    const char *bs = strchr(name, '\\');
    if (!bs) {
        /* an isolated name: well-known, then this machine's accounts, then
         * the primary domain's, as LookupAccountName searches */
        if (sid_wellknown_lookup(name, out))
            return STATUS_SUCCESS;
        if (m->sam && sam_lookup_name(m->sam, name, out, &is_group))
            return STATUS_SUCCESS;
        struct sam *ds = domain_sam(m, m->domain);
        return ds && sam_lookup_name(ds, name, out, &is_group) ? STATUS_SUCCESS
                                                               : STATUS_NONE_MAPPED;
    }
    size_t dl = (size_t)(bs - name);
    const char *acct = bs + 1;
    if ((dl == 7 && strncasecmp(name, "BUILTIN", 7) == 0) ||
        (dl == 12 && strncasecmp(name, "NT AUTHORITY", 12) == 0))
        return sid_wellknown_lookup(name, out) ? STATUS_SUCCESS : STATUS_NONE_MAPPED;
    if (is_local_domain(m, name, dl))
        return m->sam && sam_lookup_name(m->sam, acct, out, &is_group) ? STATUS_SUCCESS
                                                                        : STATUS_NONE_MAPPED;
    char dom[SAM_DOMAIN_NAME_MAX + 1];
    if (dl > SAM_DOMAIN_NAME_MAX)
        return STATUS_NONE_MAPPED;
    memcpy(dom, name, dl);
    dom[dl] = 0;
    struct sam *ds = domain_sam(m, dom);
    return ds && sam_lookup_name(ds, acct, out, &is_group) ? STATUS_SUCCESS : STATUS_NONE_MAPPED;
}

static bool sid_name_in(const struct sam *s, const struct sid *sid, char *out, size_t n)
{
    const char *name;
    bool is_group;
    if (!s || !sam_lookup_sid(s, sid, &name, &is_group))
        return false;
    snprintf(out, n, "%s\\%s", sid_is_builtin_alias(sid) ? "BUILTIN" : sam_domain_name(s), name);
    return true;
}

static bool sid_name(struct machine *m, const struct sid *sid, char *out, size_t n)
{
    const char *wk = sid_wellknown_name(sid);
    if (wk) {
        str_copy(out, n, wk);
        return true;
    }
    return sid_name_in(m->sam, sid, out, n) || sid_name_in(domain_sam(m, m->domain), sid, out, n);
}

void machine_sid_name(struct machine *m, const struct sid *sid, char *out, size_t n)
{
    if (!sid_name(m, sid, out, n))
        sid_format(sid, out, n);
}

static bool lsa_name_to_sid(void *arg, const char *name, struct sid *out)
{
    return machine_resolve(arg, name, out) == STATUS_SUCCESS;
}

static bool lsa_sid_to_name(void *arg, const struct sid *sid, char *out, size_t n)
{
    return sid_name(arg, sid, out, n);
}

static void names_for(struct machine *m, struct lsa_names *n)
{
    n->name_to_sid = lsa_name_to_sid;
    n->sid_to_name = lsa_sid_to_name;
    n->arg = m;
}

/* ---- audit -------------------------------------------------------------- */

void machine_audit(struct machine *m, uint32_t event_id, bool success, const char *user,
                   const char *description)
{
    if (!m->evtlog)
        return;
    /* Security-log categories: 2 = Logon/Logoff, 7 = Account Management */
    uint16_t category = event_id >= 624 && event_id <= 644 ? 7 : 2;
    (void)evtlog_write(m->evtlog, EVTLOG_SECURITY, clock_now(&m->clock), "Security", event_id,
                       success ? EVT_AUDIT_SUCCESS : EVT_AUDIT_FAILURE, category, user,
                       description);
}

/* ---- construction ------------------------------------------------------- */

void machine_free(struct machine *m)
{
    if (!m)
        return;
    if (m->owns_db) {
        sam_free(m->sam);
        lsa_free(m->lsa);
    }
    evtlog_free(m->evtlog);
    scm_free(m->scm); /* lab_free frees it first and clears the pointer */
    for (size_t i = 0; i < m->nsettings; i++)
        free(m->settings[i].value);
    free(m);
}

const char *machine_policy_template(enum osver os, bool dc)
{
    switch (os) {
    case OSVER_NT4: return dc ? "policies/nt4-dc.inf" : "policies/nt4-member.inf";
    case OSVER_W2K: return dc ? "policies/w2k-dc.inf" : "policies/w2k-member.inf";
    case OSVER_XP: return dc ? NULL : "policies/xp-workstation.inf";
    }
    return NULL;
}

static ntstatus default_policy(struct machine *m, char *err, size_t errlen)
{
    const char *path = machine_policy_template(m->os, machine_is_dc(m));
    const struct embed_file *f = path ? embed_find(path) : NULL;
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: no such built-in policy", path ? path : "(none)");
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    struct lsa_names names;
    names_for(m, &names);
    return lsa_load_mem(path, (const char *)f->data, f->len, m->os, &names, &m->lsa, err, errlen);
}

static bool os_ok(enum osver os)
{
    return os == OSVER_NT4 || os == OSVER_W2K || os == OSVER_XP;
}

/* Checks the identity and fills a zeroed machine with it. */
static ntstatus set_identity(struct machine *m, const char *name, enum osver os,
                             enum machine_role role, const char *domain)
{
    bool has_domain = domain && *domain;
    if (!machine_name_valid(name, MACHINE_NAME_MAX) || !os_ok(os))
        return STATUS_INVALID_PARAMETER;
    if (role != ROLE_STANDALONE && role != ROLE_MEMBER && role != ROLE_PDC && role != ROLE_BDC)
        return STATUS_INVALID_PARAMETER;
    if (role == ROLE_STANDALONE ? has_domain : !has_domain)
        return STATUS_INVALID_PARAMETER;
    if (has_domain && !machine_name_valid(domain, SAM_DOMAIN_NAME_MAX))
        return STATUS_INVALID_PARAMETER;
    if (os == OSVER_XP && (role == ROLE_PDC || role == ROLE_BDC))
        return STATUS_INVALID_PARAMETER; /* XP cannot be a domain controller */
    str_copy(m->name, sizeof m->name, name);
    str_upper(m->name);
    str_copy(m->domain, sizeof m->domain, has_domain ? domain : "");
    str_upper(m->domain);
    m->os = os;
    m->role = role;
    return STATUS_SUCCESS;
}

/* A new machine, its identity set: its derived SID, the default clock,
 * and its databases, a fresh SAM (the domain's on a DC) and the default
 * policy. */
static ntstatus fresh_db(struct machine *m, const char *admin_password)
{
    derive_sid(m->name, &m->sid);
    clock_init_virtual(&m->clock, CLOCK_DEFAULT_START);
    m->next_logon_id = FIRST_LOGON_ID;
    bool dc = machine_is_dc(m);
    ntstatus st = sam_create(dc ? m->domain : m->name, &m->sid, dc,
                             admin_password ? admin_password : "", clock_now(&m->clock), &m->sam);
    if (st)
        return st;
    m->owns_db = true;
    return default_policy(m, NULL, 0);
}

ntstatus machine_create(const char *name, enum osver os, enum machine_role role,
                        const char *domain, const char *admin_password, struct machine **out)
{
    *out = NULL;
    struct machine *m = calloc(1, sizeof *m);
    if (!m)
        return STATUS_NO_MEMORY;
    ntstatus st = set_identity(m, name, os, role, domain);
    if (!st)
        st = fresh_db(m, admin_password);
    if (!st)
        st = evtlog_open(NULL, m->name, &m->evtlog);
    if (st) {
        machine_free(m);
        return st;
    }
    *out = m;
    return STATUS_SUCCESS;
}

static bool join(char *out, size_t n, const char *dir, const char *file)
{
    int k = snprintf(out, n, "%s/%s", dir, file);
    return k >= 0 && (size_t)k < n;
}

ntstatus machine_local_db_new(struct machine *m, const char *admin_password)
{
    struct sam *old_sam = m->sam;
    struct lsa *old_lsa = m->lsa;
    bool old_owns = m->owns_db;
    struct sid old_sid = m->sid;
    char path[PATH_MAX];
    derive_sid(m->name, &m->sid);
    m->sam = NULL;
    m->lsa = NULL;
    ntstatus st = sam_create(m->name, &m->sid, false, admin_password ? admin_password : "",
                             clock_now(&m->clock), &m->sam);
    if (!st) {
        m->owns_db = true; /* default_policy resolves names through m's own SAM */
        st = default_policy(m, NULL, 0);
    }
    if (!st)
        st = join(path, sizeof path, m->dir, "sam.txt") ? sam_save_as(m->sam, path)
                                                         : STATUS_OBJECT_NAME_INVALID;
    if (!st)
        st = join(path, sizeof path, m->dir, "policy.inf") ? lsa_save_as(m->lsa, path)
                                                            : STATUS_OBJECT_NAME_INVALID;
    if (st) {
        sam_free(m->sam);
        lsa_free(m->lsa);
        m->sam = old_sam;
        m->lsa = old_lsa;
        m->owns_db = old_owns;
        m->sid = old_sid;
    }
    return st;
}

ntstatus machine_save_conf(const struct machine *m)
{
    if (!m->dir[0])
        return STATUS_SUCCESS;
    char path[PATH_MAX], sidbuf[SID_STR_MAX];
    if (!join(path, sizeof path, m->dir, CONF_NAME))
        return STATUS_OBJECT_NAME_INVALID;
    struct buf b = BUF_INIT;
    int rc = buf_printf(&b,
                        "# ntlab machine identity (format: emulator/machine.c)\n"
                        "name = %s\nos = %s\nrole = %s\n",
                        m->name, osver_name(m->os), machine_role_name(m->role));
    if (!rc && m->domain[0])
        rc = buf_printf(&b, "domain = %s\n", m->domain);
    if (!rc)
        rc = buf_printf(&b, "sid = %s\n", sid_str(&m->sid, sidbuf));
    for (size_t i = 0; !rc && i < m->nsettings; i++)
        rc = buf_printf(&b, "%s = %s\n", m->settings[i].key, m->settings[i].value);
    if (!rc) {
        if (m->clock.virtual_time)
            rc = buf_printf(&b, "clock = %" PRId64 "\n", clock_now(&m->clock));
        else
            rc = buf_puts(&b, "clock = wall\n");
    }
    if (!rc)
        rc = afile_write(path, b.p, b.len, 0644);
    buf_free(&b);
    return nterr_from_errno(rc);
}

static ntstatus open_evtlog(struct machine *m)
{
    char path[PATH_MAX];
    if (!join(path, sizeof path, m->dir, "eventlog"))
        return STATUS_OBJECT_NAME_INVALID;
    return evtlog_open(path, m->name, &m->evtlog);
}

/* A zeroed machine for the directory dir, whose machine.conf path goes to
 * path (PATH_MAX bytes). */
static ntstatus machine_alloc(const char *dir, char *path, struct machine **out)
{
    if (!dir || !*dir || !join(path, PATH_MAX, dir, CONF_NAME))
        return STATUS_OBJECT_NAME_INVALID;
    *out = calloc(1, sizeof **out);
    return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

ntstatus machine_init_dir(const char *dir, const char *name, enum osver os,
                          enum machine_role role, const char *domain,
                          const char *admin_password, struct machine **out)
{
    *out = NULL;
    char path[PATH_MAX];
    struct machine *m;
    ntstatus st = machine_alloc(dir, path, &m);
    if (st)
        return st;
    st = set_identity(m, name, os, role, domain);
    if (!st && str_copy(m->dir, sizeof m->dir, dir))
        st = STATUS_OBJECT_NAME_INVALID;
    struct stat sb;
    if (!st && stat(path, &sb) == 0)
        st = STATUS_OBJECT_NAME_COLLISION; /* a machine lives there already */
    if (!st)
        st = nterr_from_errno(afile_mkdirs(dir, 0700));
    if (!st)
        st = fresh_db(m, admin_password);
    if (!st)
        st = join(path, sizeof path, dir, "sam.txt") ? sam_save_as(m->sam, path)
                                                     : STATUS_OBJECT_NAME_INVALID;
    if (!st) {
        st = join(path, sizeof path, dir, "policy.inf") ? lsa_save_as(m->lsa, path)
                                                         : STATUS_OBJECT_NAME_INVALID;
    }
    if (!st)
        st = open_evtlog(m);
    if (!st)
        st = machine_save_conf(m); /* last: its presence marks a complete machine */
    if (st) {
        machine_free(m);
        return st;
    }
    *out = m;
    return STATUS_SUCCESS;
}

/* ---- accessors ---------------------------------------------------------- */

const char *machine_name(const struct machine *m)
{
    return m->name;
}
enum osver machine_os(const struct machine *m)
{
    return m->os;
}
enum machine_role machine_role(const struct machine *m)
{
    return m->role;
}
const char *machine_domain(const struct machine *m)
{
    return m->domain;
}
const struct sid *machine_sid(const struct machine *m)
{
    return &m->sid;
}
const char *machine_dir(const struct machine *m)
{
    return m->dir;
}
bool machine_running(const struct machine *m)
{
    return m->running;
}
const struct clock *machine_clock(const struct machine *m)
{
    return &m->clock;
}
int64_t machine_now(const struct machine *m)
{
    return clock_now(&m->clock);
}
struct sam *machine_sam(const struct machine *m)
{
    return m->sam;
}
struct lsa *machine_lsa(const struct machine *m)
{
    return m->lsa;
}
bool machine_owns_db(const struct machine *m)
{
    return m->owns_db;
}
struct evtlog *machine_evtlog(const struct machine *m)
{
    return m->evtlog;
}
struct scm *machine_scm(const struct machine *m)
{
    return m->scm;
}

ntstatus machine_clock_advance(struct machine *m, int64_t seconds)
{
    return clock_advance(&m->clock, seconds) ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

ntstatus machine_clock_set(struct machine *m, int64_t t)
{
    return clock_set(&m->clock, t) ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

/* ---- machine.conf reader ------------------------------------------------ */

/* machine.conf: settings without sections (format at the top). */
static const struct kvfile_syntax conf_syntax = {
    .comments = "#;",
    .raw = true,
    .line_max = CONF_LINE_MAX,
    .no_equals = "expected key = value",
};

static ntstatus conf_bad(const struct kvfile *kf, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ntstatus conf_bad(const struct kvfile *kf, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kvfile_fail(kf, line, "%s", msg);
    return STATUS_INTERNAL_DB_CORRUPTION;
}

enum conf_key { K_NAME, K_OS, K_ROLE, K_DOMAIN, K_SID, K_CLOCK, K_COUNT };
static const char *const conf_keys[K_COUNT] = {"name", "os", "role", "domain", "sid", "clock"};

/* A key machine.conf does not define: a product's setting, kept as is. */
static ntstatus keep_setting(struct machine *m, struct kvfile *kf, const struct kvfile_item *it)
{
    if (!setting_key_ok(it->key))
        return conf_bad(kf, it->line, "unknown key \"%.32s\"", it->key);
    if (machine_setting(m, it->key))
        return conf_bad(kf, it->line, "%s given twice", it->key);
    if (m->nsettings == MACHINE_SETTINGS_MAX)
        return conf_bad(kf, it->line, "more than %d settings", MACHINE_SETTINGS_MAX);
    struct machine_setting *ms = &m->settings[m->nsettings];
    ms->value = strdup(it->value);
    if (!ms->value)
        return STATUS_NO_MEMORY;
    str_copy(ms->key, sizeof ms->key, it->key);
    m->nsettings++;
    return STATUS_SUCCESS;
}

static ntstatus parse_conf(struct machine *m, struct kvfile *kf)
{
    char *val[K_COUNT] = {0};
    unsigned at[K_COUNT] = {0};
    struct kvfile_item it;
    for (;;) {
        if (kvfile_next(kf, &it))
            return STATUS_INTERNAL_DB_CORRUPTION;
        if (it.kind == KVFILE_END)
            break;
        size_t i = 0;
        while (i < K_COUNT && !str_ieq(it.key, conf_keys[i]))
            i++;
        if (i == K_COUNT) {
            ntstatus st = keep_setting(m, kf, &it);
            if (st)
                return st;
            continue;
        }
        if (val[i])
            return conf_bad(kf, it.line, "%s given twice", conf_keys[i]);
        val[i] = it.value;
        at[i] = it.line;
    }
    unsigned line = kvfile_lines(kf);
    unsigned last = line ? line : 1;
#define NEED(k)                                                                            \
    if (!val[k])                                                                           \
    return conf_bad(kf, last, "missing %s", conf_keys[k])
    NEED(K_NAME);
    NEED(K_OS);
    NEED(K_ROLE);
    NEED(K_SID);
#undef NEED
    enum osver os;
    if (!osver_parse(val[K_OS], &os))
        return conf_bad(kf, at[K_OS], "unknown os \"%.32s\"", val[K_OS]);
    enum machine_role role;
    if (!machine_role_parse(val[K_ROLE], &role))
        return conf_bad(kf, at[K_ROLE], "unknown role \"%.32s\"", val[K_ROLE]);
    if (!machine_name_valid(val[K_NAME], MACHINE_NAME_MAX))
        return conf_bad(kf, at[K_NAME], "bad name (1-15 letters, digits, - _)");
    if (role == ROLE_STANDALONE && val[K_DOMAIN] && *val[K_DOMAIN])
        return conf_bad(kf, at[K_DOMAIN], "a standalone server has no domain");
    if (role != ROLE_STANDALONE && !val[K_DOMAIN])
        return conf_bad(kf, last, "missing domain");
    if (val[K_DOMAIN] && *val[K_DOMAIN] && !machine_name_valid(val[K_DOMAIN], SAM_DOMAIN_NAME_MAX))
        return conf_bad(kf, at[K_DOMAIN], "bad domain (1-15 letters, digits, - _)");
    if (set_identity(m, val[K_NAME], os, role, val[K_DOMAIN]) != STATUS_SUCCESS)
        return conf_bad(kf, at[K_ROLE], "%s cannot be a %s", osver_display(os),
                        machine_role_name(role));
    const char *why = "not a machine SID (S-1-5-21-a-b-c)";
    if (sid_parse(val[K_SID], &m->sid, &why) != 0 || !machine_sid_ok(&m->sid))
        return conf_bad(kf, at[K_SID], "bad sid: %s", why);
    clock_init_virtual(&m->clock, CLOCK_DEFAULT_START);
    if (val[K_CLOCK]) {
        int64_t t;
        if (str_ieq(val[K_CLOCK], "wall"))
            clock_init_wall(&m->clock);
        else if (str_to_i64(val[K_CLOCK], 0, INT64_MAX / 2, &t) == 0)
            clock_init_virtual(&m->clock, t);
        else
            return conf_bad(kf, at[K_CLOCK],
                            "clock must be seconds since 1970 or \"wall\"");
    }
    return STATUS_SUCCESS;
}

/* Reads machine.conf at path into m (identity, clock, settings). */
static ntstatus read_conf(struct machine *m, const char *path, char *err, size_t errlen)
{
    struct kvfile kf;
    int rc = kvfile_open(&kf, path, CONF_MAX, &conf_syntax, err, errlen);
    ntstatus st = rc == EFBIG || rc == EILSEQ ? STATUS_INTERNAL_DB_CORRUPTION
                                              : nterr_from_errno(rc);
    if (!rc)
        st = parse_conf(m, &kf);
    kvfile_close(&kf);
    return st;
}

ntstatus machine_load(const char *dir, struct machine **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    char path[PATH_MAX];
    struct machine *m;
    ntstatus st = machine_alloc(dir, path, &m);
    if (st)
        return st;
    st = str_copy(m->dir, sizeof m->dir, dir) ? STATUS_OBJECT_NAME_INVALID : 0;
    if (!st)
        st = read_conf(m, path, err, errlen);
    m->next_logon_id = FIRST_LOGON_ID;

    /* The databases. A DC in a lab has none of its own (the lab attaches
     * the domain's); a lone DC keeps them in its directory like a member. */
    char sam_path[PATH_MAX], pol_path[PATH_MAX];
    if (!st && (!join(sam_path, sizeof sam_path, dir, "sam.txt") ||
                !join(pol_path, sizeof pol_path, dir, "policy.inf")))
        st = STATUS_OBJECT_NAME_INVALID;
    if (!st) {
        m->owns_db = true;
        st = sam_load(sam_path, &m->sam, err, errlen);
        if (st == STATUS_OBJECT_NAME_NOT_FOUND && machine_is_dc(m)) {
            m->owns_db = false;
            st = STATUS_SUCCESS;
        } else if (!st) {
            struct lsa_names names;
            names_for(m, &names);
            st = lsa_load(pol_path, m->os, &names, &m->lsa, err, errlen);
        }
    }
    if (!st)
        st = open_evtlog(m);
    if (st) {
        machine_free(m);
        return st;
    }
    *out = m;
    return STATUS_SUCCESS;
}

const char *machine_setting(const struct machine *m, const char *key)
{
    for (size_t i = 0; i < m->nsettings; i++)
        if (str_ieq(m->settings[i].key, key))
            return m->settings[i].value;
    return NULL;
}

ntstatus machine_setting_remove(struct machine *m, const char *key)
{
    size_t i = 0;
    while (i < m->nsettings && !str_ieq(m->settings[i].key, key))
        i++;
    if (i == m->nsettings)
        return STATUS_SUCCESS;
    struct machine_setting gone = m->settings[i];
    memmove(&m->settings[i], &m->settings[i + 1], (m->nsettings - i - 1) * sizeof gone);
    m->nsettings--;
    ntstatus st = machine_save_conf(m);
    if (st) { /* undo: memory stays what the disk holds */
        memmove(&m->settings[i + 1], &m->settings[i], (m->nsettings - i) * sizeof gone);
        m->settings[i] = gone;
        m->nsettings++;
        return st;
    }
    free(gone.value);
    return STATUS_SUCCESS;
}

/* ---- domain membership -------------------------------------------------- */

ntstatus machine_join_domain(struct machine *m, const struct sid *domain_sid)
{
    if (m->role != ROLE_MEMBER || !m->owns_db || !m->sam)
        return STATUS_INVALID_PARAMETER;
    static const struct {
        uint32_t rid;
        const char *alias;
    } joins[] = {{SID_RID_DOMAIN_ADMINS, "Administrators"}, {SID_RID_DOMAIN_USERS, "Users"}};
    ntstatus st = sam_batch_begin(m->sam);
    for (size_t i = 0; i < sizeof joins / sizeof joins[0] && !st; i++) {
        struct sid g;
        st = sid_compose(domain_sid, joins[i].rid, &g) ? STATUS_INVALID_PARAMETER
                                                        : sam_group_add_member(m->sam, joins[i].alias, &g);
        if (st == STATUS_MEMBER_IN_GROUP)
            st = STATUS_SUCCESS;
    }
    if (st) {
        sam_batch_cancel(m->sam); /* nothing written, nothing kept */
        return st;
    }
    return sam_batch_end(m->sam);
}
