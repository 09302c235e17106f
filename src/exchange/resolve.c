/* A logon's mailbox name resolved against the Exchange directory
 * (exchange.h: exchange_directory_resolve). Exchange 5.x looks an alias up
 * in the whole directory the server sees, not in one container; a name
 * that matches several entries cannot be resolved to one mailbox (KB
 * Q189654, for OWA logons: "ambiguous name"; ntlab applies the same rule
 * to POP3 logons, a choice). There is no fallback from an account to "its"
 * mailbox: without the alias part the account's name is the alias
 * (Q161116; the Exchange 5.5 POP3 account-name help says the domain,
 * account and alias may all be needed). */
#include "src/exchange/exchange.h"
#include <stddef.h>

enum exchange_resolve exchange_directory_resolve(const struct exchange_directory *d,
                                                 const char *name,
                                                 const struct exchange_mailbox **out)
{
    const struct exchange_mailbox *hit = NULL;
    *out = NULL;
    size_t n = exchange_directory_lookup(d, name, &hit, 1);
    if (n == 0)
        return EXCHANGE_RESOLVE_NONE;
    if (n > 1)
        return EXCHANGE_RESOLVE_AMBIGUOUS;
    *out = hit;
    return hit->custom ? EXCHANGE_RESOLVE_CUSTOM : EXCHANGE_RESOLVE_MAILBOX;
}
