/* Inside the scenario parser (parse.c): the word rules it shares with
 * parse_names.c. */
#ifndef NTLAB_SCENARIO_PARSE_INT_H
#define NTLAB_SCENARIO_PARSE_INT_H
#include <stdbool.h>
#include <stddef.h>

bool scn_is_keyword(const char *w);               /* a directive: cannot name a session */
bool scn_valid_name(const char *w, size_t max);   /* a session name */
bool scn_valid_tag(const char *w);                /* a `tags` word */
bool scn_valid_heredoc_tag(const char *w);        /* <<TAG */

#endif
