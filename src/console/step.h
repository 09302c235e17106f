/* up --record for the console (issue 19): each successful write is
 * handed to the recording as the `ntlab` command line a person types for
 * the same change (console.h record), the commands `ntlab export` and the
 * control channel's recording already write, so a replay does the same
 * thing. A handler builds its steps before it writes (a step that does not
 * fit is refused then, nothing changed) and sends them after the write
 * succeeded. Internal to src/console. */
#ifndef NTLAB_CONSOLE_STEP_H
#define NTLAB_CONSOLE_STEP_H
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include <stdbool.h>
#include <stdint.h>

#define STEP_WORDS 72    /* words of one command line (rights: 2 + the list, 64 at most + 4) */
#define STEP_TEXT 4096   /* their bytes */
#define STEP_MAX 3       /* command lines of one write (user passwd, set, unlock) */

struct api_step {
    char machine[64]; /* the --machine value, or "" */
    int argc;
    char *argv[STEP_WORDS + 1];
    char text[STEP_TEXT];
    size_t used;
};

struct api_steps {
    struct api_step s[STEP_MAX];
    size_t n;
    bool overflow; /* a step did not fit: the write must be refused */
};

/* Starts a step ("reboot", "service start SVC", ...: its first word) for
 * machine (NULL: none). NULL when STEP_MAX are taken (overflow set). */
struct api_step *api_step_new(struct api_steps *ss, const char *machine, const char *cmd);
/* Appends one word (as is: no quoting; the recorder quotes). Sets
 * overflow when it does not fit. s may be NULL (after a refused new). */
void api_step_word(struct api_steps *ss, struct api_step *s, const char *w);
void api_step_wordf(struct api_steps *ss, struct api_step *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Before the write: 0 when the steps can be recorded (or the console does
 * not record), else -1 with a->rs filled (500: the change is refused). */
int api_steps_check(struct api_call *a, const struct api_steps *ss);
/* After a successful write: hands each step to the recorder in order. 0,
 * or -1 with a->rs replaced by a 500 saying the change was made but not
 * recorded (the transport logs it and stops recording). */
int api_steps_send(struct api_call *a, struct api_steps *ss);

/* `user set` option values as the CLI reads them back: --hours SPEC
 * ("all", "none" or "Sun 0-24,Mon 8-18", UTC; out at least SAM_HOURS_TEXT_MAX
 * bytes, emulator/samhours.h) and
 * --expires WHEN ("never" or "YYYY-MM-DD HH:MM" UTC; false when t is not
 * a whole minute, which the CLI cannot say). */
void api_step_hours(const uint8_t h[21], char *out, size_t n);
bool api_step_when(int64_t t, char *out, size_t n);
#endif
#endif
