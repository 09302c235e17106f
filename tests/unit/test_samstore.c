/* The SAM's write path (samstore.c): every change is on disk when it
 * returns; a change whose write fails leaves memory equal to the file; a
 * change made by another process is seen before the next one applies. */
#include "emulator/logon.h"
#include "emulator/machine.h"
#include "emulator/sam.h"
#include "src/lib/afile.h"
#include "src/lib/filesig.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 899283600LL

struct fixture {
    char dir[512], path[600], copy[600], blocker[640];
    struct sam *s;
};

/* A bound SAM in a fresh directory holding alice (in Users) and a group. */
static void setup(struct fixture *f)
{
    snprintf(f->dir, sizeof f->dir, "%s", unit_tmpdir());
    snprintf(f->path, sizeof f->path, "%s/sam.txt", f->dir);
    snprintf(f->copy, sizeof f->copy, "%s/memory.txt", f->dir);
    /* afile_write's temp file: a directory in its place fails every write
     * (EISDIR) whoever runs the test, root included */
    snprintf(f->blocker, sizeof f->blocker, "%s.tmp.%ld", f->path, (long)getpid());
    struct sid d;
    sid_make_domain(11, 22, 33, &d);
    UNIT_ASSERT_STATUS_FATAL(sam_create("EXCHSRV", &d, false, "admin", T0, &f->s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_save_as(f->s, f->path), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(f->s, "alice", "pw1", T0, NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_group_add(f->s, "Staff", SAM_GROUP_ALIAS, "c"), STATUS_SUCCESS);
}

static void teardown(struct fixture *f)
{
    rmdir(f->blocker);
    sam_free(f->s);
    unit_rmtree(f->dir);
}

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len;
    return afile_read(path, 1u << 24, &data, &len) == 0 ? data : NULL;
}

/* Memory (written out by sam_save) equals the file, byte for byte. */
static bool memory_is_disk(struct fixture *f)
{
    if (sam_save(f->s, f->copy) != STATUS_SUCCESS)
        return false;
    char *a = slurp(f->path), *b = slurp(f->copy);
    bool same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    return same;
}

static void block_writes(struct fixture *f, bool on)
{
    if (on) {
        CU_ASSERT_EQUAL_FATAL(mkdir(f->blocker, 0700), 0);
    } else {
        CU_ASSERT_EQUAL_FATAL(rmdir(f->blocker), 0);
    }
}

static struct sid user_sid(struct fixture *f, const char *name)
{
    struct sid sid;
    sam_user_sid(f->s, sam_user_find(f->s, name), &sid);
    return sid;
}

/* Each change: written at once when it succeeds; when its write fails it
 * returns the write's status and memory is what the file holds. */
static void test_changes_write_through_or_undo(void)
{
    struct fixture f;
    setup(&f);
    CU_ASSERT_TRUE(memory_is_disk(&f)); /* the adds above were written */
    struct sid alice = user_sid(&f, "alice");
    struct sam_user want;
    memset(&want, 0, sizeof want);
    snprintf(want.fullname, sizeof want.fullname, "Alice A.");
    want.flags = SAM_PWD_NEVER_EXPIRES;
    for (int fail = 1; fail >= 0; fail--) {
        block_writes(&f, fail);
        ntstatus want_st = fail ? STATUS_IO_DEVICE_ERROR : STATUS_SUCCESS;
        CU_ASSERT_EQUAL(sam_user_add(f.s, "bob", "pw2", T0, NULL), want_st);
        CU_ASSERT_EQUAL(sam_user_find(f.s, "bob") == NULL, fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_set_password(f.s, "alice", "new", T0 + 60), want_st);
        CU_ASSERT_EQUAL(sam_password_ok(sam_user_find(f.s, "alice"), "pw1"), fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_group_add_member(f.s, "Staff", &alice), want_st);
        CU_ASSERT_EQUAL(sam_group_find(f.s, "Staff")->nmembers, fail ? 0u : 1u);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_group_add(f.s, "Temps", SAM_GROUP_ALIAS, ""), want_st);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_user_set_flags(f.s, "alice", SAM_DISABLED, 0), want_st);
        CU_ASSERT_EQUAL((sam_user_find(f.s, "alice")->flags & SAM_DISABLED) == 0, fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(
            sam_user_set_fields(f.s, "alice", &want, SAM_FIELD_FULLNAME, SAM_PWD_NEVER_EXPIRES),
            want_st);
        CU_ASSERT_EQUAL(strcmp(sam_user_find(f.s, "alice")->fullname, "Alice A.") != 0, fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
    }
    /* a full name or comment is one line: a control byte is refused, nothing changes */
    {
        struct sam_user bad = *sam_user_find(f.s, "alice");
        str_copy(bad.fullname, sizeof bad.fullname, "Al\nice");
        CU_ASSERT_EQUAL(sam_user_set_fields(f.s, "alice", &bad, SAM_FIELD_FULLNAME, 0),
                        STATUS_INVALID_PARAMETER);
        str_copy(bad.fullname, sizeof bad.fullname, "Alice A.");
        str_copy(bad.comment, sizeof bad.comment, "tab\there");
        CU_ASSERT_EQUAL(sam_user_set_fields(f.s, "alice", &bad, SAM_FIELD_COMMENT, 0),
                        STATUS_INVALID_PARAMETER);
        CU_ASSERT_STRING_EQUAL(sam_user_find(f.s, "alice")->fullname, "Alice A.");
        CU_ASSERT_STRING_EQUAL(sam_user_find(f.s, "alice")->comment, "");
        CU_ASSERT_TRUE(memory_is_disk(&f));
    }
    /* now alice is disabled, in Staff; bob and Temps exist: undo the lot */
    for (int fail = 1; fail >= 0; fail--) {
        block_writes(&f, fail);
        ntstatus want_st = fail ? STATUS_IO_DEVICE_ERROR : STATUS_SUCCESS;
        CU_ASSERT_EQUAL(sam_user_set_flags(f.s, "alice", 0, SAM_DISABLED), want_st);
        CU_ASSERT_EQUAL((sam_user_find(f.s, "alice")->flags & SAM_DISABLED) != 0, fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_group_remove_member(f.s, "Staff", &alice), want_st);
        CU_ASSERT_EQUAL(sam_group_find(f.s, "Staff")->nmembers, fail ? 1u : 0u);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_group_del(f.s, "Temps"), want_st);
        CU_ASSERT_EQUAL(sam_group_find(f.s, "Temps") != NULL, fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
        CU_ASSERT_EQUAL(sam_user_del(f.s, "bob"), want_st);
        CU_ASSERT_EQUAL(sam_user_find(f.s, "bob") != NULL, fail);
        CU_ASSERT_TRUE(memory_is_disk(&f));
    }
    /* a change refused by the SAM's rules writes nothing */
    struct filesig before, after;
    filesig_take(&before, f.path);
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "alice", "x", T0, NULL), STATUS_USER_EXISTS);
    UNIT_ASSERT_STATUS(sam_user_set_flags(f.s, "alice", SAM_LOCKED, 0), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_user_set_flags(f.s, "alice", 0, SAM_DISABLED), STATUS_SUCCESS);
    filesig_take(&after, f.path);
    CU_ASSERT_TRUE(filesig_equal(&before, &after)); /* nothing changed: no write */
    teardown(&f);
}

