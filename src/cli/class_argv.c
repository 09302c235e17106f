/* The command each student's child runs (class_spawn.h): `exercise
 * start` (or `init --preset`) for class init, `up` and `down` on the
 * class's ports, `exercise check` for class report. */
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "emulator/scm.h"
#include "src/cli/class_spawn.h"
#include "src/console/console.h"
#include "src/exchange/ims.h"
#include "src/lib/str.h"
#include "src/net/daemon.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `ntlab exercise start NAME LAB --seed N` for student i (or `ntlab init
 * LAB --preset NAME`). */
bool class_start_argv(void *arg, const struct class_conf *c, size_t i, const char *lab,
                       char *argv[], char *store)
{
    (void)arg;
    snprintf(store, 16, "%lu", (unsigned long)c->s[i].seed);
    char *w[] = {"ntlab", "exercise", "start", (char *)c->exercise, (char *)lab, "--seed", store,
                 NULL};
    char *p[] = {"ntlab", "init", (char *)lab, "--preset", (char *)c->exercise, NULL, NULL, NULL};
    memcpy(argv, c->preset ? p : w, sizeof w);
    return true;
}

/* Whether the lab runs an Internet Mail Service (then it gets its SMTP
 * port: `up --listen-smtp` for a lab without one is an error). */
static bool lab_has_ims(const char *labdir)
{
    struct lab *lab;
    char err[512];
    if (lab_open(labdir, false, &lab, err, sizeof err) != STATUS_SUCCESS)
        return false; /* `up` then says what is wrong with the lab */
    bool ims = false;
    for (size_t i = 0; !ims && i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        if (!machine_scm(m) && scm_attach(m, err, sizeof err) != STATUS_SUCCESS)
            continue; /* a broken services.conf: `up` reports it */
        struct scm *scm = machine_scm(m);
        for (size_t j = 0; !ims && j < scm_count(scm); j++)
            ims = str_ieq(scm_at(scm, j)->image, IMS_IMAGE);
    }
    lab_free(lab);
    return ims;
}

bool class_up_argv(void *arg, const struct class_conf *c, size_t i, const char *lab,
                    char *argv[], char *store)
{
    (void)arg;
    if (daemon_pid(lab))
        return false; /* served already */
    const struct class_student *s = &c->s[i];
    size_t n = 0;
    argv[n++] = "ntlab";
    argv[n++] = "-C";
    argv[n++] = (char *)lab;
    argv[n++] = "up";
    argv[n++] = "--listen";
    argv[n++] = store;
    store += sprintf(store, "127.0.0.1:%u", s->pop3) + 1;
    if (lab_has_ims(lab)) {
        argv[n++] = "--listen-smtp";
        argv[n++] = store;
        store += sprintf(store, "127.0.0.1:%u", s->smtp) + 1;
    }
#if NTLAB_CONSOLE
    argv[n++] = "--http";
    argv[n++] = store;
    sprintf(store, "127.0.0.1:%u", s->console);
#endif
    argv[n] = NULL;
    return true;
}

bool class_down_argv(void *arg, const struct class_conf *c, size_t i, const char *lab,
                      char *argv[], char *store)
{
    (void)arg;
    (void)c;
    (void)i;
    (void)store;
    if (!daemon_pid(lab))
        return false; /* not served */
    char *w[] = {"ntlab", "-C", (char *)lab, "down", NULL};
    memcpy(argv, w, sizeof w);
    return true;
}

/* `ntlab -C LAB exercise check`, which records LAB/progress.conf. */
bool class_check_argv(void *arg, const struct class_conf *c, size_t i, const char *lab,
                      char *argv[], char *store)
{
    (void)arg;
    (void)c;
    (void)i;
    (void)store;
    char *w[] = {"ntlab", "-C", (char *)lab, "exercise", "check", NULL};
    memcpy(argv, w, sizeof w);
    return true;
}
