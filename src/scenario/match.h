/* Expected lines of a scenario: exact bytes by default, with one marked
 * escape for a variable part: {{REGEX}} matches a POSIX extended regular
 * expression (regcomp REG_EXTENDED) in place, e.g.
 *   +OK {{[0-9]+}} messages ({{[0-9]+}} octets)
 * Everything outside the braces is literal, byte for byte. The escape ends
 * at the first "}}" that is not followed by another '}', so a regex may end
 * in a bound: {{[0-9]{4}}} is the regex [0-9]{4}. A literal "{{" in an
 * expected line is written {{\{\{}}. A pattern matches a whole line (it is
 * anchored at both ends); a line holding a NUL byte only matches a pattern
 * without escapes. */
#ifndef NTLAB_SCENARIO_MATCH_H
#define NTLAB_SCENARIO_MATCH_H
#include "src/lib/plat.h"
#include <stdbool.h>
#include <stddef.h>

#define SCN_PATTERN_MAX 8192u /* longest pattern text, escapes included */

struct scn_pattern {
    char *text; /* the pattern as written (NUL-terminated copy) */
    size_t len;
    bool has_re; /* it holds at least one {{...}} escape */
    struct plat_re re; /* valid when has_re */
    char *ere;   /* when has_re: the anchored ERE it compiled to */
};

/* Compiles text[0..len) into p. Returns 0, EINVAL with the problem in err
 * (an unterminated or empty escape, a NUL byte, a regex regcomp rejects, or
 * text longer than SCN_PATTERN_MAX), or ENOMEM. On failure p needs no free. */
int scn_pattern_init(struct scn_pattern *p, const char *text, size_t len, char *err,
                     size_t errlen);
void scn_pattern_free(struct scn_pattern *p);
/* Whether the line line[0..len) (without its line end) matches. */
bool scn_pattern_match(const struct scn_pattern *p, const char *line, size_t len);
/* For a line that does not match: how many of its first bytes the pattern
 * can match (literal parts and escapes alike), i.e. line[result] is the
 * first byte it cannot (result == len: the line ended where the pattern
 * wanted more). A pattern without escapes: the common prefix. Never more
 * than len. Out of memory, or a regex the portable engine (rematch.h)
 * refuses: the common prefix with the pattern's text, as if literal. */
size_t scn_pattern_prefix(const struct scn_pattern *p, const char *line, size_t len);

#endif