static ntstatus lock_out(struct sam_user *u, void *arg)
{
    (void)arg;
    u->flags |= SAM_LOCKED;
    u->bad_count = 3;
    u->locked_at = T0;
    return STATUS_SUCCESS;
}

static ntstatus rename_user(struct sam_user *u, void *arg)
{
    (void)arg;
    u->name[0] = 'x';
    return STATUS_SUCCESS;
}

static void test_unlock_undo(void)
{
    struct fixture f;
    setup(&f);
    UNIT_ASSERT_STATUS_FATAL(sam_user_edit(f.s, "alice", lock_out, NULL), STATUS_SUCCESS);
    CU_ASSERT_TRUE(memory_is_disk(&f));
    block_writes(&f, true);
    UNIT_ASSERT_STATUS(sam_user_unlock(f.s, "alice"), STATUS_IO_DEVICE_ERROR);
    const struct sam_user *u = sam_user_find(f.s, "alice");
    CU_ASSERT_TRUE((u->flags & SAM_LOCKED) && u->bad_count == 3 && u->locked_at == T0);
    CU_ASSERT_TRUE(memory_is_disk(&f));
    block_writes(&f, false);
    UNIT_ASSERT_STATUS(sam_user_unlock(f.s, "alice"), STATUS_SUCCESS);
    u = sam_user_find(f.s, "alice");
    CU_ASSERT_TRUE(!(u->flags & SAM_LOCKED) && u->bad_count == 0 && u->locked_at == 0);
    CU_ASSERT_TRUE(memory_is_disk(&f));
    /* the name and RID belong to the indexes */
    UNIT_ASSERT_STATUS(sam_user_edit(f.s, "alice", rename_user, NULL), STATUS_INVALID_PARAMETER);
    CU_ASSERT_PTR_NOT_NULL(sam_user_find(f.s, "alice"));
    UNIT_ASSERT_STATUS(sam_user_unlock(f.s, "nobody"), STATUS_NO_SUCH_USER);
    teardown(&f);
}

