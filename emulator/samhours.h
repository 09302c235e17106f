/* A SAM account's logon hours (struct sam_user.logon_hours: 168 bits, bit
 * day*24+hour with day 0 = Sunday, UTC, LSB first) as the text that
 * `ntlab user set --hours` reads and ntlab export / up --record write. */
#ifndef NTLAB_EMULATOR_SAMHOURS_H
#define NTLAB_EMULATOR_SAMHOURS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for any 168-bit pattern: at most 12 runs a day ("Sun 22-23,",
 * 10 bytes each), 7 days, plus the NUL. */
#define SAM_HOURS_TEXT_MAX 1024

/* Writes the allowed hours as comma-separated runs, day by day from Sunday:
 * "Sun 0-24,Mon 8-18" (Mon 8-18 allows hours 8..17). Writes "" when no hour
 * is allowed and the runs also when all are: saying "all" or "none" is the
 * caller's choice. out (capacity n > 0) is always NUL-terminated. Returns
 * the length of the whole text; a value >= n means it was cut (never with
 * n >= SAM_HOURS_TEXT_MAX). */
size_t sam_hours_format(const uint8_t h[21], char *out, size_t n);

/* True when every one of the 168 hours is allowed (a fresh account). */
bool sam_hours_all(const uint8_t h[21]);

/* Parses "all", "none" (either case) or a comma list of "DAY[-DAY] H-H"
 * runs, DAY being Sun..Sat (either case), a day range wrapping past Sat,
 * 0 <= H0 < H1 <= 24, e.g. "Mon-Fri 8-18,Sat 9-12". Empty list items are
 * skipped (so "" parses as "none"). Returns 0 with h set, or EINVAL
 * (malformed, or SAM_HOURS_TEXT_MAX bytes or more) with h untouched. */
int sam_hours_parse(const char *s, uint8_t h[21]);
#endif
