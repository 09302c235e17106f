/* A lab's progress through its exercise (issue 16): when each goal was
 * first met, on the lab's clock, so that a goal met at 09:12 and broken
 * again later still reads 09:12 in `ntlab class report`. LAB/progress.conf,
 * written by each grading (exercise check, class report):
 *
 *     # goal = lab-clock time it was first met, '-' while it is not
 *     store-starts = 1998-07-01 09:12:00
 *     pop3-logon = -
 *
 * Goal names: 1-64 bytes, no control characters, no '=', not starting
 * with '#' or '['; at most PROGRESS_MAX_GOALS. */
#ifndef NTLAB_EXERCISE_PROGRESS_H
#define NTLAB_EXERCISE_PROGRESS_H
#include <stdbool.h>
#include <stddef.h>

#define PROGRESS_FILE "progress.conf"
#define PROGRESS_NAME_MAX 64
#define PROGRESS_TIME_MAX 31
#define PROGRESS_MAX_GOALS 64

struct progress_goal {
    char name[PROGRESS_NAME_MAX + 1];
    char met[PROGRESS_TIME_MAX + 1]; /* "" while not met */
};

struct progress {
    struct progress_goal g[PROGRESS_MAX_GOALS];
    size_t ngoals;
};

/* Reads LAB/progress.conf into *p (empty when there is none yet). 0; EINVAL
 * with "FILE:LINE: problem"; the read's errno. */
int progress_load(const char *lab, struct progress *p, char *err, size_t errlen);
/* How many goals have been met. */
size_t progress_met(const struct progress *p);
/* Records one grading at lab time now: the goals in the exercise's order
 * (names[i], met[i]); a goal met for the first time takes now, one met
 * before keeps its time, goals no longer named are dropped. EINVAL for a
 * bad name or too many goals. */
int progress_update(struct progress *p, const char *const *names, const bool *met, size_t n,
                    const char *now);
/* Writes LAB/progress.conf atomically (mode 0640: the instructor's group
 * may read it). 0 or an errno value. */
int progress_save(const char *lab, const struct progress *p);
void progress_free(struct progress *p);

#endif
