/* LogonUser after reference/nt-facts.md §2.3, in this order:
 *   1. NT 4.0 / Windows 2000: the caller's token must hold SeTcbPrivilege,
 *      checked before anything else (any user, any password) -> 1314;
 *   2. the logon type -> 1367;
 *   3. the domain: this machine's SAM, or pass-through to a running DC of a
 *      member server's domain (1311 when none runs; an unknown domain is a
 *      failed logon, 1326);
 *   4. authentication: unknown user or bad password -> 1326; a locked-out
 *      account -> 1909 whatever the password; lockout per [System Access];
 *   5. account restrictions: disabled 1331, expired 1793, logon hours 1328,
 *      workstation 1329, password age 1330, must change 1907;
 *   6. the logon right of the type over user + groups + Everyone +
 *      Authenticated Users + the logon-type SID, deny rights winning on
 *      Windows 2000 and later -> 1385;
 *   7. the token: groups and privileges from the policy at this instant.
 * Steps 4-5 run where the account lives (the DC's SAM and its domain's
 * account policy for a pass-through logon); steps 6-7 use the policy and
 * the local groups of the machine the user logs on to.
 *
 * Security-log audits (machine_audit) on the machine logged on to: 528
 * success; 529 unknown user, bad password or unknown domain; 530 logon
 * hours; 531 disabled; 532 expired; 533 workstation; 534 logon type; 535
 * password expired and must-change (NT implements "must change at next
 * logon" as an expired password, pwdLastSet = 0, and audits it as such);
 * 537 no logon server (NT's "An unexpected error occurred during logon");
 * 539 locked out. 644 (account locked out) goes to the log of the machine
 * whose SAM locked the account. Steps 1 and 2 write no audit: NT rejects
 * them in advapi32/LsaRegisterLogonProcess before the LSA sees a logon
 * (the Exchange store writes its own MSExchangePOP3 event).
 *
 * Durability: bad-password counts, lockouts and their release are written
 * to the SAM at once (sam_user_edit) when the machine has a state
 * directory. last_logon is kept in memory and reaches disk with the next
 * write, so a successful logon costs no fsync. A failed write does not
 * change the outcome reported for the logon, but the SAM keeps what its
 * file holds (no count, no lockout, no 644). */
#include "emulator/logon.h"
#include "emulator/machine_int.h"
#include "src/lib/str.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define AUTH_PACKAGE "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"
#define AUDIT_SYSTEM_USER "NT AUTHORITY\\SYSTEM"
#define MAX_SIDS (TOKEN_MAX_GROUPS + 4)

const char *logon_type_name(enum logon_type t)
{
    switch (t) {
    case LOGON_INTERACTIVE: return "Interactive";
    case LOGON_NETWORK: return "Network";
    case LOGON_BATCH: return "Batch";
    case LOGON_SERVICE: return "Service";
    }
    return "?";
}

