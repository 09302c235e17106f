/* Logon hours as text (samhours.h): one formatter and one parser for the
 * CLI, the console's recorded steps and ntlab export. */
#include "emulator/samhours.h"
#include "src/lib/str.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const day3[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static bool hour_set(const uint8_t h[21], int day, int hour)
{
    unsigned bit = (unsigned)(day * 24 + hour);
    return (h[bit / 8] >> (bit % 8)) & 1u;
}

size_t sam_hours_format(const uint8_t h[21], char *out, size_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (int d = 0; d < 7; d++)
        for (int hr = 0; hr < 24;) {
            if (!hour_set(h, d, hr)) {
                hr++;
                continue;
            }
            int end = hr;
            while (end < 24 && hour_set(h, d, end))
                end++;
            /* Past a cut, snprintf with size 0 only counts. */
            size_t room = used < n ? n - used : 0;
            int w = snprintf(room ? out + used : NULL, room, "%s%s %d-%d", used ? "," : "",
                             day3[d], hr, end);
            if (w > 0)
                used += (size_t)w;
            hr = end;
        }
    return used;
}

bool sam_hours_all(const uint8_t h[21])
{
    for (int i = 0; i < 21; i++)
        if (h[i] != 0xff)
            return false;
    return true;
}

static int day_index(const char *s, size_t n)
{
    for (int i = 0; i < 7 && n == 3; i++)
        if (tolower((unsigned char)s[0]) == tolower((unsigned char)day3[i][0]) &&
            tolower((unsigned char)s[1]) == tolower((unsigned char)day3[i][1]) &&
            tolower((unsigned char)s[2]) == tolower((unsigned char)day3[i][2]))
            return i;
    return -1;
}

/* One list item "DAY[-DAY] H-H" (trimmed, writable) into h. */
static int parse_run(char *part, uint8_t h[21])
{
    char *sp = strchr(part, ' ');
    if (!sp)
        return EINVAL;
    *sp = 0;
    char *dash = strchr(part, '-');
    int d0 = day_index(part, dash ? (size_t)(dash - part) : strlen(part));
    int d1 = dash ? day_index(dash + 1, strlen(dash + 1)) : d0;
    char *hr = str_trim(sp + 1);
    char *hdash = strchr(hr, '-');
    if (d0 < 0 || d1 < 0 || !hdash)
        return EINVAL;
    *hdash = 0;
    int64_t h0, h1;
    if (str_to_i64(hr, 0, 24, &h0) || str_to_i64(hdash + 1, 0, 24, &h1) || h1 <= h0)
        return EINVAL;
    for (int d = d0;; d = (d + 1) % 7) {
        for (int64_t x = h0; x < h1; x++) {
            unsigned bit = (unsigned)(d * 24 + x);
            h[bit / 8] |= (uint8_t)(1u << (bit % 8));
        }
        if (d == d1)
            return 0;
    }
}

int sam_hours_parse(const char *s, uint8_t h[21])
{
    uint8_t t[21];
    memset(t, str_ieq(s, "all") ? 0xff : 0, sizeof t);
    if (!str_ieq(s, "all") && !str_ieq(s, "none")) {
        char buf[SAM_HOURS_TEXT_MAX]; /* whatever sam_hours_format writes reads back */
        if (str_copy(buf, sizeof buf, s))
            return EINVAL;
        for (char *p = buf; *p;) {
            char *comma = strchr(p, ',');
            char *next = comma ? comma + 1 : p + strlen(p);
            if (comma)
                *comma = 0;
            if (*p && parse_run(str_trim(p), t))
                return EINVAL;
            p = next;
        }
    }
    memcpy(h, t, sizeof t);
    return 0;
}
