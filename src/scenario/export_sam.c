/* ntlab export: every SAM's users and groups, and each policy's account
 * policy and rights, as the commands that set them (export_int.h). What a
 * fresh machine already has is not written: a built-in account's default
 * flags, a fresh SAM's memberships (sam_create), the OS's default template
 * (machine_policy_template). */
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/machine.h"
#include "emulator/rights.h"
#include "emulator/sam.h"
#include "emulator/samhours.h"
#include "emulator/sid.h"
#include "src/lib/embed.h"
#include "src/lib/str.h"
#include "src/scenario/export_int.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXP_FLAGS (SAM_DISABLED | SAM_PWD_NEVER_EXPIRES | SAM_MUST_CHANGE | SAM_CANT_CHANGE)

/* The flags sam_create / sam_user_add give an account. */
static uint32_t default_flags(uint32_t rid)
{
    if (rid == 500)
        return SAM_PWD_NEVER_EXPIRES;
    if (rid == 501)
        return SAM_DISABLED | SAM_PWD_NEVER_EXPIRES | SAM_CANT_CHANGE;
    return 0;
}

/* Logon hours as `user set --hours` reads them: "none", or "DAY H-H" runs
 * (an all-hours account leaves the field out). */
static int hours_spec(struct buf *b, const uint8_t h[21])
{
    char t[SAM_HOURS_TEXT_MAX];
    size_t n = sam_hours_format(h, t, sizeof t);
    if (n >= sizeof t)
        return EOVERFLOW;
    return buf_puts(b, n ? t : "none");
}

static int onoff(struct buf *b, const char *opt, uint32_t have, uint32_t def, uint32_t bit)
{
    if ((have & bit) == (def & bit))
        return 0;
    return buf_printf(b, " %s %s", opt, have & bit ? "on" : "off");
}

/* `user set NAME ...` for what differs from a fresh account; nothing when
 * nothing does. */
static int user_fields(struct exp *x, struct machine *m, const struct sam_user *u)
{
    struct buf o = BUF_INIT;
    uint32_t def = default_flags(u->rid);
    int rc = onoff(&o, "--disabled", u->flags, def, SAM_DISABLED);
    if (rc == 0)
        rc = onoff(&o, "--password-never-expires", u->flags, def, SAM_PWD_NEVER_EXPIRES);
    if (rc == 0)
        rc = onoff(&o, "--must-change", u->flags, def, SAM_MUST_CHANGE);
    if (rc == 0)
        rc = onoff(&o, "--cant-change", u->flags, def, SAM_CANT_CHANGE);
    if (rc == 0 && u->fullname[0] && (rc = buf_puts(&o, " --fullname ")) == 0)
        rc = exp_word(&o, u->fullname);
    /* Built-in accounts come with a comment: written only for the others. */
    if (rc == 0 && u->comment[0] && u->rid >= 1000 && (rc = buf_puts(&o, " --comment ")) == 0)
        rc = exp_word(&o, u->comment);
    char t[32];
    if (rc == 0 && u->expires) {
        exp_time(u->expires, t, sizeof t, 0);
        rc = buf_printf(&o, " --expires '%s'", t);
    }
    if (rc == 0 && !sam_hours_all(u->logon_hours) && (rc = buf_puts(&o, " --hours '")) == 0 &&
        (rc = hours_spec(&o, u->logon_hours)) == 0)
        rc = buf_putc(&o, '\'');
    for (size_t k = 0; rc == 0 && k < SAM_WORKSTATIONS_MAX && u->workstations[k][0]; k++)
        rc = buf_printf(&o, "%s%s", k ? "," : " --workstations ", u->workstations[k]);
    if (rc == 0 && u->pwd_last_set != x->now) {
        exp_time(u->pwd_last_set, t, sizeof t, 0);
        rc = buf_printf(&o, " --password-last-set '%s'", t);
    }
    if (rc == 0 && o.len) {
        rc = buf_puts(&x->body, "ntlab user set ");
        if (rc == 0)
            rc = exp_word(&x->body, u->name);
        if (rc == 0)
            rc = buf_append(&x->body, o.p, o.len);
        if (rc == 0)
            rc = exp_machine_eol(&x->body, m);
    }
    buf_free(&o);
    return rc;
}

