#include "emulator/clock.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <stdint.h>
#include <time.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_init_virtual(struct clock *c, int64_t start)
{
    c->virtual_time = true;
    c->now = start;
    c->running = false;
    c->since_ms = 0;
}

void clock_init_wall(struct clock *c)
{
    c->virtual_time = false;
    c->now = 0;
    c->running = false;
    c->since_ms = 0;
}

void clock_run(struct clock *c)
{
    if (!c->virtual_time || c->running)
        return;
    c->running = true;
    c->since_ms = mono_ms();
}

/* A running clock's time now, folded into now (so steps add to it). */
static int64_t running_now(const struct clock *c)
{
    int64_t elapsed = (mono_ms() - c->since_ms) / 1000;
    return elapsed > 0 && c->now <= INT64_MAX - elapsed ? c->now + elapsed : c->now;
}

int64_t clock_now(const struct clock *c)
{
    if (c->virtual_time)
        return c->running ? running_now(c) : c->now;
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int clock_advance(struct clock *c, int64_t seconds)
{
    if (!c->virtual_time || seconds < 0)
        return EINVAL;
    int64_t t = clock_now(c);
    if (t > INT64_MAX - seconds)
        return EINVAL;
    return clock_set(c, t + seconds);
}

int clock_set(struct clock *c, int64_t t)
{
    if (!c->virtual_time || t < 0)
        return EINVAL;
    c->now = t;
    if (c->running)
        c->since_ms = mono_ms();
    return 0;
}
