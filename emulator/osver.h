/* The operating-system versions ntlab models. Ordered: comparisons such as
 * os <= OSVER_W2K are meaningful. */
#ifndef NTLAB_EMULATOR_OSVER_H
#define NTLAB_EMULATOR_OSVER_H
#include <stdbool.h>

enum osver {
    OSVER_NT4 = 40, /* Windows NT 4.0 */
    OSVER_W2K = 50, /* Windows 2000 */
    OSVER_XP = 51,  /* Windows XP (and later rules) */
};

/* "nt4", "w2k", "xp" (case-insensitive; also "nt4.0", "2000"). */
bool osver_parse(const char *s, enum osver *out);
/* "nt4", "w2k", "xp". */
const char *osver_name(enum osver v);
/* "Windows NT 4.0", "Windows 2000", "Windows XP". */
const char *osver_display(enum osver v);

#endif
