/* Access tokens: a snapshot, taken at logon, of who the user is (user SID,
 * group SIDs including Everyone and the logon-type SID) and which privileges
 * the policy granted to any of those SIDs at that moment. Later policy
 * changes never reach an existing token. */
#ifndef NTLAB_EMULATOR_TOKEN_H
#define NTLAB_EMULATOR_TOKEN_H
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "emulator/rights.h"
#include "emulator/sid.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAX_GROUPS 64
#define TOKEN_NAME_MAX 64

/* Privilege attributes (winnt.h). */
#define SE_PRIVILEGE_ENABLED_BY_DEFAULT 0x00000001u
#define SE_PRIVILEGE_ENABLED 0x00000002u
#define SE_PRIVILEGE_USED_FOR_ACCESS 0x80000000u

enum logon_type {
    LOGON_INTERACTIVE = 2,
    LOGON_NETWORK = 3,
    LOGON_BATCH = 4,
    LOGON_SERVICE = 5,
};

struct token {
    struct sid user;
    size_t ngroups;
    struct sid groups[TOKEN_MAX_GROUPS];
    rights_mask privileges;         /* held (privilege bits only) */
    rights_mask enabled;            /* subset of privileges currently enabled */
    rights_mask enabled_by_default; /* subset enabled at creation */
    enum logon_type type;
    uint64_t logon_id;
    int64_t logon_time;
    char user_name[TOKEN_NAME_MAX];   /* "alice" */
    char domain_name[TOKEN_NAME_MAX]; /* "CORP", "NT AUTHORITY" */
};

/* Builds a token from a user SID and group SIDs (Everyone and the logon-type
 * SID are added here, duplicates dropped) and the privileges among `rights`
 * (logon rights are dropped). SeChangeNotifyPrivilege is enabled by default,
 * others held but disabled. Names longer than TOKEN_NAME_MAX-1 are cut.
 * STATUS_NO_MEMORY when more than TOKEN_MAX_GROUPS; STATUS_INVALID_PARAMETER
 * for a type outside enum logon_type. logon_id is left 0 (logon.c sets it). */
ntstatus token_build(struct token *t, const struct sid *user, const struct sid *groups,
                     size_t ngroups, rights_mask rights, enum logon_type type,
                     const char *domain_name, const char *user_name, int64_t now);
/* LocalSystem's token: SYSTEM, Administrators, Everyone; every privilege
 * the OS version knows (those enabled by default as NT does). */
void token_system(struct token *t, enum osver os, int64_t now);

bool token_has_privilege(const struct token *t, unsigned right_index); /* held */
bool token_privilege_enabled(const struct token *t, unsigned right_index);
/* SE_PRIVILEGE_* attributes of a held privilege (0 when not held). */
unsigned token_privilege_attributes(const struct token *t, unsigned right_index);
/* AdjustTokenPrivileges for one privilege: STATUS_SUCCESS, or
 * STATUS_NOT_ALL_ASSIGNED when the token does not hold it (also for a logon
 * right or an index out of range). */
ntstatus token_adjust(struct token *t, unsigned right_index, bool enable);
bool token_is_member(const struct token *t, const struct sid *sid); /* user or group */
/* All SIDs (user first, then groups) into out (capacity max); returns count. */
size_t token_sids(const struct token *t, struct sid *out, size_t max);

#endif
