#include "emulator/evtlog.h"
#include "src/lib/afile.h"
#include "tests/unit/unit.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void append_raw(const char *dir, const char *file, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static char *read_all(const char *dir, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *data = NULL;
    size_t len = 0;
    CU_ASSERT_FATAL(afile_read(path, 1 << 20, &data, &len) == 0);
    return data;
}

static void test_memory_only(void)
{
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(NULL, "EXCHSRV", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 0);
    CU_ASSERT(evtlog_at(l, EVTLOG_SYSTEM, 0) == NULL);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 899283600, "EventLog", 6005, EVT_INFORMATION,
                                    0, NULL, "The Event log service was started."),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SECURITY, 899283601, "Security", 529,
                                    EVT_AUDIT_FAILURE, 2, "EXCHSRV\\bob", "Logon Failure"),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SYSTEM, 899283602, "EventLog", 6009, EVT_INFORMATION, 0, "", "boot"),
        STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 2);
    CU_ASSERT(evtlog_count(l, EVTLOG_SECURITY) == 1);
    CU_ASSERT(evtlog_count(l, EVTLOG_APPLICATION) == 0);
    const struct evtlog_record *r = evtlog_at(l, EVTLOG_SYSTEM, 1);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT(r->record == 2);
    CU_ASSERT(r->event_id == 6009);
    CU_ASSERT_STRING_EQUAL(r->user, "N/A");
    CU_ASSERT_STRING_EQUAL(r->computer, "EXCHSRV");
    r = evtlog_at(l, EVTLOG_SECURITY, 0);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT(r->record == 1);
    char line[2048];
    evtlog_format(r, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "1 1998-07-01 09:00:01 Failure Audit Security 529 2 "
                                 "EXCHSRV\\bob EXCHSRV: Logon Failure");
    evtlog_format(evtlog_at(l, EVTLOG_SYSTEM, 0), line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "1 1998-07-01 09:00:00 Information EventLog 6005 None N/A "
                                 "EXCHSRV: The Event log service was started.");
    evtlog_free(l);
}

static void test_bad_arguments(void)
{
    struct evtlog *l;
    UNIT_ASSERT_STATUS(evtlog_open("", "X", &l), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(NULL, "X", &l), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_COUNT, 0, "s", 1, EVT_ERROR, 0, NULL, ""),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 0, "", 1, EVT_ERROR, 0, NULL, ""),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 0, "s", 1, (enum evtlog_type)3, 0, NULL, ""),
                       STATUS_INVALID_PARAMETER);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 0);
    CU_ASSERT(evtlog_set_capacity(l, 0) != 0);
    evtlog_free(l);

    enum evtlog_which w;
    CU_ASSERT(evtlog_parse_name("security", &w) == 0 && w == EVTLOG_SECURITY);
    CU_ASSERT(evtlog_parse_name("SYSTEM", &w) == 0 && w == EVTLOG_SYSTEM);
    CU_ASSERT(evtlog_parse_name("Application", &w) == 0 && w == EVTLOG_APPLICATION);
    CU_ASSERT(evtlog_parse_name("dns", &w) != 0);
    CU_ASSERT_STRING_EQUAL(evtlog_name(EVTLOG_APPLICATION), "Application");
    CU_ASSERT_STRING_EQUAL(evtlog_type_name(EVT_AUDIT_SUCCESS), "Success Audit");
    CU_ASSERT_STRING_EQUAL(evtlog_type_name(EVT_WARNING), "Warning");
}

static void test_sanitize_and_truncate(void)
{
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(NULL, "M", &l), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_APPLICATION, 0, "So\turce", 1, EVT_WARNING, 0, "a\nb",
                                    "line1\r\nline2\tend"),
                       STATUS_SUCCESS);
    const struct evtlog_record *r = evtlog_at(l, EVTLOG_APPLICATION, 0);
    CU_ASSERT_STRING_EQUAL(r->source, "So urce");
    CU_ASSERT_STRING_EQUAL(r->user, "a b");
    CU_ASSERT_STRING_EQUAL(r->description, "line1  line2 end");
    /* 1022 ASCII bytes then a 3-byte character: the character does not fit
     * in 1023 bytes and must be dropped whole. */
    char big[1100];
    memset(big, 'x', 1022);
    strcpy(big + 1022, "\xE2\x82\xAC tail");
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_APPLICATION, 0, "S", 2, EVT_ERROR, 0, NULL, big),
                       STATUS_SUCCESS);
    r = evtlog_at(l, EVTLOG_APPLICATION, 1);
    CU_ASSERT(strlen(r->description) == 1022);
    evtlog_free(l);
}

