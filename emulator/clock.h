/* The machine's clock. Scenarios and the offline CLI use a virtual clock
 * that only moves when told; the daemon uses wall time. Times are seconds
 * since the Unix epoch (UTC). */
#ifndef NTLAB_EMULATOR_CLOCK_H
#define NTLAB_EMULATOR_CLOCK_H
#include <stdbool.h>
#include <stdint.h>

struct clock {
    bool virtual_time; /* false: wall time */
    int64_t now;       /* virtual: current time */
};

/* Default start of a virtual clock: Wednesday 1998-07-01 09:00:00 UTC (the
 * article's era), so logon-hour tests have a known weekday and hour. */
#define CLOCK_DEFAULT_START 899283600LL

void clock_init_virtual(struct clock *c, int64_t start);
void clock_init_wall(struct clock *c);
int64_t clock_now(const struct clock *c);
/* Virtual only; returns EINVAL on a wall clock or a negative step. */
int clock_advance(struct clock *c, int64_t seconds);
int clock_set(struct clock *c, int64_t t);

#endif
