/* The daemon's log (log.h). */
#include "src/net/log.h"
#include "src/lib/plat.h"
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

void net_log(FILE *f, const char *fmt, ...)
{
    if (!f)
        return;
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &ts);
    struct tm tm;
    time_t t = ts.tv_sec;
    plat_gmtime(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(f, "%s.%03ldZ ntlab[%ld]: ", when, ts.tv_nsec / 1000000L, (long)getpid());
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}
