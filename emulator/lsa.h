/* The LSA policy database of one machine (or of a domain, shared by its
 * DCs): which SIDs hold which privileges and logon rights, and the
 * [System Access] account policy. ntsecapi-shaped: open the policy with an
 * access mask, then add/remove/enumerate rights and look names up.
 *
 * The database is live and durable: every change is written at once to its
 * policy.inf (a real security template, see inf.h) under a file lock, after
 * re-reading the file if another writer changed it. Tokens are not touched:
 * they are snapshots (token.h). */
#ifndef NTLAB_EMULATOR_LSA_H
#define NTLAB_EMULATOR_LSA_H
#include "emulator/inf.h"
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "emulator/rights.h"
#include "emulator/sid.h"
#include <stdbool.h>
#include <stddef.h>

/* Access masks (ntsecapi.h). */
#define POLICY_VIEW_LOCAL_INFORMATION 0x0001u
#define POLICY_VIEW_AUDIT_INFORMATION 0x0002u
#define POLICY_GET_PRIVATE_INFORMATION 0x0004u
#define POLICY_TRUST_ADMIN 0x0008u
#define POLICY_CREATE_ACCOUNT 0x0010u
#define POLICY_CREATE_SECRET 0x0020u
#define POLICY_CREATE_PRIVILEGE 0x0040u
#define POLICY_SET_DEFAULT_QUOTA_LIMITS 0x0080u
#define POLICY_SET_AUDIT_REQUIREMENTS 0x0100u
#define POLICY_AUDIT_LOG_ADMIN 0x0200u
#define POLICY_SERVER_ADMIN 0x0400u
#define POLICY_LOOKUP_NAMES 0x0800u
#define POLICY_ALL_ACCESS 0x000F0FFFu
/* Access bits that modify the policy: need BUILTIN\Administrators (or SYSTEM). */
#define POLICY_WRITE_MASK                                                                  \
    (POLICY_TRUST_ADMIN | POLICY_CREATE_ACCOUNT | POLICY_CREATE_SECRET |                 \
     POLICY_CREATE_PRIVILEGE | POLICY_SET_DEFAULT_QUOTA_LIMITS |                         \
     POLICY_SET_AUDIT_REQUIREMENTS | POLICY_AUDIT_LOG_ADMIN | POLICY_SERVER_ADMIN)

/* [System Access] of the security template. -1 means "not set / never". */
struct lsa_sysaccess {
    int min_password_age;    /* MinimumPasswordAge, days */
    int max_password_age;    /* MaximumPasswordAge, days; -1 = never expires */
    int min_password_length; /* MinimumPasswordLength */
    int password_history;    /* PasswordHistorySize */
    int lockout_bad_count;   /* LockoutBadCount; 0 = never lock out */
    int reset_lockout_count; /* ResetLockoutCount, minutes */
    int lockout_duration;    /* LockoutDuration, minutes; -1 = until an admin unlocks */
    int force_logoff;        /* ForceLogoffWhenHourExpire, 0/1 */
};

/* How the LSA turns names into SIDs and back (the machine wires this to its
 * SAM, the well-known SIDs and, on a member server, its domain's DC).
 * name_to_sid returns false when the name is unknown; sid_to_name writes
 * "DOMAIN\name" or a well-known name and returns false when unknown. */
struct lsa_names {
    bool (*name_to_sid)(void *arg, const char *name, struct sid *out);
    bool (*sid_to_name)(void *arg, const struct sid *sid, char *out, size_t n);
    void *arg;
};

struct lsa; /* opaque */

/* An empty policy for an OS version (no file behind it until lsa_save_as). */
ntstatus lsa_create(enum osver os, struct lsa **out);
/* Loads policy.inf (UTF-16LE with BOM, or UTF-8/ASCII). Account names in
 * [Privilege Rights] are resolved through names (may be NULL: then only
 * *S-1-... entries resolve); unresolved names are kept and written back.
 * Errors: STATUS_OBJECT_NAME_NOT_FOUND (no file), STATUS_INTERNAL_DB_CORRUPTION
 * with "PATH:LINE: problem" in err (malformed file; the file is left as is),
 * STATUS_NO_SUCH_PRIVILEGE with the same message for a right this OS lacks. */
ntstatus lsa_load(const char *path, enum osver os, const struct lsa_names *names,
                  struct lsa **out, char *err, size_t errlen);
/* Same as lsa_load for a template held in memory (e.g. an embedded default
 * from embed_find("policies/nt4-member.inf")); name_for_errors names it in
 * messages. The result is not bound to a file (see lsa_save_as). */
ntstatus lsa_load_mem(const char *name_for_errors, const char *data, size_t len, enum osver os,
                      const struct lsa_names *names, struct lsa **out, char *err, size_t errlen);
/* Re-reads the bound file if another writer changed it since we last read or
 * wrote it (one stat when unchanged). STATUS_INTERNAL_DB_CORRUPTION (memory
 * unchanged, message in lsa_last_error) when the file on disk is malformed;
 * STATUS_SUCCESS when unbound or unchanged. The ntsecapi-shaped read calls
 * below do this themselves; call it before lsa_effective_rights when another
 * process or machine value may write the same file. */
ntstatus lsa_refresh(struct lsa *l);
/* "PATH:LINE: problem" of the last failed load/refresh/write, or "". */
const char *lsa_last_error(const struct lsa *l);
/* The bound file, or NULL. */
const char *lsa_path(const struct lsa *l);
/* Binds the policy to a file (subsequent changes are written there) and
 * writes it now. */
