/* The console's embedded pages (pages.h). */
#include "src/console/pages.h"
#if NTLAB_CONSOLE
#include "src/console/reply.h"
#include "src/lib/embed.h"
#include <stdio.h>
#include <string.h>

#define WWW_DIR "src/console/www/"

/* The types the pages use; any other extension is not served. */
static const struct {
    const char *ext, *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"svg", "image/svg+xml"},
};

bool pages_path(const char *path)
{
    return strcmp(path, "/") == 0 ||
           strncmp(path, PAGES_STATIC_PREFIX, sizeof PAGES_STATIC_PREFIX - 1) == 0;
}

/* "app.js" -> its type; NULL unless name is letters, digits, '_' and '-',
 * one '.', then a known extension: no path, no "..", no hidden file. */
static const char *name_type(const char *name)
{
    size_t len = strlen(name), dots = 0;
    if (len == 0 || len > PAGES_NAME_MAX || name[0] == '.')
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (ch == '.')
            dots++;
        else if (!ok)
            return NULL;
    }
    const char *ext = strrchr(name, '.');
    if (dots != 1 || !ext[1])
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(ext + 1, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

int pages_handle(const struct console_request *rq, struct console_response *rs)
{
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
        return reply_error(rs, 405, "method %s not allowed here (allowed: GET, HEAD)",
                           rq->method);
    bool index = strcmp(rq->path, "/") == 0;
    const char *name = index ? "index.html" : rq->path + sizeof PAGES_STATIC_PREFIX - 1;
    const char *type = name_type(name);
    char path[sizeof WWW_DIR + PAGES_NAME_MAX + 1];
    const struct embed_file *f = NULL;
    if (type) {
        snprintf(path, sizeof path, WWW_DIR "%s", name);
        f = embed_find(path);
    }
    /* index.html itself is only served as "/", which needs the secret */
    if (!f || (!index && strcmp(name, "index.html") == 0))
        return reply_error(rs, 404, "no such console page or file");
    console_response_free(rs);
    rs->status = 200;
    rs->type = type;
    rs->body = (char *)f->data; /* embedded: never freed (body_static) */
    rs->len = f->len;
    rs->body_static = true;
    /* The files are inside the binary: they change only with a new daemon.
     * The page itself (it is reached with the secret) is never stored. */
    rs->cache = index ? "no-store" : "private, max-age=300";
    return 0;
}
#endif
