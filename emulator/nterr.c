/* NTSTATUS / Win32 tables. Mapping per Wine dlls/ntdll/error.c (the
 * LsaNtStatusToWinError table); texts are the English MessageText blocks of
 * the NT 4.0 / Windows 2000 SDK winerror.h (reference/nt-facts.md §2.3 where
 * listed there; the others from the SDK header as shipped with NT 4.0). */
#include "emulator/nterr.h"
#include "src/lib/plat.h" /* EDQUOT on Windows */
#include "src/lib/str.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct status_entry {
    ntstatus st;
    const char *sym;
    uint32_t win32;
};

#define S(sym, w) {sym, #sym, w}
static const struct status_entry statuses[] = {
    S(STATUS_SUCCESS, ERROR_SUCCESS),
    S(STATUS_NOT_ALL_ASSIGNED, ERROR_NOT_ALL_ASSIGNED),
    S(STATUS_SOME_NOT_MAPPED, ERROR_SOME_NOT_MAPPED),
    S(STATUS_NO_MORE_ENTRIES, ERROR_NO_MORE_ITEMS),
    S(STATUS_UNSUCCESSFUL, ERROR_GEN_FAILURE),
    S(STATUS_INVALID_HANDLE, ERROR_INVALID_HANDLE),
    S(STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER),
    S(STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY),
    S(STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED),
    S(STATUS_OBJECT_NAME_INVALID, ERROR_INVALID_NAME),
    S(STATUS_OBJECT_NAME_NOT_FOUND, ERROR_FILE_NOT_FOUND),
    S(STATUS_OBJECT_NAME_COLLISION, ERROR_ALREADY_EXISTS),
    S(STATUS_NO_LOGON_SERVERS, ERROR_NO_LOGON_SERVERS),
    S(STATUS_NO_SUCH_PRIVILEGE, ERROR_NO_SUCH_PRIVILEGE),
    S(STATUS_PRIVILEGE_NOT_HELD, ERROR_PRIVILEGE_NOT_HELD),
    S(STATUS_USER_EXISTS, ERROR_USER_EXISTS),
    S(STATUS_NO_SUCH_USER, ERROR_NO_SUCH_USER),
    S(STATUS_GROUP_EXISTS, ERROR_GROUP_EXISTS),
    S(STATUS_NO_SUCH_GROUP, ERROR_NO_SUCH_GROUP),
    S(STATUS_MEMBER_IN_GROUP, ERROR_MEMBER_IN_GROUP),
    S(STATUS_MEMBER_NOT_IN_GROUP, ERROR_MEMBER_NOT_IN_GROUP),
    S(STATUS_WRONG_PASSWORD, ERROR_INVALID_PASSWORD),
    S(STATUS_LOGON_FAILURE, ERROR_LOGON_FAILURE),
    S(STATUS_ACCOUNT_RESTRICTION, ERROR_ACCOUNT_RESTRICTION),
    S(STATUS_INVALID_LOGON_HOURS, ERROR_INVALID_LOGON_HOURS),
    S(STATUS_INVALID_WORKSTATION, ERROR_INVALID_WORKSTATION),
    S(STATUS_PASSWORD_EXPIRED, ERROR_PASSWORD_EXPIRED),
    S(STATUS_ACCOUNT_DISABLED, ERROR_ACCOUNT_DISABLED),
    S(STATUS_NONE_MAPPED, ERROR_NONE_MAPPED),
    S(STATUS_INVALID_SID, ERROR_INVALID_SID),
    S(STATUS_INTERNAL_DB_CORRUPTION, ERROR_INTERNAL_DB_CORRUPTION),
    S(STATUS_LOGON_NOT_GRANTED, ERROR_LOGON_NOT_GRANTED),
    S(STATUS_INVALID_LOGON_TYPE, ERROR_INVALID_LOGON_TYPE),
    S(STATUS_LOGON_TYPE_NOT_GRANTED, ERROR_LOGON_TYPE_NOT_GRANTED),
    S(STATUS_ACCOUNT_EXPIRED, ERROR_ACCOUNT_EXPIRED),
    S(STATUS_PASSWORD_MUST_CHANGE, ERROR_PASSWORD_MUST_CHANGE),
    S(STATUS_ACCOUNT_LOCKED_OUT, ERROR_ACCOUNT_LOCKED_OUT),
    S(STATUS_SHARING_VIOLATION, ERROR_SHARING_VIOLATION),
    S(STATUS_DISK_FULL, ERROR_DISK_FULL),
    S(STATUS_IO_DEVICE_ERROR, ERROR_IO_DEVICE),
    S(STATUS_LOG_FILE_FULL, ERROR_LOG_FILE_FULL),
    S(STATUS_NOT_SUPPORTED, ERROR_NOT_SUPPORTED),
};
#undef S

