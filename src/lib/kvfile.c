/* The one reader of the lab's section / key = value files (kvfile.h). */
#include "src/lib/kvfile.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kvfile_fail(const struct kvfile *f, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_file_verror(f->err, f->errlen, f->path, line, fmt, ap);
    va_end(ap);
    return EINVAL;
}

/* A raw file: its bytes, with a NUL reported at the line it is on. */
static int take_raw(struct kvfile *f, char *data, size_t len)
{
    const char *nul = memchr(data, 0, len);
    if (nul) {
        unsigned line = 1;
        for (const char *c = data; c < nul; c++)
            line += *c == '\n';
        free(data);
        kvfile_fail(f, line, "NUL byte in line");
        return EILSEQ;
    }
    f->text = data;
    f->len = len;
    return 0;
}

static int take_text(struct kvfile *f, char *data, size_t len)
{
    char *text = NULL;
    size_t tlen = 0;
    int rc = text_decode(data, len, &text, &tlen);
    const char *why = "not valid text";
    unsigned bad = rc == EILSEQ ? text_error_line(data, len, &why) : 0;
    plat_wipe(data, len);
    free(data);
    if (rc == EILSEQ)
        kvfile_fail(f, bad, "%s%s%s", f->syn->bad_text, why, f->syn->bad_text_end);
    if (rc)
        return rc;
    f->text = text;
    f->len = tlen;
    return 0;
}

int kvfile_open(struct kvfile *f, const char *path, size_t max, const struct kvfile_syntax *syn,
                char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->syn = syn;
    f->path = path;
    f->err = err;
    f->errlen = errlen;
    if (err && errlen)
        err[0] = 0;
    char *data = NULL;
    size_t len = 0;
    int rc = afile_read(path, max, &data, &len);
    if (rc == EFBIG)
        kvfile_fail(f, 0, "file too large");
    else if (rc)
        kvfile_fail(f, 0, "%s", plat_strerror(rc));
    if (!rc)
        rc = syn->raw ? take_raw(f, data, len) : take_text(f, data, len);
    if (!rc)
        text_lines_init(&f->it, f->text);
    return rc;
}

unsigned kvfile_lines(const struct kvfile *f)
{
    return f->it.lineno;
}

/* "[NAME]": the name between the brackets, as written. */
static int header(struct kvfile *f, char *s, unsigned ln, struct kvfile_item *item)
{
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != ']')
        return kvfile_fail(f, ln, "%s", f->syn->bad_header);
    s[n - 1] = 0;
    f->in_section = true;
    item->kind = KVFILE_SECTION;
    item->name = s + 1;
    return 0;
}

int kvfile_next(struct kvfile *f, struct kvfile_item *item)
{
    memset(item, 0, sizeof *item);
    const struct kvfile_syntax *syn = f->syn;
    unsigned ln;
    char *line;
    while (f->text && (line = text_lines_next(&f->it, &ln))) {
        if (syn->line_max && strlen(line) > syn->line_max)
            return kvfile_fail(f, ln, "line longer than %zu bytes", syn->line_max);
        char *s = str_trim(line);
        if (!*s || strchr(syn->comments, *s))
            continue;
        item->line = ln;
        if (syn->sections && *s == '[')
            return header(f, s, ln, item);
        char *eq = strchr(s, '=');
        if (!eq)
            return kvfile_fail(f, ln, "%s", syn->no_equals);
        if (syn->sections && !f->in_section)
            return kvfile_fail(f, ln, "%s", syn->outside);
        *eq = 0;
        item->kind = KVFILE_PAIR;
        item->key = str_trim(s);
        if (!syn->quoted)
            item->value = str_trim(eq + 1);
        else if (!str_unquote(eq + 1, &item->value))
            return kvfile_fail(f, ln, "broken quoted value");
        return 0;
    }
    item->kind = KVFILE_END;
    item->line = f->it.lineno;
    return 0;
}

void kvfile_close(struct kvfile *f)
{
    if (f->text)
        plat_wipe(f->text, f->len);
    free(f->text);
    f->text = NULL;
}
