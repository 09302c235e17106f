/* A grading recorded in the lab's progress.conf at the lab's clock time
 * (class_spawn.h; issue 16: `class report` shows when each goal was first
 * met). */
#include "src/cli/class_spawn.h"
#include "src/cli/cli.h"
#include "emulator/lab.h"
#include "src/exercise/progress.h"
#include "src/lib/plat.h"
#include "src/net/control.h"
#include "src/net/daemon.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The lab's clock as `clock show` prints it ("Wed 1998-07-01 09:00:00 UTC
 * ..."): from the daemon when one serves the lab (its clock runs), else
 * from the lab's files. "YYYY-MM-DD HH:MM:SS" into out, or false. */
static bool lab_time(struct cli_ctx *ctx, char *out, size_t n)
{
    if (ctx->live && ctx->lab) {
        /* inside the daemon (the console's check): its own clock; asking
         * its control socket would wait for itself */
        time_t tt = (time_t)lab_clock_now(ctx->lab);
        struct tm tm;
        plat_gmtime(&tt, &tm);
        return strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) > 0;
    }
    char *text;
    char *argv[] = {"clock", "show", NULL};
    int rc;
    cli_capture(ctx->labdir, 2, argv, true, &text, &rc);
    bool ok = false;
    for (char *p = rc == 0 ? text : NULL; p && *p && !ok; p++) {
        int y, mo, d, h, mi, s;
        if (sscanf(p, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6)
            ok = snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s) < (int)n;
    }
    free(text);
    return ok;
}

void class_progress_record(struct cli_ctx *ctx, const char *const *names, const bool *met,
                           size_t n)
{
    char now[32], err[4400];
    struct progress p;
    if (!lab_time(ctx, now, sizeof now) ||
        progress_load(ctx->labdir, &p, err, sizeof err) != 0)
        return; /* an unreadable progress.conf is left for `class report` to name */
    if (progress_update(&p, names, met, n, now) == 0)
        (void)progress_save(ctx->labdir, &p);
}
