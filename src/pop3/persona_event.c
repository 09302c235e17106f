/* The persona's event table: parsing "event" lines, the default rows, and
 * looking a row up for the store (persona.h). */
#include "src/lib/str.h"
#include "src/pop3/evtmpl.h"
#include "src/pop3/persona.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const event_keys[PERSONA_EVENT_COUNT] = {
    [PERSONA_EVENT_WIN32] = "win32",
    [PERSONA_EVENT_NO_MAILBOX] = "no-mailbox",
    [PERSONA_EVENT_ACCESS_DENIED] = "access-denied",
    [PERSONA_EVENT_IN_USE] = "in-use",
    [PERSONA_EVENT_SYSTEM_ERROR] = "system-error",
    [PERSONA_EVENT_STORE_START] = "store-start",
    [PERSONA_EVENT_AMBIGUOUS] = "ambiguous-mailbox",
    [PERSONA_EVENT_CUSTOM_RECIPIENT] = "custom-recipient",
    [PERSONA_EVENT_TOO_MANY_ITEMS] = "too-many-items",
    [PERSONA_EVENT_MESSAGE_TOO_LARGE] = "message-too-large",
};

static const struct {
    const char *word;
    enum persona_event_type type;
} type_words[] = {
    {"error", PERSONA_EVT_ERROR},
    {"warning", PERSONA_EVT_WARNING},
    {"information", PERSONA_EVT_INFORMATION},
    {"audit-success", PERSONA_EVT_AUDIT_SUCCESS},
    {"audit-failure", PERSONA_EVT_AUDIT_FAILURE},
};

/* The default table: what the store logged before events were persona
 * data (MSExchangePOP3 1010, a Failure Audit, for a refused logon; the
 * store's own 1001 for an unreadable directory). The source and ID are
 * ntlab's choice (personas/README.md); a persona overrides any row. */
static const char *const default_rows[] = {
    "win32 MSExchangePOP3 1010 audit-failure 0 POP3 logon failure. Mechanism: %7. Account: %1. "
    "Mailbox: %3. Error %5: %6",
    "no-mailbox MSExchangePOP3 1010 audit-failure 0 POP3 logon failure. Mechanism: %7. "
    "Account: %1. Mailbox: %3. The mailbox does not exist on this server.",
    "access-denied MSExchangePOP3 1010 audit-failure 0 POP3 logon failure. Mechanism: %7. "
    "Account: %1. Mailbox: %3. The account does not own the mailbox.",
    "in-use none",
    "system-error none",
    "store-start MSExchangeIS 1001 error 0 The information store cannot read its mailbox "
    "directory: %6",
    /* the directory's two outcomes (issue 14 item 3): ntlab's wording */
    "ambiguous-mailbox MSExchangePOP3 1010 audit-failure 0 POP3 logon failure. Mechanism: %7. "
    "Account: %1. Mailbox: %3. The name matches more than one recipient in the directory.",
    "custom-recipient MSExchangePOP3 1010 audit-failure 0 POP3 logon failure. Mechanism: %7. "
    "Account: %1. Mailbox: %3. The name is a custom recipient, which has no mailbox.",
    /* the store's limits (issue 14 item 4): no article gives these events;
     * source, ID, type and words are ntlab's choice. %4 is the MAPI call
     * that failed, %6 the MAPI error and the figures. */
    "too-many-items MSExchangePOP3 1020 warning 0 POP3 logon of %1 from %2 to mailbox %3 "
    "refused: %4 failed with %6",
    "message-too-large MSExchangePOP3 1021 warning 0 POP3 client %2 (user %1) could not "
    "retrieve a message of mailbox %3: %4 failed with %6",
};

const char *persona_event_key(enum persona_event e)
{
    return (unsigned)e < PERSONA_EVENT_COUNT ? event_keys[e] : "?";
}

void persona_event_free(struct persona *p)
{
    for (size_t i = 0; i < PERSONA_EVENT_COUNT; i++) {
        free(p->event[i].tmpl);
        p->event[i].tmpl = NULL;
    }
    for (size_t i = 0; i < p->nevw32; i++) {
        free(p->evw32[i].row.tmpl);
        p->evw32[i].row.tmpl = NULL;
    }
}

/* The next space-separated word of *s into w (cap bytes); false when
 * there is none or it does not fit. */
static bool next_word(const char **s, char *w, size_t cap)
{
    const char *p = *s, *e = strchr(p, ' ');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0 || n >= cap)
        return false;
    memcpy(w, p, n);
    w[n] = 0;
    *s = e ? e + 1 : p + n;
    return true;
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), EINVAL)

