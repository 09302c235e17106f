/* The event log: three append-only text files, one record a line, each
 * append a single write() under an fcntl lock followed by fdatasync, so a
 * crash leaves at worst one torn last line (cut off at the next open). Memory
 * keeps only the newest records of each log in a ring. */
#include "emulator/evtlog.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A line longer than this cannot be a record we wrote (the fields are
 * bounded well below it), so it is reported as malformed. */
#define LINE_MAX_BYTES 2048
#define PROBLEM_MAX (PATH_MAX + 96)

struct evlog {
    struct evtlog_record *ring; /* newest records, oldest at ring[start] */
    size_t cap;                 /* allocated slots (grows up to keep) */
    size_t start, n;            /* ring position and records held */
    size_t total;               /* records in the log, memory or not */
    uint64_t next;              /* next record number; past UINT32_MAX = full */
    int fd;                     /* -1 in memory-only mode */
    off_t size;                 /* file size as far as we have read it */
    unsigned lines;             /* lines read so far (for problem messages) */
    bool unsynced;              /* appended inside a group, not yet synced */
    bool held;                  /* locked until the group's commit */
    bool size_known;            /* held since our last append: size is the file's */
    size_t bad;
    char path[PATH_MAX];
    char problem[PROBLEM_MAX];
};

struct evtlog {
    char computer[16];
    size_t keep;
    unsigned group; /* evtlog_begin nesting */
    struct evlog logs[EVTLOG_COUNT];
    /* The first write or sync that failed in the current group, and its
     * log: what evtlog_commit returns (a lost event is never silent). */
    ntstatus failed;
    enum evtlog_which failed_log;
    char failed_text[96]; /* evtlog_failure_text */
};

static const char *const log_names[EVTLOG_COUNT] = {"System", "Application", "Security"};

static const struct {
    enum evtlog_type t;
    const char *name;
} type_names[] = {
    {EVT_ERROR, "Error"},
    {EVT_WARNING, "Warning"},
    {EVT_INFORMATION, "Information"},
    {EVT_AUDIT_SUCCESS, "Success Audit"},
    {EVT_AUDIT_FAILURE, "Failure Audit"},
};

const char *evtlog_name(enum evtlog_which which)
{
    return (unsigned)which < EVTLOG_COUNT ? log_names[which] : "?";
}

int evtlog_parse_name(const char *s, enum evtlog_which *out)
{
    if (!s)
        return EINVAL;
    for (unsigned i = 0; i < EVTLOG_COUNT; i++) {
        if (str_ieq(s, log_names[i])) {
            *out = (enum evtlog_which)i;
            return 0;
        }
    }
    return EINVAL;
}

const char *evtlog_type_name(enum evtlog_type t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].t == t)
            return type_names[i].name;
    return "?";
}

static bool type_valid(enum evtlog_type t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].t == t)
            return true;
    return false;
}

static bool type_parse(const char *s, enum evtlog_type *out)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (strcmp(s, type_names[i].name) == 0) {
            *out = type_names[i].t;
            return true;
        }
    }
    return false;
}

/* Copies src into dst (capacity n) with control characters as spaces,
 * truncated at a UTF-8 character boundary. */
static void field_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        /* do not leave half a multi-byte character behind */
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    dst[len] = 0;
}

/* --- the in-memory ring -------------------------------------------------- */

static int ring_push(struct evlog *g, size_t keep, const struct evtlog_record *r)
{
    if (g->n < keep && g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 16;
        if (ncap > keep)
            ncap = keep;
        struct evtlog_record *nr = malloc(ncap * sizeof *nr);
        if (!nr)
            return ENOMEM;
        for (size_t i = 0; i < g->n; i++)
            nr[i] = g->ring[(g->start + i) % g->cap];
        free(g->ring);
        g->ring = nr;
        g->cap = ncap;
        g->start = 0;
    }
    if (g->n < g->cap) {
        g->ring[(g->start + g->n) % g->cap] = *r;
        g->n++;
    } else { /* full: the newest replaces the oldest */
        g->ring[g->start] = *r;
        g->start = (g->start + 1) % g->cap;
    }
    g->total++;
    return 0;
}

