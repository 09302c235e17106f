/* The SAM's write path, shaped like the LSA's (lsa.c): every change takes
 * "<sam.txt>.lock" (non-blocking: STATUS_SHARING_VIOLATION when another
 * writer holds it), re-reads the file if another process rewrote it since
 * we last read or wrote it, applies the change, writes the whole file with
 * afile_write and records its new identity. A change that fails, in memory
 * or on disk, leaves memory as it was: what the file holds. A SAM with no
 * file (sam_create, not yet saved) changes in memory only.
 *
 * Undo: a change of one user's fields keeps a copy of that user; a change
 * that adds or removes accounts, groups or memberships keeps a copy of the
 * model (sam_clone), as cheap as the write that follows it. */
#include "emulator/sam_int.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h" /* EDQUOT on Windows */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* errno -> NTSTATUS as everywhere (nterr_from_errno), but for the SAM's
 * own size limit: a sam.txt past SAM_FILE_MAX is a corrupt database. */
static ntstatus errno_status(int e)
{
    return e == EFBIG ? STATUS_INTERNAL_DB_CORRUPTION : nterr_from_errno(e);
}

void sam_store_free(struct sam_store *st)
{
    filelock_release(&st->lock);
    free(st->path);
    free(st->lockpath);
    sam_free(st->undo);
    st->path = st->lockpath = NULL;
    st->undo = NULL;
}

static ntstatus bind_path(struct sam *s, const char *path)
{
    size_t n = strlen(path) + sizeof ".lock";
    char *p = strdup(path), *lp = malloc(n);
    if (!p || !lp) {
        free(p);
        free(lp);
        return STATUS_NO_MEMORY;
    }
    snprintf(lp, n, "%s.lock", path);
    free(s->store.path);
    free(s->store.lockpath);
    s->store.path = p;
    s->store.lockpath = lp;
    return STATUS_SUCCESS;
}

/* Reads and parses path into a new model; *sig is the identity of the bytes
 * read (read again if a writer renamed a new version in meanwhile). */
static ntstatus read_file(const char *path, struct sam **out, struct filesig *sig, char *err,
                          size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        struct filesig before;
        filesig_take(&before, path);
        char *text;
        size_t len;
        int rc = afile_read(path, SAM_FILE_MAX, &text, &len);
        if (rc) {
            if (err && errlen)
                snprintf(err, errlen, "%s: %s", path, rc == ENOENT ? "no such file" : plat_strerror(rc));
            return errno_status(rc);
        }
        filesig_take(sig, path);
        if (!filesig_equal(&before, sig) && attempt < 3) {
            free(text);
            continue;
        }
        ntstatus st = sam_file_parse(path, text, len, out, err, errlen);
        free(text);
        return st;
    }
}

ntstatus sam_load(const char *path, struct sam **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    struct sam *s;
    struct filesig sig;
    ntstatus st = read_file(path, &s, &sig, err, errlen);
    if (st)
        return st;
    st = bind_path(s, path);
    if (st) {
        sam_free(s);
        return st;
    }
    s->store.sig = sig;
    *out = s;
    return STATUS_SUCCESS;
}

/* Writes the model to path and records the file's new identity. */
static ntstatus write_file(const struct sam *s, const char *path, struct filesig *sig)
{
    struct buf b = BUF_INIT;
    if (sam_file_format(s, &b)) {
        buf_free(&b);
        return STATUS_NO_MEMORY;
    }
    int rc = afile_write(path, b.p, b.len, 0600); /* 0600: it holds password hashes */
    sam_wipe(b.p, b.len);
    buf_free(&b);
    if (rc)
        return errno_status(rc);
    filesig_take(sig, path);
    return STATUS_SUCCESS;
}

/* Writes s to path under "<path>.lock"; *sig: the file written. */
static ntstatus save_locked(const struct sam *s, const char *path, struct filesig *sig)
{
    size_t n = strlen(path) + sizeof ".lock";
    char *lp = malloc(n);
    if (!lp)
        return STATUS_NO_MEMORY;
    snprintf(lp, n, "%s.lock", path);
    struct filelock lock = {-1};
    int rc = filelock_acquire(&lock, lp, false);
    free(lp);
    if (rc)
        return errno_status(rc);
    ntstatus st = write_file(s, path, sig);
    filelock_release(&lock);
    return st;
}

