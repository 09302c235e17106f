#define _GNU_SOURCE /* strptime, timegm */
/* ntlab user ... and ntlab group ...: "net user" / "net localgroup" over the
 * SAM of the target machine (on a DC, the domain's). */
#include "emulator/lab.h"
#include "emulator/sam.h"
#include "emulator/samhours.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <string.h>
#include <time.h>

static int sam_fail(struct cli_ctx *ctx, const char *what, const char *name, ntstatus st)
{
    char text[512];
    nterr_describe(nterr_to_win32(st), text, sizeof text);
    return cli_error(ctx, CLI_FAIL, "%s '%s': %s", what, name, text);
}

static void fmt_time(int64_t t, char *out, size_t n)
{
    if (t == 0) {
        snprintf(out, n, "Never");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    plat_gmtime(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "YYYY-MM-DD", "YYYY-MM-DD HH:MM" (UTC), "never", or "+30d" from now. */
static bool parse_when(const char *s, int64_t now, int64_t *out)
{
    if (str_ieq(s, "never")) {
        *out = 0;
        return true;
    }
    if (s[0] == '+' || s[0] == '-') {
        int64_t d;
        if (str_to_duration(s + 1, &d))
            return false;
        *out = s[0] == '+' ? now + d : now - d;
        return true;
    }
    struct tm tm = {0};
    const char *end = plat_strptime(s, "%Y-%m-%d", &tm);
    if (!end)
        return false;
    if (*end == ' ' || *end == 'T')
        end = plat_strptime(end + 1, "%H:%M", &tm);
    if (!end || *end)
        return false;
    *out = (int64_t)plat_timegm(&tm);
    return true;
}

static bool parse_onoff(const char *s, bool *out)
{
    if (str_ieq(s, "yes") || str_ieq(s, "on") || str_ieq(s, "true")) {
        *out = true;
        return true;
    }
    if (str_ieq(s, "no") || str_ieq(s, "off") || str_ieq(s, "false")) {
        *out = false;
        return true;
    }
    return false;
}

/* What `user set` changes: the fields given on the command line
 * (SAM_FIELD_* bits) and flag bits, with their new values in `want`. */
struct user_set {
    struct sam_user want;
    unsigned given;
    uint32_t flag_mask;
    int64_t now; /* for --expires +30d */
};

/* The `.to` of a yes/no option of `user set`: which flag it sets. */
struct user_set_flag {
    struct user_set *r;
    uint32_t flag;
};

static int set_fullname(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                        const char *val)
{
    struct user_set *r = o->to;
    if (str_copy(r->want.fullname, sizeof r->want.fullname, val))
        return cli_error(ctx, CLI_USAGE, "%s: --fullname too long", what);
    r->given |= SAM_FIELD_FULLNAME;
    return CLI_OK;
}

static int set_comment(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                       const char *val)
{
    struct user_set *r = o->to;
    if (str_copy(r->want.comment, sizeof r->want.comment, val))
        return cli_error(ctx, CLI_USAGE, "%s: --comment too long", what);
    r->given |= SAM_FIELD_COMMENT;
    return CLI_OK;
}

static int set_expires(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                       const char *val)
{
    struct user_set *r = o->to;
    if (!parse_when(val, r->now, &r->want.expires))
        return cli_error(ctx, CLI_USAGE,
                         "%s: bad --expires '%s' (YYYY-MM-DD[ HH:MM], +30d, never)", what, val);
    r->given |= SAM_FIELD_EXPIRES;
    return CLI_OK;
}

static int set_pwd_last_set(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                            const char *val)
{
    struct user_set *r = o->to;
    if (!parse_when(val, r->now, &r->want.pwd_last_set) || r->want.pwd_last_set == 0)
        return cli_error(ctx, CLI_USAGE,
                         "%s: bad --password-last-set '%s' (YYYY-MM-DD[ HH:MM] or -50d)", what,
                         val);
    r->given |= SAM_FIELD_PWD_LAST_SET;
    return CLI_OK;
}

static int set_hours(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                     const char *val)
{
    struct user_set *r = o->to;
    if (sam_hours_parse(val, r->want.logon_hours))
        return cli_error(ctx, CLI_USAGE,
                         "%s: bad --hours '%s' (all, none, or e.g. \"Mon-Fri 8-18\", UTC)", what,
                         val);
    r->given |= SAM_FIELD_HOURS;
    return CLI_OK;
}

static int set_workstations(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                            const char *val)
{
    struct user_set *r = o->to;
    memset(r->want.workstations, 0, sizeof r->want.workstations);
    char buf[256];
    if (str_copy(buf, sizeof buf, val))
        return cli_error(ctx, CLI_USAGE, "%s: --workstations too long", what);
    int n = 0;
    char *save_ptr = NULL;
    for (char *w = strtok_r(buf, ",", &save_ptr); w; w = strtok_r(NULL, ",", &save_ptr)) {
        if (n == SAM_WORKSTATIONS_MAX ||
            str_copy(r->want.workstations[n++], sizeof r->want.workstations[0], str_trim(w)))
            return cli_error(ctx, CLI_USAGE, "%s: at most %d workstations of 15 characters",
                             what, SAM_WORKSTATIONS_MAX);
    }
    r->given |= SAM_FIELD_WORKSTATIONS;
    return CLI_OK;
}

/* --must-change, --disabled, ...: yes/no (on/off, true/false). */
static int set_flag(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                    const char *val)
{
    const struct user_set_flag *f = o->to;
    bool on;
    if (!parse_onoff(val, &on))
        return cli_error(ctx, CLI_USAGE, "%s: unknown option or value '%s %s'", what, o->name,
                         val);
    if (on)
        f->r->want.flags |= f->flag;
    else
        f->r->want.flags &= ~f->flag;
    f->r->flag_mask |= f->flag;
    return CLI_OK;
}

/* A word among the options of `user set`: each of them takes a value. */
static int set_word(struct cli_ctx *ctx, const char *what, void *to, const char *word)
{
    (void)to;
    return cli_error(ctx, CLI_USAGE, "%s: unexpected argument '%s' (options take a value)", what,
                     word);
}

static int user_show(struct cli_ctx *ctx, struct machine *m, struct sam_user *u)
{
    struct sid sid;
    char sidbuf[SID_STR_MAX], t[64];
    sam_user_sid(machine_sam(m), u, &sid);
    FILE *o = ctx->out;
    fprintf(o, "User name                    %s\n", u->name);
    fprintf(o, "Full Name                    %s\n", u->fullname);
    fprintf(o, "Comment                      %s\n", u->comment);
    fprintf(o, "SID                          %s\n", sid_str(&sid, sidbuf));
    fprintf(o, "Account active               %s\n", u->flags & SAM_DISABLED ? "No" : "Yes");
    fprintf(o, "Account locked out           %s\n", u->flags & SAM_LOCKED ? "Yes" : "No");
    fmt_time(u->expires, t, sizeof t);
    fprintf(o, "Account expires              %s\n", t);
    fmt_time(u->pwd_last_set, t, sizeof t);
    fprintf(o, "Password last set            %s\n", t);
    fprintf(o, "Password never expires       %s\n", u->flags & SAM_PWD_NEVER_EXPIRES ? "Yes" : "No");
    fprintf(o, "Must change password         %s\n", u->flags & SAM_MUST_CHANGE ? "Yes" : "No");
    fprintf(o, "User may change password     %s\n", u->flags & SAM_CANT_CHANGE ? "No" : "Yes");
    fprintf(o, "Workstations allowed         ");
    bool any = false;
    for (int i = 0; i < SAM_WORKSTATIONS_MAX; i++)
        if (u->workstations[i][0]) {
            fprintf(o, "%s%s", any ? "," : "", u->workstations[i]);
            any = true;
        }
    fprintf(o, "%s\n", any ? "" : "All");
    bool all = true, none = true;
    for (int i = 0; i < 21; i++) {
        all = all && u->logon_hours[i] == 0xff;
        none = none && u->logon_hours[i] == 0;
    }
    fprintf(o, "Logon hours allowed          %s\n", all ? "All" : none ? "None" : "Restricted");
    fprintf(o, "Bad password count           %u\n", u->bad_count);
    fmt_time(u->last_logon, t, sizeof t);
    fprintf(o, "Last logon                   %s\n", t);
    fprintf(o, "Group memberships           ");
    struct sid groups[64];
    size_t n = 0;
    sam_memberships(machine_sam(m), &sid, 1, groups, 64, &n);
    for (size_t i = 0; i < n; i++) {
        const char *gname;
        bool is_group;
        if (sam_lookup_sid(machine_sam(m), &groups[i], &gname, &is_group))
            fprintf(o, " *%s", gname);
    }
    fprintf(o, "\n");
    return CLI_OK;
}

/* user add NAME --password P [--group G]...: NAME may name the domain
 * ('CORP\bob': the account goes to the domain's SAM). */
/* --nt-hash HEX: 32 hex digits, the account's NT hash as sam.txt holds it
 * (how ntlab export rebuilds an account whose password it cannot know). */
static int parse_nthash(struct cli_ctx *ctx, const char *hex, uint8_t out[16])
{
    if (strlen(hex) != 32 || str_unhex(hex, out, 16) != 0)
        return cli_error(ctx, CLI_USAGE, "user: bad --nt-hash '%s' (32 hex digits)", hex);
    return CLI_OK;
}

static int user_add(struct cli_ctx *ctx, struct machine *m, const char **pos, size_t npos,
                    const char *password, const char *nthash, const char **groups, size_t ngroups, int64_t now)
{
    if (npos != 1 || !password == !nthash)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab user add NAME --password P|--nt-hash HEX "
                                         "[--group G]...");
    uint8_t hash[16];
    if (nthash && parse_nthash(ctx, nthash, hash) != CLI_OK)
        return CLI_USAGE;
    const char *bare;
    if (cli_user_target(ctx, m, pos[0], &m, &bare))
        return CLI_FAIL;
    pos[0] = bare;
    for (size_t i = 0; i < ngroups; i++)
        if (!sam_group_find(machine_sam(m), groups[i]))
            return cli_error(ctx, CLI_FAIL, "user add: no group '%s' on %s", groups[i],
                             machine_name(m));
    /* the account and its groups in one write, or none of them */
    ntstatus st = sam_batch_begin(machine_sam(m));
    if (st != STATUS_SUCCESS)
        return sam_fail(ctx, "cannot add user", pos[0], st);
    uint32_t rid;
    st = sam_user_add(machine_sam(m), pos[0], password ? password : "", now, &rid);
    if (st == STATUS_SUCCESS && nthash)
        st = sam_set_nthash(machine_sam(m), pos[0], hash, now);
    if (st != STATUS_SUCCESS) {
        sam_batch_cancel(machine_sam(m));
        return sam_fail(ctx, "cannot add user", pos[0], st);
    }
    struct sid sid;
    sam_user_sid(machine_sam(m), sam_user_by_rid(machine_sam(m), rid), &sid);
    for (size_t i = 0; i < ngroups; i++) {
        st = sam_group_add_member(machine_sam(m), groups[i], &sid);
        if (st != STATUS_SUCCESS && st != STATUS_MEMBER_IN_GROUP) {
            sam_batch_cancel(machine_sam(m));
            return sam_fail(ctx, "cannot add the user to group", groups[i], st);
        }
    }
    st = sam_batch_end(machine_sam(m));
    if (st != STATUS_SUCCESS)
        return sam_fail(ctx, "cannot add user", pos[0], st);
    char sidbuf[SID_STR_MAX];
    fprintf(ctx->out, "user %s\\%s added (%s)\n", sam_domain_name(machine_sam(m)), pos[0],
            sid_str(&sid, sidbuf));
    return CLI_OK;
}

/* user set NAME OPTION VALUE...: all options are checked before any is
 * applied, and the SAM is written once. */
static int user_set(struct cli_ctx *ctx, struct machine *m, int argc, char **argv, int64_t now)
{
    if (argc < 3)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab user set NAME OPTION...");
    struct sam_user *u = cli_user(ctx, m, argv[2], &m);
    if (!u)
        return CLI_FAIL;
    struct user_set r = {.want = *u, .now = now};
    struct user_set_flag must = {&r, SAM_MUST_CHANGE}, never = {&r, SAM_PWD_NEVER_EXPIRES},
                         cant = {&r, SAM_CANT_CHANGE}, disabled = {&r, SAM_DISABLED};
    const struct args_opt opts[] = {
        ARGS_OPT_CALL("--fullname", &r, set_fullname),
        ARGS_OPT_CALL("--comment", &r, set_comment),
        ARGS_OPT_CALL("--expires", &r, set_expires),
        ARGS_OPT_CALL("--password-last-set", &r, set_pwd_last_set),
        ARGS_OPT_CALL("--hours", &r, set_hours),
        ARGS_OPT_CALL("--workstations", &r, set_workstations),
        ARGS_OPT_CALL("--must-change", &must, set_flag),
        ARGS_OPT_CALL("--password-never-expires", &never, set_flag),
        ARGS_OPT_CALL("--cant-change", &cant, set_flag),
        ARGS_OPT_CALL("--disabled", &disabled, set_flag),
    };
    const struct args_spec spec = {.what = "user set", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = set_word};
    int rc = args_parse(ctx, &spec, argc, argv, 3);
    if (rc != CLI_OK)
        return rc;
    ntstatus st = sam_user_set_fields(machine_sam(m), r.want.name, &r.want, r.given, r.flag_mask);
    if (st != STATUS_SUCCESS)
        return sam_fail(ctx, "cannot update user", r.want.name, st);
    fprintf(ctx->out, "user %s updated\n", r.want.name);
    return CLI_OK;
}

/* --group G of `user add`, up to max (to is a struct args_words). */
static int add_group(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                     const char *val)
{
    return args_words(ctx, what, o->to, val);
}

int cmd_user(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab user add|del|passwd|disable|enable|unlock|"
                                         "show|list|set ...");
    const char *sub = argv[1];
    const char *pos[4], *password = NULL, *nthash = NULL, *groups[16];
    struct args_words words = {.v = pos, .max = 4, .too_many = "too many arguments"};
    struct args_words gw = {.v = groups, .max = 16, .too_many = "too many --group"};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--password", &password),
        ARGS_OPT_STR("--nt-hash", &nthash),
        ARGS_OPT_CALL("--group", &gw, add_group),
    };
    const struct args_spec spec = {.what = "user", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &words};
    /* `user set` takes its options itself; the others are parsed here. */
    if (strcmp(sub, "set") != 0) {
        int rc = args_parse(ctx, &spec, argc, argv, 2);
        if (rc != CLI_OK)
            return rc;
    }
    size_t npos = words.n, ngroups = gw.n;
    struct machine *m = cli_machine(ctx);
    if (!m)
        return CLI_FAIL;
    int64_t now = machine_now(m);

    if (strcmp(sub, "list") == 0) {
        for (size_t i = 0; i < sam_user_count(machine_sam(m)); i++) {
            struct sam_user *u = sam_user_at(machine_sam(m), i);
            fprintf(ctx->out, "%-20s %s%s\n", u->name, u->flags & SAM_DISABLED ? "disabled" : "active",
                    u->flags & SAM_LOCKED ? ", locked out" : "");
        }
        return CLI_OK;
    }
    if (strcmp(sub, "add") == 0)
        return user_add(ctx, m, pos, npos, password, nthash, groups, ngroups, now);
    if (strcmp(sub, "set") == 0)
        return user_set(ctx, m, argc, argv, now);
    if (npos < 1)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab user %s NAME", sub);
    /* "alice", ".\alice", "EXCHSRV\alice" or "CORP\alice": m becomes the
     * machine whose SAM holds the user, pos[0] the bare name. */
    struct sam_user *u = cli_user(ctx, m, pos[0], &m);
    if (!u)
        return CLI_FAIL;
    char uname[sizeof u->name];
    str_copy(uname, sizeof uname, u->name); /* u goes with `del` */
    pos[0] = uname;
    if (strcmp(sub, "show") == 0)
        return user_show(ctx, m, u);
    if (strcmp(sub, "del") == 0) {
        ntstatus st = sam_user_del(machine_sam(m), pos[0]);
        if (st != STATUS_SUCCESS)
            return sam_fail(ctx, "cannot delete user", pos[0], st);
        fprintf(ctx->out, "user %s deleted\n", pos[0]);
        return CLI_OK;
    }
    if (strcmp(sub, "passwd") == 0) {
        const char *pw = npos > 1 ? pos[1] : password;
        if (!pw == !nthash)
            return cli_error(ctx, CLI_USAGE, "usage: ntlab user passwd NAME PASSWORD|--nt-hash HEX");
        uint8_t hash[16];
        if (nthash && parse_nthash(ctx, nthash, hash) != CLI_OK)
            return CLI_USAGE;
        ntstatus st = nthash ? sam_set_nthash(machine_sam(m), pos[0], hash, now)
                             : sam_set_password(machine_sam(m), pos[0], pw, now);
        if (st != STATUS_SUCCESS)
            return sam_fail(ctx, "cannot set the password of", pos[0], st);
        fprintf(ctx->out, "password of %s changed\n", pos[0]);
        return CLI_OK;
    }
    ntstatus st;
    if (strcmp(sub, "disable") == 0)
        st = sam_user_set_flags(machine_sam(m), pos[0], SAM_DISABLED, 0);
    else if (strcmp(sub, "enable") == 0)
        st = sam_user_set_flags(machine_sam(m), pos[0], 0, SAM_DISABLED);
    else if (strcmp(sub, "unlock") == 0)
        st = sam_user_unlock(machine_sam(m), pos[0]);
    else
        return cli_error(ctx, CLI_USAGE, "user: unknown subcommand '%s'", sub);
    if (st != STATUS_SUCCESS)
        return sam_fail(ctx, "cannot change user", pos[0], st);
    fprintf(ctx->out, "user %s %sd\n", pos[0], sub[strlen(sub) - 1] == 'e' ? sub : sub);
    return CLI_OK;
}

