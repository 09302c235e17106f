/* The platform layer: what differs between POSIX (Linux) and Windows
 * (mingw-w64) behind one small API, so that everything above src/lib is the
 * same code on both systems. plat_posix.c and plat_win32.c implement it;
 * plat.c holds the parts written once (strptime subset, timegm helpers).
 * Only src/lib/plat*.{c,h} may test _WIN32.
 *
 * Conventions: functions return 0 or an errno value unless they say
 * otherwise; those returning a count or descriptor return -1 and set errno.
 * Paths use '/' on both systems (Windows accepts it); lab files are opened
 * in binary mode on Windows (plat_init), so LF stays LF and a lab directory
 * moves between the systems unchanged. */
#ifndef NTLAB_LIB_PLAT_H
#define NTLAB_LIB_PLAT_H
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#ifdef _WIN32
#define PLAT_WINDOWS 1
#define PLAT_HAS_FORK 0         /* no fork(): -j runs in one process, up needs --foreground */
#define PLAT_HAS_UNIX_SOCKETS 0 /* the control channel is loopback TCP with a secret */
/* POSIX open flags mingw lacks: O_NOINHERIT is Windows' close-on-exec;
 * Windows opens no symlinks through _open, so O_NOFOLLOW has nothing to do. */
#ifndef O_CLOEXEC
#define O_CLOEXEC _O_NOINHERIT
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif
#ifndef EDQUOT
#define EDQUOT 122 /* Linux's value; Windows reports a full quota as ENOSPC */
#endif
#else
#define PLAT_WINDOWS 0
#define PLAT_HAS_FORK 1
#define PLAT_HAS_UNIX_SOCKETS 1
#endif

/* --- process ------------------------------------------------------------------- */

/* Call first in main(). Windows: binary mode for stdio and every later
 * open/fopen (no CRLF translation), Winsock 2.2 started. POSIX: nothing. */
int plat_init(void);

/* --- files --------------------------------------------------------------------- */

/* Flushes fd's data (and metadata) to the disk: fsync / FlushFileBuffers. */
int plat_fsync(int fd);
/* The same for data only where the system can tell the difference. */
int plat_fdatasync(int fd);
/* Makes a rename or unlink in directory dir durable: fsync of the directory
 * on POSIX; on Windows MoveFileEx(MOVEFILE_WRITE_THROUGH) already did it,
 * and a directory cannot be opened for flushing: 0. */
int plat_sync_dir(const char *dir);
/* Flushes the written data of the file system that holds path at once
 * (syncfs(2) on Linux, sync(2) on other POSIX systems): one flush for a
 * bulk write of many files instead of an fsync each. Returns 0 or an errno
 * value; ENOSYS on Windows (no unprivileged equivalent): fsync each file. */
int plat_sync_fs(const char *path);
/* Renames from over to, replacing it atomically if it exists (rename;
 * MoveFileEx with MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH). */
int plat_rename(const char *from, const char *to);
/* mkdir with a mode (the mode means nothing on Windows). EEXIST as usual. */
int plat_mkdir(const char *path, unsigned mode);
/* chmod: sets a path's permission bits whatever the umask (a class
 * directory's modes, issue 16). 0 or an errno value; 0 on Windows, where
 * the mode means nothing (as for plat_mkdir). */
int plat_chmod(const char *path, unsigned mode);
/* pread/pwrite: -1 with errno on failure. On Windows the descriptor's file
 * position may move; callers use them on files they only read or append. */
ssize_t plat_pread(int fd, void *buf, size_t n, int64_t off);
ssize_t plat_pwrite(int fd, const void *buf, size_t n, int64_t off);
/* The absolute, canonical form of an existing path in out ('/' separators
 * on Windows too, "C:/..."). 0, ENOENT, ENAMETOOLONG, ... */
int plat_realpath(const char *path, char *out, size_t n);
/* mkdtemp: tmpl ends in "XXXXXX", replaced in place; the directory is
 * created owner-only. 0 or an errno value. */
int plat_mkdtemp(char *tmpl);
/* The directory for temporary files: $TMPDIR or /tmp; GetTempPath on
 * Windows (no trailing separator, '/' separators). 0 or ENAMETOOLONG. */
int plat_tmpdir(char *out, size_t n);
/* Whether path names an absolute path ("/x"; on Windows also "C:/x",
 * "C:\x", "\x"), and the length of that root ("/" 1, "C:/" 3; 0 when
 * relative). */
bool plat_path_is_absolute(const char *path);
size_t plat_path_root_len(const char *path);

/* What stat tells, the same on both systems. dev/ino identify the file
 * (volume serial and file index on Windows); times to the nanosecond where
 * the system keeps them (100 ns on NTFS). */
