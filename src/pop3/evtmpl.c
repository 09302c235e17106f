/* Event description templates (evtmpl.h). */
#include "src/pop3/evtmpl.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Reads the insert number after a '%' at t: its value (0 when no digit)
 * and how many digits it took (0..2). */
static unsigned insert_number(const char *t, size_t *digits)
{
    unsigned v = 0;
    size_t k = 0;
    while (k < 2 && t[k] >= '0' && t[k] <= '9') {
        v = v * 10 + (unsigned)(t[k++] - '0');
        if (v == 0)
            break; /* "%0..." is never an insert: no leading zeros */
    }
    *digits = k;
    return v;
}

int evtmpl_check(const char *tmpl, unsigned max_insert, char *why, size_t whylen)
{
    if (!tmpl)
        return EINVAL;
    for (const char *t = tmpl; *t; t++) {
        if (*t != '%')
            continue;
        if (t[1] == '%') {
            t++;
            continue;
        }
        size_t k;
        unsigned v = insert_number(t + 1, &k);
        if (k == 0)
            continue; /* a lone '%' is text */
        if (v == 0) {
            if (why && whylen)
                snprintf(why, whylen, "%%0 is not an insertion string");
            return EINVAL;
        }
        if (v > max_insert) {
            if (why && whylen)
                snprintf(why, whylen, "%%%u: this event has insertion strings %%1..%%%u", v,
                         max_insert);
            return EINVAL;
        }
        t += k;
    }
    return 0;
}

struct out {
    char *p;
    size_t cap, n;
    bool cut;
};

static void put(struct out *o, const char *s, size_t len)
{
    if (o->cut)
        return;
    if (o->n + len < o->cap) {
        memcpy(o->p + o->n, s, len);
        o->n += len;
        return;
    }
    size_t room = o->cap - 1 - o->n;
    /* Cut before a UTF-8 continuation byte run so no character is split. */
    while (room && ((unsigned char)s[room] & 0xC0) == 0x80)
        room--;
    memcpy(o->p + o->n, s, room);
    o->n += room;
    o->cut = true;
}

int evtmpl_expand(const char *tmpl, const char *const *inserts, size_t ninserts, char *out,
                  size_t cap)
{
    if (!tmpl || !out || !cap)
        return EINVAL;
    struct out o = {out, cap, 0, false};
    for (const char *t = tmpl; *t && !o.cut;) {
        if (*t != '%') {
            size_t run = strcspn(t, "%");
            put(&o, t, run);
            t += run;
            continue;
        }
        if (t[1] == '%') {
            put(&o, "%", 1);
            t += 2;
            continue;
        }
        size_t k;
        unsigned v = insert_number(t + 1, &k);
        if (k == 0 || v == 0 || v > ninserts || !inserts || !inserts[v - 1]) {
            put(&o, t, 1 + k); /* shown as written */
            t += 1 + k;
            continue;
        }
        put(&o, inserts[v - 1], strlen(inserts[v - 1]));
        t += 1 + k;
    }
    out[o.n] = 0;
    return o.cut ? ENOSPC : 0;
}
