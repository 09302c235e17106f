/* The policy focus shared by `rights`, `ntrights` and `policy`. */
#include "emulator/lab.h"
#include "src/cli/cli.h"

int cli_focus(struct cli_ctx *ctx, const char *focus, struct cli_focus *f)
{
    if (!focus) {
        f->m = cli_machine(ctx);
        if (!f->m)
            return CLI_FAIL;
        f->lsa = machine_lsa(f->m);
        if (machine_is_dc(f->m))
            snprintf(f->label, sizeof f->label, "%s", machine_domain(f->m));
        else
            snprintf(f->label, sizeof f->label, "\\\\%s", machine_name(f->m));
        return CLI_OK;
    }
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    /* User Manager's Select Domain takes a domain or \\COMPUTER; a bare
     * computer name that is no domain means that computer. */
    char named[MACHINE_NAME_MAX + 3];
    struct lsa *probe;
    if (focus[0] != '\\' && lab_policy_for_focus(lab, focus, &probe) == STATUS_OBJECT_NAME_NOT_FOUND &&
        lab_machine_find(lab, focus)) {
        snprintf(named, sizeof named, "\\\\%s", machine_name(lab_machine_find(lab, focus)));
        focus = named;
    }
    if (focus[0] == '\\' && focus[1] != '\\' && lab_machine_find(lab, focus + 1))
        return cli_error(ctx, CLI_FAIL,
                         "no domain or computer '%s' in this lab; did the shell eat a backslash? "
                         "quote it: '\\\\%s' (or give the bare name %s)", focus, focus + 1, focus + 1);
    ntstatus st = lab_policy_for_focus(lab, focus, &f->lsa);
    if (st == STATUS_INVALID_PARAMETER)
        return cli_error(ctx, CLI_FAIL,
                         "focus '%s' is a domain controller: set the focus to its domain", focus);
    if (st != STATUS_SUCCESS)
        return cli_error(ctx, CLI_FAIL, "no domain or computer '%s' in this lab", focus);
    f->m = lab_focus_machine(lab, focus);
    if (!f->m)
        return cli_error(ctx, CLI_FAIL, "no machine serves focus '%s'", focus);
    snprintf(f->label, sizeof f->label, "%s", focus);
    return CLI_OK;
}
