/* When each goal of a lab was first met (progress.h). */
#include "src/exercise/progress.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/kvfile.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct kvfile_syntax progress_syntax = {
    .comments = "#",
    .line_max = 256,
    .bad_text = "not valid text (",
    .bad_text_end = ")",
    .no_equals = "expected GOAL = TIME or GOAL = -",
};

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PROGRESS_NAME_MAX || s[0] == '#' || s[0] == '[' || s[0] == ' ' ||
        s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '=')
            return false;
    return true;
}

static bool time_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PROGRESS_TIME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789-: TZ", s[i]))
            return false;
    return true;
}

static int path_of(char *out, size_t n, const char *lab)
{
    int k = snprintf(out, n, "%s/%s", lab, PROGRESS_FILE);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

int progress_load(const char *lab, struct progress *p, char *err, size_t errlen)
{
    p->ngoals = 0;
    char path[4096];
    if (path_of(path, sizeof path, lab))
        return snprintf(err, errlen, "%.200s: name too long", lab), ENAMETOOLONG;
    struct kvfile f;
    int e = kvfile_open(&f, path, 64u * 1024, &progress_syntax, err, errlen);
    struct kvfile_item it;
    while (!e && !(e = kvfile_next(&f, &it)) && it.kind != KVFILE_END) {
        bool none = strcmp(it.value, "-") == 0;
        if (!name_ok(it.key))
            e = kvfile_fail(&f, it.line, "bad goal name '%.70s'", it.key);
        else if (!none && !time_ok(it.value))
            e = kvfile_fail(&f, it.line, "'%.40s' is neither a time nor '-'", it.value);
        else if (p->ngoals == PROGRESS_MAX_GOALS)
            e = kvfile_fail(&f, it.line, "more than %d goals", PROGRESS_MAX_GOALS);
        else {
            struct progress_goal *g = &p->g[p->ngoals++];
            snprintf(g->name, sizeof g->name, "%s", it.key);
            snprintf(g->met, sizeof g->met, "%s", none ? "" : it.value);
        }
    }
    kvfile_close(&f);
    if (e == ENOENT) {
        err[0] = 0;
        e = 0;
    }
    if (e)
        p->ngoals = 0;
    return e;
}

size_t progress_met(const struct progress *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->ngoals; i++)
        n += p->g[i].met[0] != 0;
    return n;
}

int progress_update(struct progress *p, const char *const *names, const bool *met, size_t n,
                    const char *now)
{
    if (n > PROGRESS_MAX_GOALS || !time_ok(now))
        return EINVAL;
    struct progress next = {.ngoals = n};
    for (size_t i = 0; i < n; i++) {
        if (!name_ok(names[i]))
            return EINVAL;
        struct progress_goal *g = &next.g[i];
        snprintf(g->name, sizeof g->name, "%s", names[i]);
        for (size_t j = 0; j < p->ngoals; j++)
            if (strcmp(p->g[j].name, names[i]) == 0)
                memcpy(g->met, p->g[j].met, sizeof g->met);
        if (!g->met[0] && met[i])
            snprintf(g->met, sizeof g->met, "%s", now);
    }
    *p = next;
    return 0;
}

int progress_save(const char *lab, const struct progress *p)
{
    char path[4096];
    int e = path_of(path, sizeof path, lab);
    struct buf b = BUF_INIT;
    if (!e)
        e = buf_puts(&b, "# goal = lab-clock time it was first met, '-' while it is not "
                         "(ntlab exercise check, ntlab class report)\n");
    for (size_t i = 0; !e && i < p->ngoals; i++)
        e = buf_printf(&b, "%s = %s\n", p->g[i].name, p->g[i].met[0] ? p->g[i].met : "-");
    if (!e)
        e = afile_write(path, b.p, b.len, 0640);
    buf_free(&b);
    return e;
}

void progress_free(struct progress *p)
{
    p->ngoals = 0;
}
