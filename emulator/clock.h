/* The machine's clock. Scenarios and the offline CLI use a virtual clock
 * that only moves when told; the daemon lets the lab's virtual clock run
 * (clock_run: it moves with real time from the lab's own time, and can
 * still be advanced), or uses wall time for a lab configured so. Times are
 * seconds since the Unix epoch (UTC). */
#ifndef NTLAB_EMULATOR_CLOCK_H
#define NTLAB_EMULATOR_CLOCK_H
#include <stdbool.h>
#include <stdint.h>

struct clock {
    bool virtual_time; /* false: wall time */
    int64_t now;       /* virtual: current time (running: the time at since_ms) */
    bool running;      /* virtual, moving with real time (clock_run) */
    int64_t since_ms;  /* running: CLOCK_MONOTONIC milliseconds when now was taken */
};

/* Default start of a virtual clock: Wednesday 1998-07-01 09:00:00 UTC (the
 * article's era), so logon-hour tests have a known weekday and hour. */
#define CLOCK_DEFAULT_START 899283600LL

void clock_init_virtual(struct clock *c, int64_t start);
void clock_init_wall(struct clock *c);
int64_t clock_now(const struct clock *c);
/* Makes a virtual clock move with real time from where it stands (a lab
 * served live keeps the time its accounts and logs were made in); advance
 * and set still jump it. No effect on a wall clock or a running one. */
void clock_run(struct clock *c);
/* Virtual only; returns EINVAL on a wall clock or a negative step. A
 * running clock keeps running from the new time. */
int clock_advance(struct clock *c, int64_t seconds);
int clock_set(struct clock *c, int64_t t);

#endif
