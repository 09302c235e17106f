/* The console's routes (console.h): access first, then /api/v1/... */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "src/console/pages.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void console_response_free(struct console_response *rs)
{
    if (!rs->body_static)
        free(rs->body);
    rs->body = NULL;
    rs->len = 0;
    rs->body_static = false;
}

/* Splits path after "/api/v1/" into at most API_MAX_SEGS segments; false
 * when there are more, or an empty or over-long one. */
static bool split(const char *path, char seg[API_MAX_SEGS][API_SEG_MAX], size_t *n)
{
    *n = 0;
    const char *p = path;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len >= API_SEG_MAX || *n == API_MAX_SEGS)
            return false;
        memcpy(seg[*n], p, len);
        seg[(*n)++][len] = 0;
        p += len + (e ? 1 : 0);
        if (e && !*p)
            return false; /* a trailing slash */
    }
    return true;
}

int console_handle(struct console *c, const struct console_request *rq,
                   struct console_response *rs)
{
    memset(rs, 0, sizeof *rs);
    char why[300];
    /* the page's static files hold no secret and change nothing: they are
     * served without the token (a <script src> cannot send a header), but
     * only to a loopback peer naming the console's host */
    bool file = strncmp(rq->path, PAGES_STATIC_PREFIX, sizeof PAGES_STATIC_PREFIX - 1) == 0;
    int st = file ? console_access_host(c, rq, why, sizeof why)
                  : console_access(c, rq, why, sizeof why);
    if (st)
        return reply_error(rs, st, "%s", why);
    if (pages_path(rq->path))
        return pages_handle(rq, rs);
    static const char prefix[] = "/api/v1/";
    char seg[API_MAX_SEGS][API_SEG_MAX];
    size_t n;
    if (strncmp(rq->path, prefix, sizeof prefix - 1) != 0 ||
        !split(rq->path + sizeof prefix - 1, seg, &n) || n == 0)
        return reply_error(rs, 404, "no such console page or API path");
    struct api_call a = {c, rq, rs, seg, n};
    int e = strcmp(seg[0], "rights") == 0     ? api_rights(&a)
            : strcmp(seg[0], "users") == 0    ? api_users(&a)
            : strcmp(seg[0], "policy") == 0   ? api_policy(&a)
            : strcmp(seg[0], "export") == 0   ? api_export(&a)
            : strcmp(seg[0], "exercise") == 0 ? api_exercise(&a)
            : strcmp(seg[0], "focuses") == 0 || strcmp(seg[0], "accounts") == 0 ||
                    strcmp(seg[0], "groups") == 0
                ? api_accounts(&a)
                : api_machines(&a);
    if (!e && !rs->body)
        e = ENOMEM; /* a reply could not be built */
    return e;
}
#endif
