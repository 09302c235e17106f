/* issue 16: the console's Exercise API (src/console/api_exercise.c),
 * called as the HTTP row calls it, without a socket, on a lab built by
 * `ntlab exercise start q189732` and booted as `ntlab up` boots it. The
 * command hook is the daemon's own (cli_live_command) wherever it can be;
 * fake commands only for what the real one never prints (no JSON, too
 * much). */
#include "tests/unit/console_fixture.h"
#include "tests/unit/unit.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "src/cli/cli.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/filelock.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xlab {
    const char *tmp;
    char dir[4096];
    struct lab *lab;
    struct console con;
    FILE *null;
};

/* The daemon's command, as httpconn.c hands it to the console. */
static int real_command(void *arg, int argc, char **argv, FILE *out, FILE *err)
{
    struct xlab *x = arg;
    return cli_live_command(NULL, x->lab, x->dir, NULL, argc, argv, out, err);
}

/* `ntlab exercise start q189732 DIR`, then the lab opened and booted as the
 * daemon does (the store image first). */
static void xlab_create(struct xlab *x)
{
    memset(x, 0, sizeof *x);
    x->tmp = unit_tmpdir();
    snprintf(x->dir, sizeof x->dir, "%s/lab", x->tmp);
    x->null = fopen("/dev/null", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x->null);
    struct cli_ctx ctx = {.labdir = ".", .out = x->null, .err = stderr};
    char *argv[] = {"exercise", "start", "q189732", x->dir, NULL};
    CU_ASSERT_EQUAL_FATAL(cli_dispatch(&ctx, 4, argv), CLI_OK);
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_open(x->dir, false, &x->lab, err, sizeof err), STATUS_SUCCESS);
    for (size_t i = 0; i < lab_machine_count(x->lab); i++)
        CU_ASSERT_EQUAL(exchange_register(lab_machine_at(x->lab, i)), 0);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(x->lab, err, sizeof err), STATUS_SUCCESS);
    x->con.lab = x->lab;
    x->con.port = CFX_PORT;
    strcpy(x->con.secret, CFX_SECRET);
    x->con.command = real_command;
    x->con.command_arg = x;
}

static void xlab_free(struct xlab *x)
{
    lab_free(x->lab);
    fclose(x->null);
    unit_rmtree(x->tmp);
}

/* Runs rq: its status, its JSON body into *out (NULL: dropped). */
static int call(struct xlab *x, const struct console_request *rq, json_t **out)
{
    return cfx_json(&x->con, rq, out, NULL);
}

static int do_(struct xlab *x, const char *method, const char *path, json_t **out)
{
    struct console_request rq = cfx_req(method, path, NULL);
    return call(x, &rq, out);
}

static const char *str_of(json_t *v, const char *k)
{
    const char *s = json_string_value(json_object_get(v, k));
    return s ? s : "";
}

static const char *str_at(json_t *a, size_t i)
{
    const char *s = json_string_value(json_array_get(a, i));
    return s ? s : "";
}

/* An admin command through the daemon's hook, as the CLI forwards it
 * (--machine travels beside the words). */
static int admin(struct xlab *x, const char *machine, int argc, char **argv)
{
    return cli_live_command(NULL, x->lab, x->dir, machine, argc, argv, x->null, stderr);
}

/* The student's path: story, Check (all unmet, the first hint), Hint,
 * the fix (the grant in the server's focus, the store restarted), Check
 * (all met, the explanation of Q189732). */
static void test_exercise_flow(void)
{
    struct xlab x;
    xlab_create(&x);
    json_t *v;
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise", &v), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "title"), "required privilege is not held"));
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "kb"), "Q189732"));
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "story"), "alice reports"));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "goals")), 4);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "hints")), 0);
    CU_ASSERT_PTR_NULL(json_object_get(v, "explanation")); /* only a check that is all met */
    json_decref(v);
    CU_ASSERT_FALSE(x.con.changed); /* GET grades nothing */

    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(v, "score")), 0);
    CU_ASSERT_STRING_EQUAL(str_of(v, "mode"), "live");
    json_t *g0 = json_array_get(json_object_get(v, "goals"), 0);
    CU_ASSERT_STRING_EQUAL(str_of(g0, "name"), "right-held");
    CU_ASSERT_TRUE(json_is_false(json_object_get(g0, "met")));
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "hint"), "Act as part of the operating system"));
    CU_ASSERT_TRUE(json_is_null(json_object_get(v, "explanation")));
    json_decref(v);
    CU_ASSERT_TRUE(x.con.changed); /* the probe's event: the live stream shows it */

    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/hint", &v), 200);
    CU_ASSERT_STRING_EQUAL(str_of(v, "goal"), "right-held");
    json_decref(v);
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise", &v), 200);
    json_t *hints = json_object_get(v, "hints");
    CU_ASSERT_EQUAL(json_array_size(hints), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_at(hints, 0),
                                  "Who is the caller here?"));
    CU_ASSERT_STRING_EQUAL(str_of(v, "hint_goal"), "right-held");
    json_decref(v);

    char *grant[] = {"ntrights", "+r", "SeTcbPrivilege", "-u", "CORP\\EXCHSVC", "-m",
                     "\\\\EXCHSRV", NULL};
    CU_ASSERT_EQUAL(admin(&x, NULL, 7, grant), CLI_OK);
    /* the grant alone: the store's token is still the one it started with */
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 200);
    json_t *goals = json_object_get(v, "goals");
    CU_ASSERT_TRUE(json_is_true(json_object_get(json_array_get(goals, 0), "met")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(json_array_get(goals, 1), "met")));
    json_decref(v);
    char *stop[] = {"service", "stop", "MSExchangeIS", NULL};
    char *start[] = {"service", "start", "MSExchangeIS", NULL};
    CU_ASSERT_EQUAL(admin(&x, "EXCHSRV", 3, stop), CLI_OK);
    CU_ASSERT_EQUAL(admin(&x, "EXCHSRV", 3, start), CLI_OK);
    for (int round = 0; round < 2; round++) { /* a second check: the same answer */
        CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 200);
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(v, "score")), 100);
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(v, "met")), 4);
        CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "kb"), "Q189732"));
        CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "explanation"), "snapshot"));
        CU_ASSERT_TRUE(json_is_null(json_object_get(v, "hint")));
        json_decref(v);
    }
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/hint", &v), 200);
    CU_ASSERT_TRUE(json_is_null(json_object_get(v, "hint")));
    json_decref(v);
    xlab_free(&x);
}

