/* The Security Accounts Manager database of one machine (or of a domain,
 * on its domain controllers): users, local and global groups, the BUILTIN
 * aliases, NT password hashes and account restrictions. The plain-text
 * password is never stored. Persisted as text (sam.txt, see the README).
 *
 * A SAM read from or saved to a file is bound to it: every change below
 * (add, del, passwords, groups, memberships, sam_user_edit and what is
 * built on it) takes "<file>.lock", re-reads the file if another process
 * rewrote it, applies the change and writes the file durably before it
 * returns; a change that cannot be written is undone, so memory stays what
 * the file holds, and its status says why (STATUS_DISK_FULL,
 * STATUS_ACCESS_DENIED, STATUS_OBJECT_NAME_NOT_FOUND, STATUS_SHARING_VIOLATION
 * when another writer holds the lock, STATUS_IO_DEVICE_ERROR,
 * STATUS_NO_MEMORY). An unbound SAM (sam_create) changes in memory only.
 * Pointers to users and groups are valid until the next change. */
#ifndef NTLAB_EMULATOR_SAM_H
#define NTLAB_EMULATOR_SAM_H
#include "emulator/nterr.h"
#include "emulator/sid.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAM_NAME_MAX 20        /* NT user names: at most 20 characters */
#define SAM_GROUP_NAME_MAX 256
#define SAM_DOMAIN_NAME_MAX 15 /* NetBIOS names */
#define SAM_TEXT_MAX 256       /* full name, comment */
#define SAM_PASSWORD_MAX 256   /* UTF-8 bytes of a password */
#define SAM_WORKSTATIONS_MAX 8 /* User Manager allows up to 8 */

/* Account flags (User Manager check boxes). */
#define SAM_DISABLED 0x0001u          /* Account Disabled */
#define SAM_LOCKED 0x0002u            /* Account Locked Out (set by lockout, cleared by admin or time) */
#define SAM_PWD_NEVER_EXPIRES 0x0004u /* Password Never Expires */
#define SAM_MUST_CHANGE 0x0008u       /* User Must Change Password at Next Logon */
#define SAM_CANT_CHANGE 0x0010u       /* User Cannot Change Password */

struct sam_user {
    char name[SAM_NAME_MAX + 1];
    char fullname[SAM_TEXT_MAX];
    char comment[SAM_TEXT_MAX];
    uint32_t rid;
    uint8_t nthash[16];
    uint32_t flags;
    int64_t pwd_last_set;  /* seconds since epoch */
    int64_t expires;       /* account expiry; 0 = never */
    uint8_t logon_hours[21]; /* 168 bits, bit (day*24+hour) with day 0 = Sunday,
                                UTC, LSB first as in SAM; all ones = always */
    char workstations[SAM_WORKSTATIONS_MAX][16]; /* empty strings = any */
    uint32_t bad_count;    /* bad passwords since last good logon / reset */
    int64_t last_bad;      /* time of the last bad password */
    int64_t locked_at;     /* when SAM_LOCKED was set by lockout */
    int64_t last_logon;
};

enum sam_group_kind {
    SAM_GROUP_ALIAS,  /* local group (BUILTIN aliases and local groups) */
    SAM_GROUP_GLOBAL, /* domain global group (Domain Admins, Domain Users, ...) */
};

struct sam_group {
    char name[SAM_GROUP_NAME_MAX];
    char comment[SAM_TEXT_MAX];
    struct sid sid;
    enum sam_group_kind kind;
    bool builtin;   /* cannot be deleted */
    size_t nmembers;
    struct sid *members; /* user or group SIDs, possibly of another domain */
};

struct sam; /* opaque */

/* Creates a new SAM for account domain `name` (the machine name, or the
 * domain name on a DC) with SID domain_sid (S-1-5-21-a-b-c), holding Administrator (500,
 * password admin_password, member of Administrators), Guest (501, disabled,
 * no password) and the BUILTIN aliases (Administrators, Users, Guests,
 * Backup Operators, Replicator; Power Users except on a DC, as on NT 4.0;
 * on a DC also Account, Server and Print Operators, and the global groups
 * Domain Admins/Users/Guests, held by Administrators/Users/Guests and
 * holding Administrator resp. Guest, as NT sets a domain up).
 * Returns STATUS_SUCCESS or STATUS_NO_MEMORY / STATUS_INVALID_PARAMETER. */
ntstatus sam_create(const char *name, const struct sid *domain_sid, bool domain_controller,
                    const char *admin_password, int64_t now, struct sam **out);
