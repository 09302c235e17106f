/* The platform layer on Windows (plat.h, plat_sock.h), built with
 * mingw-w64 against the system DLLs only: kernel32, ws2_32, and advapi32
 * for RtlGenRandom alone. ntlab never calls the host's security functions
 * (LogonUser, LSA, ACLs): it carries its own NT model. This file: start-up,
 * files, locks, time, memory and randomness, processes, regular
 * expressions; plat_win32_sock.c: sockets, the event loop and stop
 * requests (plat_win32.h). */
#ifdef _WIN32
#define PLAT_WIN32_IMPL /* the whole Windows API, error names included (plat_sock.h) */
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include "src/lib/plat_win32.h"
#include "src/lib/rematch.h"
#include <direct.h>
#include <errno.h>
#include <io.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <windows.h>

/* RtlGenRandom: exported by advapi32 under this name (ntsecapi.h). */
BOOLEAN NTAPI SystemFunction036(PVOID buf, ULONG len);

static int win_errno(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return EACCES;
    case ERROR_LOCK_VIOLATION:
        return EWOULDBLOCK;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        return EEXIST;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return ENOSPC;
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BUFFER_OVERFLOW:
        return ENAMETOOLONG;
    case ERROR_DIRECTORY:
        return ENOTDIR;
    case ERROR_DIR_NOT_EMPTY:
        return ENOTEMPTY;
    case ERROR_INVALID_HANDLE:
        return EBADF;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_NAME:
        return EINVAL;
    default:
        return EIO;
    }
}

int plat_init(void)
{
    /* Binary mode everywhere: files keep LF, and stdout says what the
     * POSIX build says byte for byte. */
    _fmode = _O_BINARY;
    _setmode(0, _O_BINARY);
    _setmode(1, _O_BINARY);
    _setmode(2, _O_BINARY);
    return plat_win32_wsa_startup();
}

/* --- files --------------------------------------------------------------------- */

static HANDLE fd_handle(int fd)
{
    return (HANDLE)_get_osfhandle(fd);
}

int plat_fsync(int fd)
{
    HANDLE h = fd_handle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return EBADF;
    return FlushFileBuffers(h) ? 0 : win_errno(GetLastError());
}

int plat_fdatasync(int fd)
{
    return plat_fsync(fd);
}

int plat_sync_dir(const char *dir)
{
    (void)dir; /* MoveFileEx(MOVEFILE_WRITE_THROUGH) made the rename durable */
    return 0;
}

int plat_sync_fs(const char *path)
{
    (void)path;
    return ENOSYS; /* flushing a volume needs administrator rights */
}

int plat_rename(const char *from, const char *to)
{
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return 0;
    return win_errno(GetLastError());
}

int plat_mkdir(const char *path, unsigned mode)
{
    (void)mode;
    return _mkdir(path) ? errno : 0;
}

static ssize_t rw_at(int fd, void *buf, size_t n, int64_t off, bool wr)
{
    HANDLE h = fd_handle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (off < 0) {
        errno = EINVAL;
        return -1;
    }
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)((uint64_t)off & 0xffffffffu);
    ov.OffsetHigh = (DWORD)((uint64_t)off >> 32);
    DWORD want = n > 0x40000000u ? 0x40000000u : (DWORD)n, got = 0;
    BOOL ok = wr ? WriteFile(h, buf, want, &got, &ov) : ReadFile(h, buf, want, &got, &ov);
    if (!ok) {
        DWORD e = GetLastError();
        if (!wr && e == ERROR_HANDLE_EOF)
            return 0;
        errno = win_errno(e);
        return -1;
    }
    return (ssize_t)got;
}

ssize_t plat_pread(int fd, void *buf, size_t n, int64_t off)
{
    return rw_at(fd, buf, n, off, false);
}

ssize_t plat_pwrite(int fd, const void *buf, size_t n, int64_t off)
{
    return rw_at(fd, (void *)buf, n, off, true);
}

static void slashes(char *p)
{
    for (; *p; p++)
        if (*p == '\\')
            *p = '/';
}

