/* issue 15: the console's pages (src/console/pages.c) through
 * console_handle, as the HTTP row calls it: "/" needs the secret, the
 * static files only a loopback peer and the console's Host; names that are
 * not plain file names (traversal, hidden, unknown type) are 404; the
 * pages themselves hold no inline script, style or handler (the CSP
 * forbids them: a page that used one would break in the browser). */
#include "src/console/console.h"
#include "tests/unit/unit.h"
#if NTLAB_CONSOLE
#include "src/lib/embed.h"
#include <ctype.h>
#include <string.h>

#define SECRET "0123456789abcdef0123456789abcdef"

static struct console con = {.lab = NULL, .secret = SECRET, .port = 8110};

static struct console_request get(const char *path, const char *token)
{
    struct console_request rq = {.method = "GET", .path = path, .token = token,
                                 .host = "127.0.0.1:8110", .peer_loopback = true, .body = ""};
    return rq;
}

/* The status of rq; *rs kept for the caller (console_response_free). */
static int run(const struct console_request *rq, struct console_response *rs)
{
    CU_ASSERT_EQUAL_FATAL(console_handle(&con, rq, rs), 0);
    return rs->status;
}

static int status_of(const struct console_request *rq)
{
    struct console_response rs;
    int st = run(rq, &rs);
    console_response_free(&rs);
    return st;
}

static void test_index_token(void)
{
    struct console_request rq = get("/", NULL);
    CU_ASSERT_EQUAL(status_of(&rq), 401);
    rq.token = "0123456789abcdef0123456789abcdee";
    CU_ASSERT_EQUAL(status_of(&rq), 403);
    rq.token = SECRET;
    struct console_response rs;
    CU_ASSERT_EQUAL(run(&rq, &rs), 200);
    CU_ASSERT_STRING_EQUAL(rs.type, "text/html; charset=utf-8");
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "<aside id=\"exercise\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "User Manager for Domains"));
    CU_ASSERT(rs.cache == NULL || strcmp(rs.cache, "no-store") == 0);
    console_response_free(&rs);
    rq.method = "HEAD";
    CU_ASSERT_EQUAL(status_of(&rq), 200);
    /* a write to the page: the Origin rule first, then 405 */
    rq.method = "POST";
    CU_ASSERT_EQUAL(status_of(&rq), 403);
    rq.origin = "http://127.0.0.1:8110";
    CU_ASSERT_EQUAL(status_of(&rq), 405);
}

