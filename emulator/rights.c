/* The user-rights catalogue (reference/nt-facts.md §1.2, §1.3). Display
 * names: NT 4.0 User Manager first; Windows 2000 Local Security Policy and
 * Windows XP names where they differ. Where the sources disagree (the W2K
 * "Deny ..." wording) we use "Deny logon ..." for Windows 2000 and XP's
 * "Deny log on ..." for XP, as the XP help page spells them. */
#include "emulator/rights.h"
#include "src/lib/str.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

#define PRIV(i, nm, disp, w2k, xp, adv, os)                                                \
    [i] = {i, nm, RIGHTS_PRIVILEGE, (uint32_t)(i) + 2u, disp, w2k, xp, adv, os}
#define LOGON(i, nm, bit, disp, w2k, xp, adv, os) [i] = {i, nm, RIGHTS_LOGON, bit, disp, w2k, xp, adv, os}

static const struct rights_info catalogue[RI_COUNT] = {
    PRIV(RI_CREATE_TOKEN, "SeCreateTokenPrivilege", "Create a token object", NULL, NULL, true,
         OSVER_NT4),
    PRIV(RI_ASSIGN_PRIMARY_TOKEN, "SeAssignPrimaryTokenPrivilege",
         "Replace a process level token", "Replace a process-level token", NULL, true, OSVER_NT4),
    PRIV(RI_LOCK_MEMORY, "SeLockMemoryPrivilege", "Lock pages in memory", NULL, NULL, true,
         OSVER_NT4),
    PRIV(RI_INCREASE_QUOTA, "SeIncreaseQuotaPrivilege", "Increase quotas", NULL,
         "Adjust memory quotas for a process", true, OSVER_NT4),
    PRIV(RI_MACHINE_ACCOUNT, "SeMachineAccountPrivilege", "Add workstations to domain", NULL,
         NULL, false, OSVER_NT4),
    PRIV(RI_TCB, "SeTcbPrivilege", "Act as part of the operating system", NULL, NULL, true,
         OSVER_NT4),
    PRIV(RI_SECURITY, "SeSecurityPrivilege", "Manage auditing and security log", NULL, NULL,
         false, OSVER_NT4),
    PRIV(RI_TAKE_OWNERSHIP, "SeTakeOwnershipPrivilege",
         "Take ownership of files or other objects", NULL, NULL, false, OSVER_NT4),
    PRIV(RI_LOAD_DRIVER, "SeLoadDriverPrivilege", "Load and unload device drivers", NULL, NULL,
         false, OSVER_NT4),
    PRIV(RI_SYSTEM_PROFILE, "SeSystemProfilePrivilege", "Profile system performance", NULL,
         NULL, true, OSVER_NT4),
    PRIV(RI_SYSTEMTIME, "SeSystemtimePrivilege", "Change the system time", NULL, NULL, false,
         OSVER_NT4),
    PRIV(RI_PROFILE_SINGLE_PROCESS, "SeProfileSingleProcessPrivilege", "Profile single process",
         NULL, NULL, true, OSVER_NT4),
    PRIV(RI_INC_BASE_PRIORITY, "SeIncreaseBasePriorityPrivilege",
         "Increase scheduling priority", NULL, NULL, true, OSVER_NT4),
    PRIV(RI_CREATE_PAGEFILE, "SeCreatePagefilePrivilege", "Create a pagefile", NULL, NULL, true,
         OSVER_NT4),
    PRIV(RI_CREATE_PERMANENT, "SeCreatePermanentPrivilege", "Create permanent shared objects",
         NULL, NULL, true, OSVER_NT4),
    PRIV(RI_BACKUP, "SeBackupPrivilege", "Back up files and directories", NULL, NULL, false,
         OSVER_NT4),
    PRIV(RI_RESTORE, "SeRestorePrivilege", "Restore files and directories", NULL, NULL, false,
         OSVER_NT4),
    PRIV(RI_SHUTDOWN, "SeShutdownPrivilege", "Shut down the system", NULL, NULL, false,
         OSVER_NT4),
    PRIV(RI_DEBUG, "SeDebugPrivilege", "Debug programs", NULL, NULL, true, OSVER_NT4),
    PRIV(RI_AUDIT, "SeAuditPrivilege", "Generate security audits", NULL, NULL, true, OSVER_NT4),
    PRIV(RI_SYSTEM_ENVIRONMENT, "SeSystemEnvironmentPrivilege",
         "Modify firmware environment variables", "Modify firmware environment values", NULL,
         true, OSVER_NT4),
    PRIV(RI_CHANGE_NOTIFY, "SeChangeNotifyPrivilege", "Bypass traverse checking", NULL, NULL,
         true, OSVER_NT4),
    PRIV(RI_REMOTE_SHUTDOWN, "SeRemoteShutdownPrivilege", "Force shutdown from a remote system",
         NULL, NULL, false, OSVER_NT4),
    PRIV(RI_UNDOCK, "SeUndockPrivilege", "Remove computer from docking station", NULL, NULL,
         false, OSVER_W2K),
    PRIV(RI_SYNC_AGENT, "SeSyncAgentPrivilege", "Synchronize directory service data", NULL, NULL,
         false, OSVER_W2K),
    PRIV(RI_ENABLE_DELEGATION, "SeEnableDelegationPrivilege",
         "Enable computer and user accounts to be trusted for delegation", NULL, NULL, false,
         OSVER_W2K),
    LOGON(RI_INTERACTIVE_LOGON, "SeInteractiveLogonRight", 0x1u, "Log on locally", NULL,
          "Allow log on locally", false, OSVER_NT4),
    LOGON(RI_NETWORK_LOGON, "SeNetworkLogonRight", 0x2u, "Access this computer from network",
          "Access this computer from the network", NULL, false, OSVER_NT4),
    LOGON(RI_BATCH_LOGON, "SeBatchLogonRight", 0x4u, "Log on as a batch job", NULL, NULL, true,
          OSVER_NT4),
    LOGON(RI_SERVICE_LOGON, "SeServiceLogonRight", 0x10u, "Log on as a service", NULL, NULL,
          true, OSVER_NT4),
    LOGON(RI_DENY_INTERACTIVE_LOGON, "SeDenyInteractiveLogonRight", 0x40u, "Deny logon locally",
          NULL, "Deny log on locally", false, OSVER_W2K),
    LOGON(RI_DENY_NETWORK_LOGON, "SeDenyNetworkLogonRight", 0x80u,
          "Deny access to this computer from the network", NULL, NULL, false, OSVER_W2K),
    LOGON(RI_DENY_BATCH_LOGON, "SeDenyBatchLogonRight", 0x100u, "Deny logon as a batch job", NULL,
          "Deny log on as a batch job", false, OSVER_W2K),
    LOGON(RI_DENY_SERVICE_LOGON, "SeDenyServiceLogonRight", 0x200u, "Deny logon as a service",
          NULL, "Deny log on as a service", false, OSVER_W2K),
    LOGON(RI_REMOTE_INTERACTIVE_LOGON, "SeRemoteInteractiveLogonRight", 0x400u,
          "Allow log on through Terminal Services", NULL, NULL, false, OSVER_XP),
    LOGON(RI_DENY_REMOTE_INTERACTIVE_LOGON, "SeDenyRemoteInteractiveLogonRight", 0x800u,
          "Deny log on through Terminal Services", NULL, NULL, false, OSVER_XP),
};
#undef PRIV
#undef LOGON