static int user(struct exp *x, struct machine *m, struct sam *s, const struct sam_user *u)
{
    static const uint8_t empty[16] = {0x31, 0xd6, 0xcf, 0xe0, 0xd1, 0x6a, 0xe9, 0x31,
                                      0xb7, 0x3c, 0x59, 0xd7, 0xe0, 0xc0, 0x89, 0xc0};
    int rc = 0;
    bool builtin = u->rid == 500 || u->rid == 501;
    if (!builtin || u->rid == 500 || memcmp(u->nthash, empty, 16) != 0) {
        char hex[33], hint[160];
        str_hex(u->nthash, 16, hex);
        snprintf(hint, sizeof hint, "NTHASH_%s_%s", sam_domain_name(s), u->name);
        rc = buf_puts(&x->body, builtin ? "ntlab user passwd " : "ntlab user add ");
        if (rc == 0)
            rc = exp_word(&x->body, u->name);
        if (rc == 0)
            rc = buf_puts(&x->body, " --nt-hash ");
        if (rc == 0)
            rc = exp_secret(x, &x->body, hint, hex);
        if (rc == 0)
            rc = exp_machine_eol(&x->body, m);
    }
    return rc ? rc : user_fields(x, m, u);
}

static bool has_member(const struct sam_group *g, const struct sid *sid)
{
    for (size_t i = 0; g && i < g->nmembers; i++)
        if (sid_equal(&g->members[i], sid))
            return true;
    return false;
}

/* Whether a fresh SAM plus `user add` would hold sid in g (fresh: the SAM
 * sam_create makes with the same domain SID). */
/* What joining a domain adds to a member's local groups: Domain Admins to
 * Administrators, Domain Users to Users (machine_join_domain). */
static bool joined_member(struct exp *x, struct machine *m, const struct sam_group *g,
                          const struct sid *sid)
{
    struct sam *ds = machine_domain(m)[0] && !machine_is_dc(m)
                         ? lab_domain_sam(x->lab, machine_domain(m))
                         : NULL;
    uint32_t rid;
    if (!ds || !sid_split(sid, sam_domain_sid(ds), &rid))
        return false;
    return (rid == 512 && sid_equal(&g->sid, sid_wellknown(SID_WK_ADMINISTRATORS))) ||
           (rid == 513 && sid_equal(&g->sid, sid_wellknown(SID_WK_USERS)));
}

static bool default_member(struct exp *x, struct machine *m, struct sam *s, struct sam *fresh,
                           const struct sam_group *g, const struct sid *sid)
{
    bool dc = machine_is_dc(m);
    if (joined_member(x, m, g, sid))
        return true;
    struct sam_group *fg = NULL;
    for (size_t i = 0; i < sam_group_count(fresh) && !fg; i++)
        if (str_ieq(sam_group_at(fresh, i)->name, g->name))
            fg = sam_group_at(fresh, i);
    if (has_member(fg, sid))
        return true;
    uint32_t rid, grid;
    const struct sid *dom = sam_domain_sid(s);
    bool added_user = sid_split(sid, dom, &rid) && rid >= 1000 && sam_user_by_rid(s, rid);
    if (!added_user)
        return false;
    if (dc)
        return sid_split(&g->sid, dom, &grid) && grid == 513; /* Domain Users */
    return sid_equal(&g->sid, sid_wellknown(SID_WK_USERS));
}