bool logon_type_parse(const char *s, enum logon_type *out)
{
    static const enum logon_type all[] = {LOGON_INTERACTIVE, LOGON_NETWORK, LOGON_BATCH,
                                          LOGON_SERVICE};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
        char num[2] = {(char)('0' + (int)all[i]), 0};
        if (str_ieq(s, logon_type_name(all[i])) || strcmp(s, num) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

static bool type_ok(enum logon_type t)
{
    return t == LOGON_INTERACTIVE || t == LOGON_NETWORK || t == LOGON_BATCH ||
           t == LOGON_SERVICE;
}

static void type_rights(enum logon_type t, unsigned *allow, unsigned *deny)
{
    switch (t) {
    case LOGON_INTERACTIVE:
        *allow = RI_INTERACTIVE_LOGON;
        *deny = RI_DENY_INTERACTIVE_LOGON;
        break;
    case LOGON_NETWORK:
        *allow = RI_NETWORK_LOGON;
        *deny = RI_DENY_NETWORK_LOGON;
        break;
    case LOGON_BATCH:
        *allow = RI_BATCH_LOGON;
        *deny = RI_DENY_BATCH_LOGON;
        break;
    case LOGON_SERVICE:
        *allow = RI_SERVICE_LOGON;
        *deny = RI_DENY_SERVICE_LOGON;
        break;
    }
}

static const struct sid *type_sid(enum logon_type t)
{
    switch (t) {
    case LOGON_INTERACTIVE: return sid_wellknown(SID_WK_INTERACTIVE);
    case LOGON_NETWORK: return sid_wellknown(SID_WK_NETWORK);
    case LOGON_BATCH: return sid_wellknown(SID_WK_BATCH);
    case LOGON_SERVICE: return sid_wellknown(SID_WK_SERVICE);
    }
    return sid_wellknown(SID_WK_NULL);
}

/* ---- where the account lives --------------------------------------------- */

/* Sets *am to the machine whose SAM holds accounts of `domain` as seen from
 * m: m itself for NULL, "", ".", its own name (or, on a DC, its domain);
 * a running DC of a member server's domain. */
static ntstatus resolve_domain(struct machine *m, const char *domain, struct machine **am)
{
    *am = NULL;
    if (!domain || !*domain || strcmp(domain, ".") == 0 || str_ieq(domain, machine_name(m)) ||
        (machine_is_dc(m) && str_ieq(domain, machine_domain(m)))) {
        if (!machine_sam(m))
            return STATUS_NO_LOGON_SERVERS; /* a DC not attached to its domain database */
        *am = m;
        return STATUS_SUCCESS;
    }
    if (machine_role(m) == ROLE_MEMBER && str_ieq(domain, machine_domain(m))) {
        struct machine *dc =
            m->host.ops ? m->host.ops->domain_controller(m->host.ctx, machine_domain(m)) : NULL;
        if (!dc || !machine_sam(dc))
            return STATUS_NO_LOGON_SERVERS;
        *am = dc;
        return STATUS_SUCCESS;
    }
    return STATUS_LOGON_FAILURE; /* no such domain (no trusts are modelled) */
}

/* The token's groups: the account's memberships where it lives; for a
 * pass-through logon only the domain's global groups from there, then the
 * logon machine's local groups holding the user or those; then
 * Authenticated Users (NT 4.0 SP3 and later). */
static ntstatus account_groups(struct machine *m, struct machine *am, const struct sid *user,
                               struct sid *out, size_t max, size_t *n)
{
    size_t k = 0;
    ntstatus st;
    if (am == m) {
        st = sam_memberships(machine_sam(m), user, 1, out, max, &k);
    } else {
        struct sid dom[TOKEN_MAX_GROUPS];
        size_t nd;
        st = sam_memberships(machine_sam(am), user, 1, dom, TOKEN_MAX_GROUPS, &nd);
        if (!st) {
            /* the DC's own aliases (its BUILTIN groups) mean nothing here */
            struct sid in[TOKEN_MAX_GROUPS + 1];
            size_t nin = 0;
            in[nin++] = *user;
            for (size_t i = 0; i < nd; i++) {
                const struct sam_group *g = sam_group_by_sid(machine_sam(am), &dom[i]);
                if (g && g->kind == SAM_GROUP_GLOBAL && k < max) {
                    out[k++] = dom[i];
                    in[nin++] = dom[i];
                }
            }
            size_t nl = 0;
            st = sam_memberships(machine_sam(m), in, nin, out + k, max - k, &nl);
            k += nl;
        }
    }
    if (!st) {
        if (k < max)
            out[k++] = *sid_wellknown(SID_WK_AUTHENTICATED_USERS);
        else
            st = STATUS_NO_MEMORY;
    }
    *n = k;
    return st;
}

/* Rights at this instant over user + groups + Everyone + the type's SID. */
static rights_mask effective_rights(struct machine *m, const struct sid *user,
                                    const struct sid *groups, size_t ng, enum logon_type type)
{
    if (!machine_lsa(m))
        return 0;
    struct sid all[MAX_SIDS + 2];
    size_t n = 0;
    all[n++] = *user;
    for (size_t i = 0; i < ng && n < MAX_SIDS; i++)
        all[n++] = groups[i];
    all[n++] = *sid_wellknown(SID_WK_EVERYONE);
    all[n++] = *type_sid(type);
    return lsa_effective_rights(machine_lsa(m), all, n);
}

/* Steps 6 (when check_right) and 7: rights and privileges come from one
 * reading of the policy. STATUS_LOGON_TYPE_NOT_GRANTED when the type's
 * right is missing or (Windows 2000 and later) denied. */
static ntstatus make_token(struct machine *m, struct machine *am, const struct sam_user *u,
                           enum logon_type type, int64_t now, bool check_right,
                           struct token *out)
{
    struct sid user, groups[TOKEN_MAX_GROUPS];
    size_t ng;
    sam_user_sid(machine_sam(am), u, &user);
    ntstatus st = account_groups(m, am, &user, groups, TOKEN_MAX_GROUPS, &ng);
    if (st)
        return st;
    rights_mask rights = effective_rights(m, &user, groups, ng, type);
    if (check_right) {
        unsigned allow = RI_COUNT, deny = RI_COUNT;
        type_rights(type, &allow, &deny);
        bool denied = machine_os(m) >= OSVER_W2K && deny < RI_COUNT && (rights & RIGHTS_BIT(deny));
        if (denied || allow == RI_COUNT || !(rights & RIGHTS_BIT(allow)))
            return STATUS_LOGON_TYPE_NOT_GRANTED;
    }
    st = token_build(out, &user, groups, ng, rights, type, sam_domain_name(machine_sam(am)),
                     u->name, now);
    if (!st)
        out->logon_id = m->next_logon_id++;
    return st;
}

/* ---- audits ------------------------------------------------------------- */

struct audit_ctx {
    struct machine *m;
    char user[SAM_NAME_MAX * 3 + 1]; /* as given, made printable */
    char domain[SAM_DOMAIN_NAME_MAX * 3 + 1];
    enum logon_type type;
    const char *process, *package;
    char workstation[16 * 3 + 1];
};

/* Caller-supplied text goes into the log: bounded, control bytes replaced. */
static void printable(char *out, size_t n, const char *in)
{
    size_t i = 0;
    for (; in && in[i] && i + 1 < n; i++)
        out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
    out[i] = 0;
}

/* Everything but the domain, which is known once it has been resolved. */
static void audit_init(struct audit_ctx *a, struct machine *m, const struct logon_request *rq)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->type = rq->type;
    a->process = rq->process ? rq->process : "Advapi";
    a->package = rq->package ? rq->package : AUTH_PACKAGE;
    printable(a->user, sizeof a->user, rq->user);
    printable(a->workstation, sizeof a->workstation,
              rq->workstation ? rq->workstation : machine_name(m));
}

static void audit_failure(const struct audit_ctx *a, uint32_t id, const char *reason)
{
    char d[EVTLOG_TEXT_MAX];
    snprintf(d, sizeof d,
             "Logon Failure: Reason: %s User Name: %s Domain: %s Logon Type: %d "
             "Logon Process: %s Authentication Package: %s Workstation Name: %s",
             reason, a->user, a->domain, (int)a->type, a->process, a->package, a->workstation);
    machine_audit(a->m, id, false, AUDIT_SYSTEM_USER, d);
}

static void audit_success(const struct audit_ctx *a, const struct token *t)
{
    char d[EVTLOG_TEXT_MAX], who[2 * TOKEN_NAME_MAX + 2];
    snprintf(d, sizeof d,
             "Successful Logon: User Name: %s Domain: %s Logon ID: (0x%" PRIX32 ",0x%" PRIX32
             ") Logon Type: %d Logon Process: %s Authentication Package: %s "
             "Workstation Name: %s",
             t->user_name, t->domain_name, (uint32_t)(t->logon_id >> 32), (uint32_t)t->logon_id,
             (int)t->type, a->process, a->package, a->workstation);
    snprintf(who, sizeof who, "%s\\%s", t->domain_name, t->user_name);
    machine_audit(a->m, 528, true, who, d);
}

static void audit_lockout(struct machine *am, const struct audit_ctx *a,
                          const struct sam_user *u)
{
    char d[EVTLOG_TEXT_MAX], sb[SID_STR_MAX];
    struct sid s;
    sam_user_sid(machine_sam(am), u, &s);
    snprintf(d, sizeof d,
             "User Account Locked Out: Target Account Name: %s Target Account ID: %s "
             "Caller Machine Name: %s Caller User Name: SYSTEM Caller Domain: NT AUTHORITY "
             "Caller Logon ID: (0x0,0x3E7)",
             u->name, sid_str(&s, sb), a->workstation);
    machine_audit(am, 644, true, AUDIT_SYSTEM_USER, d);
}

/* ---- the checks --------------------------------------------------------- */

/* Bit (day * 24 + hour) of the week in UTC, day 0 = Sunday; 1970-01-01 was
 * a Thursday (day 4). */
static bool hour_allowed(const struct sam_user *u, int64_t now)
{
    int64_t days = now / 86400, secs = now % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t dow = ((days + 4) % 7 + 7) % 7;
    unsigned bit = (unsigned)(dow * 24 + secs / 3600);
    return (u->logon_hours[bit / 8] >> (bit % 8)) & 1;
}

static bool workstation_allowed(const struct sam_user *u, const char *ws)
{
    if (!ws)
        return true;
    bool any = false;
    for (size_t i = 0; i < SAM_WORKSTATIONS_MAX; i++) {
        if (!u->workstations[i][0])
            continue;
        any = true;
        if (str_ieq(u->workstations[i], ws))
            return true;
    }
    return !any;
}

/* MaximumPasswordAge: -1 or 0 = never expires (Windows: "Setting the number
 * of days to 0 specifies that passwords never expire"); a pwd_last_set of 0
 * means "not recorded" in sam.txt and is not aged. */
static bool password_expired(const struct sam_user *u, const struct lsa_sysaccess *sa,
                             int64_t now)
{
    if (!sa || sa->max_password_age <= 0 || (u->flags & SAM_PWD_NEVER_EXPIRES) ||
        u->pwd_last_set == 0)
        return false;
    return now - u->pwd_last_set > (int64_t)sa->max_password_age * 86400;
}

static const struct lsa_sysaccess *account_policy(const struct machine *am)
{
    return machine_lsa(am) ? lsa_sysaccess(machine_lsa(am)) : NULL;
}

/* Releases a lockout whose LockoutDuration has passed (-1: only an admin
 * unlocks). Returns true when the account is still locked. */
static bool still_locked(struct sam_user *u, const struct lsa_sysaccess *sa, int64_t now)
{
    if (!(u->flags & SAM_LOCKED))
        return false;
    if (sa && sa->lockout_duration >= 0 &&
        now - u->locked_at >= (int64_t)sa->lockout_duration * 60) {
        sam_user_clear_lockout(u);
        return false;
    }
    return true;
}

/* A bad password: the counter restarts when ResetLockoutCount minutes have
 * passed since the last bad one; at LockoutBadCount the account locks.
 * Returns true when this attempt locked it. */
static bool count_bad_password(struct sam_user *u, const struct lsa_sysaccess *sa, int64_t now)
{
    if (u->bad_count && sa && sa->reset_lockout_count >= 0 &&
        now - u->last_bad >= (int64_t)sa->reset_lockout_count * 60)
        u->bad_count = 0;
    if (u->bad_count < UINT32_MAX)
        u->bad_count++;
    u->last_bad = now;
    if (sa && sa->lockout_bad_count > 0 && u->bad_count >= (uint32_t)sa->lockout_bad_count) {
        u->flags |= SAM_LOCKED;
        u->locked_at = now;
        return true;
    }
    return false;
}

/* Step 4 on one account, as a sam_user_edit function: lockout release,
 * lockout, the password, the bad-password count. */
struct auth {
    const struct lsa_sysaccess *sa;
    int64_t now;
    logon_cred_fn cred_ok;
    void *cred_arg;
    enum { AUTH_OK, AUTH_LOCKED, AUTH_BAD } outcome;
    bool locked_now; /* this attempt locked the account */
};

static ntstatus authenticate(struct sam_user *u, void *arg)
{
    struct auth *au = arg;
    au->locked_now = false;
    if (still_locked(u, au->sa, au->now)) {
        au->outcome = AUTH_LOCKED;
    } else if (!au->cred_ok(u, au->cred_arg)) {
        au->outcome = AUTH_BAD;
        au->locked_now = count_bad_password(u, au->sa, au->now);
    } else {
        au->outcome = AUTH_OK;
        u->bad_count = 0;
    }
    return STATUS_SUCCESS;
}

/* Runs step 4 for the user *u of am's SAM. The common case (not locked, no
 * bad password counted, the right password) changes nothing and costs one
 * hash. Otherwise a trial on a copy tells whether the account changes; if
 * so the change goes through sam_user_edit, which re-reads the SAM when
 * another process wrote it and decides on what the file holds (see
 * "Durability"). *u is looked up again after a write (NULL: gone). */
static void authenticate_user(struct machine *am, const char *user, struct sam_user **u,
                              struct auth *au)
{
    struct sam_user *v = *u;
    if (!(v->flags & SAM_LOCKED) && v->bad_count == 0 && au->cred_ok(v, au->cred_arg)) {
        au->outcome = AUTH_OK;
        au->locked_now = false;
        return;
    }
    struct sam_user trial;
    memcpy(&trial, v, sizeof trial);
    authenticate(&trial, au);
    if (sam_user_equal(&trial, v))
        return;
    if (sam_user_edit(machine_sam(am), user, authenticate, au) != STATUS_SUCCESS)
        au->locked_now = false; /* not written, so not locked */
    *u = sam_user_find(machine_sam(am), user);
}

/* Steps 5-7, the part a challenge/response logon shares (see logon.h). */
ntstatus logon_post_credential_checks(struct machine *m, struct machine *am, struct sam_user *u,
                                      const struct logon_request *rq, struct token *out)
{
    if (!type_ok(rq->type))
        return STATUS_INVALID_LOGON_TYPE;
    struct audit_ctx a;
    audit_init(&a, m, rq);
    printable(a.domain, sizeof a.domain, sam_domain_name(machine_sam(am)));
    int64_t now = machine_now(m);
    const struct lsa_sysaccess *sa = account_policy(am);

    /* 5. */
    static const struct {
        uint32_t event;
        ntstatus status;
        const char *reason;
    } restriction[] = {
        {531, STATUS_ACCOUNT_DISABLED, "Account currently disabled"},
        {532, STATUS_ACCOUNT_EXPIRED, "The specified user account has expired"},
        {530, STATUS_INVALID_LOGON_HOURS, "Account logon time restriction violation"},
        {533, STATUS_INVALID_WORKSTATION, "User not allowed to logon at this computer"},
        {535, STATUS_PASSWORD_EXPIRED, "The specified account's password has expired"},
        {535, STATUS_PASSWORD_MUST_CHANGE, "The specified account's password has expired"},
    };
    bool fails[] = {
        (u->flags & SAM_DISABLED) != 0,
        u->expires != 0 && now >= u->expires,
        !hour_allowed(u, now),
        !workstation_allowed(u, rq->workstation),
        password_expired(u, sa, now),
        (u->flags & SAM_MUST_CHANGE) != 0,
    };
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++)
        if (fails[i]) {
            audit_failure(&a, restriction[i].event, restriction[i].reason);
            return restriction[i].status;
        }

    /* 6 and 7 */
    struct token t;
    ntstatus st = make_token(m, am, u, rq->type, now, true, &t);
    if (st == STATUS_LOGON_TYPE_NOT_GRANTED)
        audit_failure(&a, 534,
                      "The user has not been granted the requested logon type at this machine");
    if (st)
        return st;
    u->last_logon = now;
    *out = t;
    audit_success(&a, out);
    return STATUS_SUCCESS;
}

