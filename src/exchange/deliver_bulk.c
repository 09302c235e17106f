/* Many copies of one message into one mailbox (exchange.h,
 * exchange_deliver_copies): a large maildrop set up in seconds. */
#include "src/exchange/exchange.h"
#include "src/mailstore/maildrop.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>

int exchange_deliver_copies(struct machine *m, const char *alias, const void *data, size_t len,
                            uint64_t count, uint64_t *delivered)
{
    char mdir[PATH_MAX];
    if (delivered)
        *delivered = 0;
    if (!m || !alias || (!data && len) || count > EXCHANGE_COPIES_MAX)
        return EINVAL;
    struct exchange_directory *d;
    int e = exchange_mailbox_list(m, &d, NULL, 0);
    if (e)
        return e;
    const struct exchange_mailbox *mb = exchange_directory_find(d, alias);
    e = mb ? exchange_mailbox_path(m, mb->alias, mdir, sizeof mdir) : ENOENT;
    exchange_directory_free(d);
    if (!e)
        e = maildrop_create(mdir); /* a Maildir removed by hand comes back empty */
    return e ? e : maildrop_deliver_copies(mdir, data, len, machine_now(m), count, delivered);
}