/* A directory path of k bytes in tmp, to out (n bytes) as the POSIX side
 * gives it: "C:\lab\" -> "C:/lab" (a root keeps its slash). */
static int dir_out(char *tmp, DWORD k, char *out, size_t n)
{
    while (k > 3 && (tmp[k - 1] == '\\' || tmp[k - 1] == '/'))
        tmp[--k] = 0;
    if (k >= n)
        return ENAMETOOLONG;
    slashes(tmp);
    memcpy(out, tmp, k + 1);
    return 0;
}

int plat_realpath(const char *path, char *out, size_t n)
{
    char tmp[MAX_PATH * 4];
    DWORD k = GetFullPathNameA(path, (DWORD)sizeof tmp, tmp, NULL);
    if (k == 0)
        return win_errno(GetLastError());
    if (k >= sizeof tmp)
        return ENAMETOOLONG;
    if (GetFileAttributesA(tmp) == INVALID_FILE_ATTRIBUTES)
        return win_errno(GetLastError());
    return dir_out(tmp, k, out, n);
}

int plat_mkdtemp(char *tmpl)
{
    size_t len = strlen(tmpl);
    if (len < 6 || strcmp(tmpl + len - 6, "XXXXXX") != 0)
        return EINVAL;
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int tries = 0; tries < 100; tries++) {
        unsigned char r[6];
        if (plat_random(r, sizeof r))
            return EIO;
        for (int i = 0; i < 6; i++)
            tmpl[len - 6 + i] = abc[r[i] % (sizeof abc - 1)];
        if (_mkdir(tmpl) == 0)
            return 0;
        if (errno != EEXIST)
            return errno;
    }
    return EEXIST;
}

int plat_tmpdir(char *out, size_t n)
{
    char tmp[MAX_PATH + 1];
    DWORD k = GetTempPathA((DWORD)sizeof tmp, tmp);
    if (k == 0 || k >= sizeof tmp)
        return ENAMETOOLONG;
    return dir_out(tmp, k, out, n);
}

static int64_t ft_100ns(FILETIME ft)
{
    /* 100 ns ticks since 1601 -> since 1970 */
    return (int64_t)(((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime) -
                     116444736000000000ull);
}

static int stat_handle(HANDLE h, struct plat_stat *st)
{
    memset(st, 0, sizeof *st);
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi))
        return win_errno(GetLastError());
    st->is_link = (fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    st->is_dir = !st->is_link && (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    st->is_reg = !st->is_link && !st->is_dir;
    st->dev = fi.dwVolumeSerialNumber;
    st->ino = (uint64_t)fi.nFileIndexHigh << 32 | fi.nFileIndexLow;
    st->size = (uint64_t)fi.nFileSizeHigh << 32 | fi.nFileSizeLow;
    int64_t m = ft_100ns(fi.ftLastWriteTime);
    st->mtime_sec = m / 10000000;
    st->mtime_nsec = m % 10000000 * 100;
    /* NT keeps no inode change time: the last write stands in for it. */
    st->ctime_sec = st->mtime_sec;
    st->ctime_nsec = st->mtime_nsec;
    return 0;
}

static int stat_path(const char *path, struct plat_stat *st, bool follow)
{
    HANDLE h = CreateFileA(path, FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT),
                           NULL);
    if (h == INVALID_HANDLE_VALUE)
        return win_errno(GetLastError());
    int rc = stat_handle(h, st);
    CloseHandle(h);
    return rc;
}

int plat_stat(const char *path, struct plat_stat *st)
{
    return stat_path(path, st, true);
}

int plat_lstat(const char *path, struct plat_stat *st)
{
    return stat_path(path, st, false);
}

int plat_fstat(int fd, struct plat_stat *st)
{
    HANDLE h = fd_handle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return EBADF;
    return stat_handle(h, st);
}

int plat_fd_private(int fd)
{
    struct plat_stat st;
    int e = plat_fstat(fd, &st);
    if (e)
        return e;
    return st.is_reg ? 0 : EINVAL;
}

struct plat_dir {
    HANDLE h;
    bool first, done;
    WIN32_FIND_DATAA fd;
};

