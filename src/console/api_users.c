/* /api/v1/users/FOCUS[/NAME]: User Manager for Domains' user list and
 * Properties dialog on a focus (the domain's SAM for "CORP", the
 * computer's own for "\\EXCHSRV"), through the SAM calls `ntlab user`
 * makes. A password can be set, never read: no answer carries one or its
 * hash. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "src/console/step.h"
#include "emulator/machine.h"
#include "emulator/nterr.h"
#include "emulator/sam.h"
#include <stdio.h>
#include <string.h>

/* Logon hours as the SAM keeps them: 21 bytes, 42 hex digits, bit
 * day*24+hour (day 0 = Sunday, UTC) least significant first. */
static void hours_hex(const uint8_t h[21], char out[43])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 21; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[42] = 0;
}

static bool hours_parse(const char *s, uint8_t h[21])
{
    if (!s || strlen(s) != 42)
        return false;
    for (size_t i = 0; i < 42; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            return false;
        h[i / 2] = (uint8_t)(i % 2 ? (h[i / 2] & 0xf0) | v : v << 4);
    }
    return true;
}

static json_t *user_json(const struct sam_user *u)
{
    char hours[43];
    hours_hex(u->logon_hours, hours);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:I}", "name",
                     u->name, "fullname", u->fullname, "comment", u->comment, "rid",
                     (json_int_t)u->rid, "disabled", (u->flags & SAM_DISABLED) != 0,
                     "locked_out", (u->flags & SAM_LOCKED) != 0, "must_change",
                     (u->flags & SAM_MUST_CHANGE) != 0, "password_never_expires",
                     (u->flags & SAM_PWD_NEVER_EXPIRES) != 0, "cant_change",
                     (u->flags & SAM_CANT_CHANGE) != 0, "expires", (json_int_t)u->expires,
                     "password_last_set", (json_int_t)u->pwd_last_set, "last_logon",
                     (json_int_t)u->last_logon, "bad_password_count", (json_int_t)u->bad_count);
    if (o)
        json_object_set_new(o, "logon_hours", json_string(hours));
    return o;
}

static int sam_refused(struct api_call *a, const char *what, const char *name, ntstatus st)
{
    return reply_win32(a->rs, what, name, nterr_to_win32(st));
}

/* The flags of the Properties dialog, by their JSON names. */
static const struct {
    const char *key;
    uint32_t flag;
} flags[] = {
    {"disabled", SAM_DISABLED},
    {"must_change", SAM_MUST_CHANGE},
    {"password_never_expires", SAM_PWD_NEVER_EXPIRES},
    {"cant_change", SAM_CANT_CHANGE},
};

/* The steps of a user write (step.h): `user passwd NAME --password P`,
 * `user set NAME ...` for the fields and flags the body changes, `user
 * unlock NAME`, or `user add NAME --password P` first. 0, or -1 with rs
 * filled (nothing changed yet). */
struct user_write {
    const char *machine, *name, *password;
    bool add, unlock;
    const struct sam_user *want;
    unsigned fields;
    uint32_t mask;
};

static void set_step(struct api_steps *ss, const struct user_write *w, bool *bad_when)
{
    struct api_step *s = api_step_new(ss, w->machine, "user");
    api_step_word(ss, s, "set");
    api_step_word(ss, s, w->name);
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (!(w->mask & flags[i].flag))
            continue;
        char opt[48];
        snprintf(opt, sizeof opt, "--%s", flags[i].key);
        for (char *p = opt; *p; p++)
            *p = *p == '_' ? '-' : *p;
        api_step_word(ss, s, opt);
        api_step_word(ss, s, w->want->flags & flags[i].flag ? "on" : "off");
    }
    if (w->fields & SAM_FIELD_FULLNAME) {
        api_step_word(ss, s, "--fullname");
        api_step_word(ss, s, w->want->fullname);
    }
    if (w->fields & SAM_FIELD_COMMENT) {
        api_step_word(ss, s, "--comment");
        api_step_word(ss, s, w->want->comment);
    }
    char t[1024];
    if (w->fields & SAM_FIELD_EXPIRES) {
        *bad_when = !api_step_when(w->want->expires, t, sizeof t);
        api_step_word(ss, s, "--expires");
        api_step_word(ss, s, t);
    }
    if (w->fields & SAM_FIELD_HOURS) {
        api_step_hours(w->want->logon_hours, t, sizeof t);
        api_step_word(ss, s, "--hours");
        api_step_word(ss, s, t);
    }
}

