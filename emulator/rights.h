/* The catalogue of user rights: every privilege of NT 4.0 (LUIDs 2-24) and
 * Windows 2000 (25-27), the logon rights, and the Windows 2000 / XP deny
 * rights (reference/nt-facts.md §1). Each right has a small index so that a
 * set of rights is one 64-bit mask. */
#ifndef NTLAB_EMULATOR_RIGHTS_H
#define NTLAB_EMULATOR_RIGHTS_H
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t rights_mask;

enum rights_kind {
    RIGHTS_PRIVILEGE, /* has a LUID; appears in tokens */
    RIGHTS_LOGON,     /* account right (SECURITY_ACCESS_* bit); never in tokens */
};

struct rights_info {
    unsigned index;          /* bit position in a rights_mask */
    const char *name;        /* "SeTcbPrivilege" (case-sensitive, as ntrights) */
    enum rights_kind kind;
    uint32_t value;          /* LUID low part, or SECURITY_ACCESS_* bit */
    const char *display;     /* NT 4.0 User Manager name; for rights new in
                                W2K/XP, their Local Security Policy name */
    const char *display_w2k; /* Windows 2000+ name where it differs, else NULL */
    const char *display_xp;  /* Windows XP name where it differs from the
                                Windows 2000 one, else NULL */
    bool advanced;           /* shown only with "Show Advanced User Rights" */
    enum osver since;        /* first OS version that knows it */
};

/* Privileges: index = LUID - 2 (0..25). Logon rights follow. */
enum rights_index {
    RI_CREATE_TOKEN = 0, RI_ASSIGN_PRIMARY_TOKEN, RI_LOCK_MEMORY, RI_INCREASE_QUOTA,
    RI_MACHINE_ACCOUNT, RI_TCB, RI_SECURITY, RI_TAKE_OWNERSHIP, RI_LOAD_DRIVER,
    RI_SYSTEM_PROFILE, RI_SYSTEMTIME, RI_PROFILE_SINGLE_PROCESS, RI_INC_BASE_PRIORITY,
    RI_CREATE_PAGEFILE, RI_CREATE_PERMANENT, RI_BACKUP, RI_RESTORE, RI_SHUTDOWN, RI_DEBUG,
    RI_AUDIT, RI_SYSTEM_ENVIRONMENT, RI_CHANGE_NOTIFY, RI_REMOTE_SHUTDOWN, RI_UNDOCK,
    RI_SYNC_AGENT, RI_ENABLE_DELEGATION,
    RI_INTERACTIVE_LOGON, RI_NETWORK_LOGON, RI_BATCH_LOGON, RI_SERVICE_LOGON,
    RI_DENY_INTERACTIVE_LOGON, RI_DENY_NETWORK_LOGON, RI_DENY_BATCH_LOGON,
    RI_DENY_SERVICE_LOGON, RI_REMOTE_INTERACTIVE_LOGON, RI_DENY_REMOTE_INTERACTIVE_LOGON,
    RI_COUNT
};

#define RIGHTS_BIT(i) ((rights_mask)1 << (i))

/* The number of rights and each by index (static storage). */
size_t rights_count(void);
const struct rights_info *rights_at(unsigned index);

/* Looks a right up by its exact constant name ("SeTcbPrivilege") and checks
 * that the OS version knows it. Returns STATUS_SUCCESS with *index set, or
 * STATUS_NO_SUCH_PRIVILEGE for an unknown name (wrong case included) or a
 * right the OS does not have. */
ntstatus rights_lookup(const char *name, enum osver os, unsigned *index);
/* Same, by User Manager display name (case-insensitive, NT4 or W2K form). */
ntstatus rights_lookup_display(const char *display, enum osver os, unsigned *index);
/* A right as a person names it on the command line: the exact constant
 * name first (case-sensitive, as ntrights documents, Q266280), else a
 * display name of any OS version's form, case-insensitive (User Manager
 * lists them; their case carries nothing). Same results as rights_lookup. */
ntstatus rights_resolve(const char *name, enum osver os, unsigned *index);
/* The rights the OS knows whose constant or display names are nearest to
 * name (a misspelling), nearest first: up to max indexes into out, and
 * their count. Nearness is the case-insensitive edit distance to the
 * closest of a right's names; a right is offered only within a third of
 * the name's length (at least 2 edits), or when name (3+ characters) is
 * part of one of its names. Names longer than RIGHTS_NAME_MAX get none. */
#define RIGHTS_NAME_MAX 128
size_t rights_nearest(const char *name, enum osver os, unsigned *out, size_t max);
/* Finds a privilege by LUID (2..27); STATUS_NO_SUCH_PRIVILEGE otherwise. */
ntstatus rights_by_luid(uint32_t luid, enum osver os, unsigned *index);
/* The display name of a right for the given OS. */
const char *rights_display(unsigned index, enum osver os);
/* Mask of every right the OS version knows; and of the privileges only. */
rights_mask rights_known(enum osver os);
rights_mask rights_privileges(void);

#endif
