/* A running service's token against what its account holds now (scm.h):
 * the lesson of KB Q189732 — a grant reaches a service only when it logs
 * on again. */
#include "emulator/logon.h"
#include "emulator/machine_int.h"
#include "emulator/scm.h"
#include "src/lib/str.h"
#include <string.h>

ntstatus scm_token_drift(struct machine *m, const struct scm_service *svc, rights_mask *granted,
                         rights_mask *revoked)
{
    *granted = *revoked = 0;
    if (!svc || svc->state != SCM_RUNNING)
        return STATUS_INVALID_PARAMETER;
    if (scm_account_is_system(svc->account))
        return STATUS_SUCCESS; /* SYSTEM's privileges are fixed */
    char domain[SAM_DOMAIN_NAME_MAX + 2] = ".";
    const char *bs = strchr(svc->account, '\\'), *user = svc->account;
    if (bs) {
        if (str_copyn(domain, sizeof domain, svc->account, (size_t)(bs - svc->account)))
            return STATUS_NO_SUCH_USER;
        user = bs + 1;
    }
    /* The token the service logon would build now, as scm.c's service
     * logon does (without the password and right checks: they decide
     * whether a start succeeds, not what the token holds). */
    struct token now;
    uint64_t next_id = m->next_logon_id;
    ntstatus st = logon_token_for(m, domain, user, LOGON_SERVICE, &now);
    m->next_logon_id = next_id; /* a look, not a logon */
    if (st)
        return st;
    *granted = now.privileges & ~svc->token.privileges;
    *revoked = svc->token.privileges & ~now.privileges;
    return STATUS_SUCCESS;
}