/* Another process's change is read before ours applies: neither is lost. */
static void test_refresh_before_change(void)
{
    struct fixture f;
    setup(&f);
    struct sam *other;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(sam_load(f.path, &other, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_user_add(other, "carol", "pw", T0, NULL), STATUS_SUCCESS);
    CU_ASSERT_PTR_NULL(sam_user_find(f.s, "carol")); /* not yet read */
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "dave", "pw", T0, NULL), STATUS_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL(sam_user_find(f.s, "carol"));
    CU_ASSERT_TRUE(memory_is_disk(&f));
    /* the lock: a second writer is refused, not queued behind a stale read */
    UNIT_ASSERT_STATUS(sam_batch_begin(other), STATUS_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL(sam_user_find(other, "dave")); /* begin refreshed */
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "frank", "pw", T0, NULL), STATUS_SHARING_VIOLATION);
    CU_ASSERT_PTR_NULL(sam_user_find(f.s, "frank"));
    sam_batch_cancel(other);
    sam_free(other);
    /* a boot's refresh: nothing to do when the file is ours */
    UNIT_ASSERT_STATUS(sam_refresh(f.s, err, sizeof err), STATUS_SUCCESS);
    unlink(f.path);
    UNIT_ASSERT_STATUS(sam_refresh(f.s, err, sizeof err), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the SAM file is missing"));
    /* a change recreates a deleted file */
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "erin", "pw", T0, NULL), STATUS_SUCCESS);
    CU_ASSERT_TRUE(memory_is_disk(&f));
    teardown(&f);
}