struct plat_stat {
    bool is_reg, is_dir, is_link;
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};
/* plat_stat follows symbolic links, plat_lstat does not. ENOENT when absent. */
int plat_stat(const char *path, struct plat_stat *st);
int plat_lstat(const char *path, struct plat_stat *st);
int plat_fstat(int fd, struct plat_stat *st);

/* Whether the open file fd is fit to hold a secret: a regular file of the
 * caller's own that nobody else may read (owner and mode 0600 or stricter
 * on POSIX). 0, EINVAL (not a regular file), EPERM (another owner, or group
 * or others may read it). Windows: ntlab never calls the host's security
 * API (it carries its own NT model), so only "regular file" is checked
 * there; the file inherits its folder's ACL (a profile folder is the
 * user's, SYSTEM's and the Administrators'). */
int plat_fd_private(int fd);

/* Opens a file the user named, for reading, refusing what is not a regular
 * file before a read could block or never end: the open itself does not
 * wait (O_NONBLOCK: a FIFO with no writer would hold it forever), then
 * fstat decides, and a regular file is switched back to blocking reads.
 * PLAT_OPEN_NOFOLLOW refuses a symbolic link as the last component (ELOOP;
 * Windows opens no links through _open). Returns 0 with *fd (close-on-exec,
 * the caller's), or an errno value: EISDIR for a directory, PLAT_ENOTREG
 * for a FIFO, device or socket, or what open/fstat said. */
#define PLAT_OPEN_NOFOLLOW 1u
#define PLAT_ENOTREG 0x4E52 /* outside the errno ranges: plat_strerror names it */
int plat_open_regular(const char *path, unsigned flags, int *fd);
/* strerror, plus PLAT_ENOTREG's text ("not a regular file (a FIFO, device
 * or socket)"). The text is static. */
const char *plat_strerror(int e);

/* Directory entries with their type, without following symbolic links. */
enum plat_dtype { PLAT_DT_OTHER, PLAT_DT_REG, PLAT_DT_DIR };
struct plat_dir;
/* Opens path for listing. 0 or an errno value (ENOENT, ENOTDIR, ...). */
int plat_dir_open(const char *path, struct plat_dir **d);
/* The next entry ("." and ".." included as the system gives them): 0 with
 * *name (valid until the next call) and *type; ENOENT at the end; another
 * errno value on a read error. */
int plat_dir_next(struct plat_dir *d, const char **name, enum plat_dtype *type);
void plat_dir_close(struct plat_dir *d);

/* --- locks ---------------------------------------------------------------------- */

/* Exclusive advisory locks on an open file. POSIX: fcntl (open-file-
 * description locks with PLAT_LOCK_PER_OPEN where the system has them,
 * which also exclude a second descriptor of the same process). Windows:
 * LockFileEx on one byte far past any data, so that readers are never
 * blocked (Windows locks are mandatory for the bytes they cover). */
#define PLAT_LOCK_WAIT 1u     /* block until it is free (else EWOULDBLOCK) */
#define PLAT_LOCK_PER_OPEN 2u /* per open file, not per process (POSIX OFD) */
int plat_lock(int fd, unsigned flags);
/* Releases a lock taken through fd with the same flags. */
int plat_unlock(int fd, unsigned flags);
/* Whether another holder has the lock on fd's file (a test, not a take). */
bool plat_lock_held(int fd);

/* --- time ------------------------------------------------------------------------ */

enum plat_clock { PLAT_CLOCK_REALTIME, PLAT_CLOCK_MONOTONIC };
/* clock_gettime for the two clocks ntlab reads. */
void plat_clock_gettime(enum plat_clock clk, struct timespec *ts);
/* Sleeps about ms milliseconds. */
void plat_sleep_ms(unsigned ms);
/* gmtime_r and its inverse timegm (UTC, no time zone). */
struct tm *plat_gmtime(const time_t *t, struct tm *out);
time_t plat_timegm(struct tm *tm);
/* strptime for the numeric conversions ntlab uses (%Y %m %d %H %M %S, %%,
 * literal characters; leading blanks before a number are skipped, as glibc
 * does). Returns the first character not parsed, or NULL. The same code on
 * both systems: Windows has no strptime. */
const char *plat_strptime(const char *s, const char *fmt, struct tm *tm);

/* --- memory and randomness ------------------------------------------------------------ */

/* Fills buf with n bytes from the system's CSPRNG (getentropy; RtlGenRandom). */
int plat_random(void *buf, size_t n);
/* Overwrites n bytes at p in a way the compiler keeps (explicit_bzero). */
void plat_wipe(void *p, size_t n);

