/* Issue 14 item 2: files sent with a control request (control.h): the wire
 * format round trip (bytes kept exactly, NULs included), hostile file
 * sections (a bad argument index, one given twice, too many, lengths past
 * the body, over the bound), and the daemon's side writing them under the
 * lab and removing them. */
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/net/control.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *argv5[] = {"policy", "import", "../t/tmpl.inf", "--focus", "\\\\EXCHSRV", NULL};

static void test_files_round_trip(void)
{
    static const char inf[] = "[Version]\nsignature=\"$CHICAGO$\"\n\0binary\xff";
    struct control_file f[] = {{2, inf, sizeof inf}};
    struct buf b = BUF_INIT;
    CU_ASSERT_FATAL(control_request_encode_files(&b, "EXCHSRV", 5, argv5, f, 1) == 0);
    struct control_request req;
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT_EQUAL(req.argc, 5);
    CU_ASSERT_EQUAL(req.nfiles, 1);
    CU_ASSERT_EQUAL(req.files[0].arg, 2);
    CU_ASSERT_EQUAL(req.files[0].len, sizeof inf);
    CU_ASSERT(memcmp(req.files[0].data, inf, sizeof inf) == 0);
    control_request_free(&req);
    for (size_t n = 0; n < b.len; n++) /* every proper prefix asks for more */
        CU_ASSERT_EQUAL(control_request_parse(b.p, n, &req), EAGAIN);
    buf_free(&b);
    /* An empty file is a file. */
    struct control_file empty[] = {{2, "", 0}};
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 5, argv5, empty, 1) == 0);
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT(req.nfiles == 1 && req.files[0].len == 0);
    control_request_free(&req);
    buf_free(&b);
}

static void test_files_bounds(void)
{
    struct buf b = BUF_INIT;
    struct control_file bad_arg[] = {{0, "x", 1}}; /* the command name is no file */
    CU_ASSERT_EQUAL(control_request_encode_files(&b, NULL, 5, argv5, bad_arg, 1), EINVAL);
    struct control_file past[] = {{5, "x", 1}};
    CU_ASSERT_EQUAL(control_request_encode_files(&b, NULL, 5, argv5, past, 1), EINVAL);
    struct control_file twice[] = {{2, "x", 1}, {2, "y", 1}};
    CU_ASSERT_EQUAL(control_request_encode_files(&b, NULL, 5, argv5, twice, 2), EINVAL);
    struct control_file many[CONTROL_FILES_MAX + 1];
    for (size_t i = 0; i <= CONTROL_FILES_MAX; i++)
        many[i] = (struct control_file){1, "x", 1};
    CU_ASSERT_EQUAL(control_request_encode_files(&b, NULL, 5, argv5, many, CONTROL_FILES_MAX + 1),
                    E2BIG);
    struct control_file huge[] = {{2, "x", (size_t)CONTROL_FILE_MAX + 1}}; /* never read */
    CU_ASSERT_EQUAL(control_request_encode_files(&b, NULL, 5, argv5, huge, 1), E2BIG);
    CU_ASSERT_EQUAL(b.len, 0);

    /* Hostile bytes on the daemon's side: patch a good request. Layout:
     * header 9, flags 4, argc 4, 5 strings, NFILES 4, ARG 4, LEN 4, data. */
    struct control_file one[] = {{2, "abc", 3}};
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 5, argv5, one, 1) == 0);
    size_t files_at = b.len - 3 - 12;
    struct control_request req;
    unsigned char *p = (unsigned char *)b.p;
    p[files_at + 7] = 0; /* ARG 0 */
    CU_ASSERT_EQUAL(control_request_parse(b.p, b.len, &req), EPROTO);
    CU_ASSERT(req.argv == NULL && req.nfiles == 0);
    p[files_at + 7] = 9; /* ARG past argc */
    CU_ASSERT_EQUAL(control_request_parse(b.p, b.len, &req), EPROTO);
    p[files_at + 7] = 2;
    p[files_at + 11] = 4; /* LEN past the body */
    CU_ASSERT_EQUAL(control_request_parse(b.p, b.len, &req), EPROTO);
    p[files_at + 11] = 3;
    p[files_at + 3] = 0; /* NFILES 0 with the flag set */
    CU_ASSERT_EQUAL(control_request_parse(b.p, b.len, &req), EPROTO);
    p[files_at + 3] = CONTROL_FILES_MAX + 1;
    CU_ASSERT_EQUAL(control_request_parse(b.p, b.len, &req), E2BIG);
    p[files_at + 3] = 1;
    CU_ASSERT_EQUAL_FATAL(control_request_parse(b.p, b.len, &req), 0);
    control_request_free(&req);
    p[12] = 4; /* an unknown flag */
    CU_ASSERT_EQUAL(control_request_parse(b.p, b.len, &req), EPROTO);
    buf_free(&b);
}