void sam_free(struct sam *s);

/* Loads sam.txt (format documented at the top of samfile.c) and binds the
 * SAM to it. On a malformed file returns STATUS_INTERNAL_DB_CORRUPTION
 * and writes "PATH:LINE: problem" into err (errlen bytes). A missing file is
 * STATUS_OBJECT_NAME_NOT_FOUND. */
ntstatus sam_load(const char *path, struct sam **out, char *err, size_t errlen);
/* Writes the SAM durably (temp, fsync, rename, fsync dir), mode 0600, under
 * "<path>.lock": a copy; the SAM stays bound where it was. Returns
 * STATUS_SUCCESS, STATUS_DISK_FULL, STATUS_ACCESS_DENIED,
 * STATUS_OBJECT_NAME_NOT_FOUND (no directory), STATUS_SHARING_VIOLATION or
 * STATUS_IO_DEVICE_ERROR. */
ntstatus sam_save(const struct sam *s, const char *path);
/* sam_save, then binds the SAM to path (later changes write through to
 * it). STATUS_INVALID_PARAMETER inside a batch. */
ntstatus sam_save_as(struct sam *s, const char *path);
/* The file the SAM is bound to, or NULL. */
const char *sam_path(const struct sam *s);
/* Re-reads the bound file if another process rewrote it since this SAM
 * last read or wrote it (a boot). STATUS_OBJECT_NAME_NOT_FOUND when the
 * file is gone, or sam_load's errors, with "PATH: problem" in err. */
ntstatus sam_refresh(struct sam *s, char *err, size_t errlen);
/* Writes what memory holds and no change wrote yet (last_logon, which a
 * logon keeps in memory) through the same path as a change. */
ntstatus sam_flush(struct sam *s);
/* Many changes, one write: begin takes the lock and refreshes; the changes
 * in between apply in memory; end writes once, or on failure puts back the
 * SAM as it was at begin and returns why. Batches nest. */
ntstatus sam_batch_begin(struct sam *s);
ntstatus sam_batch_end(struct sam *s);
/* Ends the outermost batch without writing: the SAM is again as it was at
 * begin. */
void sam_batch_cancel(struct sam *s);

const char *sam_domain_name(const struct sam *s);
const struct sid *sam_domain_sid(const struct sam *s);

/* NT OWF: MD4 of the UTF-16LE password (UTF-8 input; an invalid UTF-8
 * byte counts as U+FFFD, as MultiByteToWideChar does). */
void sam_nthash(const char *password, uint8_t out[16]);

/* Users. Names are case-insensitive and unique among users and groups.
 * add: STATUS_USER_EXISTS, STATUS_GROUP_EXISTS (name taken by a group),
 * STATUS_INVALID_PARAMETER (empty, too long, or characters NT forbids:
 * " / \ [ ] : ; | = , + * ? < >, control characters, or only dots and
 * spaces) or a password over SAM_PASSWORD_MAX bytes. New users get the next
 * unused RID >= 1000 (RIDs are never reused while taken), join Users (on a
 * DC: Domain Users, which Users holds), and pwd_last_set = now. */
ntstatus sam_user_add(struct sam *s, const char *name, const char *password, int64_t now,
                      uint32_t *rid);
/* STATUS_NO_SUCH_USER; STATUS_ACCESS_DENIED for the built-in Administrator
 * and Guest (NT refuses to delete them). Also drops memberships. */
ntstatus sam_user_del(struct sam *s, const char *name);
/* Returns the user or NULL. The pointer is valid until the next add/del. */
struct sam_user *sam_user_find(const struct sam *s, const char *name);
struct sam_user *sam_user_by_rid(const struct sam *s, uint32_t rid);
size_t sam_user_count(const struct sam *s);
struct sam_user *sam_user_at(const struct sam *s, size_t i);
/* Sets the hash and pwd_last_set = now; flags are left as they are (the
 * caller clears SAM_MUST_CHANGE when the user itself changed it).
 * STATUS_NO_SUCH_USER, STATUS_INVALID_PARAMETER (password too long). */
ntstatus sam_set_password(struct sam *s, const char *name, const char *password, int64_t now);
/* Sets the NT hash itself (an exported lab's account, whose password is
 * not known: ntlab export) and pwd_last_set = now. STATUS_NO_SUCH_USER. */
ntstatus sam_set_nthash(struct sam *s, const char *name, const uint8_t hash[16], int64_t now);
bool sam_password_ok(const struct sam_user *u, const char *password);