ntstatus lsa_save_as(struct lsa *l, const char *path);
void lsa_free(struct lsa *l);
void lsa_set_names(struct lsa *l, const struct lsa_names *names);
enum osver lsa_os(const struct lsa *l);

const struct lsa_sysaccess *lsa_sysaccess(const struct lsa *l);
/* The field of sa that [System Access] key k names: the one map from the
 * template's keys to the struct, for the CLI (`ntlab policy`) and the
 * console alike. NULL when k is not a key (INF_SA_COUNT). */
int *lsa_sysaccess_field(struct lsa_sysaccess *sa, enum inf_sa k);
/* Changes the account policy (written durably like the rights below).
 * Each field is -1 or within the range the template allows (inf.c);
 * otherwise STATUS_INVALID_PARAMETER and nothing changes. */
ntstatus lsa_set_sysaccess(struct lsa *l, const struct lsa_sysaccess *sa);

/* Rights held by one SID directly (0 when it has no account object). */
rights_mask lsa_sid_rights(const struct lsa *l, const struct sid *sid);
/* Rights held by any of sids[0..n) — a user plus its groups, Everyone
 * included by the caller. This is the hot path: O(n) hash lookups. */
rights_mask lsa_effective_rights(const struct lsa *l, const struct sid *sids, size_t n);
/* Number of account objects (SIDs holding at least one right). */
size_t lsa_account_count(const struct lsa *l);

/* --- The ntsecapi-shaped API --------------------------------------------- */

struct lsa_handle {
    struct lsa *lsa;
    unsigned access;
    bool open;
};

/* LsaOpenPolicy. caller_sids: the caller token's user and group SIDs.
 * Write access (POLICY_WRITE_MASK bits, or POLICY_ALL_ACCESS) needs
 * BUILTIN\Administrators or SYSTEM among them, else STATUS_ACCESS_DENIED. */
ntstatus lsa_open_policy(struct lsa *l, const struct sid *caller_sids, size_t ncaller,
                         unsigned desired_access, struct lsa_handle *h);
void lsa_close(struct lsa_handle *h);

/* LsaAddAccountRights: creates the account object if absent. Any unknown
 * right (or one this OS lacks) fails the whole call with
 * STATUS_NO_SUCH_PRIVILEGE and changes nothing. Needs POLICY_CREATE_ACCOUNT
 * and POLICY_LOOKUP_NAMES access (STATUS_ACCESS_DENIED). Written durably
 * before returning; a failed write leaves memory unchanged and returns the
 * I/O status (STATUS_SHARING_VIOLATION when another writer holds the lock). */
ntstatus lsa_add_account_rights(struct lsa_handle *h, const struct sid *sid,
                                const char *const *rights, size_t n);
/* LsaRemoveAccountRights (needs POLICY_LOOKUP_NAMES, and POLICY_CREATE_ACCOUNT
 * standing in for the account object's admin-only DACL): all=true removes every right and deletes the
 * account object (rights ignored). Rights not held are ignored. Unknown
 * right: STATUS_NO_SUCH_PRIVILEGE; no account object:
 * STATUS_OBJECT_NAME_NOT_FOUND; all=false with n=0: STATUS_INVALID_PARAMETER.
 * Removing the last right deletes the account object. */
ntstatus lsa_remove_account_rights(struct lsa_handle *h, const struct sid *sid, bool all,
                                   const char *const *rights, size_t n);
/* LsaEnumerateAccountRights (needs POLICY_LOOKUP_NAMES): the account's own
 * rights (no groups);
 * STATUS_OBJECT_NAME_NOT_FOUND when it has none. */
ntstatus lsa_enumerate_account_rights(struct lsa_handle *h, const struct sid *sid,
                                      rights_mask *out);
/* LsaEnumerateAccountsWithUserRight (needs POLICY_LOOKUP_NAMES and
 * POLICY_VIEW_LOCAL_INFORMATION): right NULL = any right. Returns a
 * malloc'd array (*out, caller frees) sorted by SID; STATUS_NO_MORE_ENTRIES
 * when none; STATUS_NO_SUCH_PRIVILEGE for an unknown right. */
ntstatus lsa_enumerate_accounts_with_right(struct lsa_handle *h, const char *right,
                                           struct sid **out, size_t *n);

enum lsa_sid_use { LSA_SID_USER = 1, LSA_SID_GROUP, LSA_SID_DOMAIN, LSA_SID_ALIAS,
                   LSA_SID_WELLKNOWN, LSA_SID_UNKNOWN = 8 };
/* LsaLookupNames: sids[i] set where mapped (use[i] = LSA_SID_UNKNOWN where
 * not). STATUS_SUCCESS, STATUS_SOME_NOT_MAPPED, or STATUS_NONE_MAPPED. */
ntstatus lsa_lookup_names(struct lsa_handle *h, const char *const *names, size_t n,
                          struct sid *sids, bool *mapped);
/* LsaLookupSids: names[i] (each n_each bytes) set where mapped; where not
 * mapped names[i] holds the SID string (as LsaLookupSids returns it). */
ntstatus lsa_lookup_sids(struct lsa_handle *h, const struct sid *sids, size_t n, char *names,
                         size_t n_each, bool *mapped);

#endif
