/* Structured views of an emulated machine, for whatever shows them: the
 * CLI's text, the daemon's status (src/net/statusfmt.h), a console's JSON.
 * The structs hold values only (numbers, enums, names as stored, SIDs), no
 * text formatting: a printer chooses its own (osver_display,
 * machine_role_name, scm_state_name, rights_display, evtlog_format, ...).
 *
 * Memory: every query fills caller-owned structs and keeps no pointer into
 * them; what a struct points to is named at its field (static catalogue
 * texts, or memory the query allocated and its *_free releases). Nothing
 * here changes the machine: queries are reads, safe while it runs.
 *
 * Errors are NTSTATUS: STATUS_INVALID_PARAMETER for a NULL argument or an
 * index past the end, STATUS_NO_MEMORY, and those named per function. */
#ifndef NTLAB_EMULATOR_QUERY_H
#define NTLAB_EMULATOR_QUERY_H
#include "emulator/evtlog.h"
#include "emulator/lsa.h"
#include "emulator/machine.h"
#include "emulator/rights.h"
#include "emulator/scm.h"
#include "emulator/token.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUERY_ACCOUNT_MAX 256 /* "CORP\alice", "BUILTIN\Administrators" or a SID string */

/* --- machines --------------------------------------------------------------- */

struct query_machine {
    char name[MACHINE_NAME_MAX + 1]; /* "EXCHSRV" */
    enum osver os;
    enum machine_role role;
    char domain[SAM_DOMAIN_NAME_MAX + 1]; /* "CORP"; "" for standalone */
    bool running;                         /* booted and not shut down */
    int64_t clock;                        /* the machine's clock now, seconds since 1970 UTC */
    bool clock_virtual;                   /* false: wall time */
    size_t nservices;                     /* installed services (query_service_at) */
};

/* Fills *out from m. Returns STATUS_SUCCESS or STATUS_INVALID_PARAMETER. */
ntstatus query_machine(const struct machine *m, struct query_machine *out);

/* --- services and their tokens ------------------------------------------------ */

struct query_privilege {
    unsigned right;      /* index in the rights catalogue (rights_at) */
    const char *name;    /* "SeTcbPrivilege": static, rights_at(right)->name */
    unsigned attributes; /* SE_PRIVILEGE_ENABLED, SE_PRIVILEGE_ENABLED_BY_DEFAULT */
};

struct query_token {
    char user[TOKEN_NAME_MAX];   /* "exchsvc" */
    char domain[TOKEN_NAME_MAX]; /* "CORP", "NT AUTHORITY" */
    struct sid user_sid;
    uint64_t logon_id;
    int64_t logon_time;
    size_t nprivileges; /* held privileges, in catalogue order */
    struct query_privilege privileges[RI_COUNT];
    /* The account's rights now against the token (scm_token_drift): what a
     * restart would add or drop. drift is its status: STATUS_SUCCESS, or why
     * the rights now are unknown (the masks are then 0). */
    ntstatus drift;
    rights_mask granted_since; /* privileges the token lacks */
    rights_mask revoked_since; /* privileges the token holds and the account no more */
};

struct query_service {
    char name[SCM_NAME_MAX + 1];
    char display[SCM_DISPLAY_MAX];
    char image[SCM_IMAGE_MAX];
    char account[SCM_ACCOUNT_MAX + 1]; /* "LocalSystem", ".\name", "DOMAIN\name" */
    enum scm_state state;
    enum scm_start_type start;
    uint32_t last_error; /* Win32 code of the last failed start, else 0 */
    bool has_token;      /* running: token holds its logon snapshot */
    struct query_token token;
};

/* The number of services installed on m (0 without an SCM). */
size_t query_service_count(const struct machine *m);
/* The i-th service of m (boot order, as services.conf) into *out; the
 * password is never copied. STATUS_INVALID_PARAMETER when i >= count. */
ntstatus query_service_at(struct machine *m, size_t i, struct query_service *out);

/* --- rights by policy focus ----------------------------------------------------- */

struct query_holder {
    struct sid sid;
    char name[QUERY_ACCOUNT_MAX]; /* machine_sid_name through the focus machine */
};

struct query_right {
    unsigned right;   /* index in the rights catalogue (rights_at) */
    const char *name; /* "SeTcbPrivilege": static */
    bool logon_right; /* an account right (SeNetworkLogonRight), else a privilege */
    bool advanced;    /* User Manager's "Show Advanced User Rights" */
    size_t nholders;
    struct query_holder *holders; /* owned: query_rights_free */
};

struct query_rights {
    enum osver os;              /* of the policy: which rights exist */
    size_t nrights;             /* the rights known on os, in catalogue order */
    struct query_right *rights; /* owned: query_rights_free */
};

/* Who holds which right in the policy lsa (a focus: a machine's local
 * policy, or a domain's), as the lab administrator (BUILTIN\Administrators)
 * reads it; m names the holders (the focus machine: lab_focus_machine).
 * *out is valid until query_rights_free, which must be called whatever
 * this returns. Errors: lsa_open_policy's, STATUS_NO_MEMORY. */
ntstatus query_rights(struct machine *m, struct lsa *lsa, struct query_rights *out);
void query_rights_free(struct query_rights *r);
/* The entry of right index `right` in r, or NULL when r's OS has no such right. */
const struct query_right *query_rights_find(const struct query_rights *r, unsigned right);

/* --- events ------------------------------------------------------------------------ */

/* Records of m's log `which` with a record number above `after`, oldest
 * first, copied into out[0..max) (caller's memory; a record is about 1.2 KB,
 * so page: call again with after = out[*n - 1].record). Only what the log
 * keeps in memory (evtlog_set_capacity) is seen. *n = 0 at the end.
 * Errors: STATUS_INVALID_PARAMETER (max 0, a bad log),
 * STATUS_OBJECT_NAME_NOT_FOUND when m has no event log open. */
ntstatus query_events(const struct machine *m, enum evtlog_which which, uint32_t after,
                      struct evtlog_record *out, size_t max, size_t *n);

#endif
