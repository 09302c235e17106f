/* The console's recorded steps (step.h). */
#include "src/console/step.h"
#if NTLAB_CONSOLE
#include "emulator/samhours.h"
#include "src/lib/plat.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct api_step *api_step_new(struct api_steps *ss, const char *machine, const char *cmd)
{
    if (ss->n == STEP_MAX) {
        ss->overflow = true;
        return NULL;
    }
    struct api_step *s = &ss->s[ss->n++];
    memset(s, 0, sizeof *s);
    if (machine && snprintf(s->machine, sizeof s->machine, "%s", machine) >=
                       (int)sizeof s->machine)
        ss->overflow = true;
    api_step_word(ss, s, cmd);
    return s;
}

/* The word after an option whose value the recorder declares as a secret
 * (src/scenario/liverec.c): a secret is one word, so no blank. */
static bool after_secret_opt(const struct api_step *s)
{
    const char *o = s->argc ? s->argv[s->argc - 1] : "";
    return strcmp(o, "--password") == 0 || strcmp(o, "--nt-hash") == 0 ||
           strcmp(o, "--apop-secret") == 0;
}

/* Whether a scenario line can carry w: no line break or other control
 * byte (a quoted word ends at its line), and a secret without blanks. */
static bool word_fits(const struct api_step *s, const char *w)
{
    bool secret = after_secret_opt(s);
    for (const unsigned char *p = (const unsigned char *)w; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (secret && *p == ' '))
            return false;
    return true;
}

void api_step_word(struct api_steps *ss, struct api_step *s, const char *w)
{
    size_t len = strlen(w);
    if (!s || s->argc == STEP_WORDS || len + 1 > sizeof s->text - s->used || !word_fits(s, w)) {
        ss->overflow = true;
        return;
    }
    char *p = s->text + s->used;
    memcpy(p, w, len + 1);
    s->used += len + 1;
    s->argv[s->argc++] = p;
    s->argv[s->argc] = NULL;
}

void api_step_wordf(struct api_steps *ss, struct api_step *s, const char *fmt, ...)
{
    char w[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w, sizeof w, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof w)
        ss->overflow = true;
    else
        api_step_word(ss, s, w);
}

int api_steps_check(struct api_call *a, const struct api_steps *ss)
{
    if (!a->c->record || !ss->overflow)
        return 0;
    /* a change the recording could not replay is not made (issue 19:
     * never silently dropped) */
    reply_error(a->rs, 500, "this change cannot be written as an ntlab command line for the "
                            "recording (up --record): not made");
    return -1;
}

int api_steps_send(struct api_call *a, struct api_steps *ss)
{
    if (!a->c->record)
        return 0;
    for (size_t i = 0; i < ss->n; i++) {
        struct api_step *s = &ss->s[i];
        char err[300] = "";
        int e = a->c->record(a->c->record_arg, s->machine[0] ? s->machine : NULL, s->argc,
                             s->argv, err, sizeof err);
        if (e) {
            reply_error(a->rs, 500, "the change was made, but up --record could not record "
                                    "'ntlab %s': %s (recording stopped)",
                        s->argv[0], err[0] ? err : plat_strerror(e));
            return -1;
        }
    }
    return 0;
}

/* Runs of allowed hours per day, as ntlab export writes them, but "all"
 * for a fresh account (export leaves that field out). */
void api_step_hours(const uint8_t h[21], char *out, size_t n)
{
    if (sam_hours_all(h))
        snprintf(out, n, "all");
    else if (sam_hours_format(h, out, n) == 0)
        snprintf(out, n, "none");
}

bool api_step_when(int64_t t, char *out, size_t n)
{
    if (t == 0) {
        snprintf(out, n, "never");
        return true;
    }
    if (t < 0 || t % 60) {
        snprintf(out, n, "%s", ""); /* the step is refused: out holds no time */
        return false;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    /* past 9999-12-31 23:59 the CLI's YYYY cannot read it back */
    if (t > 253402300740 || !plat_gmtime(&tt, &tm)) {
        snprintf(out, n, "%s", "");
        return false;
    }
    strftime(out, n, "%Y-%m-%d %H:%M", &tm);
    return true;
}
#endif
