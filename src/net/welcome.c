/* The welcome text's placeholders (welcome.h). */
#include "src/net/welcome.h"
#include "emulator/machine.h"
#include "src/lib/str.h"
#include <string.h>

#define PH_MAX 40 /* longest placeholder: "${PORT:" + 15-letter name + "}" and some */

/* The path, single-quoted for a POSIX shell when it needs it. */
static void put_path(const char *p, FILE *f)
{
    bool plain = *p != 0;
    for (const char *c = p; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%",
                    *c))
            plain = false;
    if (plain) {
        fputs(p, f);
        return;
    }
    fputc('\'', f);
    for (; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
}

/* "HOST PORT" parts of a listener as a local client reaches it. */
static void put_addr(const struct net_addr *a, bool port, FILE *f)
{
    char s[NET_ADDR_STR_MAX];
    net_addr_format(a, s, sizeof s);
    char *colon = strrchr(s, ':');
    if (!colon)
        return;
    *colon = 0;
    if (port) {
        fputs(colon + 1, f);
        return;
    }
    const char *host = s;
    if (s[0] == '[') { /* "[::1]" -> "::1" */
        host = s + 1;
        char *close = strchr(s, ']');
        if (close)
            *close = 0;
    }
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    fputs(host, f);
}

/* Replaces the placeholder ph ("${...}") and returns true, or false when it
 * is not one (the caller copies it). */
static bool expand(const char *ph, const char *lab_shown, const struct server_listen *ls,
                   size_t nls, FILE *f)
{
    if (strcmp(ph, "${LAB}") == 0) {
        put_path(lab_shown, f);
        return true;
    }
    bool port = strncmp(ph, "${PORT:", 7) == 0;
    if (!port && strncmp(ph, "${HOST:", 7) != 0)
        return false;
    char name[PH_MAX];
    if (str_copyn(name, sizeof name, ph + 7, strlen(ph) - 8))
        return false;
    for (size_t i = 0; i < nls; i++)
        if (str_ieq(machine_name(ls[i].m), name)) {
            put_addr(&ls[i].addr, port, f);
            return true;
        }
    return false;
}

void welcome_render(const char *tmpl, size_t len, const char *lab_shown,
                    const struct server_listen *ls, size_t nls, FILE *f)
{
    size_t i = 0;
    while (i < len) {
        const char *end = tmpl[i] == '$' && i + 1 < len && tmpl[i + 1] == '{'
                              ? memchr(tmpl + i, '}', len - i < PH_MAX ? len - i : PH_MAX)
                              : NULL;
        if (end) {
            char ph[PH_MAX + 1];
            size_t n = (size_t)(end - (tmpl + i)) + 1;
            memcpy(ph, tmpl + i, n);
            ph[n] = 0;
            if (!memchr(ph, 0, n) && expand(ph, lab_shown, ls, nls, f)) {
                i += n;
                continue;
            }
        }
        fputc(tmpl[i], f);
        i++;
    }
}
