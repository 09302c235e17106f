#include "emulator/clock.h"
#include <errno.h>
#include <stdint.h>
#include <time.h>

void clock_init_virtual(struct clock *c, int64_t start)
{
    c->virtual_time = true;
    c->now = start;
}

void clock_init_wall(struct clock *c)
{
    c->virtual_time = false;
    c->now = 0;
}

int64_t clock_now(const struct clock *c)
{
    if (c->virtual_time)
        return c->now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int clock_advance(struct clock *c, int64_t seconds)
{
    if (!c->virtual_time || seconds < 0 || c->now > INT64_MAX - seconds)
        return EINVAL;
    c->now += seconds;
    return 0;
}

int clock_set(struct clock *c, int64_t t)
{
    if (!c->virtual_time || t < 0)
        return EINVAL;
    c->now = t;
    return 0;
}
