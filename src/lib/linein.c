/* Line input shared by the protocol engines (linein.h). */
#include "src/lib/linein.h"
#include "src/lib/plat.h"
#include <string.h>

size_t linein_feed(struct buf *in, bool *skipping, size_t cap, const void *data, size_t len,
                   const struct linein_ops *ops, void *eng)
{
    const char *p = data;
    size_t taken = 0;
    while (taken < len && !ops->closed(eng)) {
        if (*skipping) {
            const char *lf = memchr(p + taken, '\n', len - taken);
            if (!lf)
                return len;
            taken = (size_t)(lf - p) + 1;
            *skipping = false;
            if (ops->skipped)
                ops->skipped(eng);
            continue;
        }
        size_t room = cap - in->len;
        if (room == 0)
            break;
        size_t n = len - taken < room ? len - taken : room;
        if (buf_append(in, p + taken, n)) {
            ops->failed(eng);
            return len;
        }
        taken += n;
        ops->run(eng);
        if (ops->blocked(eng) && in->len >= cap)
            break;
    }
    return ops->closed(eng) ? len : taken;
}

void linein_overlong(struct buf *in, bool *skipping)
{
    plat_wipe(in->p, in->len);
    buf_reset(in);
    *skipping = true;
}