int plat_dir_open(const char *path, struct plat_dir **out)
{
    *out = NULL;
    char pat[MAX_PATH * 4];
    int k = snprintf(pat, sizeof pat, "%s/*", path);
    if (k < 0 || (size_t)k >= sizeof pat)
        return ENAMETOOLONG;
    struct plat_dir *d = calloc(1, sizeof *d);
    if (!d)
        return ENOMEM;
    d->h = FindFirstFileA(pat, &d->fd);
    if (d->h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        free(d);
        if (e == ERROR_FILE_NOT_FOUND) /* an empty drive root */
            return ENOENT;
        return e == ERROR_DIRECTORY ? ENOTDIR : win_errno(e);
    }
    d->first = true;
    *out = d;
    return 0;
}

int plat_dir_next(struct plat_dir *d, const char **name, enum plat_dtype *type)
{
    if (d->done)
        return ENOENT;
    if (!d->first && !FindNextFileA(d->h, &d->fd)) {
        DWORD e = GetLastError();
        d->done = true;
        return e == ERROR_NO_MORE_FILES ? ENOENT : win_errno(e);
    }
    d->first = false;
    DWORD a = d->fd.dwFileAttributes;
    *name = d->fd.cFileName;
    *type = a & FILE_ATTRIBUTE_REPARSE_POINT ? PLAT_DT_OTHER
            : a & FILE_ATTRIBUTE_DIRECTORY   ? PLAT_DT_DIR
                                             : PLAT_DT_REG;
    return 0;
}

void plat_dir_close(struct plat_dir *d)
{
    if (!d)
        return;
    FindClose(d->h);
    free(d);
}

/* --- locks ---------------------------------------------------------------------- */

/* One byte at 2^62: far past any data, so the lock never blocks a read. */
static void lock_ov(OVERLAPPED *ov)
{
    memset(ov, 0, sizeof *ov);
    ov->OffsetHigh = 0x40000000u;
}

int plat_lock(int fd, unsigned flags)
{
    HANDLE h = fd_handle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return EBADF;
    OVERLAPPED ov;
    lock_ov(&ov);
    DWORD f = LOCKFILE_EXCLUSIVE_LOCK | (flags & PLAT_LOCK_WAIT ? 0 : LOCKFILE_FAIL_IMMEDIATELY);
    if (LockFileEx(h, f, 0, 1, 0, &ov))
        return 0;
    DWORD e = GetLastError();
    return e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING ? EWOULDBLOCK : win_errno(e);
}

int plat_unlock(int fd, unsigned flags)
{
    (void)flags;
    HANDLE h = fd_handle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return EBADF;
    OVERLAPPED ov;
    lock_ov(&ov);
    return UnlockFileEx(h, 0, 1, 0, &ov) ? 0 : win_errno(GetLastError());
}

bool plat_lock_held(int fd)
{
    if (plat_lock(fd, 0) != 0)
        return true;
    plat_unlock(fd, 0);
    return false;
}

/* --- time ------------------------------------------------------------------------ */

void plat_clock_gettime(enum plat_clock clk, struct timespec *ts)
{
    if (clk == PLAT_CLOCK_MONOTONIC) {
        LARGE_INTEGER f, c;
        QueryPerformanceFrequency(&f);
        QueryPerformanceCounter(&c);
        ts->tv_sec = (time_t)(c.QuadPart / f.QuadPart);
        ts->tv_nsec = (long)((c.QuadPart % f.QuadPart) * 1000000000LL / f.QuadPart);
        return;
    }
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    int64_t t = ft_100ns(ft);
    ts->tv_sec = (time_t)(t / 10000000);
    ts->tv_nsec = (long)(t % 10000000 * 100);
}

void plat_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

struct tm *plat_gmtime(const time_t *t, struct tm *out)
{
    return gmtime_s(out, t) == 0 ? out : NULL;
}

time_t plat_timegm(struct tm *tm)
{
    return _mkgmtime(tm);
}

/* --- memory and randomness ------------------------------------------------------------ */

