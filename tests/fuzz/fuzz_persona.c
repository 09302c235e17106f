/* The persona reader (persona_parse) fed arbitrary text, inheriting from
 * the built-in personas. An accepted persona must be one the engine can
 * use safely: every reply that may not be silent renders, each rendered
 * line is at most 512 octets with its CRLF and carries no other CR, LF or
 * NUL whatever the variables hold, and the status tokens and CAPA lines are
 * single printable lines. Its event table (issue 14) must name a printable
 * source and a known type for every row that logs, and every row's text
 * must expand within the caller's buffer whatever the inserts hold. */
#include "src/lib/buf.h"
#include "src/pop3/persona.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <string.h>

static void check_line(const struct persona *p, enum persona_reply r, const struct buf *b)
{
    if (b->len == 0) {
        if (r != PERSONA_AUTOLOGOUT && r != PERSONA_TOO_MANY_BAD)
            fuzz_fail("reply %s renders to nothing", persona_reply_key(r));
        if (!persona_silent(p, r))
            fuzz_fail("reply %s renders to nothing but is not silent", persona_reply_key(r));
        return;
    }
    if (b->len > 512)
        fuzz_fail("reply %s is %zu octets", persona_reply_key(r), b->len);
    if (b->len < 2 || b->p[b->len - 2] != '\r' || b->p[b->len - 1] != '\n')
        fuzz_fail("reply %s does not end in CRLF", persona_reply_key(r));
    for (size_t i = 0; i + 2 < b->len; i++)
        if (b->p[i] == '\r' || b->p[i] == '\n' || b->p[i] == 0)
            fuzz_fail("reply %s has byte 0x%02x inside the line", persona_reply_key(r),
                      (unsigned char)b->p[i]);
}

static void check_token(const char *what, const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= PERSONA_TOKEN_MAX)
        fuzz_fail("%s token of length %zu", what, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
            fuzz_fail("%s token has byte 0x%02x", what, (unsigned char)t[i]);
}

static void check_row(const struct persona_event_row *r, const char *longtext)
{
    if (!r)
        return;
    size_t n = strlen(r->source);
    if (n == 0 || n >= PERSONA_EVENT_SOURCE_MAX || strchr(r->source, ' '))
        fuzz_fail("event source \"%s\" is unusable", r->source);
    if (r->type != PERSONA_EVT_ERROR && r->type != PERSONA_EVT_WARNING &&
        r->type != PERSONA_EVT_INFORMATION && r->type != PERSONA_EVT_AUDIT_SUCCESS &&
        r->type != PERSONA_EVT_AUDIT_FAILURE)
        fuzz_fail("event type %d", (int)r->type);
    if (!r->tmpl || !r->tmpl[0])
        fuzz_fail("event row without a template");
    const char *const hostile[PERSONA_EVENT_INSERTS] = {"%1%2", longtext, NULL, "%%", "",
                                                        longtext, "%7"};
    const char *const none[PERSONA_EVENT_INSERTS] = {0};
    char out[300];
    for (int k = 0; k < 2; k++) {
        memset(out, 0x55, sizeof out);
        int rc = persona_event_text(r, k ? none : hostile, out, sizeof out);
        if (rc != 0 && rc != ENOSPC)
            fuzz_fail("persona_event_text returned %d", rc);
        if (!memchr(out, 0, sizeof out))
            fuzz_fail("event text not terminated within its buffer");
    }
}

static void check_events(const struct persona *p, const char *longtext)
{
    for (int e = 0; e < PERSONA_EVENT_COUNT; e++)
        check_row(persona_event(p, (enum persona_event)e, 0), longtext);
    if (p->nevw32 > PERSONA_EVENT_W32_MAX)
        fuzz_fail("%zu win32 event rows", p->nevw32);
    for (size_t i = 0; i < p->nevw32; i++)
        check_row(persona_event(p, PERSONA_EVENT_WIN32, p->evw32[i].code), longtext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct persona *p = NULL;
    char err[256];
    int rc = persona_parse("fuzz", (const char *)data, size, NULL, &p, err, sizeof err);
    if (rc != 0) {
        if (p)
            fuzz_fail("persona_parse failed (%d) but returned a persona", rc);
        if (rc == EINVAL && strncmp(err, "fuzz", 4) != 0)
            fuzz_fail("error not located: \"%s\"", err);
        if (rc != EINVAL && rc != ENOENT && rc != ELOOP && rc != ENOMEM && rc != EFBIG)
            fuzz_fail("persona_parse returned %d", rc);
        return 0;
    }
    if (strcmp(p->name, "fuzz") != 0)
        fuzz_fail("persona named \"%s\"", p->name);
    check_token("ok", p->ok);
    check_token("err", p->err);
    for (size_t i = 0; i < p->ncapa; i++)
        if (strpbrk(p->capa[i].line, "\r\n") || !p->capa[i].states)
            fuzz_fail("capa line %zu is unusable", i);

    /* hostile values: line breaks, NUL-free control bytes, over-long text */
    char longtext[700];
    memset(longtext, 'x', sizeof longtext - 2);
    longtext[100] = '\r';
    longtext[101] = '\n';
    longtext[sizeof longtext - 2] = '.';
    longtext[sizeof longtext - 1] = 0;
    const struct persona_vars vars[] = {
        {.host = "h\r\nost", .timestamp = "<1.2@h\r\n>", .text = longtext, .code = 5,
         .n = UINT64_MAX, .count = UINT64_MAX, .octets = UINT64_MAX, .uid = longtext},
        {.host = "", .timestamp = "", .text = "A required privilege is not held by the client.",
         .code = 1314, .n = 1, .count = 0, .octets = 0, .uid = ""},
        {.code = 1326}, /* every pointer NULL */
    };
    struct buf b = BUF_INIT;
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
        for (int r = 0; r < PERSONA_REPLY_COUNT; r++) {
            buf_reset(&b);
            if (persona_render(p, (enum persona_reply)r, &vars[k], &b))
                fuzz_fail("persona_render: out of memory");
            check_line(p, (enum persona_reply)r, &b);
        }
        for (size_t i = 0; i < p->nwin32; i++) {
            struct persona_vars v = vars[k];
            v.code = p->win32[i].code;
            buf_reset(&b);
            if (persona_render(p, PERSONA_WIN32, &v, &b))
                fuzz_fail("persona_render: out of memory");
            check_line(p, PERSONA_WIN32, &b);
        }
    }
    buf_free(&b);
    check_events(p, longtext);
    persona_free(p);
    return 0;
}