static int user_steps(struct api_call *a, const struct user_write *w, struct api_steps *ss)
{
    bool bad_when = false;
    if (w->add || w->password) {
        struct api_step *s = api_step_new(ss, w->machine, "user");
        api_step_word(ss, s, w->add ? "add" : "passwd");
        api_step_word(ss, s, w->name);
        api_step_word(ss, s, "--password");
        api_step_word(ss, s, w->password ? w->password : "");
    }
    if (w->fields || w->mask)
        set_step(ss, w, &bad_when);
    if (w->unlock) {
        struct api_step *s = api_step_new(ss, w->machine, "user");
        api_step_word(ss, s, "unlock");
        api_step_word(ss, s, w->name);
    }
    if (bad_when && a->c->record)
        return reply_error(a->rs, 400, "\"expires\" must be a whole minute while the lab is "
                                       "recorded (up --record: `ntlab user set --expires` takes "
                                       "YYYY-MM-DD HH:MM)"), -1;
    return api_steps_check(a, ss);
}

/* Reads the body into want/fields/mask; 0, or rs filled (400). */
static int read_props(struct api_call *a, json_t *b, struct sam_user *want, unsigned *fields,
                      uint32_t *mask)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        json_t *v = json_object_get(b, flags[i].key);
        if (!v)
            continue;
        if (!json_is_boolean(v))
            return reply_error(a->rs, 400, "\"%s\" must be true or false", flags[i].key), -1;
        *mask |= flags[i].flag;
        want->flags = json_is_true(v) ? want->flags | flags[i].flag : want->flags & ~flags[i].flag;
    }
    static const char *const texts[] = {"fullname", "comment"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(b, texts[i]);
        if (!v)
            continue;
        const char *t = json_string_value(v);
        if (!t || strlen(t) >= SAM_TEXT_MAX)
            return reply_error(a->rs, 400, "\"%s\" must be a string under %d bytes", texts[i],
                               SAM_TEXT_MAX), -1;
        strcpy(i ? want->comment : want->fullname, t);
        *fields |= i ? SAM_FIELD_COMMENT : SAM_FIELD_FULLNAME;
    }
    json_t *v = json_object_get(b, "expires");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return reply_error(a->rs, 400, "\"expires\" must be seconds since 1970 (0: never)"),
                   -1;
        want->expires = json_integer_value(v);
        *fields |= SAM_FIELD_EXPIRES;
    }
    v = json_object_get(b, "logon_hours");
    if (v) {
        if (!hours_parse(json_string_value(v), want->logon_hours))
            return reply_error(a->rs, 400, "\"logon_hours\" must be 42 hex digits: the "
                                           "168-hour week, bit day*24+hour (Sunday 0, UTC), "
                                           "least significant first"), -1;
        *fields |= SAM_FIELD_HOURS;
    }
    v = json_object_get(b, "locked_out");
    if (v && !json_is_false(v))
        return reply_error(a->rs, 400, "\"locked_out\" can only be cleared (false): the "
                                       "lockout policy sets it"), -1;
    v = json_object_get(b, "password");
    if (v && !json_is_string(v))
        return reply_error(a->rs, 400, "\"password\" must be a string"), -1;
    return 0;
}

static int set_props(struct api_call *a, struct machine *m, struct sam *sam, struct sam_user *u)
{
    static const char *const allowed[] = {"disabled", "must_change", "password_never_expires",
                                          "cant_change", "fullname", "comment", "expires",
                                          "locked_out", "password", "logon_hours", NULL};
    json_t *b = reply_body(a->rq, allowed, a->rs);
    if (!b)
        return 0;
    struct sam_user want = *u;
    unsigned fields = 0;
    uint32_t mask = 0;
    char name[SAM_NAME_MAX + 1];
    strcpy(name, u->name);
    const char *pw = json_string_value(json_object_get(b, "password"));
    struct user_write w = {.machine = machine_name(m), .name = name, .password = pw,
                           .unlock = json_is_false(json_object_get(b, "locked_out")),
                           .want = &want};
    struct api_steps ss = {0};
    if (read_props(a, b, &want, &fields, &mask) == 0 &&
        (w.fields = fields, w.mask = mask, user_steps(a, &w, &ss) == 0)) {
        ntstatus st = STATUS_SUCCESS;
        /* the password first: the likeliest refusal, before anything changed */
        if (pw)
            st = sam_set_password(sam, name, pw, machine_now(m));
        if (st == STATUS_SUCCESS && (fields || mask))
            st = sam_user_set_fields(sam, name, &want, fields, mask);
        if (st == STATUS_SUCCESS && json_is_false(json_object_get(b, "locked_out")))
            st = sam_user_unlock(sam, name);
        if (pw || fields || mask || json_object_get(b, "locked_out"))
            a->c->changed = true;
        if (st != STATUS_SUCCESS)
            sam_refused(a, "cannot update user", name, st);
        else { /* made: recorded whatever the reply */
            (void)reply_json(a->rs, 200, user_json(sam_user_find(sam, name)));
            api_steps_send(a, &ss);
        }
    }
    json_decref(b);
    return 0;
}