ntstatus sam_save(const struct sam *s, const char *path)
{
    if (!s || !path)
        return STATUS_INVALID_PARAMETER;
    struct filesig sig;
    return save_locked(s, path, &sig);
}

ntstatus sam_save_as(struct sam *s, const char *path)
{
    if (!s || !path || s->store.batch)
        return STATUS_INVALID_PARAMETER;
    struct filesig sig;
    ntstatus st = save_locked(s, path, &sig);
    if (st == STATUS_SUCCESS && s->store.path != path)
        st = bind_path(s, path);
    if (st == STATUS_SUCCESS)
        s->store.sig = sig;
    return st;
}

const char *sam_path(const struct sam *s)
{
    return s->store.path;
}

/* Brings the model up to the file when another process rewrote it. A
 * missing file is STATUS_OBJECT_NAME_NOT_FOUND, or success when missing_ok
 * (a change: its write recreates the file). */
static ntstatus refresh(struct sam *s, bool missing_ok, char *err, size_t errlen)
{
    if (!s->store.path)
        return STATUS_SUCCESS;
    struct filesig now;
    int rc = filesig_take(&now, s->store.path);
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", s->store.path, plat_strerror(rc));
        return errno_status(rc);
    }
    if (now.exists && filesig_equal(&now, &s->store.sig))
        return STATUS_SUCCESS;
    struct sam *fresh = NULL;
    struct filesig sig;
    ntstatus st = now.exists ? read_file(s->store.path, &fresh, &sig, err, errlen)
                             : STATUS_OBJECT_NAME_NOT_FOUND;
    if (st == STATUS_OBJECT_NAME_NOT_FOUND && err && errlen)
        snprintf(err, errlen, "%s: the SAM file is missing", s->store.path);
    if (st)
        return st == STATUS_OBJECT_NAME_NOT_FOUND && missing_ok ? STATUS_SUCCESS : st;
    sam_swap_model(s, fresh);
    s->store.sig = sig;
    sam_free(fresh);
    return STATUS_SUCCESS;
}

ntstatus sam_refresh(struct sam *s, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    return refresh(s, false, err, errlen);
}

/* Takes the lock and refreshes: the start of every change outside a batch
 * (a batch did both at its start). */
static ntstatus enter(struct sam *s)
{
    if (!s->store.path || s->store.batch)
        return STATUS_SUCCESS;
    int rc = filelock_acquire(&s->store.lock, s->store.lockpath, false);
    if (rc)
        return errno_status(rc);
    ntstatus st = refresh(s, true, NULL, 0);
    if (st)
        filelock_release(&s->store.lock);
    return st;
}

static bool writes_through(const struct sam *s)
{
    return s->store.path && !s->store.batch;
}

static ntstatus write_through(struct sam *s)
{
    return write_file(s, s->store.path, &s->store.sig);
}

static void leave(struct sam *s)
{
    if (!s->store.batch)
        filelock_release(&s->store.lock);
}

ntstatus sam_flush(struct sam *s)
{
    ntstatus st = enter(s);
    if (st == STATUS_SUCCESS && writes_through(s))
        st = write_through(s);
    leave(s);
    return st;
}

ntstatus sam_batch_begin(struct sam *s)
{
    if (s->store.batch) {
        s->store.batch++;
        return STATUS_SUCCESS;
    }
    ntstatus st = enter(s);
    if (st)
        return st;
    s->store.undo = sam_clone(s); /* for a failed write, or a cancel */
    if (!s->store.undo) {
        leave(s);
        return STATUS_NO_MEMORY;
    }
    s->store.batch = 1;
    return STATUS_SUCCESS;
}

ntstatus sam_batch_end(struct sam *s)
{
    if (!s->store.batch)
        return STATUS_INVALID_PARAMETER;
    if (--s->store.batch)
        return STATUS_SUCCESS;
    ntstatus st = s->store.path ? write_through(s) : STATUS_SUCCESS;
    if (st)
        sam_swap_model(s, s->store.undo);
    sam_free(s->store.undo);
    s->store.undo = NULL;
    leave(s);
    return st;
}

