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

static void print_masks(FILE *f, ntstatus st, rights_mask granted, rights_mask revoked,
                        const char *indent)
{
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

void drift_print(FILE *f, struct machine *m, const struct scm_service *svc, const char *indent)
{
    rights_mask granted, revoked;
    ntstatus st = scm_token_drift(m, svc, &granted, &revoked);
    if (st == STATUS_INVALID_PARAMETER)
        return; /* not running: no token to compare */
    print_masks(f, st, granted, revoked, indent);
}

void drift_print_token(FILE *f, const struct query_token *t, const char *indent)
{
    if (t->drift == STATUS_INVALID_PARAMETER)
        return; /* as drift_print: no token to compare */
    print_masks(f, t->drift, t->granted_since, t->revoked_since, indent);
}