_Static_assert(RI_COUNT <= 64, "a rights_mask holds every right");

size_t rights_count(void)
{
    return RI_COUNT;
}

const struct rights_info *rights_at(unsigned index)
{
    return index < RI_COUNT ? &catalogue[index] : NULL;
}

ntstatus rights_lookup(const char *name, enum osver os, unsigned *index)
{
    if (!name)
        return STATUS_NO_SUCH_PRIVILEGE;
    for (unsigned i = 0; i < RI_COUNT; i++) {
        /* Exact case: ntrights documents the names as case-sensitive. */
        if (strcmp(name, catalogue[i].name) == 0) {
            if (catalogue[i].since > os)
                return STATUS_NO_SUCH_PRIVILEGE;
            if (index)
                *index = i;
            return STATUS_SUCCESS;
        }
    }
    return STATUS_NO_SUCH_PRIVILEGE;
}

ntstatus rights_lookup_display(const char *display, enum osver os, unsigned *index)
{
    if (!display)
        return STATUS_NO_SUCH_PRIVILEGE;
    for (unsigned i = 0; i < RI_COUNT; i++) {
        const struct rights_info *r = &catalogue[i];
        if (r->since > os)
            continue;
        if (str_ieq(display, r->display) || (r->display_w2k && str_ieq(display, r->display_w2k)) ||
            (r->display_xp && str_ieq(display, r->display_xp))) {
            if (index)
                *index = i;
            return STATUS_SUCCESS;
        }
    }
    return STATUS_NO_SUCH_PRIVILEGE;
}