struct win32_entry {
    uint32_t code;
    const char *sym;
    const char *text;
};

#define W(sym, text) {sym, #sym, text}
static const struct win32_entry win32s[] = {
    W(ERROR_SUCCESS, "The operation completed successfully."),
    W(ERROR_FILE_NOT_FOUND, "The system cannot find the file specified."),
    W(ERROR_ACCESS_DENIED, "Access is denied."),
    W(ERROR_INVALID_HANDLE, "The handle is invalid."),
    W(ERROR_NOT_ENOUGH_MEMORY, "Not enough storage is available to process this command."),
    W(ERROR_GEN_FAILURE, "A device attached to the system is not functioning."),
    W(ERROR_SHARING_VIOLATION,
      "The process cannot access the file because it is being used by another process."),
    W(ERROR_INVALID_PASSWORD, "The specified network password is not correct."),
    W(ERROR_INVALID_PARAMETER, "The parameter is incorrect."),
    W(ERROR_DISK_FULL, "There is not enough space on the disk."),
    W(ERROR_INVALID_NAME, "The filename, directory name, or volume label syntax is incorrect."),
    W(ERROR_ALREADY_EXISTS, "Cannot create a file when that file already exists."),
    W(ERROR_NO_MORE_ITEMS, "No more data is available."),
    /* The real text carries FormatMessage inserts; kept verbatim. */
    W(ERROR_MR_MID_NOT_FOUND,
      "The system cannot find message text for message number 0x%1 in the message file for %2."),
    W(ERROR_SERVICE_REQUEST_TIMEOUT,
      "The service did not respond to the start or control request in a timely fashion."),
    W(ERROR_SERVICE_ALREADY_RUNNING, "An instance of the service is already running."),
    /* NT 4.0 wording. Windows 2000 reworded it to "The service cannot be
     * started, either because it is disabled or because it has no enabled
     * devices associated with it." */
    W(ERROR_SERVICE_DISABLED, "The specified service is disabled and cannot be started."),
    W(ERROR_SERVICE_DOES_NOT_EXIST, "The specified service does not exist as an installed service."),
    W(ERROR_SERVICE_NOT_ACTIVE, "The service has not been started."),
    W(ERROR_SERVICE_DEPENDENCY_FAIL, "The dependency service or group failed to start."),
    W(ERROR_CIRCULAR_DEPENDENCY, "Circular service dependency was specified."),
    W(ERROR_SERVICE_DEPENDENCY_DELETED, "The dependency service does not exist or has been marked for deletion."),
    W(ERROR_SERVICE_LOGON_FAILED, "The service did not start due to a logon failure."),
    W(ERROR_SERVICE_EXISTS, "The specified service already exists."),
    W(ERROR_IO_DEVICE, "The request could not be performed because of an I/O device error."),
    W(ERROR_LOG_FILE_FULL, "The event log file is full."),
    W(ERROR_NOT_SUPPORTED, "The request is not supported."),
    W(ERROR_NOT_ALL_ASSIGNED, "Not all privileges referenced are assigned to the caller."),
    W(ERROR_SOME_NOT_MAPPED, "Some mapping between account names and security IDs was not done."),
    W(ERROR_NO_LOGON_SERVERS,
      "There are currently no logon servers available to service the logon request."),
    W(ERROR_NO_SUCH_PRIVILEGE, "A specified privilege does not exist."),
    W(ERROR_PRIVILEGE_NOT_HELD, "A required privilege is not held by the client."),
    W(ERROR_USER_EXISTS, "The specified user already exists."),
    W(ERROR_NO_SUCH_USER, "The specified user does not exist."),
    W(ERROR_GROUP_EXISTS, "The specified group already exists."),
    W(ERROR_NO_SUCH_GROUP, "The specified group does not exist."),
    W(ERROR_MEMBER_IN_GROUP,
      "Either the specified user account is already a member of the specified group, or the "
      "specified group cannot be deleted because it contains a member."),
    W(ERROR_MEMBER_NOT_IN_GROUP,
      "The specified user account is not a member of the specified group account."),
    W(ERROR_LOGON_FAILURE, "Logon failure: unknown user name or bad password."),
    W(ERROR_ACCOUNT_RESTRICTION, "Logon failure: user account restriction."),
    W(ERROR_INVALID_LOGON_HOURS, "Logon failure: account logon time restriction violation."),
    W(ERROR_INVALID_WORKSTATION, "Logon failure: user not allowed to log on to this computer."),
    W(ERROR_PASSWORD_EXPIRED, "Logon failure: the specified account password has expired."),
    W(ERROR_ACCOUNT_DISABLED, "Logon failure: account currently disabled."),
    W(ERROR_NONE_MAPPED, "No mapping between account names and security IDs was done."),
    W(ERROR_INVALID_SID, "The security ID structure is invalid."),
    W(ERROR_INTERNAL_DB_CORRUPTION,
      "Unable to complete the requested operation because of either a catastrophic media "
      "failure or a data structure corruption on the disk."),
    W(ERROR_INVALID_LOGON_TYPE, "A logon request contained an invalid logon type value."),
    W(ERROR_LOGON_NOT_GRANTED,
      "Logon failure: the user has not been granted the requested logon type at this computer."),
    W(ERROR_LOGON_TYPE_NOT_GRANTED,
      "Logon failure: the user has not been granted the requested logon type at this computer."),
    W(ERROR_ACCOUNT_EXPIRED, "The user's account has expired."),
    /* NT4/W2K-era wording (later SDKs: "The user's password must be changed
     * before logging on the first time."). */
    W(ERROR_PASSWORD_MUST_CHANGE,
      "The user must change his password before he logs on the first time."),
    W(ERROR_ACCOUNT_LOCKED_OUT,
      "The referenced account is currently locked out and may not be logged on to."),
};
#undef W

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct status_entry *find_status(ntstatus st)
{
    for (size_t i = 0; i < COUNT(statuses); i++)
        if (statuses[i].st == st)
            return &statuses[i];
    return NULL;
}

