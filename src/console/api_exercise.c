/* /api/v1/exercise (GET), /api/v1/exercise/check and /hint (POST): the
 * Exercise panel (issue 16). The exercise machinery sits in rooms above
 * the console, so the console runs the CLI's own `ntlab exercise show |
 * check | hint --json` through the daemon's command hook (console.h) and
 * serves what it prints: the panel shows what `ntlab exercise check`
 * says, word for word. Inside the daemon the command refuses everything
 * but those three (cmd_exercise.c): the keys never run here.
 *
 * GET grades nothing (a check logs on over POP3 and its least-privilege
 * probe leaves a failed logon in the event log: a write, so a POST). */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What one command may print before the console gives up on it: the
 * largest exercise (EX_FILE_MAX) expanded, with room to spare. */
#define EXERCISE_OUT_MAX (1u << 20)
#define EXERCISE_CONF "exercise.conf" /* written by ntlab exercise start */

struct captured {
    char *out, *err;
    size_t out_len, err_len;
    int rc;
};

static void captured_free(struct captured *k)
{
    free(k->out);
    free(k->err);
}

/* Runs `exercise SUB --json` through the hook. 0 or ENOMEM. */
static int run(struct console *c, const char *sub, struct captured *k)
{
    memset(k, 0, sizeof *k);
    FILE *out = open_memstream(&k->out, &k->out_len);
    FILE *err = out ? open_memstream(&k->err, &k->err_len) : NULL;
    if (!err) {
        if (out)
            fclose(out);
        captured_free(k);
        return ENOMEM;
    }
    char a0[] = "exercise", a2[] = "--json", a1[8];
    snprintf(a1, sizeof a1, "%s", sub);
    char *argv[] = {a0, a1, a2, NULL};
    k->rc = c->command(c->command_arg, 3, argv, out, err);
    int e1 = fclose(out), e2 = fclose(err);
    if (e1 || e2 || !k->out || !k->err) {
        captured_free(k);
        return ENOMEM;
    }
    return 0;
}

/* The command's own error, first line, without the "ntlab: " prefix. */
static int command_failed(struct api_call *a, const char *sub, const struct captured *k)
{
    const char *e = k->err;
    if (strncmp(e, "ntlab: ", 7) == 0)
        e += 7;
    int len = (int)strcspn(e, "\n");
    if (len > 400)
        len = 400;
    /* 75: busy (CLI_BUSY, src/cli may not be included here): the page may retry */
    return reply_error(a->rs, k->rc == 75 ? 503 : 500, "ntlab exercise %s failed (exit %d)%s%.*s",
                       sub, k->rc,
                       len ? ": " : "", len, e);
}

static int serve(struct api_call *a, const char *sub)
{
    struct console *c = a->c;
    if (!c->command)
        return reply_error(a->rs, 503, "this console runs no commands (the exercise panel "
                                       "needs the lab served by ntlab up)");
    char path[4200];
    struct plat_stat st;
    int n = snprintf(path, sizeof path, "%s/" EXERCISE_CONF, lab_dir(c->lab));
    if (n < 0 || (size_t)n >= sizeof path || plat_stat(path, &st) != 0)
        return reply_error(a->rs, 404, "this lab was not made by ntlab exercise start (it has "
                                       "no " EXERCISE_CONF ")");
    bool grades = strcmp(sub, "check") == 0 || strcmp(sub, "hint") == 0;
    /* A check (hint grades too) logs on in-process, past the listener the
     * recorder listens on; its logons change the lab (bad-logon counts,
     * events) where a replay would not: refused while recording. */
    if (grades && c->record)
        return reply_error(a->rs, 409, "ntlab up --record is recording this lab: a check from "
                                       "the console would change it behind the recording (use "
                                       "ntlab exercise check, which goes through the listener)");
    struct captured k;
    if (run(c, sub, &k))
        return ENOMEM;
    if (grades)
        c->changed = true; /* the probe's event: the live stream shows it */
    int r;
    json_error_t je;
    json_t *v = NULL;
    /* check exits 1 when a goal is unmet: its report is the answer all the same */
    bool ok_rc = k.rc == 0 || (k.rc == 1 && strcmp(sub, "check") == 0);
    if (k.out_len > EXERCISE_OUT_MAX)
        r = reply_error(a->rs, 500, "ntlab exercise %s printed more than %u bytes", sub,
                        EXERCISE_OUT_MAX);
    else if (!ok_rc || k.out_len == 0)
        r = command_failed(a, sub, &k);
    else if (!(v = json_loadb(k.out, k.out_len, JSON_REJECT_DUPLICATES, &je)) ||
             !json_is_object(v))
        r = reply_error(a->rs, 500, "ntlab exercise %s printed no JSON object (%s)", sub,
                        v ? "another JSON value" : je.text);
    else
        r = reply_json(a->rs, 200, json_incref(v));
    json_decref(v);
    captured_free(&k);
    return r;
}

int api_exercise(struct api_call *a)
{
    const char *m = a->rq->method;
    if (a->n == 1)
        return strcmp(m, "GET") == 0 ? serve(a, "show") : api_method(a, "GET");
    if (a->n == 2 && (strcmp(a->seg[1], "check") == 0 || strcmp(a->seg[1], "hint") == 0)) {
        if (strcmp(m, "POST") != 0)
            return api_method(a, "POST");
        static const char *const none[] = {NULL};
        json_t *b = reply_body(a->rq, none, a->rs); /* {} or nothing */
        if (!b)
            return 0;
        json_decref(b);
        return serve(a, a->seg[1]);
    }
    return reply_error(a->rs, 404, "no such exercise path (exercise, exercise/check, "
                                   "exercise/hint)");
}
#endif
