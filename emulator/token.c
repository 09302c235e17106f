/* Access tokens: built once at logon, never touched by later policy
 * changes. Privilege sets are rights masks restricted to privileges. */
#include "emulator/token.h"
#include "src/lib/str.h"
#include <string.h>

static bool add_group(struct token *t, const struct sid *g)
{
    if (sid_equal(g, &t->user))
        return true;
    for (size_t i = 0; i < t->ngroups; i++)
        if (sid_equal(&t->groups[i], g))
            return true;
    if (t->ngroups == TOKEN_MAX_GROUPS)
        return false;
    t->groups[t->ngroups++] = *g;
    return true;
}

static const struct sid *logon_sid(enum logon_type type)
{
    switch (type) {
    case LOGON_INTERACTIVE: return sid_wellknown(SID_WK_INTERACTIVE);
    case LOGON_NETWORK: return sid_wellknown(SID_WK_NETWORK);
    case LOGON_BATCH: return sid_wellknown(SID_WK_BATCH);
    case LOGON_SERVICE: return sid_wellknown(SID_WK_SERVICE);
    }
    return NULL;
}

ntstatus token_build(struct token *t, const struct sid *user, const struct sid *groups,
                     size_t ngroups, rights_mask rights, enum logon_type type,
                     const char *domain_name, const char *user_name, int64_t now)
{
    memset(t, 0, sizeof *t);
    t->user = *user;
    const struct sid *ls = logon_sid(type);
    if (!ls)
        return STATUS_INVALID_PARAMETER;
    for (size_t i = 0; i < ngroups; i++)
        if (!add_group(t, &groups[i]))
            return STATUS_NO_MEMORY;
    if (!add_group(t, sid_wellknown(SID_WK_EVERYONE)) || !add_group(t, ls))
        return STATUS_NO_MEMORY;
    t->privileges = rights & rights_privileges();
    /* "SeChangeNotifyPrivilege ... is enabled by default for all users";
     * every other privilege is held but disabled (nt-facts.md §3). */
    t->enabled_by_default = t->privileges & RIGHTS_BIT(RI_CHANGE_NOTIFY);
    t->enabled = t->enabled_by_default;
    t->type = type;
    t->logon_time = now;
    str_copy(t->domain_name, sizeof t->domain_name, domain_name ? domain_name : "");
    str_copy(t->user_name, sizeof t->user_name, user_name ? user_name : "");
    return STATUS_SUCCESS;
}

void token_system(struct token *t, enum osver os, int64_t now)
{
    memset(t, 0, sizeof *t);
    t->user = *sid_wellknown(SID_WK_SYSTEM);
    t->groups[t->ngroups++] = *sid_wellknown(SID_WK_ADMINISTRATORS);
    t->groups[t->ngroups++] = *sid_wellknown(SID_WK_EVERYONE);
    t->privileges = rights_known(os) & rights_privileges();
    /* The privileges a LocalSystem process starts with enabled, as whoami
     * /priv shows them for SYSTEM; the rest are held but disabled. */
    static const unsigned on[] = {
        RI_TCB,           RI_LOCK_MEMORY,          RI_SYSTEM_PROFILE, RI_PROFILE_SINGLE_PROCESS,
        RI_INC_BASE_PRIORITY, RI_CREATE_PAGEFILE,  RI_CREATE_PERMANENT, RI_DEBUG,
        RI_AUDIT,         RI_CHANGE_NOTIFY,
    };
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        t->enabled_by_default |= RIGHTS_BIT(on[i]);
    t->enabled_by_default &= t->privileges;
    t->enabled = t->enabled_by_default;
    t->type = LOGON_SERVICE;
    t->logon_id = 0x3e7; /* SYSTEM_LUID */
    t->logon_time = now;
    str_copy(t->domain_name, sizeof t->domain_name, "NT AUTHORITY");
    str_copy(t->user_name, sizeof t->user_name, "SYSTEM");
}

static bool is_privilege(unsigned i)
{
    return i < RI_COUNT && (rights_privileges() & RIGHTS_BIT(i));
}

bool token_has_privilege(const struct token *t, unsigned right_index)
{
    return is_privilege(right_index) && (t->privileges & RIGHTS_BIT(right_index));
}

bool token_privilege_enabled(const struct token *t, unsigned right_index)
{
    return token_has_privilege(t, right_index) && (t->enabled & RIGHTS_BIT(right_index));
}

unsigned token_privilege_attributes(const struct token *t, unsigned right_index)
{
    if (!token_has_privilege(t, right_index))
        return 0;
    rights_mask b = RIGHTS_BIT(right_index);
    return ((t->enabled_by_default & b) ? SE_PRIVILEGE_ENABLED_BY_DEFAULT : 0) |
           ((t->enabled & b) ? SE_PRIVILEGE_ENABLED : 0);
}

ntstatus token_adjust(struct token *t, unsigned right_index, bool enable)
{
    if (!token_has_privilege(t, right_index))
        return STATUS_NOT_ALL_ASSIGNED;
    if (enable)
        t->enabled |= RIGHTS_BIT(right_index);
    else
        t->enabled &= ~RIGHTS_BIT(right_index);
    return STATUS_SUCCESS;
}

bool token_is_member(const struct token *t, const struct sid *sid)
{
    if (sid_equal(&t->user, sid))
        return true;
    for (size_t i = 0; i < t->ngroups; i++)
        if (sid_equal(&t->groups[i], sid))
            return true;
    return false;
}

size_t token_sids(const struct token *t, struct sid *out, size_t max)
{
    size_t n = 0;
    if (n < max)
        out[n++] = t->user;
    for (size_t i = 0; i < t->ngroups && n < max; i++)
        out[n++] = t->groups[i];
    return n;
}