static void test_durable_reload(void)
{
    const char *dir = unit_tmpdir();
    char evdir[300];
    snprintf(evdir, sizeof evdir, "%s/eventlog", dir);
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(evdir, "PDC", &l), STATUS_SUCCESS);
    for (int i = 0; i < 5; i++)
        UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 1000 + i, "Service Control Manager",
                                        7000 + i, EVT_ERROR, 0, NULL, "text"),
                           STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SECURITY, 5, "Security", 528, EVT_AUDIT_SUCCESS, 2,
                                    "CORP\\alice", "Successful Logon"),
                       STATUS_SUCCESS);
    evtlog_free(l);

    char *text = read_all(evdir, "Security.evt");
    CU_ASSERT_STRING_EQUAL(text, "1\t5\tSuccess Audit\t2\t528\tSecurity\tCORP\\alice\tPDC\t"
                                 "Successful Logon\n");
    free(text);

    UNIT_ASSERT_STATUS_FATAL(evtlog_open(evdir, "PDC", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 5);
    CU_ASSERT(evtlog_bad_lines(l, EVTLOG_SYSTEM) == 0);
    CU_ASSERT(evtlog_problem(l, EVTLOG_SYSTEM) == NULL);
    const struct evtlog_record *r = evtlog_at(l, EVTLOG_SYSTEM, 4);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT(r->record == 5 && r->event_id == 7004 && r->time == 1004);
    CU_ASSERT_STRING_EQUAL(r->source, "Service Control Manager");
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 2000, "EventLog", 6005, EVT_INFORMATION, 0,
                                    NULL, "The Event log service was started."),
                       STATUS_SUCCESS);
    CU_ASSERT(evtlog_at(l, EVTLOG_SYSTEM, 5)->record == 6);
    r = evtlog_at(l, EVTLOG_SECURITY, 0);
    CU_ASSERT(r && r->type == EVT_AUDIT_SUCCESS && r->category == 2);
    CU_ASSERT_STRING_EQUAL(r->user, "CORP\\alice");
    evtlog_free(l);
    unit_rmtree(dir);
}

static void test_malformed_and_torn(void)
{
    const char *dir = unit_tmpdir();
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SYSTEM, 1, "EventLog", 6005, EVT_INFORMATION, 0, NULL, "ok"),
        STATUS_SUCCESS);
    evtlog_free(l);
    /* garbage of several kinds, then a record, then a torn line (crash) */
    char longline[5000];
    memset(longline, 'z', sizeof longline - 2);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = 0;
    append_raw(dir, "System.evt", "not a record\n");
    append_raw(dir, "System.evt", "x\t1\tInformation\t0\t1\tS\tu\tM\td\n");
    append_raw(dir, "System.evt", "2\t1\tNosuch\t0\t1\tS\tu\tM\td\n");
    append_raw(dir, "System.evt", "3\t1\tError\t99999\t1\tS\tu\tM\td\n");
    append_raw(dir, "System.evt", "\n");
    append_raw(dir, "System.evt", longline);
    append_raw(dir, "System.evt", "7\t2\tWarning\t0\t42\tSrc\tN/A\tM\tkept\r\n");
    append_raw(dir, "System.evt", "8\t3\tError\t0\t43\tSrc\tN/A\tM\tha");

    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 2);
    CU_ASSERT(evtlog_bad_lines(l, EVTLOG_SYSTEM) == 7);
    const char *p = evtlog_problem(l, EVTLOG_SYSTEM);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT(strstr(p, "System.evt:2: too few fields") != NULL);
    const struct evtlog_record *r = evtlog_at(l, EVTLOG_SYSTEM, 1);
    CU_ASSERT(r && r->record == 7 && r->event_id == 42);
    CU_ASSERT_STRING_EQUAL(r->description, "kept");
    /* numbering goes on after the highest good record, on a fresh line */
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SYSTEM, 9, "EventLog", 6009, EVT_INFORMATION, 0, NULL, "after"),
        STATUS_SUCCESS);
    CU_ASSERT(evtlog_at(l, EVTLOG_SYSTEM, 2)->record == 8);
    evtlog_free(l);

    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 3);
    CU_ASSERT(evtlog_bad_lines(l, EVTLOG_SYSTEM) == 6); /* the torn line is gone */
    CU_ASSERT_STRING_EQUAL(evtlog_at(l, EVTLOG_SYSTEM, 2)->description, "after");
    evtlog_free(l);
    unit_rmtree(dir);
}

