/* LogonUser, with NT 4.0 / Windows 2000 / XP rules (reference/nt-facts.md
 * §2): the caller's SeTcbPrivilege (NT4/W2K only) first, then authentication
 * against the SAM (lockout reported even with a wrong password), account
 * restrictions, the logon right for the type with deny rights overriding
 * (W2K+), and the token. Writes the Security-log audit events (528-539, 644)
 * and updates bad-password counts and lockout durably. */
#ifndef NTLAB_EMULATOR_LOGON_H
#define NTLAB_EMULATOR_LOGON_H
#include "emulator/nterr.h"
#include "emulator/token.h"

struct machine;

/* Logs user on at machine m. domain NULL or "" or "." or m's own name means
 * the machine's local SAM; a domain name resolves through the domain's DC
 * (pass-through; STATUS_NO_LOGON_SERVERS when no DC of it runs). The
 * caller's token is what the calling process runs with (a service's token).
 * On success fills *out and returns STATUS_SUCCESS; otherwise returns the
 * NTSTATUS whose nterr_to_win32 is what LogonUser's caller sees:
 *   STATUS_PRIVILEGE_NOT_HELD (1314), STATUS_INVALID_LOGON_TYPE (1367),
 *   STATUS_LOGON_FAILURE (1326), STATUS_ACCOUNT_LOCKED_OUT (1909),
 *   STATUS_ACCOUNT_DISABLED (1331), STATUS_ACCOUNT_EXPIRED (1793),
 *   STATUS_INVALID_LOGON_HOURS (1328), STATUS_INVALID_WORKSTATION (1329),
 *   STATUS_PASSWORD_EXPIRED (1330), STATUS_PASSWORD_MUST_CHANGE (1907),
 *   STATUS_LOGON_TYPE_NOT_GRANTED (1385), STATUS_NO_LOGON_SERVERS (1311).
 * workstation: the client's computer name for the workstation check (NULL =
 * no restriction checked). process: the logon process name for the audit
 * ("MSExchangeIS", "Advapi", "ntlab"). */
ntstatus logon_user(struct machine *m, const struct token *caller, const char *domain,
                    const char *user, const char *password, enum logon_type type,
                    const char *workstation, const char *process, struct token *out);

/* A logon as its caller asked for it: domain and user as given (for the
 * audits), the type, the client's computer name (NULL = no workstation
 * restriction checked), the logon process name (NULL = "Advapi") and the
 * authentication package the audits name (NULL =
 * "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"; "NTLM" for a challenge/response
 * logon). */
struct logon_request {
    const char *domain;
    const char *user;
    enum logon_type type;
    const char *workstation;
    const char *process;
    const char *package;
};

struct sam_user;

/* Proves the credential for account u (arg is the caller's); must not
 * change u. A password for LogonUser, a challenge/response for MSV1_0. */
typedef bool (*logon_cred_fn)(const struct sam_user *u, void *arg);

/* LogonUser without its step 1 (the caller's SeTcbPrivilege): the type,
 * the domain, the lockout, the credential through cred_ok (a false counts a
 * bad password toward lockout exactly as a wrong password does), then
 * logon_post_credential_checks. Returns and audits as logon_user. */
ntstatus logon_with_credential(struct machine *m, const struct logon_request *rq,
                               logon_cred_fn cred_ok, void *cred_arg, struct token *out);

/* What LogonUser checks once the credential has been proven (a password
 * here; a challenge/response for NTLM reuses it), in this order:
 * restrictions -- disabled (STATUS_ACCOUNT_DISABLED, audit 531), expired
 * (STATUS_ACCOUNT_EXPIRED, 532), logon hours (STATUS_INVALID_LOGON_HOURS,
 * 530), workstation (STATUS_INVALID_WORKSTATION, 533), password age
 * (STATUS_PASSWORD_EXPIRED, 535), must change (STATUS_PASSWORD_MUST_CHANGE,
 * 535) --, then the logon right of rq->type with deny rights winning on
 * Windows 2000 and later (STATUS_LOGON_TYPE_NOT_GRANTED, 534), then the
 * token (STATUS_NO_MEMORY). On success fills *out (a fresh logon id of m),
 * sets u->last_logon (in memory) and audits 528. STATUS_INVALID_LOGON_TYPE
 * for a bad rq->type. Lockout is not among them: it is checked before the
 * credential, since NT reports it whatever the password.
 * m: the machine logged on to (its policy, local groups and Security log);
 * am: the machine whose SAM holds u (m, or its domain's DC for a
 * pass-through logon) and whose account policy ages the password. */
ntstatus logon_post_credential_checks(struct machine *m, struct machine *am, struct sam_user *u,
                                      const struct logon_request *rq, struct token *out);

/* The token LogonUser would build for an existing account at this instant
 * (groups and privileges from the current policy), without a password and
 * without the logon-right and restriction checks: what the service control
 * manager's service logon yields for a service account, and what
 * `ntlab logon --caller` runs with. domain as in logon_user. Errors:
 * STATUS_NO_SUCH_USER, STATUS_NO_LOGON_SERVERS, STATUS_NO_MEMORY. */
ntstatus logon_token_for(struct machine *m, const char *domain, const char *user,
                         enum logon_type type, struct token *out);

/* "Interactive", "Network", "Batch", "Service"; parse accepts those
 * (case-insensitive) and the numbers 2-5. */
const char *logon_type_name(enum logon_type t);
bool logon_type_parse(const char *s, enum logon_type *out);

#endif