static bool password_matches(const struct sam_user *u, void *password)
{
    return sam_password_ok(u, password);
}

ntstatus logon_user(struct machine *m, const struct token *caller, const char *domain,
                    const char *user, const char *password, enum logon_type type,
                    const char *workstation, const char *process, struct token *out)
{
    /* 1. NT 4.0 and Windows 2000 want the caller to hold SeTcbPrivilege
     *    before they look at anything else (Q189732). */
    if (machine_os(m) <= OSVER_W2K && !(caller && token_has_privilege(caller, RI_TCB)))
        return STATUS_PRIVILEGE_NOT_HELD;
    const struct logon_request rq = {domain, user, type, workstation, process, NULL};
    return logon_with_credential(m, &rq, password_matches, (void *)(password ? password : ""),
                                 out);
}

ntstatus logon_with_credential(struct machine *m, const struct logon_request *rq,
                               logon_cred_fn cred_ok, void *cred_arg, struct token *out)
{
    const char *domain = rq->domain, *user = rq->user;
    /* 2. */
    if (!type_ok(rq->type))
        return STATUS_INVALID_LOGON_TYPE;

    struct audit_ctx a;
    audit_init(&a, m, rq);
    int64_t now = machine_now(m);

    /* 3. */
    struct machine *am;
    ntstatus st = resolve_domain(m, domain, &am);
    printable(a.domain, sizeof a.domain,
              am                  ? sam_domain_name(machine_sam(am))
              : domain && *domain ? domain
                                  : machine_name(m));
    if (st == STATUS_NO_LOGON_SERVERS) {
        audit_failure(&a, 537, "An unexpected error occurred during logon");
        return st;
    }
    if (st) {
        audit_failure(&a, 529, "Unknown user name or bad password");
        return STATUS_LOGON_FAILURE;
    }

    /* 4. */
    struct sam_user *u = user ? sam_user_find(machine_sam(am), user) : NULL;
    if (!u) {
        audit_failure(&a, 529, "Unknown user name or bad password");
        return STATUS_LOGON_FAILURE;
    }
    const struct lsa_sysaccess *sa = account_policy(am);
    struct auth au = {.sa = sa, .now = now, .cred_ok = cred_ok, .cred_arg = cred_arg};
    authenticate_user(am, user, &u, &au);
    if (!u) {
        audit_failure(&a, 529, "Unknown user name or bad password");
        return STATUS_LOGON_FAILURE; /* another process deleted it meanwhile */
    }
    if (au.outcome == AUTH_LOCKED) {
        audit_failure(&a, 539, "Account locked out");
        return STATUS_ACCOUNT_LOCKED_OUT;
    }
    if (au.outcome == AUTH_BAD) {
        audit_failure(&a, 529, "Unknown user name or bad password");
        if (au.locked_now)
            audit_lockout(am, &a, u);
        return STATUS_LOGON_FAILURE;
    }
    return logon_post_credential_checks(m, am, u, rq, out);
}

ntstatus logon_token_for(struct machine *m, const char *domain, const char *user,
                         enum logon_type type, struct token *out)
{
    if (!type_ok(type))
        return STATUS_INVALID_LOGON_TYPE;
    struct machine *am;
    ntstatus st = resolve_domain(m, domain, &am);
    if (st == STATUS_NO_LOGON_SERVERS)
        return st;
    const struct sam_user *u = !st && user ? sam_user_find(machine_sam(am), user) : NULL;
    if (!u)
        return STATUS_NO_SUCH_USER;
    return make_token(m, am, u, type, machine_now(m), false, out);
}