static void test_record_numbers_exhausted(void)
{
    const char *dir = unit_tmpdir();
    append_raw(dir, "Application.evt", "4294967294\t1\tError\t0\t1\tS\tu\tM\td\n");
    append_raw(dir, "System.evt", "2\t1\tError\t0\t1\tS\tu\tM\tbad \x01 byte\n");
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_bad_lines(l, EVTLOG_SYSTEM) == 1);
    CU_ASSERT(strstr(evtlog_problem(l, EVTLOG_SYSTEM), "System.evt:1: bad description") != NULL);
    /* the last number a log can give is 4294967295; then it is full */
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_APPLICATION, 2, "S", 1, EVT_ERROR, 0, NULL, ""),
                       STATUS_SUCCESS);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 1)->record == 4294967295u);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_APPLICATION, 3, "S", 1, EVT_ERROR, 0, NULL, ""),
                       STATUS_LOG_FILE_FULL);
    CU_ASSERT(evtlog_count(l, EVTLOG_APPLICATION) == 2);
    /* issue 12: in a group (a boot), a record that could not be written is
     * what the commit reports, with its log; a new group starts clean */
    evtlog_begin(l);
    (void)evtlog_write(l, EVTLOG_APPLICATION, 4, "S", 1, EVT_ERROR, 0, NULL, "");
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 4, "S", 1, EVT_ERROR, 0, NULL, ""),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_LOG_FILE_FULL);
    CU_ASSERT(evtlog_failed_log(l) == EVTLOG_APPLICATION);
    CU_ASSERT_STRING_EQUAL(evtlog_failure_text(l), "The Application log file is full.");
    evtlog_begin(l);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SYSTEM, 5, "S", 1, EVT_ERROR, 0, NULL, ""),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    evtlog_free(l);
    unit_rmtree(dir);
}

static void test_bounded_memory(void)
{
    const char *dir = unit_tmpdir();
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    for (int i = 0; i < 5; i++)
        UNIT_ASSERT_STATUS(
            evtlog_write(l, EVTLOG_APPLICATION, i, "A", (uint32_t)i, EVT_INFORMATION, 0, NULL, ""),
            STATUS_SUCCESS);
    CU_ASSERT(evtlog_set_capacity(l, 3) == 0);
    CU_ASSERT(evtlog_count(l, EVTLOG_APPLICATION) == 5);
    CU_ASSERT(evtlog_first(l, EVTLOG_APPLICATION) == 2);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 1) == NULL);
    for (int i = 5; i < 10; i++)
        UNIT_ASSERT_STATUS(
            evtlog_write(l, EVTLOG_APPLICATION, i, "A", (uint32_t)i, EVT_INFORMATION, 0, NULL, ""),
            STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_APPLICATION) == 10);
    CU_ASSERT(evtlog_first(l, EVTLOG_APPLICATION) == 7);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 6) == NULL);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 7)->record == 8);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 9)->record == 10);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 10) == NULL);
    CU_ASSERT(evtlog_set_capacity(l, 100) == 0);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_APPLICATION, 10, "A", 10, EVT_INFORMATION, 0, NULL, ""),
        STATUS_SUCCESS);
    CU_ASSERT(evtlog_first(l, EVTLOG_APPLICATION) == 7);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 10)->record == 11);
    evtlog_free(l);
    /* the disk kept them all */
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_APPLICATION) == 11);
    CU_ASSERT(evtlog_at(l, EVTLOG_APPLICATION, 0)->record == 1);
    evtlog_free(l);
    unit_rmtree(dir);
}

