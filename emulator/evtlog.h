/* The NT event log of one machine: System, Application and Security logs,
 * each an append-only text file written durably (one record per line,
 * fsynced), readable as text. Record numbers start at 1 per log. */
#ifndef NTLAB_EMULATOR_EVTLOG_H
#define NTLAB_EMULATOR_EVTLOG_H
#include "emulator/nterr.h"
#include <stddef.h>
#include <stdint.h>

enum evtlog_which { EVTLOG_SYSTEM, EVTLOG_APPLICATION, EVTLOG_SECURITY, EVTLOG_COUNT };

enum evtlog_type {
    EVT_ERROR = 1,
    EVT_WARNING = 2,
    EVT_INFORMATION = 4,
    EVT_AUDIT_SUCCESS = 8,
    EVT_AUDIT_FAILURE = 16,
};

#define EVTLOG_TEXT_MAX 1024

struct evtlog_record {
    uint32_t record;          /* record number within its log */
    int64_t time;             /* virtual-clock seconds */
    char source[64];          /* "Service Control Manager", "Security", "MSExchangePOP3" */
    uint32_t event_id;        /* 7000, 529, ... */
    enum evtlog_type type;
    uint16_t category;        /* 0 = None; Security: 2 = Logon/Logoff */
    char user[80];            /* "CORP\alice", "N/A" */
    char computer[16];
    char description[EVTLOG_TEXT_MAX];
};

struct evtlog; /* opaque */

/* Opens the logs kept in directory dir (created if absent); dir NULL keeps
 * them in memory only. Existing records are loaded (record numbers go on).
 * File format, one record a line, fields separated by TAB:
 *   RECORD TIME TYPE CATEGORY EVENTID SOURCE USER COMPUTER DESCRIPTION
 * with TIME in seconds since the epoch and TYPE the evtlog_type_name text.
 * Errors: STATUS_INVALID_PARAMETER, STATUS_NO_MEMORY, STATUS_ACCESS_DENIED or
 * STATUS_IO_DEVICE_ERROR when the directory or a file cannot be opened. */
ntstatus evtlog_open(const char *dir, const char *computer, struct evtlog **out);
void evtlog_free(struct evtlog *l);
/* Appends a record (record number assigned) and fsyncs. The description is
 * truncated to EVTLOG_TEXT_MAX-1 bytes (other fields to their size) at a
 * UTF-8 character boundary; control characters (CR/LF/TAB) become spaces.
 * Records appended to the file by another process since the last look are
 * read first, so record numbers stay unique. Errors: STATUS_LOG_FILE_FULL
 * (the disk is full, or record numbers are exhausted: NT's "The System log
 * file is full."), STATUS_IO_DEVICE_ERROR (nothing is recorded, the file
 * is cut back),
 * STATUS_NO_MEMORY, STATUS_INVALID_PARAMETER. */
ntstatus evtlog_write(struct evtlog *l, enum evtlog_which which, int64_t time,
                      const char *source, uint32_t event_id, enum evtlog_type type,
                      uint16_t category, const char *user, const char *description);
/* Number of records the log holds (on disk, all of them). */
/* Group commit: between evtlog_begin and evtlog_commit (they nest) each
 * record is still appended with one write() as it is logged, but the
 * fdatasync is deferred to the outermost commit, one per log file touched,
 * and the log's lock, taken at the group's first record, is kept until
 * then (other processes' appends wait for the commit).
 * A boot that logs a dozen events then costs two syncs, not a dozen; a
 * crash inside the group loses at most the group's records (no torn line
 * survives the next open). evtlog_commit returns the first failure of the
 * group, a write's or a sync's (STATUS_LOG_FILE_FULL, STATUS_IO_DEVICE_ERROR,
 * ...), or STATUS_SUCCESS; evtlog_failed_log names the log it hit. Callers
 * that ignore evtlog_write's status inside a group learn it there. */
void evtlog_begin(struct evtlog *l);
ntstatus evtlog_commit(struct evtlog *l);
enum evtlog_which evtlog_failed_log(const struct evtlog *l);
/* That failure as NT's Event Log service says it: "The System log file is
 * full." (event 6000) for STATUS_LOG_FILE_FULL, else "The System log lost
 * events (...)"; "" when none. Valid until the next call. */
const char *evtlog_failure_text(struct evtlog *l);

size_t evtlog_count(const struct evtlog *l, enum evtlog_which which);
/* The i-th record (0-based, oldest first) or NULL. Memory keeps only the
 * newest records (evtlog_set_capacity), so an old index whose record is only
 * on disk also gives NULL: iterate from evtlog_first. The pointer is valid
 * until the next write or evtlog_set_capacity. */
const struct evtlog_record *evtlog_at(const struct evtlog *l, enum evtlog_which which, size_t i);
/* Index of the oldest record still held in memory (== count when empty). */
size_t evtlog_first(const struct evtlog *l, enum evtlog_which which);

/* How many records of each log are kept in memory (default
 * EVTLOG_DEFAULT_KEEP, minimum 1); older ones are dropped from memory, never
 * from disk. Returns 0 or EINVAL. */
#define EVTLOG_DEFAULT_KEEP 10000u
int evtlog_set_capacity(struct evtlog *l, size_t keep);
/* Lines of the log file that could not be read at open (malformed or torn
 * by a crash; they are skipped, and a torn last line is cut off so appends
 * stay line-aligned), and the first problem as "PATH:LINE: problem"
 * (NULL when none). */
size_t evtlog_bad_lines(const struct evtlog *l, enum evtlog_which which);
const char *evtlog_problem(const struct evtlog *l, enum evtlog_which which);
/* "System", "Application", "Security"; parse is case-insensitive. */
const char *evtlog_name(enum evtlog_which which);
int evtlog_parse_name(const char *s, enum evtlog_which *out);
/* "Error", "Warning", "Information", "Success Audit", "Failure Audit". */
const char *evtlog_type_name(enum evtlog_type t);
/* One record as a line of text: "REC TIME TYPE SOURCE ID CATEGORY USER COMPUTER: DESCRIPTION"
 * with the time as "1998-07-01 09:00:00". */
void evtlog_format(const struct evtlog_record *r, char *out, size_t n);

#endif