static const struct win32_entry *find_win32(uint32_t code)
{
    for (size_t i = 0; i < COUNT(win32s); i++)
        if (win32s[i].code == code)
            return &win32s[i];
    return NULL;
}

uint32_t nterr_to_win32(ntstatus st)
{
    const struct status_entry *e = find_status(st);
    if (e)
        return e->win32;
    return NT_SUCCESS(st) ? ERROR_SUCCESS : ERROR_MR_MID_NOT_FOUND;
}

const char *nterr_status_symbol(ntstatus st)
{
    const struct status_entry *e = find_status(st);
    return e ? e->sym : NULL;
}

const char *nterr_win32_symbol(uint32_t code)
{
    const struct win32_entry *e = find_win32(code);
    return e ? e->sym : NULL;
}

const char *nterr_win32_text(uint32_t code)
{
    const struct win32_entry *e = find_win32(code);
    return e ? e->text : NULL;
}

/* Parses all of s as an unsigned number in the given base (no sign, no
 * spaces), at most max. */
static bool parse_u32(const char *s, int base, uint32_t *out)
{
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        v = v * (unsigned)base + d;
        if (v > UINT32_MAX)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool nterr_parse(const char *s, uint32_t *code)
{
    if (!s)
        return false;
    uint32_t v;
    if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X')) {
        if (!parse_u32(s + 2, 16, &v))
            return false;
        const struct status_entry *e = find_status(v);
        if (!e)
            return false;
        *code = e->win32;
        return true;
    }
    if (s[0] >= '0' && s[0] <= '9') {
        if (!parse_u32(s, 10, &v) || !find_win32(v))
            return false;
        *code = v;
        return true;
    }
    for (size_t i = 0; i < COUNT(win32s); i++) {
        if (str_ieq(s, win32s[i].sym)) {
            *code = win32s[i].code;
            return true;
        }
    }
    /* An NTSTATUS symbol names its mapped Win32 code too. */
    for (size_t i = 0; i < COUNT(statuses); i++) {
        if (str_ieq(s, statuses[i].sym)) {
            *code = statuses[i].win32;
            return true;
        }
    }
    return false;
}

void nterr_describe(uint32_t code, char *out, unsigned long n)
{
    if (!out || n == 0)
        return;
    const struct win32_entry *e = find_win32(code);
    if (e)
        snprintf(out, n, "%" PRIu32 " %s: %s", code, e->sym, e->text);
    else
        snprintf(out, n, "%" PRIu32 " (unknown error)", code);
}

ntstatus nterr_from_errno(int e)
{
    switch (e) {
    case 0: return STATUS_SUCCESS;
    case ENOENT:
    case ENOTDIR: return STATUS_OBJECT_NAME_NOT_FOUND;
    case EEXIST: return STATUS_OBJECT_NAME_COLLISION;
    case ENOSPC:
    case EDQUOT: return STATUS_DISK_FULL;
    case EACCES:
    case EPERM:
    case EROFS: return STATUS_ACCESS_DENIED;
    case ENOMEM: return STATUS_NO_MEMORY;
    case ENAMETOOLONG: return STATUS_OBJECT_NAME_INVALID;
    case EWOULDBLOCK: return STATUS_SHARING_VIOLATION;
    default: return STATUS_IO_DEVICE_ERROR;
    }
}
