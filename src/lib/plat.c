/* The parts of the platform layer written once for both systems (plat.h). */
#include "src/lib/plat.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* Hostile patterns: glibc's regcomp copies a repeated subexpression once per
 * repetition ("a+" is "aa*", "a{9}" nine copies), so stacked or nested
 * repetitions grow it exponentially (a scenario fuzz input with 34 stacked
 * '+' took over 2 GB). Refuses a pattern whose repetition factors multiply
 * past PLAT_RE_MAX_COPIES, counting each '+' as 2 and each {m,n} as n+1
 * (an over-estimate for repetitions side by side, exact for nested ones);
 * '*' and '?' copy nothing. */
#define PLAT_RE_MAX_COPIES (1u << 20)

bool plat_re_bounded(const char *p, char *err, size_t errlen)
{
    unsigned long long product = 1;
    bool in_bracket = false;
    for (size_t i = 0; p[i]; i++) {
        char c = p[i];
        if (in_bracket) {
            /* "[]...]" and "[^]...]" take a literal ']' first */
            if (c == ']' && !(i > 0 && (p[i - 1] == '[' || (p[i - 1] == '^' && i > 1 &&
                                                             p[i - 2] == '['))))
                in_bracket = false;
            continue;
        }
        unsigned long long factor = 1;
        if (c == '\\' && p[i + 1]) {
            i++;
            continue;
        } else if (c == '[') {
            in_bracket = true;
            continue;
        } else if (c == '+') {
            factor = 2;
        } else if (c == '{') {
            unsigned long long hi = 0, cur = 0;
            size_t j = i + 1;
            for (; p[j] && p[j] != '}'; j++) {
                if (p[j] >= '0' && p[j] <= '9') {
                    cur = cur * 10 + (unsigned)(p[j] - '0');
                    if (cur > 100000)
                        cur = 100000;
                } else {
                    cur = 0;
                }
                if (cur > hi)
                    hi = cur;
            }
            factor = hi + 1;
            if (p[j])
                i = j;
        }
        product *= factor;
        if (product > PLAT_RE_MAX_COPIES) {
            if (errlen)
                snprintf(err, errlen, "repetitions too deep or too large (the pattern would "
                                      "expand past %u copies)",
                         PLAT_RE_MAX_COPIES);
            return false;
        }
    }
    return true;
}

int plat_open_regular(const char *path, unsigned flags, int *fdp)
{
    *fdp = -1;
    int oflags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
    if (flags & PLAT_OPEN_NOFOLLOW)
        oflags |= O_NOFOLLOW;
    int fd = open(path, oflags);
    if (fd < 0)
        return errno;
    struct plat_stat st;
    int e = plat_fstat(fd, &st);
    if (!e && !st.is_reg)
        e = st.is_dir ? EISDIR : PLAT_ENOTREG;
#ifndef _WIN32
    /* Regular files never block; cleared so that the descriptor reads as
     * every other one does (and a later change of file type cannot bite). */
    int fl = e ? 0 : fcntl(fd, F_GETFL);
    if (!e && (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
        e = errno;
#endif
    if (e) {
        close(fd);
        return e;
    }
    *fdp = fd;
    return 0;
}

const char *plat_strerror(int e)
{
    if (e == PLAT_ENOTREG)
        return "not a regular file (a FIFO, device or socket)";
    return strerror(e);
}