/* SOURCE ID TYPE CATEGORY TEMPLATE into row (its old template freed). */
static int parse_row(const char *v, struct persona_event_row *row, char *why, size_t whylen)
{
    struct persona_event_row r = {.logs = true};
    char id[8], type[16], cat[8];
    int64_t n;
    if (!next_word(&v, r.source, sizeof r.source))
        return WHY("event: expected SOURCE (1-%d bytes, no space)", PERSONA_EVENT_SOURCE_MAX - 1);
    for (const char *c = r.source; *c; c++)
        if ((unsigned char)*c < 0x21 || (unsigned char)*c == 0x7f)
            return WHY("event: SOURCE has a control character");
    if (!next_word(&v, id, sizeof id) || str_to_i64(id, 0, 65535, &n))
        return WHY("event: expected an event ID 0-65535 after the source");
    r.id = (uint16_t)n;
    size_t t = 0, nt = sizeof type_words / sizeof type_words[0];
    if (next_word(&v, type, sizeof type))
        while (t < nt && strcmp(type, type_words[t].word) != 0)
            t++;
    else
        t = nt;
    if (t == nt)
        return WHY("event: expected a type (error, warning, information, audit-success, "
                   "audit-failure) after the ID");
    r.type = type_words[t].type;
    if (!next_word(&v, cat, sizeof cat) || str_to_i64(cat, 0, 65535, &n))
        return WHY("event: expected a category 0-65535 after the type");
    r.category = (uint16_t)n;
    if (!*v)
        return WHY("event: empty description template");
    char twhy[96];
    if (evtmpl_check(v, PERSONA_EVENT_INSERTS, twhy, sizeof twhy))
        return WHY("event: %s", twhy);
    if (!(r.tmpl = strdup(v)))
        return ENOMEM;
    free(row->tmpl);
    *row = r;
    return 0;
}

/* "none": the outcome logs nothing. */
static void set_none(struct persona_event_row *row)
{
    free(row->tmpl);
    memset(row, 0, sizeof *row);
}

/* The row win32.CODE names, added when new; NULL when the table is full. */
static struct persona_event_row *w32_row(struct persona *p, uint32_t code)
{
    for (size_t i = 0; i < p->nevw32; i++)
        if (p->evw32[i].code == code)
            return &p->evw32[i].row;
    if (p->nevw32 >= PERSONA_EVENT_W32_MAX)
        return NULL;
    struct persona_event_w32 *w = &p->evw32[p->nevw32++];
    memset(w, 0, sizeof *w);
    w->code = code;
    return &w->row;
}

int persona_event_line(struct persona *p, const char *value, struct persona_event_seen *seen,
                       char *why, size_t whylen)
{
    char name[24];
    const char *v = value;
    if (!next_word(&v, name, sizeof name))
        return WHY("event: expected an outcome name");
    struct persona_event_row *row = NULL;
    if (strncmp(name, "win32.", 6) == 0) {
        int64_t code;
        if (str_to_i64(name + 6, 0, UINT32_MAX, &code))
            return WHY("event %s: expected win32.<decimal error code>", name);
        for (size_t i = 0; i < seen->ncodes; i++)
            if (seen->codes[i] == (uint32_t)code)
                return WHY("event %s given twice", name);
        if (seen->ncodes >= PERSONA_EVENT_W32_MAX || !(row = w32_row(p, (uint32_t)code)))
            return WHY("more than %u event win32.CODE lines", PERSONA_EVENT_W32_MAX);
        seen->codes[seen->ncodes++] = (uint32_t)code;
    } else {
        unsigned e = 0;
        while (e < PERSONA_EVENT_COUNT && strcmp(name, event_keys[e]) != 0)
            e++;
        if (e == PERSONA_EVENT_COUNT)
            return WHY("event: unknown outcome '%s'", name);
        if (seen->fixed & (1u << e))
            return WHY("event %s given twice", name);
        seen->fixed |= 1u << e;
        row = &p->event[e];
    }
    if (strcmp(v, "none") == 0) {
        set_none(row);
        return 0;
    }
    return parse_row(v, row, why, whylen);
}

int persona_event_defaults(struct persona *p)
{
    struct persona_event_seen seen = {0};
    char why[160];
    for (size_t i = 0; i < sizeof default_rows / sizeof default_rows[0]; i++) {
        int rc = persona_event_line(p, default_rows[i], &seen, why, sizeof why);
        if (rc) /* EINVAL would be a bug in the table above (a unit test loads it) */
            return rc;
    }
    return 0;
}

const struct persona_event_row *persona_event(const struct persona *p, enum persona_event e,
                                              uint32_t code)
{
    if (!p || (unsigned)e >= PERSONA_EVENT_COUNT)
        return NULL;
    const struct persona_event_row *row = &p->event[e];
    if (e == PERSONA_EVENT_WIN32)
        for (size_t i = 0; i < p->nevw32; i++)
            if (p->evw32[i].code == code)
                row = &p->evw32[i].row;
    return row->logs ? row : NULL;
}

int persona_event_text(const struct persona_event_row *row, const char *const *inserts,
                       char *out, size_t cap)
{
    if (!row || !row->tmpl)
        return EINVAL;
    return evtmpl_expand(row->tmpl, inserts, PERSONA_EVENT_INSERTS, out, cap);
}