static int add_steps(struct api_call *a, struct machine *m, const char *name, const char *pw,
                     const struct sam_user *want, unsigned fields, uint32_t mask,
                     struct api_steps *ss)
{
    struct user_write w = {.machine = machine_name(m), .name = name, .password = pw,
                           .add = true, .want = want, .fields = fields, .mask = mask};
    return user_steps(a, &w, ss);
}

/* New User: the account, its password and its Properties fields in one
 * SAM write (sam_batch, as `ntlab user add`), or nothing. */
static int add_user(struct api_call *a, struct machine *m, struct sam *sam)
{
    static const char *const allowed[] = {"name", "password", "disabled", "must_change",
                                          "password_never_expires", "cant_change", "fullname",
                                          "comment", "expires", "logon_hours", NULL};
    json_t *b = reply_body(a->rq, allowed, a->rs);
    if (!b)
        return 0;
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *pwv = json_object_get(b, "password");
    struct sam_user want = {0};
    unsigned fields = 0;
    uint32_t mask = 0;
    struct api_steps ss = {0};
    if (!name || !name[0]) {
        reply_error(a->rs, 400, "\"name\" (a string) is required");
    } else if (pwv && !json_is_string(pwv)) {
        reply_error(a->rs, 400, "\"password\" must be a string");
    } else if (read_props(a, b, &want, &fields, &mask) == 0 &&
               add_steps(a, m, name, pwv ? json_string_value(pwv) : "", &want, fields, mask,
                         &ss) == 0) {
        const char *pw = pwv ? json_string_value(pwv) : "";
        uint32_t rid = 0;
        ntstatus st = sam_batch_begin(sam);
        if (st == STATUS_SUCCESS) {
            st = sam_user_add(sam, name, pw, machine_now(m), &rid);
            struct sam_user *u = st == STATUS_SUCCESS ? sam_user_by_rid(sam, rid) : NULL;
            if (u && (fields || mask)) {
                /* flags the body leaves out keep what sam_user_add set */
                want.flags = (want.flags & mask) | (u->flags & ~mask);
                st = sam_user_set_fields(sam, u->name, &want, fields, mask);
            }
            if (st == STATUS_SUCCESS)
                st = sam_batch_end(sam);
            else
                sam_batch_cancel(sam);
        }
        if (st != STATUS_SUCCESS) {
            sam_refused(a, "cannot add user", name, st);
        } else {
            a->c->changed = true;
            (void)reply_json(a->rs, 201, user_json(sam_user_by_rid(sam, rid)));
            api_steps_send(a, &ss); /* made: recorded whatever the reply */
        }
    }
    json_decref(b);
    return 0;
}

int api_users(struct api_call *a)
{
    if (a->n < 2 || a->n > 3)
        return reply_error(a->rs, 404, "no such API path");
    struct api_focus f;
    if (api_focus(a, a->seg[1], &f))
        return 0;
    struct sam *sam = machine_sam(f.m);
    if (!sam)
        return reply_error(a->rs, 409, "%s has no SAM open", f.label);
    bool get = strcmp(a->rq->method, "GET") == 0;
    if (a->n == 2) {
        if (strcmp(a->rq->method, "POST") == 0)
            return add_user(a, f.m, sam);
        if (!get)
            return api_method(a, "GET, POST");
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < sam_user_count(sam); i++)
            json_array_append_new(arr, user_json(sam_user_at(sam, i)));
        return reply_json(a->rs, 200, json_pack("{s:s, s:o}", "focus", f.label, "users", arr));
    }
    struct sam_user *u = sam_user_find(sam, a->seg[2]);
    if (!u) {
        char text[300];
        nterr_describe(nterr_to_win32(STATUS_NO_SUCH_USER), text, sizeof text);
        return reply_error(a->rs, 404, "no user '%s' in %s (%s)", a->seg[2], f.label, text);
    }
    if (get)
        return reply_json(a->rs, 200, user_json(u));
    if (strcmp(a->rq->method, "POST") != 0)
        return api_method(a, "GET, POST");
    return set_props(a, f.m, sam, u);
}
#endif