/* True when a and b hold the same account fields (strings compared up to
 * their NUL: the bytes after it are not part of the account). */
bool sam_user_equal(const struct sam_user *a, const struct sam_user *b);

/* Changes one user's account fields: fn is called on the user (after any
 * refresh) and returns STATUS_SUCCESS to keep what it changed, anything else
 * to drop it (returned as is). name, rid and nthash are not fn's to change
 * (STATUS_INVALID_PARAMETER). Nothing is written when nothing changed.
 * STATUS_NO_SUCH_USER, or a write failure (then the user is as before). */
typedef ntstatus (*sam_user_edit_fn)(struct sam_user *u, void *arg);
ntstatus sam_user_edit(struct sam *s, const char *name, sam_user_edit_fn fn, void *arg);
/* What an administrator sets (User Manager's account dialog): copies
 * from `from` the fields named by SAM_FIELD_* bits and the flag bits in
 * flag_mask (not SAM_LOCKED, which has its own rule: then
 * STATUS_INVALID_PARAMETER) to the user called name. A full name or
 * comment with a control byte (a line break, a tab): the edit boxes take
 * one line; STATUS_INVALID_PARAMETER, nothing changed. */
#define SAM_FIELD_FULLNAME 0x01u
#define SAM_FIELD_COMMENT 0x02u
#define SAM_FIELD_EXPIRES 0x04u
#define SAM_FIELD_PWD_LAST_SET 0x08u
#define SAM_FIELD_HOURS 0x10u
#define SAM_FIELD_WORKSTATIONS 0x20u
ntstatus sam_user_set_fields(struct sam *s, const char *name, const struct sam_user *from,
                             unsigned fields, uint32_t flag_mask);
/* Sets and clears account flags (not SAM_LOCKED: STATUS_INVALID_PARAMETER). */
ntstatus sam_user_set_flags(struct sam *s, const char *name, uint32_t set, uint32_t clear);
/* The one unlock rule, for an administrator and for a lockout whose
 * duration ran out: not locked, no bad passwords counted, no lockout time. */
void sam_user_clear_lockout(struct sam_user *u);
/* sam_user_edit with sam_user_clear_lockout. */
ntstatus sam_user_unlock(struct sam *s, const char *name);
/* The user's SID (domain SID + RID). */
void sam_user_sid(const struct sam *s, const struct sam_user *u, struct sid *out);

/* Groups (aliases and global groups). add: STATUS_GROUP_EXISTS,
 * STATUS_USER_EXISTS, STATUS_INVALID_PARAMETER (bad name; a global group
 * outside a DC's SAM); the group gets the next RID of the account domain.
 * del: STATUS_NO_SUCH_GROUP, STATUS_ACCESS_DENIED for a builtin group.
 * Membership: STATUS_MEMBER_IN_GROUP, STATUS_MEMBER_NOT_IN_GROUP,
 * STATUS_NO_SUCH_GROUP; STATUS_INVALID_PARAMETER for what NT forbids (an
 * alias in an alias, anything but a user of this domain in a global group,
 * a group in itself); STATUS_NO_SUCH_USER for a SID of this domain that
 * names no account. Members are kept sorted by sid_compare. */
ntstatus sam_group_add(struct sam *s, const char *name, enum sam_group_kind kind,
                       const char *comment);
ntstatus sam_group_del(struct sam *s, const char *name);
struct sam_group *sam_group_find(const struct sam *s, const char *name);
struct sam_group *sam_group_by_sid(const struct sam *s, const struct sid *sid);
size_t sam_group_count(const struct sam *s);
struct sam_group *sam_group_at(const struct sam *s, size_t i);
ntstatus sam_group_add_member(struct sam *s, const char *group, const struct sid *member);
ntstatus sam_group_remove_member(struct sam *s, const char *group, const struct sid *member);

/* Appends to out (capacity max) the SIDs of every group in this SAM that
 * contains any SID of in[0..nin) directly, or through a global group that
 * does (one level, as NT aliases may hold global groups). Sets *n to the
 * number appended; STATUS_BUFFER_OVERFLOW-like truncation returns
 * STATUS_NO_MEMORY. */
ntstatus sam_memberships(const struct sam *s, const struct sid *in, size_t nin, struct sid *out,
                         size_t max, size_t *n);

/* Looks up a name (user or group) to its SID, or a SID to its name. */
bool sam_lookup_name(const struct sam *s, const char *name, struct sid *out, bool *is_group);
bool sam_lookup_sid(const struct sam *s, const struct sid *sid, const char **name, bool *is_group);

#endif