static int ring_resize(struct evlog *g, size_t keep)
{
    size_t n = g->n < keep ? g->n : keep;
    size_t ncap = n;
    struct evtlog_record *nr = NULL;
    if (ncap) {
        nr = malloc(ncap * sizeof *nr);
        if (!nr)
            return ENOMEM;
        size_t skip = g->n - n; /* drop the oldest */
        for (size_t i = 0; i < n; i++)
            nr[i] = g->ring[(g->start + skip + i) % g->cap];
    }
    free(g->ring);
    g->ring = nr;
    g->cap = ncap;
    g->start = 0;
    g->n = n;
    return 0;
}

/* --- reading the file ---------------------------------------------------- */

static void report(struct evlog *g, unsigned lineno, const char *what)
{
    g->bad++;
    if (!g->problem[0])
        snprintf(g->problem, sizeof g->problem, "%s:%u: %s", g->path, lineno, what);
}

static bool num_field(const char *s, int64_t min, int64_t max, int64_t *out)
{
    return *s && str_to_i64(s, min, max, out) == 0;
}

/* A text field: fits, and holds no control character (the writer never
 * writes one, so a file that has one was not written by us). */
static bool text_field(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (len >= n)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return false;
    memcpy(dst, s, len + 1);
    return true;
}

/* Parses one line (no newline) into r; returns NULL or what is wrong. */
static const char *parse_line(char *line, struct evtlog_record *r)
{
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r')
        line[--len] = 0;
    char *f[9];
    char *p = line;
    for (int i = 0; i < 8; i++) {
        char *tab = strchr(p, '\t');
        if (!tab)
            return "too few fields";
        *tab = 0;
        f[i] = p;
        p = tab + 1;
    }
    f[8] = p;
    if (strchr(f[8], '\t'))
        return "too many fields";
    memset(r, 0, sizeof *r);
    int64_t v;
    if (!num_field(f[0], 1, UINT32_MAX, &v))
        return "bad record number";
    r->record = (uint32_t)v;
    if (!num_field(f[1], INT64_MIN, INT64_MAX, &r->time))
        return "bad time";
    if (!type_parse(f[2], &r->type))
        return "bad event type";
    if (!num_field(f[3], 0, UINT16_MAX, &v))
        return "bad category";
    r->category = (uint16_t)v;
    if (!num_field(f[4], 0, UINT32_MAX, &v))
        return "bad event id";
    r->event_id = (uint32_t)v;
    if (!f[5][0] || !text_field(r->source, sizeof r->source, f[5]))
        return "bad source";
    if (!text_field(r->user, sizeof r->user, f[6]))
        return "bad user";
    if (!text_field(r->computer, sizeof r->computer, f[7]))
        return "bad computer name";
    if (!text_field(r->description, sizeof r->description, f[8]))
        return "bad description";
    return NULL;
}

/* Reads the lines between g->size and `to`, adding the records. A torn last
 * line (no newline: a crash mid-append) is cut off the file. */
static ntstatus read_tail(struct evlog *g, size_t keep, off_t to)
{
    char chunk[65536];
    char line[LINE_MAX_BYTES + 1];
    size_t llen = 0;
    bool too_long = false;
    off_t pos = g->size, line_start = g->size;
    while (pos < to) {
        size_t want = sizeof chunk;
        if ((off_t)want > to - pos)
            want = (size_t)(to - pos);
        ssize_t got = plat_pread(g->fd, chunk, want, (int64_t)pos);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return nterr_from_errno(errno);
        }
        if (got == 0)
            break; /* shrank under us: stop at what we have */
        for (ssize_t i = 0; i < got; i++) {
            char c = chunk[i];
            if (c != '\n') {
                if (llen < LINE_MAX_BYTES)
                    line[llen++] = c;
                else
                    too_long = true;
                continue;
            }
            unsigned lineno = ++g->lines;
            line[llen] = 0;
            if (too_long) {
                report(g, lineno, "line too long");
            } else if (memchr(line, 0, llen)) {
                report(g, lineno, "NUL byte in line");
            } else if (llen == 0) {
                report(g, lineno, "empty line");
            } else {
                struct evtlog_record r;
                const char *why = parse_line(line, &r);
                if (why) {
                    report(g, lineno, why);
                } else {
                    if (ring_push(g, keep, &r))
                        return STATUS_NO_MEMORY;
                    if (r.record >= g->next)
                        g->next = (uint64_t)r.record + 1;
                }
            }
            llen = 0;
            too_long = false;
            line_start = pos + i + 1;
        }
        pos += got;
    }
    if (line_start < pos) {
        report(g, g->lines + 1, "torn last line (cut off)");
        if (ftruncate(g->fd, line_start))
            return nterr_from_errno(errno);
        pos = line_start;
    }
    g->size = pos;
    return STATUS_SUCCESS;
}