int plat_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ULONG k = n > 65536 ? 65536 : (ULONG)n;
        if (!SystemFunction036(p, k))
            return EIO;
        p += k;
        n -= k;
    }
    return 0;
}

void plat_wipe(void *p, size_t n)
{
    SecureZeroMemory(p, n);
}

FILE *plat_memstream_open(struct plat_memstream *ms, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    ms->buf = buf;
    ms->len = len;
    ms->f = NULL;
    char dir[MAX_PATH + 1], name[MAX_PATH + 1];
    DWORD k = GetTempPathA((DWORD)sizeof dir, dir);
    if (k == 0 || k >= sizeof dir || !GetTempFileNameA(dir, "ntl", 0, name))
        return NULL;
    /* Deleted when closed; kept in memory as far as the cache allows. */
    int fd = _open(name, _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY | _O_NOINHERIT | _O_TEMPORARY |
                             _O_SHORT_LIVED,
                   _S_IREAD | _S_IWRITE);
    if (fd < 0) {
        DeleteFileA(name);
        return NULL;
    }
    ms->f = _fdopen(fd, "w+b");
    if (!ms->f)
        _close(fd);
    return ms->f;
}

int plat_memstream_close(struct plat_memstream *ms)
{
    if (!ms->f)
        return 0;
    FILE *f = ms->f;
    ms->f = NULL;
    int rc = 0;
    long end = -1;
    if (fflush(f) != 0 || fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        rc = errno ? errno : EIO;
    char *p = rc ? NULL : malloc((size_t)end + 1);
    if (!rc && !p)
        rc = ENOMEM;
    if (!rc && end > 0 && fread(p, 1, (size_t)end, f) != (size_t)end)
        rc = EIO;
    fclose(f);
    if (rc) {
        free(p);
        return rc;
    }
    p[end] = 0;
    *ms->buf = p;
    *ms->len = (size_t)end;
    return 0;
}

/* --- processes ------------------------------------------------------------------------ */

int plat_chmod(const char *path, unsigned mode)
{
    (void)path;
    (void)mode;
    return 0;
}

long plat_fork(void)
{
    errno = ENOSYS;
    return -1;
}

int plat_spawn_self(char *const argv[], int out_fd, long *pid)
{
    (void)argv;
    (void)out_fd;
    (void)pid;
    return ENOSYS;
}

int plat_waitpid(long pid, int *status)
{
    (void)pid;
    if (status)
        *status = 0;
    return ENOSYS;
}

int plat_status_signal(int status)
{
    (void)status;
    return 0;
}

int plat_status_exit(int status)
{
    return status;
}

void plat_kill_hard(long pid)
{
    (void)pid;
}

bool plat_pid_alive(long pid)
{
    if (pid <= 0)
        return false;
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
    if (!h)
        return GetLastError() == ERROR_ACCESS_DENIED;
    bool alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return alive;
}

int plat_detach(int errfd)
{
    (void)errfd;
    return ENOSYS;
}

int plat_raise_fd_limit(uint64_t *limit)
{
    *limit = UINT64_MAX; /* sockets are handles: no RLIMIT_NOFILE to raise */
    return 0;
}

int plat_pipe(int fds[2])
{
    return _pipe(fds, 65536, _O_BINARY | _O_NOINHERIT) ? errno : 0;
}

/* --- regular expressions ------------------------------------------------------------------ */

int plat_re_compile(struct plat_re *re, const char *pattern, char *err, size_t errlen)
{
    struct rematch *m = NULL;
    re->impl = NULL;
    if (!plat_re_bounded(pattern, err, errlen))
        return EINVAL;
    int rc = rematch_compile(pattern, &m, err, errlen);
    re->impl = m;
    return rc;
}

bool plat_re_match(const struct plat_re *re, const char *s)
{
    return re->impl && rematch_exec(re->impl, s);
}

void plat_re_free(struct plat_re *re)
{
    rematch_free(re->impl);
    re->impl = NULL;
}

#else
typedef int plat_win32_unused_; /* ISO C wants a non-empty translation unit */
#endif