static void test_two_writers(void)
{
    /* Two handles on one directory, as the daemon and the offline CLI: each
     * sees the other's appends before writing, so numbers stay unique. */
    const char *dir = unit_tmpdir();
    struct evtlog *a, *b;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &a), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &b), STATUS_SUCCESS);
    CU_ASSERT(evtlog_write(a, EVTLOG_SYSTEM, 1, "A", 1, EVT_ERROR, 0, NULL, "a1") == 0);
    CU_ASSERT(evtlog_write(b, EVTLOG_SYSTEM, 2, "B", 2, EVT_ERROR, 0, NULL, "b1") == 0);
    CU_ASSERT(evtlog_write(a, EVTLOG_SYSTEM, 3, "A", 3, EVT_ERROR, 0, NULL, "a2") == 0);
    CU_ASSERT(evtlog_count(a, EVTLOG_SYSTEM) == 3);
    CU_ASSERT(evtlog_at(a, EVTLOG_SYSTEM, 1)->record == 2);
    CU_ASSERT_STRING_EQUAL(evtlog_at(a, EVTLOG_SYSTEM, 1)->description, "b1");
    CU_ASSERT(evtlog_at(a, EVTLOG_SYSTEM, 2)->record == 3);
    evtlog_free(a);
    evtlog_free(b);
    unit_rmtree(dir);
}

static void test_group_commit(void)
{
    const char *dir = unit_tmpdir();
    struct evtlog *l, *other;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS); /* no group open: nothing to do */
    evtlog_begin(l);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SYSTEM, 1, "EventLog", 6006, EVT_INFORMATION, 0, NULL, "stopped"),
        STATUS_SUCCESS);
    evtlog_begin(l); /* nested */
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SECURITY, 2, "Security", 528, EVT_AUDIT_SUCCESS, 2, "u", "in"),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    /* each record is in the file as soon as it is logged; only the sync waits */
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &other), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(other, EVTLOG_SYSTEM) == 1);
    CU_ASSERT(evtlog_count(other, EVTLOG_SECURITY) == 1);
    evtlog_free(other);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SYSTEM, 3, "EventLog", 6005, EVT_INFORMATION, 0, NULL, "started"),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    /* a group left open when the log is freed still reaches the disk */
    evtlog_begin(l);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SYSTEM, 4, "EventLog", 6006, EVT_INFORMATION, 0, NULL, "stopped"),
        STATUS_SUCCESS);
    evtlog_free(l);
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SYSTEM) == 3);
    CU_ASSERT(evtlog_at(l, EVTLOG_SYSTEM, 2)->record == 3);
    CU_ASSERT(evtlog_at(l, EVTLOG_SYSTEM, 2)->time == 4);
    evtlog_free(l);
    /* in memory only, groups are harmless */
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(NULL, "M", &l), STATUS_SUCCESS);
    evtlog_begin(l);
    CU_ASSERT(evtlog_write(l, EVTLOG_SYSTEM, 1, "S", 1, EVT_ERROR, 0, NULL, "") == 0);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    evtlog_free(l);
    unit_rmtree(dir);
}

/* Issue 12 (logons): inside a group a record costs no fstat (the lock
 * was kept since our own last append), and the line is formatted without
 * printf. A record another writer appended between two groups is still
 * seen (numbers go on), and the file's text is exactly the format
 * evtlog_open reads (negative time, the largest numbers). */
