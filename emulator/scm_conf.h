/* Inside the service control manager (scm.c): the services.conf format
 * (scm_conf.c) and the service-list helpers both use. Not for use outside
 * the SCM: its public face is scm.h. */
#ifndef NTLAB_EMULATOR_SCM_CONF_H
#define NTLAB_EMULATOR_SCM_CONF_H
#include "emulator/scm.h"
#include "src/lib/filesig.h"

/* A service name: 1-SCM_NAME_MAX letters, digits, _ - . $ */
bool scm_name_valid(const char *s);
/* Printable text without control characters that fits in n bytes. */
bool scm_text_valid(const char *s, size_t n);
/* Normalizes an account into out: "LocalSystem", ".\name" or
 * "DOMAIN\name"; false when it is not a valid account name. */
bool scm_account_normalize(const char *in, char out[SCM_ACCOUNT_MAX + 1]);
/* svc as a new service `name` has it: demand start, image "null",
 * LocalSystem, stopped. */
void scm_service_defaults(struct scm_service *svc, const char *name);

/* The service list: an array of owned pointers. */
struct scm_service *scm_list_find(struct scm_service *const *v, size_t n, const char *name);
/* Frees the services (passwords scrubbed) and the array. */
void scm_list_free(struct scm_service **v, size_t n);
/* Appends svc; 0, ENOSPC at SCM_MAX_SERVICES, or ENOMEM. */
int scm_list_push(struct scm_service ***v, size_t *n, size_t *cap, struct scm_service *svc);
/* The index of a service on a dependency cycle, -1 for none, -2 when out
 * of memory. Unknown dependencies are not followed. */
long scm_list_find_cycle(struct scm_service *const *v, size_t n);

/* Reads services.conf at path into a fresh list (*out, *n; a missing file
 * is an empty list) and its signature (*sig, zeroed when missing).
 * STATUS_INTERNAL_DB_CORRUPTION with "PATH:LINE: problem" (or "PATH:
 * problem") in err, STATUS_NO_MEMORY. */
ntstatus scm_conf_load(const char *path, struct scm_service ***out, size_t *n,
                       struct filesig *sig, char *err, size_t errlen);
/* Writes the list to path durably (owner-only: it holds passwords) and
 * takes its signature into *sig. Returns ERROR_SUCCESS or the Win32 error
 * of the failed write. */
uint32_t scm_conf_save(const char *path, struct scm_service *const *v, size_t n,
                       struct filesig *sig);

#endif
