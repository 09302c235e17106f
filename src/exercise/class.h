/* A class: one lab per student of a roster, all of one exercise, laid out
 * so that students can reach their own lab and nothing of the instructor's:
 *
 *     DIR/                      0711  (others may pass, not list)
 *     DIR/instructor/           0700  class.conf, the roster, logs of each start/up
 *     DIR/labs/                 0711
 *     DIR/labs/LOGIN/           0750  the student's lab (ntlab exercise start)
 *
 * DIR/instructor/class.conf (written by class_conf_save, read by
 * class_conf_load with kvfile's "FILE:LINE: problem" errors):
 *
 *     [class]
 *     exercise = NAME           (or preset = NAME: every student gets
 *                                `ntlab init --preset NAME`'s lab, no goals)
 *     port-base = 20000
 *     [student LOGIN]
 *     display = Alice Liddell
 *     seed = 4242
 *     pop3 = 20000
 *     smtp = 20001
 *     console = 20002
 *
 * Ports: student i (0-based, roster order) gets port-base + 3i (POP3),
 * + 3i + 1 (SMTP) and + 3i + 2 (the teaching console). */
#ifndef NTLAB_EXERCISE_CLASS_H
#define NTLAB_EXERCISE_CLASS_H
#include "src/exercise/roster.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLASS_EXERCISE_MAX 64
#define CLASS_PORT_BASE_DEFAULT 20000u
#define CLASS_PORTS_PER_STUDENT 3u
#define CLASS_DIR_MODE 0711u
#define CLASS_INSTRUCTOR_MODE 0700u
#define CLASS_LABS_MODE 0711u
#define CLASS_LAB_MODE 0750u

struct class_student {
    char login[ROSTER_LOGIN_MAX + 1];
    char display[ROSTER_DISPLAY_MAX + 1];
    uint32_t seed;
    unsigned pop3, smtp, console;
};

struct class_conf {
    char exercise[CLASS_EXERCISE_MAX + 1]; /* the exercise's name, or the preset's */
    bool preset;                           /* a preset's lab, not an exercise */
    unsigned port_base;
    struct class_student *s; /* owned; class_conf_free */
    size_t n;
};

/* Fills c from a roster whose seeds are all set (roster_fill_seeds) and the
 * ports from port_base. EINVAL with the reason in err when the ports do not
 * fit (base below 1024 or the last port past 65535) or the exercise name is
 * not 1-64 letters, digits, '.', '_', '-'; ENOMEM. */
int class_conf_make(struct class_conf *c, const char *exercise, bool preset, const struct roster *r,
                    unsigned port_base, char *err, size_t errlen);
/* Writes DIR/instructor/class.conf atomically (mode 0600). 0 or an errno. */
int class_conf_save(const char *dir, const struct class_conf *c);
/* Reads DIR/instructor/class.conf. 0; ENOENT ("DIR is not a class
 * directory ..."); EINVAL with "FILE:LINE: problem"; ENOMEM. */
int class_conf_load(const char *dir, struct class_conf *c, char *err, size_t errlen);
void class_conf_free(struct class_conf *c);

/* The paths of a class (out of n bytes); ENAMETOOLONG when they do not fit. */
int class_path(char *out, size_t n, const char *dir, const char *sub);
int class_lab_path(char *out, size_t n, const char *dir, const char *login);

/* Whether dir may become a class: absent, or an empty directory. 0, or
 * ENOTEMPTY / ENOTDIR / the stat's errno with the reason in err. */
int class_dir_check(const char *dir, char *err, size_t errlen);
/* Creates the skeleton (instructor/ and labs/ with their modes) in a fresh
 * directory beside dir (".NAME.init-XXXXXX", written to tmp, n bytes), so
 * that nothing appears at dir until class_dir_commit. 0 or an errno. */
int class_dir_begin(const char *dir, char *tmp, size_t n);
/* Puts the finished tmp at dir (an empty dir is replaced), DIR's mode set
 * last. 0 or an errno (tmp is left for class_dir_abort). */
int class_dir_commit(const char *tmp, const char *dir);
/* Removes tmp and everything in it (a failed init leaves nothing). */
void class_dir_abort(const char *tmp);

#endif
