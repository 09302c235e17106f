/* The parts of the platform layer written once for both systems (plat.h). */
#include "src/lib/plat.h"
#include <string.h>

size_t plat_path_root_len(const char *p)
{
#ifdef _WIN32
    /* A drive letter: "C:/" or "C:\" (a bare "C:x" is relative to that drive's cwd). */
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
        (p[2] == '/' || p[2] == '\\'))
        return 3;
    if (p[0] == '\\')
        return 1;
#endif
    return p[0] == '/' ? 1 : 0;
}

bool plat_path_is_absolute(const char *p)
{
    return plat_path_root_len(p) > 0;
}

/* A number as glibc's strptime reads it: blanks, then digits while fewer
 * than width were taken and another digit could still fit under hi. */
static const char *number(const char *s, int width, int lo, int hi, int *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return NULL;
    int v = 0;
    do {
        v = v * 10 + (*s++ - '0');
    } while (--width > 0 && v * 10 <= hi && *s >= '0' && *s <= '9');
    if (v < lo || v > hi)
        return NULL;
    *out = v;
    return s;
}

const char *plat_strptime(const char *s, const char *fmt, struct tm *tm)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            if (*fmt == ' ') { /* a blank in the format matches any run of blanks */
                while (*s == ' ' || *s == '\t')
                    s++;
                continue;
            }
            if (*s != *fmt)
                return NULL;
            s++;
            continue;
        }
        int v = 0;
        switch (*++fmt) {
        case 'Y':
            if (!(s = number(s, 4, 0, 9999, &v)))
                return NULL;
            tm->tm_year = v - 1900;
            break;
        case 'm':
            if (!(s = number(s, 2, 1, 12, &v)))
                return NULL;
            tm->tm_mon = v - 1;
            break;
        case 'd':
            if (!(s = number(s, 2, 1, 31, &v)))
                return NULL;
            tm->tm_mday = v;
            break;
        case 'H':
            if (!(s = number(s, 2, 0, 23, &v)))
                return NULL;
            tm->tm_hour = v;
            break;
        case 'M':
            if (!(s = number(s, 2, 0, 59, &v)))
                return NULL;
            tm->tm_min = v;
            break;
        case 'S':
            if (!(s = number(s, 2, 0, 61, &v)))
                return NULL;
            tm->tm_sec = v;
            break;
        case '%':
            if (*s != '%')
                return NULL;
            s++;
            break;
        default: /* a conversion ntlab does not use */
            return NULL;
        }
    }
    return s;
}