/* Inside the daemon, exercise runs check, hint and show with --json
 * alone: never the keys, -v (the goals' scenario text), start or reset. */
static void test_exercise_refused_inside(void)
{
    struct xlab x;
    xlab_create(&x);
    char *refused[][6] = {
        {"exercise", "solution", "q189732", "--keys", "src/exercises", NULL},
        {"exercise", "test", "q189732", "--keys", "src/exercises", NULL},
        {"exercise", "check", "-v", NULL},
        {"exercise", "check", "--offline", NULL},
        {"exercise", "start", "q189732", "/tmp/x", NULL},
        {"exercise", "reset", NULL},
        {"exercise", "list", NULL},
        {"exercise", "hint", "--exercises", "/tmp", NULL},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int n = 0;
        while (refused[i][n])
            n++;
        char *out = NULL, *err = NULL;
        size_t ol = 0, el = 0;
        FILE *o = open_memstream(&out, &ol), *e = open_memstream(&err, &el);
        CU_ASSERT_EQUAL(cli_live_command(NULL, x.lab, x.dir, NULL, n, refused[i], o, e),
                        CLI_USAGE);
        fclose(o);
        fclose(e);
        CU_ASSERT_EQUAL(ol, 0); /* nothing of the keys or the goals printed */
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "inside the daemon"));
        free(out);
        free(err);
    }
    /* and the console has no path to them */
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/solution", NULL), 404);
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise/check/x", NULL), 404);
    xlab_free(&x);
}

/* Methods, Origin, bodies: refused before any command runs. */
static void test_exercise_requests(void)
{
    struct xlab x;
    xlab_create(&x);
    json_t *v;
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise/check", &v), 405);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), "POST"));
    json_decref(v);
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise", NULL), 405);
    CU_ASSERT_EQUAL(do_(&x, "DELETE", "/api/v1/exercise/hint", NULL), 405);
    struct console_request rq = cfx_req("POST", "/api/v1/exercise/check", NULL);
    rq.origin = NULL; /* a write from another page */
    CU_ASSERT_EQUAL(call(&x, &rq, NULL), 403);
    rq = cfx_req("POST", "/api/v1/exercise/hint", "{\"goal\": \"x\"}");
    CU_ASSERT_EQUAL(call(&x, &rq, NULL), 400);
    rq = cfx_req("POST", "/api/v1/exercise/hint", "{");
    CU_ASSERT_EQUAL(call(&x, &rq, NULL), 400);
    rq = cfx_req("POST", "/api/v1/exercise/check", NULL);
    rq.body_too_large = true;
    CU_ASSERT_EQUAL(call(&x, &rq, NULL), 413);
    rq = cfx_req("POST", "/api/v1/exercise/check", "{}");
    CU_ASSERT_EQUAL(call(&x, &rq, NULL), 200);
    /* none of the refused hints counted */
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise", &v), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "hints")), 0);
    json_decref(v);
    xlab_free(&x);
}

/* --- failures of the command ---------------------------------------------- */

struct fake {
    struct xlab *x;
    int rc;
    const char *print; /* printed once */
    size_t repeat;     /* ... this many times */
};

static int fake_command(void *arg, int argc, char **argv, FILE *out, FILE *err)
{
    struct fake *f = arg;
    CU_ASSERT_EQUAL(argc, 3);
    CU_ASSERT_STRING_EQUAL(argv[0], "exercise");
    CU_ASSERT_STRING_EQUAL(argv[2], "--json");
    for (size_t i = 0; i < f->repeat; i++)
        fputs(f->print, out);
    fputs("ntlab: fake failure\n", err);
    return f->rc;
}

