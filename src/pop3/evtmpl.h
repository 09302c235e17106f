/* Event description templates: the message-file text of an NT event with
 * insertion strings, expanded as the Event Viewer shows a record.
 *
 *   %1 .. %99  the insertion string of that number (one or two digits,
 *              read greedily: "%12" is insert 12, "%1 2" insert 1)
 *   %%         a literal '%'
 *   % + other  kept as written ('%' then the byte), as a text that is not
 *              a message-file escape shows in the viewer
 * An insert the caller does not supply (number past ninserts, or a NULL
 * entry) shows as its escape, "%3", as the Event Viewer shows a record
 * logged with fewer strings than its message expects. Insert values are
 * copied as they are: a '%' inside a user name is not expanded again.
 * Pure functions, no allocation. */
#ifndef NTLAB_POP3_EVTMPL_H
#define NTLAB_POP3_EVTMPL_H
#include <stdbool.h>
#include <stddef.h>

#define EVTMPL_INSERT_MAX 99u

/* Checks a template for a caller that supplies inserts 1..max_insert:
 * 0, or EINVAL with the reason in why ("%0 ..." , "%8: only %1..%7 ...").
 * "%0" is refused (FormatMessage ends the text there). */
int evtmpl_check(const char *tmpl, unsigned max_insert, char *why, size_t whylen);

/* Expands tmpl into out (cap bytes, NUL included; cap >= 1). Returns 0, or
 * ENOSPC when the text did not fit: out then holds as much as fits, cut at
 * a UTF-8 character boundary, NUL-terminated. EINVAL for NULL or cap 0. */
int evtmpl_expand(const char *tmpl, const char *const *inserts, size_t ninserts, char *out,
                  size_t cap);

#endif