static void test_group_line_format(void)
{
    const char *dir = unit_tmpdir();
    struct evtlog *l, *o;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &o), STATUS_SUCCESS);
    evtlog_begin(l);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SECURITY, -5, "Security", 528, EVT_AUDIT_SUCCESS, 2, "u", "one"),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(
        evtlog_write(o, EVTLOG_SECURITY, 7, "Security", 529, EVT_AUDIT_FAILURE, 2, NULL, "two"),
        STATUS_SUCCESS);
    evtlog_begin(l);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SECURITY, INT64_MAX, "S", UINT32_MAX, EVT_ERROR,
                                    65535, "CORP\\a", "three"),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_write(l, EVTLOG_SECURITY, 0, "S", 0, EVT_WARNING, 0, "", ""),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    evtlog_free(o);
    evtlog_free(l);
    char path[512], text[1024];
    snprintf(path, sizeof path, "%s/Security.evt", dir);
    FILE *f = fopen(path, "rb");
    CU_ASSERT_FATAL(f != NULL);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    CU_ASSERT_STRING_EQUAL(
        text, "1\t-5\tSuccess Audit\t2\t528\tSecurity\tu\tM\tone\n"
              "2\t7\tFailure Audit\t2\t529\tSecurity\tN/A\tM\ttwo\n"
              "3\t9223372036854775807\tError\t65535\t4294967295\tS\tCORP\\a\tM\tthree\n"
              "4\t0\tWarning\t0\t0\tS\tN/A\tM\t\n");
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT(evtlog_count(l, EVTLOG_SECURITY) == 4);
    CU_ASSERT(evtlog_bad_lines(l, EVTLOG_SECURITY) == 0);
    evtlog_free(l);
    unit_rmtree(dir);
}

/* Inside a group the log's lock is held from the first record to the
 * commit (a logon's audit then costs one write, issue 12): another process
 * appends after the commit, with the next number. */
static void test_group_holds_lock(void)
{
    const char *dir = unit_tmpdir();
    struct evtlog *l;
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    evtlog_begin(l);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SECURITY, 1, "Security", 528, EVT_AUDIT_SUCCESS, 2, "u", "one"),
        STATUS_SUCCESS);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) { /* the other process: waits for the commit */
        struct evtlog *o;
        if (evtlog_open(dir, "M", &o) != STATUS_SUCCESS)
            _exit(2);
        ntstatus st = evtlog_write(o, EVTLOG_SECURITY, 3, "Security", 529, EVT_AUDIT_FAILURE, 2,
                                   "v", "three");
        size_t n = evtlog_count(o, EVTLOG_SECURITY);
        uint32_t rec = n ? evtlog_at(o, EVTLOG_SECURITY, n - 1)->record : 0;
        evtlog_free(o);
        _exit(st == STATUS_SUCCESS && rec == 3 ? 0 : 1);
    }
    usleep(300 * 1000);
    UNIT_ASSERT_STATUS(
        evtlog_write(l, EVTLOG_SECURITY, 2, "Security", 528, EVT_AUDIT_SUCCESS, 2, "u", "two"),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(evtlog_commit(l), STATUS_SUCCESS);
    int status;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    evtlog_free(l);
    UNIT_ASSERT_STATUS_FATAL(evtlog_open(dir, "M", &l), STATUS_SUCCESS);
    CU_ASSERT_FATAL(evtlog_count(l, EVTLOG_SECURITY) == 3);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT(evtlog_at(l, EVTLOG_SECURITY, i)->record == i + 1);
    CU_ASSERT_STRING_EQUAL(evtlog_at(l, EVTLOG_SECURITY, 2)->description, "three");
    evtlog_free(l);
    unit_rmtree(dir);
}

void suite_evtlog(void)
{
    UNIT_SUITE("evtlog", UNIT_TEST(test_memory_only), UNIT_TEST(test_bad_arguments),
               UNIT_TEST(test_sanitize_and_truncate), UNIT_TEST(test_durable_reload),
               UNIT_TEST(test_malformed_and_torn), UNIT_TEST(test_record_numbers_exhausted),
               UNIT_TEST(test_bounded_memory), UNIT_TEST(test_two_writers),
               UNIT_TEST(test_group_commit), UNIT_TEST(test_group_holds_lock),
               UNIT_TEST(test_group_line_format));
}