static void test_batch(void)
{
    struct fixture f;
    setup(&f);
    struct filesig before, after;
    filesig_take(&before, f.path);
    UNIT_ASSERT_STATUS_FATAL(sam_batch_begin(f.s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "u1", "pw", T0, NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "u2", "pw", T0, NULL), STATUS_SUCCESS);
    filesig_take(&after, f.path);
    CU_ASSERT_TRUE(filesig_equal(&before, &after)); /* nothing written inside */
    block_writes(&f, true);
    UNIT_ASSERT_STATUS(sam_batch_end(f.s), STATUS_IO_DEVICE_ERROR);
    CU_ASSERT_PTR_NULL(sam_user_find(f.s, "u1"));
    CU_ASSERT_TRUE(memory_is_disk(&f));
    block_writes(&f, false);
    UNIT_ASSERT_STATUS_FATAL(sam_batch_begin(f.s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_user_add(f.s, "u1", "pw", T0, NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_batch_end(f.s), STATUS_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL(sam_user_find(f.s, "u1"));
    CU_ASSERT_TRUE(memory_is_disk(&f));
    UNIT_ASSERT_STATUS(sam_batch_end(f.s), STATUS_INVALID_PARAMETER); /* none open */
    /* cancel puts back what begin saw, with or without a file */
    struct sid d;
    sid_make_domain(1, 2, 3, &d);
    struct sam *mem;
    UNIT_ASSERT_STATUS_FATAL(sam_create("LONE", &d, false, "a", T0, &mem), STATUS_SUCCESS);
    struct sam *both[2] = {f.s, mem};
    for (int i = 0; i < 2; i++) {
        UNIT_ASSERT_STATUS_FATAL(sam_batch_begin(both[i]), STATUS_SUCCESS);
        UNIT_ASSERT_STATUS(sam_user_add(both[i], "u9", "pw", T0, NULL), STATUS_SUCCESS);
        sam_batch_cancel(both[i]);
        CU_ASSERT_PTR_NULL(sam_user_find(both[i], "u9"));
    }
    CU_ASSERT_TRUE(memory_is_disk(&f));
    sam_free(mem);
    teardown(&f);
}

/* The logon path: a bad password is on disk at once; a good logon writes
 * nothing; a bad password whose write fails is not counted in memory. */
static void test_logon_counters(void)
{
    const char *dir = unit_tmpdir();
    char mdir[600], path[640], blocker[700];
    snprintf(mdir, sizeof mdir, "%s/m", dir);
    snprintf(path, sizeof path, "%s/sam.txt", mdir);
    snprintf(blocker, sizeof blocker, "%s.tmp.%ld", path, (long)getpid());
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(mdir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "admin", &m),
        STATUS_SUCCESS);
    int64_t now = machine_now(m);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(machine_sam(m), "alice", "pw", now, NULL),
                             STATUS_SUCCESS);
    struct token sys, t;
    token_system(&sys, machine_os(m), now);
    struct filesig a, b;
    filesig_take(&a, path);
    UNIT_ASSERT_STATUS(logon_user(m, &sys, NULL, "alice", "pw", LOGON_NETWORK, NULL, "t", &t),
                       STATUS_SUCCESS);
    filesig_take(&b, path);
    CU_ASSERT_TRUE(filesig_equal(&a, &b));
    UNIT_ASSERT_STATUS(logon_user(m, &sys, NULL, "alice", "bad", LOGON_NETWORK, NULL, "t", &t),
                       STATUS_LOGON_FAILURE);
    struct sam *disk;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(sam_load(path, &disk, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(sam_user_find(disk, "alice")->bad_count, 1u);
    sam_free(disk);
    CU_ASSERT_EQUAL_FATAL(mkdir(blocker, 0700), 0);
    UNIT_ASSERT_STATUS(logon_user(m, &sys, NULL, "alice", "bad", LOGON_NETWORK, NULL, "t", &t),
                       STATUS_LOGON_FAILURE); /* the outcome does not depend on the write */
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->bad_count, 1u);
    rmdir(blocker);
    /* the good password clears the count, on disk too */
    UNIT_ASSERT_STATUS(logon_user(m, &sys, NULL, "alice", "pw", LOGON_NETWORK, NULL, "t", &t),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_load(path, &disk, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(sam_user_find(disk, "alice")->bad_count, 0u);
    sam_free(disk);
    machine_free(m);
    unit_rmtree(dir);
}

void suite_samstore(void)
{
    UNIT_SUITE("samstore", UNIT_TEST(test_changes_write_through_or_undo),
               UNIT_TEST(test_unlock_undo), UNIT_TEST(test_refresh_before_change),
               UNIT_TEST(test_batch), UNIT_TEST(test_logon_counters));
}
