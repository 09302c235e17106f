/* Token drift as status text (drift.h). */
#include "src/net/drift.h"
#include "emulator/rights.h"

static void names(FILE *f, rights_mask mask)
{
    const char *sep = "";
    for (unsigned i = 0; i < RI_COUNT; i++)
        if (mask & RIGHTS_BIT(i)) {
            fprintf(f, "%s%s", sep, rights_at(i)->name);
            sep = ", ";
        }
}

void drift_print(FILE *f, struct machine *m, const struct scm_service *svc, const char *indent)
{
    rights_mask granted, revoked;
    ntstatus st = scm_token_drift(m, svc, &granted, &revoked);
    if (st == STATUS_INVALID_PARAMETER)
        return; /* not running: no token to compare */
    if (st) {
        const char *sym = nterr_status_symbol(st);
        fprintf(f, "%saccount's rights now: unknown (%s)\n", indent, sym ? sym : "error");
        return;
    }
    if (granted) {
        fprintf(f, "%sgranted since start: ", indent);
        names(f, granted);
        fputs("; takes effect at restart\n", f);
    }
    if (revoked) {
        fprintf(f, "%srevoked since start: ", indent);
        names(f, revoked);
        fputs("; takes effect at restart\n", f);
    }
}