static int fake_call(struct xlab *x, struct fake *f, const char *method, const char *path,
                     const char *want_error)
{
    x->con.command = fake_command;
    x->con.command_arg = f;
    json_t *v;
    int st = do_(x, method, path, &v);
    if (want_error)
        CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), want_error));
    json_decref(v);
    return st;
}

static void test_exercise_failures(void)
{
    struct xlab x;
    xlab_create(&x);
    /* malformed: not JSON, not an object, nothing at all, too much */
    struct fake f = {&x, 0, "not json\n", 1};
    CU_ASSERT_EQUAL(fake_call(&x, &f, "GET", "/api/v1/exercise", "printed no JSON object"), 500);
    f = (struct fake){&x, 0, "[1, 2]\n", 1};
    CU_ASSERT_EQUAL(fake_call(&x, &f, "POST", "/api/v1/exercise/hint", "another JSON value"), 500);
    f = (struct fake){&x, 0, "", 0};
    CU_ASSERT_EQUAL(fake_call(&x, &f, "GET", "/api/v1/exercise", "fake failure"), 500);
    f = (struct fake){&x, 1, "x", (1u << 20) + 1};
    CU_ASSERT_EQUAL(fake_call(&x, &f, "POST", "/api/v1/exercise/check", "more than"), 500);
    /* a JSON object, but the command failed: its error, not the object */
    f = (struct fake){&x, 2, "{}", 1};
    CU_ASSERT_EQUAL(fake_call(&x, &f, "POST", "/api/v1/exercise/check", "fake failure"), 500);
    f = (struct fake){&x, 1, "{}", 1}; /* exit 1 is a failure for all but check */
    CU_ASSERT_EQUAL(fake_call(&x, &f, "POST", "/api/v1/exercise/hint", "(exit 1): fake failure"),
                    500);

    /* the real command failing: exercise.conf names no exercise */
    x.con.command = real_command;
    x.con.command_arg = &x;
    char conf[4200];
    snprintf(conf, sizeof conf, "%s/exercise.conf", x.dir);
    static const char bad[] = "exercise = nosuch\nseed = 0\nexercises = \nhint = - 0\n";
    CU_ASSERT_EQUAL_FATAL(afile_write(conf, bad, sizeof bad - 1, 0644), 0);
    json_t *v;
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 500);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), "no exercise 'nosuch'"));
    json_decref(v);

    /* a lab that no `exercise start` made */
    CU_ASSERT_EQUAL_FATAL(remove(conf), 0);
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise", &v), 404);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), "not made by ntlab exercise start"));
    json_decref(v);
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", NULL), 404);

    /* a console without the daemon's commands */
    x.con.command = NULL;
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise", &v), 503);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), "ntlab up"));
    json_decref(v);
    xlab_free(&x);
}

/* A command-line check holds the lab's check lock: the console's check
 * does not wait for it (the daemon would stall) and answers 503. */
static void test_exercise_busy(void)
{
    struct xlab x;
    xlab_create(&x);
    char path[4200];
    snprintf(path, sizeof path, "%s/exercise-check.lock", x.dir);
    struct filelock lk = {-1};
    CU_ASSERT_EQUAL_FATAL(filelock_acquire(&lk, path, false), 0);
    json_t *v;
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 503);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), "try again"));
    json_decref(v);
    filelock_release(&lk);
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 200);
    json_decref(v);
    xlab_free(&x);
}

static int record_nothing(void *arg, const char *machine, int argc, char **argv, char *err,
                          size_t errlen)
{
    (void)machine, (void)argc, (void)argv, (void)err, (void)errlen;
    ++*(int *)arg;
    return 0;
}

/* Under up --record a check or hint (it grades too) would log on
 * in-process, past the recorder: 409, nothing graded; show still serves. */
static void test_exercise_recording(void)
{
    struct xlab x;
    xlab_create(&x);
    int calls = 0;
    x.con.record = record_nothing;
    x.con.record_arg = &calls;
    json_t *v;
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/check", &v), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(str_of(v, "error"), "up --record"));
    json_decref(v);
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/hint", &v), 409);
    json_decref(v);
    CU_ASSERT_FALSE(x.con.changed);
    CU_ASSERT_EQUAL(do_(&x, "GET", "/api/v1/exercise", &v), 200);
    json_decref(v);
    CU_ASSERT_EQUAL(calls, 0);
    x.con.record = NULL;
    CU_ASSERT_EQUAL(do_(&x, "POST", "/api/v1/exercise/hint", &v), 200);
    json_decref(v);
    CU_ASSERT_TRUE(x.con.changed); /* a hint grades: its events reach the live stream */
    xlab_free(&x);
}

void suite_console_exercise(void)
{
    UNIT_SUITE("console_exercise", UNIT_TEST(test_exercise_flow), UNIT_TEST(test_exercise_busy),
               UNIT_TEST(test_exercise_recording),
               UNIT_TEST(test_exercise_refused_inside), UNIT_TEST(test_exercise_requests),
               UNIT_TEST(test_exercise_failures));
}
#else
void suite_console_exercise(void)
{
}
#endif