int cmd_group(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab group add|del|add-member|remove-member|list ...");
    const char *sub = argv[1];
    const char *pos[4], *comment = "";
    bool global = false;
    struct args_words words = {.v = pos, .max = 4, .too_many = "too many arguments"};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--comment", &comment),
        ARGS_OPT_FLAG("--global", &global),
    };
    const struct args_spec spec = {.what = "group", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &words};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    size_t npos = words.n;
    struct machine *m = cli_machine(ctx);
    if (!m)
        return CLI_FAIL;
    if (strcmp(sub, "list") == 0) {
        if (npos == 0) {
            for (size_t i = 0; i < sam_group_count(machine_sam(m)); i++) {
                struct sam_group *g = sam_group_at(machine_sam(m), i);
                fprintf(ctx->out, "%-24s %s %s\n", g->name,
                        g->kind == SAM_GROUP_GLOBAL ? "global" : "local ", g->comment);
            }
            return CLI_OK;
        }
        struct sam_group *g = sam_group_find(machine_sam(m), pos[0]);
        if (!g)
            return sam_fail(ctx, "no group", pos[0], STATUS_NO_SUCH_GROUP);
        for (size_t i = 0; i < g->nmembers; i++) {
            char who[256];
            machine_sid_name(m, &g->members[i], who, sizeof who);
            fprintf(ctx->out, "%s\n", who);
        }
        return CLI_OK;
    }
    ntstatus st;
    if (strcmp(sub, "add") == 0 && npos == 1) {
        st = sam_group_add(machine_sam(m), pos[0], global ? SAM_GROUP_GLOBAL : SAM_GROUP_ALIAS,
                           comment);
    } else if (strcmp(sub, "del") == 0 && npos == 1) {
        st = sam_group_del(machine_sam(m), pos[0]);
    } else if ((strcmp(sub, "add-member") == 0 || strcmp(sub, "remove-member") == 0) && npos == 2) {
        struct sid sid;
        if (cli_account(ctx, m, pos[1], &sid))
            return CLI_FAIL;
        st = sub[0] == 'a' ? sam_group_add_member(machine_sam(m), pos[0], &sid)
                           : sam_group_remove_member(machine_sam(m), pos[0], &sid);
    } else {
        return cli_error(ctx, CLI_USAGE, "usage: ntlab group add NAME [--comment C] [--global] | del NAME"
                                         " | add-member GROUP ACCOUNT | remove-member GROUP ACCOUNT | list [GROUP]");
    }
    if (st != STATUS_SUCCESS)
        return sam_fail(ctx, sub, pos[0], st);
    fprintf(ctx->out, "group %s: %s%s%s done\n", pos[0], sub, npos > 1 ? " " : "", npos > 1 ? pos[1] : "");
    return CLI_OK;
}