void sam_batch_cancel(struct sam *s)
{
    if (!s->store.batch)
        return;
    s->store.batch = 0;
    if (s->store.undo) {
        sam_swap_model(s, s->store.undo);
        sam_free(s->store.undo);
        s->store.undo = NULL;
    }
    leave(s);
}

/* ---- changes ------------------------------------------------------------ */

enum op { OP_USER_ADD, OP_USER_DEL, OP_PASSWORD, OP_GROUP_ADD, OP_GROUP_DEL, OP_MEMBER_ADD,
          OP_MEMBER_REMOVE, OP_NTHASH };

struct change {
    enum op op;
    const char *name; /* user or group */
    const char *text; /* password or comment */
    int64_t now;
    uint32_t *rid;
    enum sam_group_kind kind;
    const struct sid *member;
    const uint8_t *hash; /* OP_NTHASH */
};

static ntstatus apply(struct sam *s, const struct change *c)
{
    switch (c->op) {
    case OP_USER_ADD: return sam_do_user_add(s, c->name, c->text, c->now, c->rid);
    case OP_USER_DEL: return sam_do_user_del(s, c->name);
    case OP_PASSWORD: return sam_do_set_password(s, c->name, c->text, c->now);
    case OP_GROUP_ADD: return sam_do_group_add(s, c->name, c->kind, c->text);
    case OP_GROUP_DEL: return sam_do_group_del(s, c->name);
    case OP_MEMBER_ADD: return sam_do_add_member(s, c->name, c->member);
    case OP_MEMBER_REMOVE: return sam_do_remove_member(s, c->name, c->member);
    case OP_NTHASH: return sam_do_set_nthash(s, c->name, c->hash, c->now);
    }
    return STATUS_INVALID_PARAMETER;
}

/* A change of the model's shape, undone from a copy of the model. */
static ntstatus change(struct sam *s, const struct change *c)
{
    ntstatus st = enter(s);
    if (st)
        return st;
    struct sam *undo = NULL;
    if (writes_through(s) && !(undo = sam_clone(s))) {
        leave(s);
        return STATUS_NO_MEMORY;
    }
    st = apply(s, c);
    if (st == STATUS_SUCCESS && undo)
        st = write_through(s);
    if (st && undo)
        sam_swap_model(s, undo); /* back to what the file holds */
    sam_free(undo);
    leave(s);
    return st;
}

ntstatus sam_user_add(struct sam *s, const char *name, const char *password, int64_t now,
                      uint32_t *rid)
{
    return change(s, &(struct change){.op = OP_USER_ADD, .name = name, .text = password,
                                      .now = now, .rid = rid});
}

ntstatus sam_user_del(struct sam *s, const char *name)
{
    return change(s, &(struct change){.op = OP_USER_DEL, .name = name});
}

ntstatus sam_set_password(struct sam *s, const char *name, const char *password, int64_t now)
{
    return change(s, &(struct change){.op = OP_PASSWORD, .name = name, .text = password,
                                      .now = now});
}

ntstatus sam_set_nthash(struct sam *s, const char *name, const uint8_t hash[16], int64_t now)
{
    return change(s, &(struct change){.op = OP_NTHASH, .name = name, .hash = hash, .now = now});
}

ntstatus sam_group_add(struct sam *s, const char *name, enum sam_group_kind kind,
                       const char *comment)
{
    return change(s, &(struct change){.op = OP_GROUP_ADD, .name = name, .kind = kind,
                                      .text = comment});
}

ntstatus sam_group_del(struct sam *s, const char *name)
{
    return change(s, &(struct change){.op = OP_GROUP_DEL, .name = name});
}

ntstatus sam_group_add_member(struct sam *s, const char *group, const struct sid *member)
{
    return change(s, &(struct change){.op = OP_MEMBER_ADD, .name = group, .member = member});
}

ntstatus sam_group_remove_member(struct sam *s, const char *group, const struct sid *member)
{
    return change(s, &(struct change){.op = OP_MEMBER_REMOVE, .name = group, .member = member});
}

/* ---- one user's fields ---------------------------------------------------- */