static void test_files_put(void)
{
    const char *lab = unit_tmpdir();
    struct control_file f[] = {{2, "[Version]\n", 10}};
    struct buf b = BUF_INIT;
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 5, argv5, f, 1) == 0);
    struct control_request req;
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    char err[300] = "";
    CU_ASSERT_EQUAL_FATAL(control_request_files_put(&req, lab, err, sizeof err), 0);
    char want[512];
    snprintf(want, sizeof want, "%s/.ctl-files/0-tmpl.inf", lab);
    CU_ASSERT_STRING_EQUAL(req.argv[2], want); /* the argument now names the sent copy */
    CU_ASSERT_STRING_EQUAL(req.argv[3], "--focus");
    char *data;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(afile_read(want, 100, &data, &len), 0);
    CU_ASSERT(len == 10 && memcmp(data, "[Version]\n", 10) == 0);
    free(data);
    struct stat st;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/.ctl-files", lab);
    CU_ASSERT_EQUAL(stat(dir, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
    control_request_free(&req); /* removes it */
    CU_ASSERT(access(want, F_OK) != 0);
    buf_free(&b);

    /* A client's name with odd bytes becomes a plain file name. */
    char *odd[] = {"mail", "deliver", "alice", "a b/..\\x*y", NULL};
    struct control_file g[] = {{3, "m", 1}};
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 4, odd, g, 1) == 0);
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT_EQUAL_FATAL(control_request_files_put(&req, lab, err, sizeof err), 0);
    snprintf(want, sizeof want, "%s/.ctl-files/0-.._x_y", lab);
    CU_ASSERT_STRING_EQUAL(req.argv[3], want);
    control_request_files_drop(&req);
    CU_ASSERT(access(want, F_OK) != 0);
    control_request_free(&req);
    buf_free(&b);

    /* A lab the daemon cannot write under: the error says where. */
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 4, odd, g, 1) == 0);
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT(control_request_files_put(&req, "/nonexistent-lab-dir", err, sizeof err) != 0);
    CU_ASSERT(strstr(err, "/nonexistent-lab-dir/.ctl-files") != NULL);
    control_request_free(&req);
    buf_free(&b);
    unit_rmtree(lab);
}

/* What a killed daemon left in .ctl-files is gone before a request's files
 * go in, with files or without: a command can name only its own. A
 * directory there is not removed, and the error says so. */
static void test_files_put_clears(void)
{
    const char *lab = unit_tmpdir();
    char dir[512], stale[600], want[600];
    snprintf(dir, sizeof dir, "%s/.ctl-files", lab);
    snprintf(stale, sizeof stale, "%s/5-stale", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    CU_ASSERT_EQUAL_FATAL(afile_write(stale, "secret", 6, 0600), 0);
    struct control_file f[] = {{2, "[Version]\n", 10}};
    struct buf b = BUF_INIT;
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 5, argv5, f, 1) == 0);
    struct control_request req;
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    char err[300] = "";
    CU_ASSERT_EQUAL_FATAL(control_request_files_put(&req, lab, err, sizeof err), 0);
    CU_ASSERT(access(stale, F_OK) != 0);
    snprintf(want, sizeof want, "%s/0-tmpl.inf", dir);
    CU_ASSERT_EQUAL(access(want, F_OK), 0);
    control_request_free(&req);
    buf_free(&b);

    /* no files sent: still emptied */
    CU_ASSERT_EQUAL_FATAL(afile_write(stale, "secret", 6, 0600), 0);
    CU_ASSERT_FATAL(control_request_encode(&b, NULL, 5, argv5) == 0);
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT_EQUAL(control_request_files_put(&req, lab, err, sizeof err), 0);
    CU_ASSERT(access(stale, F_OK) != 0);
    control_request_free(&req);
    buf_free(&b);

    char sub[600];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 5, argv5, f, 1) == 0);
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT(control_request_files_put(&req, lab, err, sizeof err) != 0);
    CU_ASSERT(strstr(err, "cannot empty") != NULL && strstr(err, ".ctl-files") != NULL);
    control_request_free(&req);
    buf_free(&b);
    unit_rmtree(lab);
}

/* The reply names each sent file as the client did, wherever it shows. */
static void test_files_unplace(void)
{
    const char *lab = unit_tmpdir();
    char *two[] = {"mail", "deliver", "alice", "/home/u/a.eml", "-", NULL};
    struct control_file f[] = {{3, "a", 1}, {4, "b", 1}};
    struct buf b = BUF_INIT;
    CU_ASSERT_FATAL(control_request_encode_files(&b, NULL, 5, two, f, 2) == 0);
    struct control_request req;
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    char err[300] = "";
    CU_ASSERT_EQUAL_FATAL(control_request_files_put(&req, lab, err, sizeof err), 0);
    struct buf t = BUF_INIT;
    CU_ASSERT_FATAL(buf_printf(&t, "delivered %s to alice\nfrom %s and %s.\n", req.argv[3],
                               req.argv[4], req.argv[3]) == 0);
    char *text = buf_steal(&t);
    size_t len = strlen(text);
    CU_ASSERT_EQUAL_FATAL(control_request_unplace(&req, &text, &len), 0);
    CU_ASSERT_STRING_EQUAL(text, "delivered /home/u/a.eml to alice\nfrom - and /home/u/a.eml.\n");
    CU_ASSERT_EQUAL(len, strlen(text));
    free(text);
    /* no placed path: the text stays; none at all: nothing to do */
    text = strdup("ntlab: no mailbox 'alice'\n");
    len = strlen(text);
    CU_ASSERT_EQUAL(control_request_unplace(&req, &text, &len), 0);
    CU_ASSERT_STRING_EQUAL(text, "ntlab: no mailbox 'alice'\n");
    free(text);
    text = NULL;
    len = 0;
    CU_ASSERT_EQUAL(control_request_unplace(&req, &text, &len), 0);
    CU_ASSERT(text == NULL);
    /* a text that is only the placed path */
    text = strdup(req.argv[4]);
    len = strlen(text);
    CU_ASSERT_EQUAL(control_request_unplace(&req, &text, &len), 0);
    CU_ASSERT(len == 1 && strcmp(text, "-") == 0);
    free(text);
    control_request_free(&req);
    buf_free(&b);
    unit_rmtree(lab);
}

void suite_ctlfiles(void)
{
    UNIT_SUITE("ctlfiles", UNIT_TEST(test_files_round_trip), UNIT_TEST(test_files_bounds),
               UNIT_TEST(test_files_put), UNIT_TEST(test_files_put_clears),
               UNIT_TEST(test_files_unplace));
}