static void test_static(void)
{
    static const char *const files[][2] = {
        {"/static/app.js", "text/javascript; charset=utf-8"},
        {"/static/nt.css", "text/css; charset=utf-8"},
        {"/static/icon.svg", "image/svg+xml"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct console_request rq = get(files[i][0], NULL); /* no token needed */
        struct console_response rs;
        CU_ASSERT_EQUAL(run(&rq, &rs), 200);
        CU_ASSERT_STRING_EQUAL(rs.type, files[i][1]);
        CU_ASSERT(rs.len > 0 && rs.body_static);
        CU_ASSERT_PTR_NOT_NULL(rs.cache);
        console_response_free(&rs);
    }
    /* but the peer and Host rules hold */
    struct console_request rq = get("/static/app.js", NULL);
    rq.peer_loopback = false;
    CU_ASSERT_EQUAL(status_of(&rq), 403);
    rq = get("/static/app.js", NULL);
    rq.host = "evil.example:8110";
    CU_ASSERT_EQUAL(status_of(&rq), 403);
    rq.host = NULL;
    CU_ASSERT_EQUAL(status_of(&rq), 403);
    rq = get("/static/app.js", SECRET);
    rq.method = "DELETE";
    rq.origin = "http://127.0.0.1:8110";
    CU_ASSERT_EQUAL(status_of(&rq), 405);
}

static void test_not_found(void)
{
    static const char *const paths[] = {
        "/static/nope.js", "/static/index.html" /* only as "/" */, "/static/", "/nope",
        "/static/app.exe", "/static/app", "/index.html", "/static/app.js.js",
        "/static/APP.JS",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct console_request rq = get(paths[i], SECRET);
        struct console_response rs;
        CU_ASSERT_EQUAL(run(&rq, &rs), 404);
        CU_ASSERT_STRING_EQUAL(rs.type, "application/json");
        console_response_free(&rs);
    }
}

static void test_traversal(void)
{
    static const char *const paths[] = {
        "/static/../console.secret", "/static/../../etc/passwd", "/static/..",
        "/static/.hidden.js", "/static/www/app.js", "/static/..%2fconsole.secret",
        "/static/%2e%2e/app.js", "/static/app.js%00.css", "/static/app\\.js",
        "/static//app.js", "/static/../src/console/www/app.js",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct console_request rq = get(paths[i], SECRET);
        CU_ASSERT_EQUAL(status_of(&rq), 404);
    }
    /* a name past the length bound */
    char longname[200] = "/static/";
    memset(longname + 8, 'a', 150);
    strcpy(longname + 158, ".js");
    struct console_request rq = get(longname, SECRET);
    CU_ASSERT_EQUAL(status_of(&rq), 404);
}

/* Whether s occurs in [p, end). */
static bool has_in(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    for (; p + n <= end; p++)
        if (strncmp(p, s, n) == 0)
            return true;
    return false;
}

/* Whether text has an attribute "on...=" or "style=" in a tag, or a
 * <script> without src: what the CSP would refuse to run. */
static bool inline_code(const char *text)
{
    for (const char *p = text; (p = strchr(p, '<')) != NULL; p++) {
        const char *end = strchr(p, '>');
        if (!end)
            return true;
        if (strncmp(p, "<script", 7) == 0 && !has_in(p, end, " src="))
            return true;
        for (const char *a = p; a < end; a++) {
            if (!isspace((unsigned char)a[0]))
                continue;
            if ((a[1] == 'o' && a[2] == 'n' && isalpha((unsigned char)a[3])) ||
                strncmp(a + 1, "style=", 6) == 0)
                for (const char *e = a + 1; e < end && !isspace((unsigned char)*e); e++)
                    if (*e == '=')
                        return true;
        }
    }
    return false;
}

static void test_csp(void)
{
    /* the policy: own scripts only, nothing inline, no eval */
    CU_ASSERT_PTR_NOT_NULL(strstr(CONSOLE_CSP, "default-src 'none'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(CONSOLE_CSP, "script-src 'self'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(CONSOLE_CSP, "frame-ancestors 'none'"));
    CU_ASSERT_PTR_NULL(strstr(CONSOLE_CSP, "unsafe"));
    /* the checker itself */
    CU_ASSERT(inline_code("<p><script>alert(1)</script>"));
    CU_ASSERT(inline_code("<button onclick=\"x()\">"));
    CU_ASSERT(inline_code("<div style=\"color:red\">"));
    CU_ASSERT(!inline_code("<script src=\"/static/a.js\" defer></script><p>on=1</p>"));
    /* every page file keeps to it; scripts use no eval or innerHTML */
    size_t n, pages = 0;
    const struct embed_file *f = embed_files(&n);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(f[i].path, "src/console/www/", 16) != 0)
            continue;
        pages++;
        const char *text = (const char *)f[i].data;
        if (strstr(f[i].path, ".html") && inline_code(text))
            CU_FAIL(f[i].path);
        if (strstr(f[i].path, ".js") &&
            (strstr(text, "eval(") || strstr(text, "innerHTML") || strstr(text, "new Function")))
            CU_FAIL(f[i].path);
    }
    CU_ASSERT(pages >= 8);
}

void suite_pages(void)
{
    UNIT_SUITE("pages", UNIT_TEST(test_index_token), UNIT_TEST(test_static),
               UNIT_TEST(test_not_found), UNIT_TEST(test_traversal), UNIT_TEST(test_csp));
}
#else
void suite_pages(void)
{
}
#endif
