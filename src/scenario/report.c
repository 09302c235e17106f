/* Console, TAP and JUnit XML reports of scenario results. */
#include "src/scenario/report.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>

void scn_counts_add(struct scn_counts *c, const struct scn_result *r)
{
    if (r->status == SCN_PASS)
        c->passed++;
    else if (r->status == SCN_FAIL)
        c->failed++;
    else
        c->skipped++;
    c->seconds += r->seconds;
}

void scn_counts_line(const struct scn_counts *c, char *out, size_t n)
{
    if (c->skipped)
        snprintf(out, n, "%zu passed, %zu failed, %zu skipped", c->passed, c->failed, c->skipped);
    else
        snprintf(out, n, "%zu passed, %zu failed", c->passed, c->failed);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* Prints text with every line prefixed by indent. */
static void indented(FILE *f, const char *indent, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(f, "%s%.*s\n", indent, (int)len, p);
        p += len + (nl ? 1 : 0);
    }
}

static void duration(char *out, size_t n, double s)
{
    if (s < 1.0)
        snprintf(out, n, "%.1f ms", s * 1000.0);
    else
        snprintf(out, n, "%.2f s", s);
}

void scn_report_text(FILE *f, const struct scn_result *r, bool verbose)
{
    char d[32];
    duration(d, sizeof d, r->seconds);
    switch (r->status) {
    case SCN_PASS:
        fprintf(f, "ok   %s (%s)%s%s\n", nz(r->path), d, r->title ? "  " : "", nz(r->title));
        break;
    case SCN_FAIL:
        fprintf(f, "FAIL %s: %s\n", r->where ? r->where : nz(r->path), nz(r->message));
        if (r->diff)
            indented(f, "     ", r->diff);
        if (r->kept)
            fprintf(f, "     lab kept in %s\n", r->kept);
        break;
    case SCN_SKIP:
        fprintf(f, "skip %s: %s\n", nz(r->path), nz(r->message));
        break;
    }
    if (verbose && r->actual) {
        fprintf(f, "     transcript:\n");
        indented(f, "     | ", r->actual);
    }
    if (r->transcript && *r->transcript) {
        fputc('\n', f);
        indented(f, "  ", r->transcript);
        fputc('\n', f);
    }
}

void scn_report_tap_begin(FILE *f, size_t planned)
{
    fprintf(f, "TAP version 13\n1..%zu\n", planned);
}

/* A YAML double-quoted scalar. */
static void yaml_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02X", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* A TAP description must not hold '#' (it starts a directive). */
static void tap_description(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '#' ? '_' : *s == '\n' ? ' ' : *s, f);
}

void scn_report_tap(FILE *f, size_t number, const struct scn_result *r)
{
    fprintf(f, "%s %zu - ", r->status == SCN_FAIL ? "not ok" : "ok", number);
    tap_description(f, nz(r->path));
    if (r->title) {
        fputs(": ", f);
        tap_description(f, r->title);
    }
    if (r->status == SCN_SKIP) {
        fputs(" # SKIP ", f);
        tap_description(f, nz(r->message));
    }
    fputc('\n', f);
    if (r->status != SCN_FAIL)
        return;
    fputs("  ---\n", f);
    if (r->where) {
        fputs("  at: ", f);
        yaml_quoted(f, r->where);
        fputc('\n', f);
    }
    fputs("  message: ", f);
    yaml_quoted(f, nz(r->message));
    fputc('\n', f);
    if (r->diff) {
        fputs("  diff: |\n", f);
        indented(f, "    ", r->diff);
    }
    fputs("  ...\n", f);
}

void scn_report_tap_end(FILE *f, const struct scn_counts *c)
{
    char line[128];
    scn_counts_line(c, line, sizeof line);
    fprintf(f, "# %s\n", line);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return len;
}