/* open_memstream: a FILE that writes to memory. Close it with
 * plat_memstream_close (not fclose): then *buf (malloc'd, NUL-terminated,
 * the caller's) and *len hold what was written. On Windows it is a
 * temporary file (deleted on close) read back at close. */
struct plat_memstream {
    FILE *f;
    char **buf;
    size_t *len;
};
FILE *plat_memstream_open(struct plat_memstream *ms, char **buf, size_t *len);
/* 0 or an errno value (*buf is NULL then). No-op when ms->f is NULL. */
int plat_memstream_close(struct plat_memstream *ms);

/* --- processes ------------------------------------------------------------------------ */

/* fork(); -1 with ENOSYS where PLAT_HAS_FORK is 0. */
long plat_fork(void);
/* waitpid(pid, status, 0): 0 or an errno value. */
int plat_waitpid(long pid, int *status);
/* Decoding a wait status: the terminating signal (0 if none) and the exit
 * code (-1 if it did not exit normally). */
int plat_status_signal(int status);
int plat_status_exit(int status);
/* Starts this same program again as a child: argv (argv[0] is the name it
 * sees, NULL-terminated) with stdin from the null device and stdout and
 * stderr to out_fd (-1: both to the null device). The program file is the
 * running one (/proc/self/exe on Linux), so a class of labs is served by
 * the very build that made it. 0 with *pid (the caller waits for it with
 * plat_waitpid), or an errno value: the fork's, or the exec's as the child
 * reported it. ENOSYS on Windows (no fork; `ntlab class up` says so). */
int plat_spawn_self(char *const argv[], int out_fd, long *pid);
/* Kills a child at once (SIGKILL). */
void plat_kill_hard(long pid);
/* Whether a process with this id exists now (any owner). */
bool plat_pid_alive(long pid);
/* Detaches the calling (already forked) process from its session and
 * terminal: setsid, a second fork (the parent of which exits), umask 077,
 * stdin/stdout to the null device and stderr to errfd, chdir "/".
 * Returns 0 in the detached process, or an errno value. POSIX only: ENOSYS
 * elsewhere. */
int plat_detach(int errfd);
/* pipe2(fds, O_CLOEXEC): 0 or an errno value. */
int plat_pipe(int fds[2]);
/* Raises the process's open-descriptor limit (RLIMIT_NOFILE) soft value
 * to its hard value and sets *limit to the soft value now in force
 * (UINT64_MAX when unlimited). Windows has no such per-process limit on
 * sockets: a no-op there, *limit = UINT64_MAX. Returns 0 or the errno of
 * getrlimit (*limit is then UINT64_MAX too); a refused raise is not an
 * error: *limit says what holds. */
int plat_raise_fd_limit(uint64_t *limit);

/* --- stop requests ---------------------------------------------------------------------- */

/* A descriptor that turns readable when the process is asked to stop, for
 * an event loop to watch: POSIX: SIGTERM, SIGINT and SIGHUP are blocked and
 * read from a signalfd (SIGPIPE is ignored); Windows: Ctrl-C, Ctrl-Break
 * and console close reach a console control handler that writes to a
 * loopback socket pair (a handler has no context argument: the one write
 * end is the process's, so one stop watch is open at a time). */
struct plat_stop {
    int fd;  /* poll this for PLAT_POLLIN / PLAT_EV_IN */
    int aux; /* the other end (Windows) or -1 */
    unsigned char saved[160]; /* the signal mask to restore (POSIX) */
};
int plat_stop_open(struct plat_stop *st);
/* After fd turned readable: 1 with the request's name (strsignal's
 * "Terminated", "Interrupt", ...; "Ctrl-C", "Ctrl-Break", ... on Windows)
 * in name, or 0 when none is pending. */
int plat_stop_take(struct plat_stop *st, char *name, size_t n);
/* Closes it and restores the previous signal mask. */
void plat_stop_close(struct plat_stop *st);

/* --- regular expressions ------------------------------------------------------------------ */

/* POSIX extended regular expressions, match/no-match only (REG_EXTENDED |
 * REG_NOSUB): regcomp on POSIX; on Windows the small backtracking engine
 * of rematch.c (which the unit tests hold against regcomp). */
struct plat_re {
    void *impl;
};
/* 0, EINVAL (not a valid expression, or one whose repetitions would expand
 * it past a bound, see plat_re_bounded: err says why) or ENOMEM. */
int plat_re_compile(struct plat_re *re, const char *pattern, char *err, size_t errlen);
/* Whether s contains a match. */
bool plat_re_match(const struct plat_re *re, const char *s);
void plat_re_free(struct plat_re *re);
/* Whether a pattern's repetitions stay within what compiling it may copy
 * (both implementations call it first); false with err set otherwise. */
bool plat_re_bounded(const char *pattern, char *err, size_t errlen);

#endif
