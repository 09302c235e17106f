/* A small POSIX extended regular expression engine, match/no-match only
 * (what regcomp(REG_EXTENDED | REG_NOSUB) + regexec give), for systems
 * without <regex.h> (Windows): plat_re_* use it there. Bytes in the C
 * locale; bracket expressions with ranges and [:class:]es; intervals up to
 * {255}; the GNU escapes \w \W \s \S \b \B \< \> \` \'. No
 * back-references (\1..\9 are refused). It runs a Thompson NFA: time is
 * linear in the subject for a given expression, with no pathological
 * backtracking. Portable C, built on both systems so that the unit tests
 * compare it with the system's regcomp. */
#ifndef NTLAB_LIB_REMATCH_H
#define NTLAB_LIB_REMATCH_H
#include <stdbool.h>
#include <stddef.h>

#define REMATCH_MAX_PROG 65536u /* instructions after expanding intervals */

struct rematch;
/* Compiles pattern. Returns 0 and *out (rematch_free it), EINVAL with err
 * saying why, or ENOMEM. */
int rematch_compile(const char *pattern, struct rematch **out, char *err, size_t errlen);
/* Whether s (NUL-terminated) contains a match. */
bool rematch_exec(const struct rematch *re, const char *s);
/* The length of the longest prefix of s (NUL-terminated) that a match
 * starting at s[0] can consume: s[that] is the first byte no way through
 * the expression accepts there (or the NUL, when all of s could begin a
 * match). For the caret of a scenario's diff. Assertions are checked
 * against s itself ('$' only at the NUL). (size_t)-1 when out of memory. */
size_t rematch_prefix(const struct rematch *re, const char *s);
void rematch_free(struct rematch *re);

#endif