int scn_xml_escape(struct buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;
    size_t i = 0;
    while (rc == 0 && i < len) {
        unsigned char c = p[i];
        switch (c) {
        case '&':
            rc = buf_puts(out, "&amp;");
            break;
        case '<':
            rc = buf_puts(out, "&lt;");
            break;
        case '>':
            rc = buf_puts(out, "&gt;");
            break;
        case '"':
            rc = buf_puts(out, "&quot;");
            break;
        case '\'':
            rc = buf_puts(out, "&apos;");
            break;
        case '\t':
        case '\n':
            rc = buf_putc(out, (char)c);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                rc = buf_printf(out, "\\x%02X", c);
            } else {
                size_t l = utf8_len(p + i, len - i);
                if (l == 0) {
                    rc = buf_printf(out, "\\x%02X", c);
                } else {
                    rc = buf_append(out, p + i, l);
                    i += l;
                    continue;
                }
            }
        }
        i++;
    }
    return rc;
}

static int esc(struct buf *out, const char *s)
{
    return scn_xml_escape(out, s, strlen(s));
}

int scn_report_junit(struct buf *out, const struct scn_result *const *results, size_t n,
                     const char *suite_name)
{
    struct scn_counts c = {0};
    for (size_t i = 0; i < n; i++)
        scn_counts_add(&c, results[i]);
    int rc = buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
    rc = rc ? rc : esc(out, suite_name);
    rc = rc ? rc
            : buf_printf(out,
                         "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
                         "time=\"%.3f\">\n  <testsuite name=\"",
                         n, c.failed, c.skipped, c.seconds);
    rc = rc ? rc : esc(out, suite_name);
    rc = rc ? rc
            : buf_printf(out,
                         "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
                         "time=\"%.3f\">\n",
                         n, c.failed, c.skipped, c.seconds);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct scn_result *r = results[i];
        rc = buf_puts(out, "    <testcase classname=\"");
        rc = rc ? rc : esc(out, suite_name);
        rc = rc ? rc : buf_puts(out, "\" name=\"");
        rc = rc ? rc : esc(out, nz(r->path));
        if (rc == 0 && r->title) {
            rc = buf_puts(out, ": ");
            rc = rc ? rc : esc(out, r->title);
        }
        rc = rc ? rc : buf_puts(out, "\" file=\"");
        rc = rc ? rc : esc(out, nz(r->path));
        rc = rc ? rc : buf_printf(out, "\" time=\"%.6f\"", r->seconds);
        if (rc)
            break;
        if (r->status == SCN_PASS && !r->transcript) {
            rc = buf_puts(out, "/>\n");
            continue;
        }
        rc = buf_puts(out, ">\n");
        if (rc == 0 && r->status == SCN_FAIL) {
            rc = buf_puts(out, "      <failure type=\"mismatch\" message=\"");
            if (rc == 0 && r->where) {
                rc = esc(out, r->where);
                rc = rc ? rc : buf_puts(out, ": ");
            }
            rc = rc ? rc : esc(out, nz(r->message));
            rc = rc ? rc : buf_puts(out, "\">");
            if (rc == 0 && r->where) {
                rc = esc(out, r->where);
                rc = rc ? rc : buf_puts(out, ": ");
            }
            rc = rc ? rc : esc(out, nz(r->message));
            rc = rc ? rc : buf_putc(out, '\n');
            if (rc == 0 && r->diff)
                rc = esc(out, r->diff);
            rc = rc ? rc : buf_puts(out, "</failure>\n");
        } else if (rc == 0 && r->status == SCN_SKIP) {
            rc = buf_puts(out, "      <skipped message=\"");
            rc = rc ? rc : esc(out, nz(r->message));
            rc = rc ? rc : buf_puts(out, "\"/>\n");
        }
        if (rc == 0 && r->transcript) {
            rc = buf_puts(out, "      <system-out>");
            rc = rc ? rc : esc(out, r->transcript);
            rc = rc ? rc : buf_puts(out, "</system-out>\n");
        }
        rc = rc ? rc : buf_puts(out, "    </testcase>\n");
    }
    rc = rc ? rc : buf_puts(out, "  </testsuite>\n</testsuites>\n");
    return rc ? ENOMEM : 0;
}
