/* The service control manager of one machine: the installed services
 * (services.conf), the service images that can run them, and starting and
 * stopping them as NT does.
 *
 * Starting a service logs its account on with a service logon (logon.h:
 * needs "Log on as a service" except for LocalSystem); the token it gets is
 * kept in the service until it stops, whatever the policy does meanwhile.
 * Failures write the System-log events NT writes, from source
 * "Service Control Manager":
 *   7000 "The NAME service failed to start due to the following error: TEXT"
 *   7013 "Logon attempt with the current password failed with the following
 *         error: TEXT"  (before 7000 when the service logon fails; 7000 then
 *         carries 1069)
 *   7001 "The NAME service depends on the DEP service which failed to start
 *         because of the following error: TEXT"
 *   7003 "The NAME service depends on the following nonexistent service: DEP"
 *
 * Operations return Win32 error codes, as the Win32 service API does:
 * ERROR_SUCCESS, ERROR_SERVICE_DOES_NOT_EXIST (1060), ERROR_SERVICE_EXISTS
 * (1073), ERROR_SERVICE_DISABLED (1058), ERROR_SERVICE_ALREADY_RUNNING
 * (1056), ERROR_SERVICE_NOT_ACTIVE (1062), ERROR_SERVICE_DEPENDENCY_FAIL
 * (1068), ERROR_SERVICE_LOGON_FAILED (1069), ERROR_CIRCULAR_DEPENDENCY
 * (1059), ERROR_SERVICE_DEPENDENCY_DELETED (1075), ERROR_FILE_NOT_FOUND (2,
 * unknown image), ERROR_INVALID_PARAMETER, ERROR_NOT_ENOUGH_MEMORY, and the
 * Win32 code of an I/O failure writing services.conf.
 *
 * services.conf (in the machine's state directory, owner-only 0600 because
 * it holds the service passwords, as NT keeps them in the LSA secret store
 * _SC_<service>; this is a lab, not a vault). One section per service, in
 * boot order; '#' or ';' starts a comment line; values may be written in
 * double quotes with \" and \\ escapes (needed for leading/trailing spaces):
 *   [MSExchangeIS]
 *   DisplayName = Microsoft Exchange Information Store
 *   Image = msexchangeis
 *   Account = CORP\exchsvc          (LocalSystem, .\name or DOMAIN\name)
 *   Password = "secret"
 *   Start = auto                    (auto, demand or disabled)
 *   DependOnService = MSExchangeSA,MSExchangeDS
 */
#ifndef NTLAB_EMULATOR_SCM_H
#define NTLAB_EMULATOR_SCM_H
#include "emulator/nterr.h"
#include "emulator/sam.h"
#include "emulator/token.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCM_NAME_MAX 64       /* service name: letters, digits, _ - . $ */
#define SCM_DISPLAY_MAX 128
#define SCM_IMAGE_MAX 32
#define SCM_ACCOUNT_MAX (SAM_DOMAIN_NAME_MAX + 1 + SAM_NAME_MAX)
#define SCM_MAX_DEPS 16
#define SCM_MAX_SERVICES 1024
#define SCM_MAX_IMAGES 16
#define SCM_SOURCE "Service Control Manager"

struct machine;
struct scm; /* opaque */

/* Start types carry the NT registry values. */
enum scm_start_type { SCM_AUTO = 2, SCM_DEMAND = 3, SCM_DISABLED = 4 };
enum scm_state { SCM_STOPPED = 1, SCM_RUNNING = 4 };

struct scm_service {
    /* configuration (services.conf) */
    char name[SCM_NAME_MAX + 1];
    char display[SCM_DISPLAY_MAX];
    char image[SCM_IMAGE_MAX];
    char account[SCM_ACCOUNT_MAX + 1]; /* "LocalSystem", ".\name", "DOMAIN\name" */
    char password[SAM_PASSWORD_MAX + 1];
    enum scm_start_type start;
    size_t ndeps;
    char deps[SCM_MAX_DEPS][SCM_NAME_MAX + 1];

    /* run time (never persisted) */
    enum scm_state state;
    struct token token;       /* valid while running: the logon snapshot */
    uint32_t last_error;      /* Win32 code of the last failed start, else 0 */
    ntstatus logon_status;    /* NTSTATUS of the last failed service logon, else 0 */
    uint64_t start_seq;       /* order of starting, for reverse-order stop */
    int64_t started_at;       /* machine clock at start */
    void *context;            /* the image's own state while running */
    unsigned fail_pass;       /* internal: operation in which the start failed */
};

/* A service program. start runs with the service's token in svc->token and
 * returns STATUS_SUCCESS or the failure (7000 is logged with its Win32
 * text); stop (may be NULL) undoes start. arg is the registrant's. */
struct scm_image {
    const char *name; /* "null", "msexchangeis" (case-insensitive) */
    ntstatus (*start)(void *arg, struct machine *m, struct scm_service *svc);
    void (*stop)(void *arg, struct machine *m, struct scm_service *svc);
    void *arg;
};