bool sam_user_equal(const struct sam_user *a, const struct sam_user *b)
{
    for (size_t i = 0; i < SAM_WORKSTATIONS_MAX; i++)
        if (strcmp(a->workstations[i], b->workstations[i]) != 0)
            return false;
    return strcmp(a->name, b->name) == 0 && strcmp(a->fullname, b->fullname) == 0 &&
           strcmp(a->comment, b->comment) == 0 && a->rid == b->rid &&
           memcmp(a->nthash, b->nthash, sizeof a->nthash) == 0 && a->flags == b->flags &&
           a->pwd_last_set == b->pwd_last_set && a->expires == b->expires &&
           memcmp(a->logon_hours, b->logon_hours, sizeof a->logon_hours) == 0 &&
           a->bad_count == b->bad_count && a->last_bad == b->last_bad &&
           a->locked_at == b->locked_at && a->last_logon == b->last_logon;
}

ntstatus sam_user_edit(struct sam *s, const char *name, sam_user_edit_fn fn, void *arg)
{
    ntstatus st = enter(s);
    if (st)
        return st;
    struct sam_user *u = sam_user_find(s, name);
    if (!u) {
        leave(s);
        return STATUS_NO_SUCH_USER;
    }
    struct sam_user old;
    memcpy(&old, u, sizeof old);
    st = fn(u, arg);
    if (st == STATUS_SUCCESS &&
        (strcmp(u->name, old.name) != 0 || u->rid != old.rid ||
         memcmp(u->nthash, old.nthash, sizeof old.nthash) != 0))
        st = STATUS_INVALID_PARAMETER; /* the indexes and sam_set_password own these */
    if (st == STATUS_SUCCESS && writes_through(s) && !sam_user_equal(u, &old))
        st = write_through(s);
    if (st)
        memcpy(u, &old, sizeof old);
    sam_wipe(&old, sizeof old);
    leave(s);
    return st;
}

void sam_user_clear_lockout(struct sam_user *u)
{
    u->flags &= ~SAM_LOCKED;
    u->bad_count = 0;
    u->locked_at = 0;
}

static ntstatus unlock_fn(struct sam_user *u, void *arg)
{
    (void)arg;
    sam_user_clear_lockout(u);
    return STATUS_SUCCESS;
}

ntstatus sam_user_unlock(struct sam *s, const char *name)
{
    return sam_user_edit(s, name, unlock_fn, NULL);
}

struct field_change {
    const struct sam_user *from;
    unsigned fields;
    uint32_t flag_mask;
};

static ntstatus fields_fn(struct sam_user *u, void *arg)
{
    const struct field_change *fc = arg;
    const struct sam_user *w = fc->from;
    if (fc->fields & SAM_FIELD_FULLNAME)
        memcpy(u->fullname, w->fullname, sizeof u->fullname);
    if (fc->fields & SAM_FIELD_COMMENT)
        memcpy(u->comment, w->comment, sizeof u->comment);
    if (fc->fields & SAM_FIELD_EXPIRES)
        u->expires = w->expires;
    if (fc->fields & SAM_FIELD_PWD_LAST_SET)
        u->pwd_last_set = w->pwd_last_set;
    if (fc->fields & SAM_FIELD_HOURS)
        memcpy(u->logon_hours, w->logon_hours, sizeof u->logon_hours);
    if (fc->fields & SAM_FIELD_WORKSTATIONS)
        memcpy(u->workstations, w->workstations, sizeof u->workstations);
    u->flags = (u->flags & ~fc->flag_mask) | (w->flags & fc->flag_mask);
    return STATUS_SUCCESS;
}

ntstatus sam_user_set_fields(struct sam *s, const char *name, const struct sam_user *from,
                             unsigned fields, uint32_t flag_mask)
{
    if (!from || (flag_mask & SAM_LOCKED))
        return STATUS_INVALID_PARAMETER; /* lockout has its own rule */
    if (((fields & SAM_FIELD_FULLNAME) && !sam_text_line_ok(from->fullname)) ||
        ((fields & SAM_FIELD_COMMENT) && !sam_text_line_ok(from->comment)))
        return STATUS_INVALID_PARAMETER;
    struct field_change fc = {from, fields, flag_mask};
    return sam_user_edit(s, name, fields_fn, &fc);
}

ntstatus sam_user_set_flags(struct sam *s, const char *name, uint32_t set, uint32_t clear)
{
    struct sam_user from;
    from.flags = set;
    return sam_user_set_fields(s, name, &from, 0, set | clear);
}
