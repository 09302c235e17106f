/* User Manager for Domains' lists: Select Domain's focuses
 * (/api/v1/focuses), the Add... dialog's account picker
 * (/api/v1/accounts/FOCUS) and the groups with their members
 * (/api/v1/groups/FOCUS). Names are machine_sid_name's, the ones
 * `ntlab rights` prints and `rights grant` takes back. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "emulator/query.h"
#include "emulator/sam.h"
#include "emulator/sid.h"
#include <stdio.h>
#include <string.h>

/* Select Domain's list: each domain, then each computer with a policy of
 * its own (a DC's focus is its domain, so DCs are not listed as \\NAME). */
static int focuses(struct api_call *a)
{
    struct lab *lab = a->c->lab;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < lab_domain_count(lab); i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "focus", lab_domain_name(lab, i),
                                             "kind", "domain", "domain",
                                             lab_domain_name(lab, i)));
    for (size_t i = 0; arr && i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        if (machine_is_dc(m))
            continue;
        char label[MACHINE_NAME_MAX + 3];
        snprintf(label, sizeof label, "\\\\%s", machine_name(m));
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "focus", label, "kind",
                                             "computer", "domain", machine_domain(m)));
    }
    return reply_json(a->rs, 200, json_pack("{s:o}", "focuses", arr));
}

static json_t *account(struct machine *m, const struct sid *sid, const char *kind)
{
    char name[QUERY_ACCOUNT_MAX], str[SID_STR_MAX];
    machine_sid_name(m, sid, name, sizeof name);
    if (sid_format(sid, str, sizeof str))
        str[0] = 0;
    return json_pack("{s:s, s:s, s:s}", "name", name, "sid", str, "kind", kind);
}

static const char *group_kind(const struct sam_group *g)
{
    return g->kind == SAM_GROUP_GLOBAL ? "global" : "local";
}

/* The Add Users and Groups dialog's names for a focus: its SAM's groups
 * and users, and the well-known identities a right can be granted to.
 * Which well-known SIDs are offered is a choice (NT 4.0's list varies by
 * dialog): all but the NULL SID and the BUILTIN domain itself; the BUILTIN
 * aliases come from the SAM. */
static int accounts(struct api_call *a, struct api_focus *f, struct sam *sam)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < sam_group_count(sam); i++) {
        const struct sam_group *g = sam_group_at(sam, i);
        json_array_append_new(arr, account(f->m, &g->sid, group_kind(g)));
    }
    for (int w = 0; arr && w < SID_WK_COUNT; w++) {
        const struct sid *sid = sid_wellknown((enum sid_wk)w);
        if (w == SID_WK_NULL || w == SID_WK_BUILTIN || sid_is_builtin_alias(sid))
            continue;
        json_array_append_new(arr, account(f->m, sid, "wellknown"));
    }
    for (size_t i = 0; arr && i < sam_user_count(sam); i++) {
        struct sid sid;
        sam_user_sid(sam, sam_user_at(sam, i), &sid);
        json_array_append_new(arr, account(f->m, &sid, "user"));
    }
    return reply_json(a->rs, 200,
                      json_pack("{s:s, s:o}", "focus", f->label, "accounts", arr));
}

static int groups(struct api_call *a, struct api_focus *f, struct sam *sam)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < sam_group_count(sam); i++) {
        const struct sam_group *g = sam_group_at(sam, i);
        json_t *members = json_array();
        for (size_t j = 0; members && j < g->nmembers; j++) {
            char name[QUERY_ACCOUNT_MAX];
            machine_sid_name(f->m, &g->members[j], name, sizeof name);
            json_array_append_new(members, json_string(name));
        }
        char str[SID_STR_MAX];
        if (sid_format(&g->sid, str, sizeof str))
            str[0] = 0;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "name", g->name,
                                             "comment", g->comment, "sid", str, "kind",
                                             group_kind(g), "builtin", g->builtin, "members",
                                             members));
    }
    return reply_json(a->rs, 200, json_pack("{s:s, s:o}", "focus", f->label, "groups", arr));
}

int api_accounts(struct api_call *a)
{
    bool get = strcmp(a->rq->method, "GET") == 0;
    if (strcmp(a->seg[0], "focuses") == 0)
        return a->n != 1 ? reply_error(a->rs, 404, "no such API path")
               : get     ? focuses(a)
                         : api_method(a, "GET");
    if (a->n != 2)
        return reply_error(a->rs, 404, "no such API path");
    struct api_focus f;
    if (api_focus(a, a->seg[1], &f))
        return 0;
    if (!get)
        return api_method(a, "GET");
    struct sam *sam = machine_sam(f.m);
    if (!sam)
        return reply_error(a->rs, 409, "%s has no SAM open", f.label);
    return a->seg[0][0] == 'a' ? accounts(a, &f, sam) : groups(a, &f, sam);
}
#endif