ntstatus rights_resolve(const char *name, enum osver os, unsigned *index)
{
    if (rights_lookup(name, os, index) == STATUS_SUCCESS)
        return STATUS_SUCCESS;
    return rights_lookup_display(name, os, index);
}

/* Case-insensitive Levenshtein distance; both strings at most
 * RIGHTS_NAME_MAX long (the catalogue's names are far shorter). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t row[RIGHTS_NAME_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t sub = diag + (tolower((unsigned char)a[i - 1]) !=
                                 tolower((unsigned char)b[j - 1]));
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[nb];
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

/* The distance from name to the nearest of one right's names; a name that
 * is part of one of them counts as one edit away. */
static size_t right_distance(const struct rights_info *r, const char *name)
{
    const char *names[4] = {r->name, r->display, r->display_w2k, r->display_xp};
    size_t best = (size_t)-1;
    for (int k = 0; k < 4; k++) {
        if (!names[k])
            continue;
        size_t d = edit_distance(name, names[k]);
        if (d > 1 && strlen(name) >= 3 && contains_ci(names[k], name))
            d = 1;
        if (d < best)
            best = d;
    }
    return best;
}

size_t rights_nearest(const char *name, enum osver os, unsigned *out, size_t max)
{
    size_t len = name ? strlen(name) : 0;
    if (!name || len == 0 || len > RIGHTS_NAME_MAX || max == 0)
        return 0;
    if (max > RI_COUNT)
        max = RI_COUNT;
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    size_t dist[RI_COUNT], n = 0;
    for (unsigned i = 0; i < RI_COUNT; i++) {
        if (catalogue[i].since > os)
            continue;
        size_t d = right_distance(&catalogue[i], name);
        if (d > limit)
            continue;
        /* insertion into the sorted list; ties keep catalogue order */
        size_t at = n < max ? n : max;
        while (at > 0 && dist[at - 1] > d)
            at--;
        if (at >= max)
            continue;
        size_t last = n < max ? n : max - 1;
        for (size_t k = last; k > at; k--) {
            out[k] = out[k - 1];
            dist[k] = dist[k - 1];
        }
        out[at] = i;
        dist[at] = d;
        if (n < max)
            n++;
    }
    return n;
}

ntstatus rights_by_luid(uint32_t luid, enum osver os, unsigned *index)
{
    if (luid < 2 || luid > 27)
        return STATUS_NO_SUCH_PRIVILEGE;
    unsigned i = luid - 2;
    if (catalogue[i].since > os)
        return STATUS_NO_SUCH_PRIVILEGE;
    if (index)
        *index = i;
    return STATUS_SUCCESS;
}

const char *rights_display(unsigned index, enum osver os)
{
    if (index >= RI_COUNT)
        return NULL;
    const struct rights_info *r = &catalogue[index];
    if (os >= OSVER_XP && r->display_xp)
        return r->display_xp;
    if (os >= OSVER_W2K && r->display_w2k)
        return r->display_w2k;
    return r->display;
}

rights_mask rights_known(enum osver os)
{
    rights_mask m = 0;
    for (unsigned i = 0; i < RI_COUNT; i++)
        if (catalogue[i].since <= os)
            m |= RIGHTS_BIT(i);
    return m;
}

rights_mask rights_privileges(void)
{
    rights_mask m = 0;
    for (unsigned i = 0; i < RI_COUNT; i++)
        if (catalogue[i].kind == RIGHTS_PRIVILEGE)
            m |= RIGHTS_BIT(i);
    return m;
}
