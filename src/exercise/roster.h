/* A class roster: the students an instructor hands a lab to, one line each:
 *
 *     # comment
 *     LOGIN:DISPLAY NAME[:SEED]
 *
 * LOGIN names the student's lab directory (1-32 ASCII letters, digits,
 * '.', '_', '-', starting with a letter or digit; unique, compared without
 * case so that two labs never clash on a case-insensitive disk); DISPLAY
 * NAME is 1-64 bytes of UTF-8 without control characters or ':'; SEED (0 to
 * 4294967295) picks the student's randomised lab instance (exercise start
 * --seed), unique in the class so that two students never get the same
 * lab. Blank lines and lines starting with '#' are skipped; spaces around
 * each field are ignored. Every error is "FILE:LINE: problem". */
#ifndef NTLAB_EXERCISE_ROSTER_H
#define NTLAB_EXERCISE_ROSTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROSTER_LOGIN_MAX 32
#define ROSTER_DISPLAY_MAX 64
#define ROSTER_LINE_MAX 512
#define ROSTER_MAX_STUDENTS 1000
#define ROSTER_FILE_MAX (ROSTER_MAX_STUDENTS * (ROSTER_LINE_MAX + 2))

struct roster_student {
    char login[ROSTER_LOGIN_MAX + 1];
    char display[ROSTER_DISPLAY_MAX + 1];
    uint32_t seed;
    bool seed_given; /* false: roster_fill_seeds draws one */
    unsigned line;
};

struct roster {
    struct roster_student *s; /* owned; roster_free */
    size_t n;
};

/* Parses text (len bytes, NUL-terminated, modified in place), naming path
 * in errors. 0; EINVAL with "PATH:LINE: problem" (line 0 for the file as a
 * whole: no students) in err; ENOMEM. *r is empty on failure. */
int roster_parse(const char *path, char *text, size_t len, struct roster *r, char *err,
                 size_t errlen);
/* Reads and parses the file at path (at most ROSTER_FILE_MAX bytes, a
 * regular file). As roster_parse, plus the read's errno ("PATH: reason"). */
int roster_load(const char *path, struct roster *r, char *err, size_t errlen);
/* Gives every student without a seed a random one (1-999999: short enough
 * to read out) that no other student of the class has. 0 or the errno of
 * the system's random source. */
int roster_fill_seeds(struct roster *r);
/* Whether login is a valid LOGIN (the rule above). */
bool roster_login_ok(const char *login);
void roster_free(struct roster *r);

#endif