static int member_line(struct exp *x, struct machine *m, const char *verb, const char *group,
                       const struct sid *sid)
{
    char name[512];
    machine_sid_name(m, sid, name, sizeof name);
    int rc = buf_printf(&x->body, "ntlab group %s ", verb);
    if (rc == 0)
        rc = exp_word(&x->body, group);
    if (rc == 0)
        rc = buf_putc(&x->body, ' ');
    if (rc == 0)
        rc = exp_word(&x->body, name);
    return rc ? rc : exp_machine_eol(&x->body, m);
}

static int groups(struct exp *x, struct machine *m, struct sam *s, struct sam *fresh)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sam_group_count(s); i++) {
        const struct sam_group *g = sam_group_at(s, i);
        if (g->builtin)
            continue;
        rc = buf_puts(&x->body, "ntlab group add ");
        if (rc == 0)
            rc = exp_word(&x->body, g->name);
        if (rc == 0 && g->comment[0] && (rc = buf_puts(&x->body, " --comment ")) == 0)
            rc = exp_word(&x->body, g->comment);
        if (rc == 0 && g->kind == SAM_GROUP_GLOBAL)
            rc = buf_puts(&x->body, " --global");
        if (rc == 0)
            rc = exp_machine_eol(&x->body, m);
    }
    for (size_t i = 0; rc == 0 && i < sam_group_count(s); i++) {
        const struct sam_group *g = sam_group_at(s, i);
        for (size_t k = 0; rc == 0 && k < g->nmembers; k++)
            if (!default_member(x, m, s, fresh, g, &g->members[k]))
                rc = member_line(x, m, "add-member", g->name, &g->members[k]);
        /* A default member taken out: the fresh group's and every added
         * user's default membership. */
        struct sam_group *fg = NULL;
        for (size_t j = 0; j < sam_group_count(fresh) && !fg; j++)
            if (str_ieq(sam_group_at(fresh, j)->name, g->name))
                fg = sam_group_at(fresh, j);
        for (size_t k = 0; rc == 0 && fg && k < fg->nmembers; k++)
            if (!has_member(g, &fg->members[k]))
                rc = member_line(x, m, "remove-member", g->name, &fg->members[k]);
        for (size_t k = 0; rc == 0 && k < sam_user_count(s); k++) {
            struct sid us;
            const struct sam_user *u = sam_user_at(s, k);
            sam_user_sid(s, u, &us);
            if (u->rid >= 1000 && !has_member(g, &us) && default_member(x, m, s, fresh, g, &us) &&
                !has_member(fg, &us))
                rc = member_line(x, m, "remove-member", g->name, &us);
        }
    }
    return rc;
}

int exp_each_sam(struct exp *x, exp_sam_fn *fn, void *arg)
{
    struct sam *seen[EXP_MAX_SAMS];
    size_t nseen = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < lab_machine_count(x->lab); i++) {
        struct machine *m = lab_machine_at(x->lab, i);
        struct sam *s = machine_sam(m);
        bool first = s != NULL;
        for (size_t k = 0; first && k < nseen; k++)
            first = seen[k] != s;
        if (!first)
            continue;
        if (nseen == EXP_MAX_SAMS)
            return exp_fail(x, E2BIG, "more than %d account databases in the lab", EXP_MAX_SAMS);
        seen[nseen++] = s;
        rc = fn(x, m, s, arg);
    }
    return rc;
}

/* One account database: its users, then its groups against a fresh SAM's. */
static int sam_one(struct exp *x, struct machine *m, struct sam *s, void *arg)
{
    (void)arg;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sam_user_count(s); k++)
        rc = user(x, m, s, sam_user_at(s, k));
    struct sam *fresh = NULL;
    bool dc = machine_is_dc(m);
    if (rc == 0 && sam_create(sam_domain_name(s), sam_domain_sid(s), dc, "x", x->now, &fresh) !=
                       STATUS_SUCCESS)
        rc = ENOMEM;
    if (rc == 0)
        rc = groups(x, m, s, fresh);
    sam_free(fresh);
    return rc;
}

int exp_sam(struct exp *x)
{
    return exp_each_sam(x, sam_one, NULL);
}
