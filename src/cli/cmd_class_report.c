/* `ntlab class report DIR [--csv|--json]` (issue 16): per student and goal,
 * the lab-clock time the goal was first met (each lab's progress.conf). */
#include "src/cli/class_spawn.h"
#include "src/cli/cli.h"
#include "src/exercise/class.h"
#include "src/exercise/progress.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 4180: quoted when it holds a comma, quote or line end. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}


static void row_text(FILE *f, const struct class_student *s, const struct progress *p, bool bad)
{
    if (bad || !p->ngoals)
        fprintf(f, "%-16s %s%*s %s%*s %s\n", s->login, s->display, class_pad(s->display, 24), "",
                "-", 23, "",
                bad ? "(progress unreadable)" : "(not checked yet)");
    for (size_t g = 0; g < p->ngoals; g++)
        fprintf(f, "%-16s %s%*s %s%*s %s\n", s->login, s->display, class_pad(s->display, 24), "",
                p->g[g].name, class_pad(p->g[g].name, 24), "",
                p->g[g].met[0] ? p->g[g].met : "-");
}

static void row_csv(FILE *f, const struct class_student *s, const struct progress *p)
{
    for (size_t g = 0; g < p->ngoals; g++) {
        csv_field(f, s->login);
        fputc(',', f);
        csv_field(f, s->display);
        fputc(',', f);
        csv_field(f, p->g[g].name);
        fputc(',', f);
        csv_field(f, p->g[g].met);
        fputs("\r\n", f);
    }
}

static void row_json(FILE *f, const struct class_student *s, const struct progress *p,
                     bool first)
{
    fputs(first ? "\n  {\"login\": " : ",\n  {\"login\": ", f);
    cli_json_str(f, s->login);
    fputs(", \"name\": ", f);
    cli_json_str(f, s->display);
    fprintf(f, ", \"met\": %zu, \"goals\": [", progress_met(p));
    for (size_t g = 0; g < p->ngoals; g++) {
        fputs(g ? ", {\"goal\": " : "{\"goal\": ", f);
        cli_json_str(f, p->g[g].name);
        fputs(", \"first_met\": ", f);
        if (p->g[g].met[0])
            cli_json_str(f, p->g[g].met);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* Grades every lab (`ntlab exercise check`, live when served), which
 * records its progress.conf; a check that could not grade is named. */
static int grade_all(struct cli_ctx *ctx, const char *dir, const struct class_conf *c)
{
    int *rc = calloc(c->n, sizeof *rc);
    if (!rc)
        return cli_error(ctx, CLI_FAIL, "class report: out of memory");
    int e = class_spawn_all(dir, c, "check", class_check_argv, NULL, rc);
    int out = e == ENOSYS ? cli_error(ctx, CLI_FAIL, "class report: %s", CLASS_NOSPAWN) : CLI_OK;
    for (size_t i = 0; e != ENOSYS && i < c->n; i++) {
        if (rc[i] == 0 || rc[i] == 1) /* 1: goals unmet, the check itself worked */
            continue;
        out = cli_error(ctx, CLI_FAIL, "class report: %s: 'ntlab exercise check' failed (exit "
                        "%d):", c->s[i].login, rc[i]);
        class_log_show(ctx->err, dir, c->s[i].login, "check");
    }
    free(rc);
    return out;
}

int class_report(struct cli_ctx *ctx, const char *dir, const struct class_conf *c,
                 const char *format)
{
    FILE *f = ctx->out;
    /* a preset's labs have no goals: nothing to grade */
    int rc = c->preset ? CLI_OK : grade_all(ctx, dir, c);
    if (strcmp(format, "json") == 0) {
        fprintf(f, "{\"%s\": ", c->preset ? "preset" : "exercise");
        cli_json_str(f, c->exercise);
        fputs(", \"students\": [", f);
    } else if (strcmp(format, "csv") == 0) {
        fputs("login,name,goal,first_met\r\n", f);
    } else {
        fprintf(f, "class %s: %s %s; the lab-clock time each goal was first met\n", dir,
                c->preset ? "preset" : "exercise", c->exercise);
        fprintf(f, "%-16s %s%*s %s%*s %s\n", "LOGIN", "NAME", 20, "", "GOAL", 20, "", "FIRST MET");
    }
    for (size_t i = 0; i < c->n; i++) {
        char lab[4096], err[4400];
        struct progress p = {.ngoals = 0};
        bool bad = class_lab_path(lab, sizeof lab, dir, c->s[i].login) ||
                   progress_load(lab, &p, err, sizeof err);
        if (bad)
            rc = cli_error(ctx, CLI_FAIL, "class report: %s: %s", c->s[i].login, err);
        if (strcmp(format, "json") == 0)
            row_json(f, &c->s[i], &p, i == 0);
        else if (strcmp(format, "csv") == 0)
            row_csv(f, &c->s[i], &p);
        else
            row_text(f, &c->s[i], &p, bad);
    }
    if (strcmp(format, "json") == 0)
        fputs("\n]}\n", f);
    return rc;
}
