/* The scenario parser's words: its directives, and what a session name, a
 * tag and a here-doc tag may be (parse_int.h). */
#include "src/scenario/parse_int.h"
#include <ctype.h>
#include <string.h>

/* The directives: these words cannot name a session. */
static const char *const keywords[] = {
    "title", "reproduces", "tags", "include", "begin", "timeout", "ntlab", "exit",
    "out",   "has",        "lacks", "open",   "refused", "close", "smtp", "secret",
};

bool scn_is_keyword(const char *w)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(w, keywords[i]) == 0)
            return true;
    return false;
}

bool scn_valid_name(const char *w, size_t max)
{
    size_t n = strlen(w);
    if (n == 0 || n > max || !isalpha((unsigned char)w[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)w[i]) && w[i] != '_' && w[i] != '-' && w[i] != '.')
            return false;
    return true;
}

bool scn_valid_tag(const char *w)
{
    if (!*w || strlen(w) > 64)
        return false;
    for (; *w; w++)
        if (!isalnum((unsigned char)*w) && *w != '_' && *w != '-' && *w != '.')
            return false;
    return true;
}

bool scn_valid_heredoc_tag(const char *w)
{
    if (!*w || strlen(w) > 32)
        return false;
    for (; *w; w++)
        if (!isalnum((unsigned char)*w) && *w != '_')
            return false;
    return true;
}

