/* The console's JSON responses (reply.h). */
#include "src/console/reply.h"
#if NTLAB_CONSOLE
#include "emulator/nterr.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int reply_json(struct console_response *rs, int status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!text)
        return ENOMEM;
    console_response_free(rs);
    rs->status = status;
    rs->type = "application/json";
    rs->body = text;
    rs->len = strlen(text);
    return 0;
}

int reply_error(struct console_response *rs, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return reply_json(rs, status, json_pack("{s:s}", "error", msg));
}

int reply_win32(struct console_response *rs, const char *what, const char *name, uint32_t code)
{
    char text[512], msg[700];
    nterr_describe(code, text, sizeof text);
    snprintf(msg, sizeof msg, "%s %s: %s", what, name, text);
    const char *sym = nterr_win32_symbol(code), *t = nterr_win32_text(code);
    return reply_json(rs, 409, json_pack("{s:s, s:I, s:s?, s:s?}", "error", msg, "win32",
                                         (json_int_t)code, "symbol", sym, "text", t));
}

json_t *reply_json_object(const char *body, size_t len, const char *const *allowed, char *why,
                          size_t n)
{
    if (len == 0)
        return json_object();
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        snprintf(why, n, "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        snprintf(why, n, "the request body must be a JSON object");
        return NULL;
    }
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            snprintf(why, n, "unknown field \"%.60s\"", key);
            json_decref(v);
            return NULL;
        }
    }
    return v;
}

json_t *reply_body(const struct console_request *rq, const char *const *allowed,
                   struct console_response *rs)
{
    if (rq->body_too_large) {
        reply_error(rs, 413, "request body larger than %u bytes", CONSOLE_BODY_MAX);
        return NULL;
    }
    char why[300];
    json_t *v = reply_json_object(rq->body, rq->body_len, allowed, why, sizeof why);
    if (!v)
        reply_error(rs, 400, "%s", why);
    return v;
}
#endif