/* Gives m its SCM (idempotent): loads m->dir/services.conf when m has a
 * state directory (absent = no services) and registers the built-in "null"
 * image (starts and does nothing). Errors: STATUS_NO_MEMORY,
 * STATUS_INTERNAL_DB_CORRUPTION with "PATH:LINE: problem" in err (malformed
 * file, unknown start type, duplicate service, circular dependency, ...). */
ntstatus scm_attach(struct machine *m, char *err, size_t errlen);
/* Frees an SCM (services must be stopped first: it does not call images). */
void scm_free(struct scm *s);
/* Frees m's SCM and leaves m without one (the next scm_attach reads
 * services.conf again). Services must be stopped first, as for scm_free. */
void scm_detach(struct machine *m);

/* Registers an image with this machine's SCM. Returns 0, EEXIST (name
 * taken), ENOSPC (SCM_MAX_IMAGES), EINVAL. The struct is copied; arg must
 * outlive the SCM. */
int scm_register_image(struct scm *s, const struct scm_image *img);
const struct scm_image *scm_find_image(const struct scm *s, const char *name);

/* Installed services, in boot order. Pointers stay valid until the next
 * add/delete/reload. */
size_t scm_count(const struct scm *s);
struct scm_service *scm_at(struct scm *s, size_t i);
struct scm_service *scm_find(struct scm *s, const char *name);

/* CreateService / ChangeServiceConfig. In scm_change_config, NULL fields and
 * start == 0 mean "no change"; deps are replaced when set_deps is true.
 * Checks: name syntax (ERROR_INVALID_NAME), account syntax and lengths
 * (ERROR_INVALID_PARAMETER; a bare "name" becomes ".\name"; LocalSystem
 * keeps no password), dependencies exist (ERROR_SERVICE_DOES_NOT_EXIST) and
 * form no cycle (ERROR_CIRCULAR_DEPENDENCY). Written to services.conf
 * durably before returning; on a write failure nothing changes. */
struct scm_config {
    const char *name;
    const char *display;  /* NULL on add: the name */
    const char *image;    /* NULL on add: "null" */
    const char *account;  /* NULL on add: LocalSystem */
    const char *password;
    enum scm_start_type start; /* 0 on add: demand */
    bool set_deps;
    const char *const *deps;
    size_t ndeps;
};
uint32_t scm_add(struct machine *m, const struct scm_config *cfg);
uint32_t scm_change_config(struct machine *m, const char *name, const struct scm_config *cfg);
/* Stops the service first if it runs. */
uint32_t scm_delete(struct machine *m, const char *name);

/* Starts a service, its dependencies first (starting demand-start ones too).
 * A running dependency is fine; a running service is
 * ERROR_SERVICE_ALREADY_RUNNING. */
uint32_t scm_start(struct machine *m, const char *name);
/* Stops a service, its running dependants first (as "net stop" after its
 * question). Not running: ERROR_SERVICE_NOT_ACTIVE. */
uint32_t scm_stop(struct machine *m, const char *name);
/* Stop (if running) then start, restarting the dependants that ran. A
 * restart takes a fresh token: this is how a grant reaches a service. */
uint32_t scm_restart(struct machine *m, const char *name);

/* Boot: starts every auto-start service not running, dependencies first,
 * each attempted once (a failed dependency is not retried for each
 * dependant). Returns how many auto services failed to start. */
size_t scm_start_auto(struct machine *m);
/* Shutdown: stops every running service, newest first. */
void scm_stop_all(struct machine *m);

/* Re-reads services.conf when it changed on disk since it was last read or
 * written (device, inode, size, mtime): what boot does. Running services
 * must be stopped. Returns STATUS_SUCCESS (also when unchanged) or
 * scm_attach's errors (the old configuration is kept). */
ntstatus scm_reload_if_changed(struct machine *m, char *err, size_t errlen);

const char *scm_start_type_name(enum scm_start_type t); /* "auto", "demand", "disabled" */
bool scm_start_type_parse(const char *s, enum scm_start_type *out);
const char *scm_state_name(enum scm_state st); /* "stopped", "running" */
/* True for "LocalSystem" (any case) and ".\LocalSystem". */
bool scm_account_is_system(const char *account);

/* Token drift (scm_drift.c): how a running service's token (the snapshot
 * taken at its start) differs from the token its account would get if the
 * service started now, in privileges: *granted = held by the account now
 * but not by the token (a grant since start, effective at the service's
 * restart or the machine's reboot), *revoked = in the token but no longer
 * the account's. Both 0 when they agree, and always for LocalSystem. A
 * look, not a logon: no logon id is used, nothing is audited. Errors:
 * STATUS_INVALID_PARAMETER (svc not running), STATUS_NO_SUCH_USER (the
 * account is gone), STATUS_NO_LOGON_SERVERS (its domain has no running
 * DC: the drift is unknown), STATUS_NO_MEMORY. */
ntstatus scm_token_drift(struct machine *m, const struct scm_service *svc, rights_mask *granted,
                         rights_mask *revoked);

#endif
