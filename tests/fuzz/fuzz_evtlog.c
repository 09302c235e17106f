/* The event-log reader (evtlog_open) on a System.evt holding arbitrary
 * bytes. Whatever the file holds, opening succeeds; every line is either a
 * record or counted as bad; records read back are clean (no control
 * characters, a known type, bounded fields); an append after the open is
 * numbered after every record read, lands on a line of its own, and reads
 * back equal from a fresh open. */
#include "emulator/evtlog.h"
#include "src/lib/afile.h"
#include "tests/fuzz/fuzz.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[PATH_MAX], sys_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s", fuzz_tmpdir("evtlog"));
    snprintf(sys_path, sizeof sys_path, "%s/System.evt", dir);
    return 0;
}

static void check_clean(const char *what, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        fuzz_fail("%s is not terminated within its field", what);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            fuzz_fail("%s holds a control character", what);
}

static void check_record(const struct evtlog_record *r)
{
    check_clean("source", r->source, sizeof r->source);
    check_clean("user", r->user, sizeof r->user);
    check_clean("computer", r->computer, sizeof r->computer);
    check_clean("description", r->description, sizeof r->description);
    if (!r->source[0])
        fuzz_fail("empty source accepted");
    if (strcmp(evtlog_type_name(r->type), "?") == 0)
        fuzz_fail("unknown event type %d accepted", (int)r->type);
    if (r->record == 0)
        fuzz_fail("record number 0 accepted");
}

static size_t count_lines(const uint8_t *data, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n + (size && data[size - 1] != '\n'); /* a torn last line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(sys_path, data, size);
    struct evtlog *l;
    ntstatus st = evtlog_open(dir, "FUZZ", &l);
    if (st != STATUS_SUCCESS)
        fuzz_fail("evtlog_open: 0x%08x", (unsigned)st);
    size_t n = evtlog_count(l, EVTLOG_SYSTEM);
    size_t bad = evtlog_bad_lines(l, EVTLOG_SYSTEM);
    if (n + bad != count_lines(data, size))
        fuzz_fail("%zu records + %zu bad lines for %zu lines", n, bad, count_lines(data, size));
    if (bad && !evtlog_problem(l, EVTLOG_SYSTEM))
        fuzz_fail("bad lines without a problem message");
    uint32_t max = 0;
    for (size_t i = evtlog_first(l, EVTLOG_SYSTEM); i < n; i++) {
        const struct evtlog_record *r = evtlog_at(l, EVTLOG_SYSTEM, i);
        if (!r)
            fuzz_fail("record %zu missing from memory", i);
        check_record(r);
        max = r->record > max ? r->record : max;
    }
    st = evtlog_write(l, EVTLOG_SYSTEM, 42, "Fuzz\tSource", 7000, EVT_ERROR, 0, "u\r\n",
                      "after the input");
    if (max == UINT32_MAX) {
        if (st == STATUS_SUCCESS)
            fuzz_fail("record numbers wrapped");
        evtlog_free(l);
        return 0;
    }
    if (st != STATUS_SUCCESS)
        fuzz_fail("append after open: 0x%08x", (unsigned)st);
    const struct evtlog_record *w = evtlog_at(l, EVTLOG_SYSTEM, n);
    if (!w || w->record != max + 1)
        fuzz_fail("appended record numbered %u after %u", w ? w->record : 0, max);
    if (max + 1 == UINT32_MAX &&
        evtlog_write(l, EVTLOG_SYSTEM, 43, "F", 1, EVT_ERROR, 0, NULL, "") != STATUS_LOG_FILE_FULL)
        fuzz_fail("a log past record number 4294967295 still takes records");
    evtlog_free(l);

    st = evtlog_open(dir, "FUZZ", &l);
    if (st != STATUS_SUCCESS)
        fuzz_fail("reopen: 0x%08x", (unsigned)st);
    if (evtlog_count(l, EVTLOG_SYSTEM) != n + 1)
        fuzz_fail("reopen holds %zu records, not %zu", evtlog_count(l, EVTLOG_SYSTEM), n + 1);
    const struct evtlog_record *r = evtlog_at(l, EVTLOG_SYSTEM, n);
    if (!r || r->record != max + 1 || r->event_id != 7000 || r->time != 42 ||
        strcmp(r->source, "Fuzz Source") || strcmp(r->user, "u  ") ||
        strcmp(r->description, "after the input"))
        fuzz_fail("the appended record does not read back");
    evtlog_free(l);
    return 0;
}
