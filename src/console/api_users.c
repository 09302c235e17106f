/* /api/v1/users/FOCUS[/NAME]: User Manager for Domains' user list and
 * Properties dialog on a focus (the domain's SAM for "CORP", the
 * computer's own for "\\EXCHSRV"), through the SAM calls `ntlab user`
 * makes. A password can be set, never read: no answer carries one or its
 * hash. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "emulator/machine.h"
#include "emulator/nterr.h"
#include "emulator/sam.h"
#include <string.h>

static json_t *user_json(const struct sam_user *u)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:I}", "name",
                     u->name, "fullname", u->fullname, "comment", u->comment, "rid",
                     (json_int_t)u->rid, "disabled", (u->flags & SAM_DISABLED) != 0,
                     "locked_out", (u->flags & SAM_LOCKED) != 0, "must_change",
                     (u->flags & SAM_MUST_CHANGE) != 0, "password_never_expires",
                     (u->flags & SAM_PWD_NEVER_EXPIRES) != 0, "cant_change",
                     (u->flags & SAM_CANT_CHANGE) != 0, "expires", (json_int_t)u->expires,
                     "password_last_set", (json_int_t)u->pwd_last_set, "last_logon",
                     (json_int_t)u->last_logon, "bad_password_count", (json_int_t)u->bad_count);
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
                                          "locked_out", "password", NULL};
    json_t *b = reply_body(a->rq, allowed, a->rs);
    if (!b)
        return 0;
    struct sam_user want = *u;
    unsigned fields = 0;
    uint32_t mask = 0;
    char name[SAM_NAME_MAX + 1];
    strcpy(name, u->name);
    if (read_props(a, b, &want, &fields, &mask) == 0) {
        const char *pw = json_string_value(json_object_get(b, "password"));
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
        else
            reply_json(a->rs, 200, user_json(sam_user_find(sam, name)));
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
        if (!get)
            return api_method(a, "GET");
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