static ntstatus open_one(struct evlog *g, const char *dir, enum evtlog_which w, size_t keep)
{
    int n = snprintf(g->path, sizeof g->path, "%s/%s.evt", dir, log_names[w]);
    if (n < 0 || (size_t)n >= sizeof g->path)
        return STATUS_OBJECT_NAME_INVALID;
    bool existed = access(g->path, F_OK) == 0;
    g->fd = open(g->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (g->fd < 0)
        return nterr_from_errno(errno);
    if (!existed && afile_sync_dir(g->path))
        return STATUS_IO_DEVICE_ERROR;
    if (plat_lock(g->fd, PLAT_LOCK_WAIT))
        return STATUS_IO_DEVICE_ERROR;
    struct stat st;
    ntstatus s = fstat(g->fd, &st) ? nterr_from_errno(errno) : read_tail(g, keep, st.st_size);
    plat_unlock(g->fd, 0);
    return s;
}

ntstatus evtlog_open(const char *dir, const char *computer, struct evtlog **out)
{
    *out = NULL;
    struct evtlog *l = calloc(1, sizeof *l);
    if (!l)
        return STATUS_NO_MEMORY;
    field_copy(l->computer, sizeof l->computer, computer ? computer : "");
    l->keep = EVTLOG_DEFAULT_KEEP;
    for (unsigned i = 0; i < EVTLOG_COUNT; i++) {
        l->logs[i].fd = -1;
        l->logs[i].next = 1;
    }
    if (dir) {
        if (!*dir) {
            free(l);
            return STATUS_INVALID_PARAMETER;
        }
        int rc = afile_mkdirs(dir, 0700);
        if (rc) {
            free(l);
            return nterr_from_errno(rc);
        }
        for (unsigned i = 0; i < EVTLOG_COUNT; i++) {
            ntstatus s = open_one(&l->logs[i], dir, (enum evtlog_which)i, l->keep);
            if (s) {
                evtlog_free(l);
                return s;
            }
        }
    }
    *out = l;
    return STATUS_SUCCESS;
}

void evtlog_free(struct evtlog *l)
{
    if (!l)
        return;
    for (unsigned i = 0; i < EVTLOG_COUNT; i++) {
        if (l->logs[i].fd >= 0) {
            if (l->logs[i].unsynced) /* a group left open: still make it durable */
                (void)plat_fdatasync(l->logs[i].fd);
            close(l->logs[i].fd);
        }
        free(l->logs[i].ring);
    }
    free(l);
}

/* --- writing ------------------------------------------------------------- */

/* Appends s at *at when it fits with a NUL after it. */
static int put_str(char *out, size_t n, size_t *at, const char *s)
{
    size_t k = strlen(s);
    if (k >= n - *at)
        return -1;
    memcpy(out + *at, s, k);
    *at += k;
    return 0;
}

static int put_num(char *out, size_t n, size_t *at, long long v, char sep)
{
    char d[24];
    size_t i = sizeof d;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    d[--i] = 0;
    d[--i] = sep;
    do
        d[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        d[--i] = '-';
    return put_str(out, n, at, d + i);
}

/* The record's line, "%u\t%lld\t%s\t%u\t%u\t%s\t%s\t%s\t%s\n" as
 * evtlog_open reads it, without printf (it was half of a logon's audit
 * cost). Returns its length, or -1 when it does not fit in n bytes. */
static int format_line(char *out, size_t n, const struct evtlog_record *r)
{
    size_t at = 0;
    const char *const text[] = {evtlog_type_name(r->type), r->source, r->user, r->computer,
                                r->description};
    if (put_num(out, n, &at, (long long)r->record, '\t') ||
        put_num(out, n, &at, (long long)r->time, '\t') || put_str(out, n, &at, text[0]) ||
        put_str(out, n, &at, "\t") || put_num(out, n, &at, (long long)r->category, '\t') ||
        put_num(out, n, &at, (long long)r->event_id, '\t'))
        return -1;
    for (size_t i = 1; i < 5; i++)
        if (put_str(out, n, &at, text[i]) || put_str(out, n, &at, i < 4 ? "\t" : "\n"))
            return -1;
    out[at] = 0;
    return (int)at;
}

static ntstatus append_line(struct evlog *g, size_t keep, bool defer_sync, struct evtlog_record *r)
{
    /* Inside a group the lock is kept until the commit, so that a
     * logon's audit costs no lock and unlock of its own; other processes
     * wait for the commit to append. */
    if (!g->held && plat_lock(g->fd, PLAT_LOCK_WAIT))
        return STATUS_IO_DEVICE_ERROR;
    /* The lock kept since our own last append: no other writer could
     * append, so the file's size is still ours (no fstat per record). */
    bool known = g->held && g->size_known;
    g->held = defer_sync;
    g->size_known = false;
    ntstatus s = STATUS_SUCCESS;
    struct stat st;
    if (known) {
        st.st_size = g->size;
    } else if (fstat(g->fd, &st)) {
        s = nterr_from_errno(errno);
        goto out;
    }
    if (st.st_size != g->size) {
        /* Another writer appended (or the file was cut back by hand). */
        if (st.st_size < g->size)
            g->size = st.st_size;
        else if ((s = read_tail(g, keep, st.st_size)) != STATUS_SUCCESS)
            goto out;
    }
    if (g->next > UINT32_MAX) {
        s = STATUS_DISK_FULL; /* record numbers exhausted: the log is full */
        goto out;
    }
    r->record = (uint32_t)g->next;
    char line[LINE_MAX_BYTES + 64];
    int n = format_line(line, sizeof line, r);
    if (n < 0) {
        s = STATUS_INVALID_PARAMETER;
        goto out;
    }
    size_t done = 0;
    while (done < (size_t)n) {
        ssize_t w = write(g->fd, line + done, (size_t)n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            s = nterr_from_errno(errno);
            break;
        }
        done += (size_t)w;
    }
    if (!s && defer_sync)
        g->unsynced = true;
    else if (!s && plat_fdatasync(g->fd))
        s = nterr_from_errno(errno);
    if (s) {
        /* leave no partial record behind */
        if (ftruncate(g->fd, g->size) == 0)
            (void)plat_fdatasync(g->fd);
        goto out;
    }
    g->size += n;
    g->lines++;
    g->size_known = g->held;
out:
    if (!g->held)
        plat_unlock(g->fd, 0);
    return s;
}

/* A record that could not be written: a full disk is a full log to NT
 * (STATUS_LOG_FILE_FULL, event 6000 "The System log file is full."); the
 * first failure of a group is kept for evtlog_commit. */
static ntstatus note_failure(struct evtlog *l, enum evtlog_which which, ntstatus s)
{
    if (s == STATUS_DISK_FULL)
        s = STATUS_LOG_FILE_FULL;
    if (l->failed == STATUS_SUCCESS) {
        l->failed = s;
        l->failed_log = which;
    }
    return s;
}

ntstatus evtlog_write(struct evtlog *l, enum evtlog_which which, int64_t time,
                      const char *source, uint32_t event_id, enum evtlog_type type,
                      uint16_t category, const char *user, const char *description)
{
    if (!l || (unsigned)which >= EVTLOG_COUNT || !source || !*source ||
        !type_valid(type))
        return STATUS_INVALID_PARAMETER;
    struct evlog *g = &l->logs[which];
    if (g->next > UINT32_MAX)
        return note_failure(l, which, STATUS_LOG_FILE_FULL); /* record numbers exhausted */
    struct evtlog_record r;
    memset(&r, 0, sizeof r);
    r.time = time;
    field_copy(r.source, sizeof r.source, source);
    r.event_id = event_id;
    r.type = type;
    r.category = category;
    field_copy(r.user, sizeof r.user, user && *user ? user : "N/A");
    memcpy(r.computer, l->computer, sizeof r.computer);
    field_copy(r.description, sizeof r.description, description ? description : "");
    if (g->fd >= 0) {
        ntstatus s = append_line(g, l->keep, l->group > 0, &r);
        if (s)
            return note_failure(l, which, s);
    } else {
        r.record = (uint32_t)g->next;
    }
    g->next = (uint64_t)r.record + 1;
    /* On disk already: a failure to remember it only costs the in-memory copy. */
    if (ring_push(g, l->keep, &r)) {
        g->total++;
        return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
}

void evtlog_begin(struct evtlog *l)
{
    if (!l)
        return;
    if (l->group++ == 0)
        l->failed = STATUS_SUCCESS;
}

enum evtlog_which evtlog_failed_log(const struct evtlog *l)
{
    return l ? l->failed_log : EVTLOG_SYSTEM;
}

const char *evtlog_failure_text(struct evtlog *l)
{
    if (!l || l->failed == STATUS_SUCCESS)
        return "";
    if (l->failed == STATUS_LOG_FILE_FULL) /* event 6000 */
        snprintf(l->failed_text, sizeof l->failed_text, "The %s log file is full.",
                 log_names[l->failed_log]);
    else
        snprintf(l->failed_text, sizeof l->failed_text,
                 "The %s log lost events (a write or sync failed).", log_names[l->failed_log]);
    return l->failed_text;
}

ntstatus evtlog_commit(struct evtlog *l)
{
    if (!l || l->group == 0)
        return STATUS_SUCCESS;
    if (--l->group)
        return STATUS_SUCCESS;
    for (unsigned i = 0; i < EVTLOG_COUNT; i++) {
        struct evlog *g = &l->logs[i];
        if (g->unsynced) {
            g->unsynced = false;
            if (plat_fdatasync(g->fd))
                (void)note_failure(l, (enum evtlog_which)i, nterr_from_errno(errno));
        }
        if (g->held) { /* other processes may append again */
            g->held = false;
            plat_unlock(g->fd, 0);
        }
    }
    return l->failed;
}

/* --- reading back -------------------------------------------------------- */

size_t evtlog_count(const struct evtlog *l, enum evtlog_which which)
{
    return (unsigned)which < EVTLOG_COUNT ? l->logs[which].total : 0;
}

size_t evtlog_first(const struct evtlog *l, enum evtlog_which which)
{
    if ((unsigned)which >= EVTLOG_COUNT)
        return 0;
    return l->logs[which].total - l->logs[which].n;
}

const struct evtlog_record *evtlog_at(const struct evtlog *l, enum evtlog_which which, size_t i)
{
    if ((unsigned)which >= EVTLOG_COUNT)
        return NULL;
    const struct evlog *g = &l->logs[which];
    size_t first = g->total - g->n;
    if (i < first || i >= g->total)
        return NULL;
    return &g->ring[(g->start + (i - first)) % g->cap];
}

int evtlog_set_capacity(struct evtlog *l, size_t keep)
{
    if (keep < 1)
        return EINVAL;
    for (unsigned i = 0; i < EVTLOG_COUNT; i++) {
        if (l->logs[i].cap > keep && ring_resize(&l->logs[i], keep))
            return ENOMEM;
    }
    l->keep = keep;
    return 0;
}

size_t evtlog_bad_lines(const struct evtlog *l, enum evtlog_which which)
{
    return (unsigned)which < EVTLOG_COUNT ? l->logs[which].bad : 0;
}

const char *evtlog_problem(const struct evtlog *l, enum evtlog_which which)
{
    if ((unsigned)which >= EVTLOG_COUNT || !l->logs[which].problem[0])
        return NULL;
    return l->logs[which].problem;
}

void evtlog_format(const struct evtlog_record *r, char *out, size_t n)
{
    if (!n)
        return;
    char when[32];
    struct tm tm;
    time_t t = (time_t)r->time;
    if ((int64_t)t != r->time || !plat_gmtime(&t, &tm) ||
        !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(when, sizeof when, "%lld", (long long)r->time);
    char cat[8];
    if (r->category)
        snprintf(cat, sizeof cat, "%u", (unsigned)r->category);
    else
        strcpy(cat, "None");
    snprintf(out, n, "%u %s %s %s %u %s %s %s: %s", (unsigned)r->record, when,
             evtlog_type_name(r->type), r->source, (unsigned)r->event_id, cat, r->user,
             r->computer, r->description);
}
