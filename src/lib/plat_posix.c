/* The platform layer on POSIX (plat.h, plat_sock.h): thin wrappers over
 * the system calls ntlab used directly before Windows came along. */
#ifndef _WIN32
#define _GNU_SOURCE /* accept4, pipe2, signalfd, F_OFD_SETLK */
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

int plat_init(void)
{
    return 0;
}

/* --- files --------------------------------------------------------------------- */

int plat_fsync(int fd)
{
    return fsync(fd) ? errno : 0;
}

int plat_chmod(const char *path, unsigned mode)
{
    return chmod(path, (mode_t)mode) ? errno : 0;
}

int plat_fdatasync(int fd)
{
    return fdatasync(fd) ? errno : 0;
}

int plat_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fsync(fd) ? errno : 0;
    close(fd);
    return rc;
}

int plat_sync_fs(const char *path)
{
#if defined(__linux__) && defined(SYS_syncfs)
    /* syncfs, by number: its declaration wants _GNU_SOURCE */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = syscall(SYS_syncfs, fd) ? errno : 0;
    close(fd);
    return rc;
#else
    (void)path;
    sync();
    return 0;
#endif
}

int plat_rename(const char *from, const char *to)
{
    return rename(from, to) ? errno : 0;
}

int plat_mkdir(const char *path, unsigned mode)
{
    return mkdir(path, (mode_t)mode) ? errno : 0;
}

ssize_t plat_pread(int fd, void *buf, size_t n, int64_t off)
{
    return pread(fd, buf, n, (off_t)off);
}

ssize_t plat_pwrite(int fd, const void *buf, size_t n, int64_t off)
{
    return pwrite(fd, buf, n, (off_t)off);
}

int plat_realpath(const char *path, char *out, size_t n)
{
    char tmp[PATH_MAX];
    if (!realpath(path, tmp))
        return errno;
    size_t len = strlen(tmp);
    if (len >= n)
        return ENAMETOOLONG;
    memcpy(out, tmp, len + 1);
    return 0;
}

int plat_mkdtemp(char *tmpl)
{
    return mkdtemp(tmpl) ? 0 : errno;
}

int plat_tmpdir(char *out, size_t n)
{
    const char *t = getenv("TMPDIR");
    if (!t || !*t)
        t = "/tmp";
    size_t len = strlen(t);
    while (len > 1 && t[len - 1] == '/')
        len--;
    if (len >= n)
        return ENAMETOOLONG;
    memcpy(out, t, len);
    out[len] = 0;
    return 0;
}

static void from_stat(const struct stat *s, struct plat_stat *st)
{
    memset(st, 0, sizeof *st);
    st->is_reg = S_ISREG(s->st_mode);
    st->is_dir = S_ISDIR(s->st_mode);
    st->is_link = S_ISLNK(s->st_mode);
    st->dev = (uint64_t)s->st_dev;
    st->ino = (uint64_t)s->st_ino;
    st->size = (uint64_t)s->st_size;
    st->mtime_sec = (int64_t)s->st_mtim.tv_sec;
    st->mtime_nsec = (int64_t)s->st_mtim.tv_nsec;
    st->ctime_sec = (int64_t)s->st_ctim.tv_sec;
    st->ctime_nsec = (int64_t)s->st_ctim.tv_nsec;
}

int plat_stat(const char *path, struct plat_stat *st)
{
    struct stat s;
    if (stat(path, &s))
        return errno;
    from_stat(&s, st);
    return 0;
}

int plat_lstat(const char *path, struct plat_stat *st)
{
    struct stat s;
    if (lstat(path, &s))
        return errno;
    from_stat(&s, st);
    return 0;
}

int plat_fstat(int fd, struct plat_stat *st)
{
    struct stat s;
    if (fstat(fd, &s))
        return errno;
    from_stat(&s, st);
    return 0;
}

int plat_fd_private(int fd)
{
    struct stat st;
    if (fstat(fd, &st))
        return errno;
    if (!S_ISREG(st.st_mode))
        return EINVAL;
    if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
        return EPERM;
    return 0;
}

struct plat_dir {
    DIR *d;
};

int plat_dir_open(const char *path, struct plat_dir **out)
{
    *out = NULL;
    struct plat_dir *d = malloc(sizeof *d);
    if (!d)
        return ENOMEM;
    d->d = opendir(path);
    if (!d->d) {
        int e = errno;
        free(d);
        return e;
    }
    *out = d;
    return 0;
}

int plat_dir_next(struct plat_dir *d, const char **name, enum plat_dtype *type)
{
    errno = 0;
    struct dirent *e = readdir(d->d);
    if (!e)
        return errno ? errno : ENOENT;
    *name = e->d_name;
    unsigned char t = e->d_type;
    if (t == DT_UNKNOWN) { /* some file systems do not say: ask without following links */
        struct stat st;
        if (fstatat(dirfd(d->d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
            t = DT_UNKNOWN;
        else
            t = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
    }
    *type = t == DT_REG ? PLAT_DT_REG : t == DT_DIR ? PLAT_DT_DIR : PLAT_DT_OTHER;
    return 0;
}

void plat_dir_close(struct plat_dir *d)
{
    if (!d)
        return;
    closedir(d->d);
    free(d);
}

/* --- locks ---------------------------------------------------------------------- */

static int lock_cmd(unsigned flags)
{
#ifdef F_OFD_SETLK
    if (flags & PLAT_LOCK_PER_OPEN)
        return flags & PLAT_LOCK_WAIT ? F_OFD_SETLKW : F_OFD_SETLK;
#endif
    return flags & PLAT_LOCK_WAIT ? F_SETLKW : F_SETLK;
}

static int set_lock(int fd, unsigned flags, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
    while (fcntl(fd, lock_cmd(flags), &fl)) {
        if (errno == EINTR)
            continue;
        return errno == EACCES || errno == EAGAIN ? EWOULDBLOCK : errno;
    }
    return 0;
}

int plat_lock(int fd, unsigned flags)
{
    return set_lock(fd, flags, F_WRLCK);
}

int plat_unlock(int fd, unsigned flags)
{
    return set_lock(fd, flags & ~PLAT_LOCK_WAIT, F_UNLCK);
}

bool plat_lock_held(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    return fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/* --- time ------------------------------------------------------------------------ */

void plat_clock_gettime(enum plat_clock clk, struct timespec *ts)
{
    clock_gettime(clk == PLAT_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME, ts);
}

void plat_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

struct tm *plat_gmtime(const time_t *t, struct tm *out)
{
    return gmtime_r(t, out);
}

time_t plat_timegm(struct tm *tm)
{
    return timegm(tm);
}

/* --- memory and randomness ------------------------------------------------------------ */

int plat_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        size_t k = n > 256 ? 256 : n; /* getentropy's limit per call */
        if (getentropy(p, k))
            return errno;
        p += k;
        n -= k;
    }
    return 0;
}

void plat_wipe(void *p, size_t n)
{
    explicit_bzero(p, n);
}

FILE *plat_memstream_open(struct plat_memstream *ms, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    ms->buf = buf;
    ms->len = len;
    ms->f = open_memstream(buf, len);
    return ms->f;
}

int plat_memstream_close(struct plat_memstream *ms)
{
    if (!ms->f)
        return 0;
    int rc = fclose(ms->f) ? errno : 0;
    ms->f = NULL;
    if (rc) {
        free(*ms->buf);
        *ms->buf = NULL;
        *ms->len = 0;
    }
    return rc;
}

/* --- processes ------------------------------------------------------------------------ */

long plat_fork(void)
{
    return (long)fork();
}

int plat_waitpid(long pid, int *status)
{
    int st = 0;
    while (waitpid((pid_t)pid, &st, 0) < 0) {
        if (errno != EINTR)
            return errno;
    }
    if (status)
        *status = st;
    return 0;
}

/* The child's side of plat_spawn_self: any failure is written to report
 * (close-on-exec, so a successful exec closes it with nothing written). */
static void spawn_child(char *const argv[], int out_fd, int report)
{
    int e = 0;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd >= 0 ? out_fd : devnull, 1) < 0 ||
        dup2(out_fd >= 0 ? out_fd : devnull, 2) < 0)
        e = errno;
    if (!e) {
        execv("/proc/self/exe", argv);
        e = errno;
    }
    ssize_t w = write(report, &e, sizeof e);
    (void)w;
    _exit(127);
}

int plat_spawn_self(char *const argv[], int out_fd, long *pid)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return errno;
    pid_t c = fork();
    if (c < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return e;
    }
    if (c == 0)
        spawn_child(argv, out_fd, p[1]);
    close(p[1]);
    int e = 0;
    ssize_t n;
    while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(p[0]);
    if (n == (ssize_t)sizeof e && e) {
        int st;
        (void)plat_waitpid((long)c, &st);
        return e;
    }
    *pid = (long)c;
    return 0;
}

int plat_status_signal(int status)
{
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

int plat_status_exit(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void plat_kill_hard(long pid)
{
    kill((pid_t)pid, SIGKILL);
}

bool plat_pid_alive(long pid)
{
    if (pid <= 0)
        return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int plat_detach(int errfd)
{
    if (setsid() < 0)
        return errno;
    pid_t c = fork();
    if (c < 0)
        return errno;
    if (c > 0)
        _exit(0);
    umask(077);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        close(devnull);
    }
    if (errfd >= 0)
        dup2(errfd, 2);
    if (chdir("/") != 0) {
        /* "/" always exists */
    }
    return 0;
}

int plat_raise_fd_limit(uint64_t *limit)
{
    *limit = UINT64_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return errno;
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit want = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    if (rl.rlim_cur != RLIM_INFINITY)
        *limit = (uint64_t)rl.rlim_cur;
    return 0;
}

int plat_pipe(int fds[2])
{
    return pipe2(fds, O_CLOEXEC) ? errno : 0;
}

/* --- stop requests ---------------------------------------------------------------------- */

_Static_assert(sizeof(sigset_t) <= sizeof(((struct plat_stop *)0)->saved),
               "plat_stop.saved holds a sigset_t");

int plat_stop_open(struct plat_stop *st)
{
    st->fd = st->aux = -1;
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    memcpy(st->saved, &old, sizeof old);
    /* An ignored signal never reaches a signalfd: a shell starts background
     * jobs with SIGINT ignored. Blocked first, so the default action never
     * runs. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    st->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (st->fd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return e;
    }
    return 0;
}

int plat_stop_take(struct plat_stop *st, char *name, size_t n)
{
    struct signalfd_siginfo si;
    int got = 0;
    while (read(st->fd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        snprintf(name, n, "%s", strsignal(sig)); /* "Terminated", "Interrupt", ... */
        got = 1;
    }
    return got;
}

void plat_stop_close(struct plat_stop *st)
{
    if (st->fd < 0)
        return;
    close(st->fd);
    st->fd = -1;
    sigset_t old;
    memcpy(&old, st->saved, sizeof old);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* --- regular expressions ------------------------------------------------------------------ */

int plat_re_compile(struct plat_re *re, const char *pattern, char *err, size_t errlen)
{
    re->impl = NULL;
    if (!plat_re_bounded(pattern, err, errlen))
        return EINVAL;
    regex_t *r = malloc(sizeof *r);
    if (!r)
        return ENOMEM;
    int cr = regcomp(r, pattern, REG_EXTENDED | REG_NOSUB);
    if (cr) {
        if (errlen)
            regerror(cr, r, err, errlen);
        free(r);
        return cr == REG_ESPACE ? ENOMEM : EINVAL;
    }
    re->impl = r;
    return 0;
}

bool plat_re_match(const struct plat_re *re, const char *s)
{
    return re->impl && regexec(re->impl, s, 0, NULL, 0) == 0;
}

void plat_re_free(struct plat_re *re)
{
    if (re->impl) {
        regfree(re->impl);
        free(re->impl);
    }
    re->impl = NULL;
}

/* --- sockets ----------------------------------------------------------------------------- */

int plat_socket(int family, int type, int proto, int flags)
{
    if (flags & PLAT_SOCK_NONBLOCK)
        type |= SOCK_NONBLOCK;
    if (flags & PLAT_SOCK_CLOEXEC)
        type |= SOCK_CLOEXEC;
    return socket(family, type, proto);
}

int plat_sock_close(int fd)
{
    return close(fd) ? errno : 0;
}

int plat_sock_nonblock(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return errno;
    fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    return fcntl(fd, F_SETFL, fl) ? errno : 0;
}

int plat_sock_listen_opts(int fd)
{
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ? errno : 0;
}

int plat_sock_nodelay(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) ? errno : 0;
}

int plat_sock_accepted_nodelay(int fd)
{
#ifdef __linux__
    (void)fd; /* inherited from the listener (test_sockets_and_loop checks it) */
    return 0;
#else
    return plat_sock_nodelay(fd);
#endif
}

int plat_sock_v6only(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) ? errno : 0;
}

int plat_sock_error(int fd)
{
    int e = 0;
    socklen_t sl = sizeof e;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
        return errno;
    return e;
}

/* Fills sa with dir/name; when the path is too long for sun_path, it goes
 * through an O_PATH descriptor of dir (*dirfd, to close after). */
static int unix_addr(const char *dir, const char *name, struct sockaddr_un *sa, int *dirfd)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    *dirfd = -1;
    int n = snprintf(sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, name);
    if (n >= 0 && (size_t)n < sizeof sa->sun_path)
        return 0;
    *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0)
        return errno;
    n = snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dirfd, name);
    if (n < 0 || (size_t)n >= sizeof sa->sun_path) {
        close(*dirfd);
        *dirfd = -1;
        return ENAMETOOLONG;
    }
    return 0;
}

/* A new non-blocking AF_UNIX socket and its address dir/name (unix_addr);
 * 0 or an errno value, with nothing left open on failure. */
static int unix_socket(const char *dir, const char *name, struct sockaddr_un *sa, int *dirfd,
                       int *fdp)
{
    *fdp = -1;
    int e = unix_addr(dir, name, sa, dirfd);
    if (e)
        return e;
    *fdp = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (*fdp >= 0)
        return 0;
    e = errno;
    if (*dirfd >= 0)
        close(*dirfd);
    *dirfd = -1;
    return e;
}

int plat_unix_listen(const char *dir, const char *name, int backlog)
{
    struct sockaddr_un sa;
    int dirfd, fd;
    int e = unix_socket(dir, name, &sa, &dirfd, &fd);
    if (e) {
        errno = e;
        return -1;
    }
    unlink(sa.sun_path); /* the caller holds the lab: any socket here is stale */
    /* Created owner-only from the start: no window with a wider mode. */
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    e = errno;
    umask(old);
    if (r != 0 || chmod(sa.sun_path, 0600) != 0 || listen(fd, backlog) != 0) {
        if (r == 0)
            e = errno;
        close(fd);
        fd = -1;
    } else {
        e = 0;
    }
    if (dirfd >= 0)
        close(dirfd);
    errno = e;
    return e ? -1 : fd;
}

int plat_unix_connect(const char *dir, const char *name, int *fdp)
{
    struct sockaddr_un sa;
    int dirfd;
    int e = unix_socket(dir, name, &sa, &dirfd, fdp);
    if (e) {
        errno = e;
        return -1;
    }
    if (connect(*fdp, (struct sockaddr *)&sa, sizeof sa) != 0)
        e = errno;
    if (dirfd >= 0)
        close(dirfd);
    errno = e;
    return e ? -1 : *fdp;
}

bool plat_sock_peer_is_self(int fd)
{
    struct ucred cr;
    socklen_t sl = sizeof cr;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == 0 && cr.uid == geteuid();
}

int plat_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    return bind(fd, sa, len);
}

int plat_listen(int fd, int backlog)
{
    return listen(fd, backlog);
}

int plat_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    return connect(fd, sa, len);
}

int plat_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
    return getsockname(fd, sa, len);
}

int plat_shutdown_wr(int fd)
{
    return shutdown(fd, SHUT_WR);
}

int plat_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    int f = 0;
    if (flags & PLAT_SOCK_NONBLOCK)
        f |= SOCK_NONBLOCK;
    if (flags & PLAT_SOCK_CLOEXEC)
        f |= SOCK_CLOEXEC;
    return accept4(fd, sa, len, f);
}

ssize_t plat_send(int fd, const void *p, size_t n)
{
    return send(fd, p, n, MSG_NOSIGNAL);
}

ssize_t plat_recv(int fd, void *p, size_t n)
{
    return recv(fd, p, n, 0);
}

int plat_socketpair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ? errno : 0;
}

_Static_assert(PLAT_POLLIN == POLLIN && PLAT_POLLOUT == POLLOUT && PLAT_POLLERR == POLLERR &&
                   PLAT_POLLHUP == POLLHUP,
               "plat poll bits are the system's");
_Static_assert(sizeof(struct plat_pollfd) == sizeof(struct pollfd) &&
                   offsetof(struct plat_pollfd, revents) == offsetof(struct pollfd, revents),
               "struct plat_pollfd is struct pollfd");

int plat_poll(struct plat_pollfd *p, size_t n, int timeout_ms)
{
    return poll((struct pollfd *)(void *)p, (nfds_t)n, timeout_ms);
}

/* --- the event loop: epoll ------------------------------------------------------------------ */

_Static_assert(PLAT_EV_IN == EPOLLIN && PLAT_EV_OUT == EPOLLOUT && PLAT_EV_ERR == EPOLLERR &&
                   PLAT_EV_HUP == EPOLLHUP && PLAT_EV_RDHUP == EPOLLRDHUP,
               "plat event bits are epoll's");

struct plat_ev {
    int ep;
};

int plat_ev_new(struct plat_ev **out)
{
    *out = NULL;
    struct plat_ev *ev = malloc(sizeof *ev);
    if (!ev)
        return ENOMEM;
    ev->ep = epoll_create1(EPOLL_CLOEXEC);
    if (ev->ep < 0) {
        int e = errno;
        free(ev);
        return e;
    }
    *out = ev;
    return 0;
}

static int ev_ctl(struct plat_ev *ev, int op, int fd, uint32_t events, void *ptr)
{
    struct epoll_event e = {.events = events, .data.ptr = ptr};
    return epoll_ctl(ev->ep, op, fd, &e) ? errno : 0;
}

int plat_ev_add(struct plat_ev *ev, int fd, uint32_t events, void *ptr)
{
    return ev_ctl(ev, EPOLL_CTL_ADD, fd, events, ptr);
}

int plat_ev_mod(struct plat_ev *ev, int fd, uint32_t events, void *ptr)
{
    return ev_ctl(ev, EPOLL_CTL_MOD, fd, events, ptr);
}

int plat_ev_del(struct plat_ev *ev, int fd)
{
    return ev_ctl(ev, EPOLL_CTL_DEL, fd, 0, NULL);
}

int plat_ev_wait(struct plat_ev *ev, struct plat_ev_event *out, int max, int timeout_ms)
{
    struct epoll_event evs[256];
    if (max > 256)
        max = 256;
    int n = epoll_wait(ev->ep, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        out[i].events = evs[i].events;
        out[i].ptr = evs[i].data.ptr;
    }
    return n;
}

void plat_ev_free(struct plat_ev *ev)
{
    if (!ev)
        return;
    close(ev->ep);
    free(ev);
}

#else
typedef int plat_posix_unused_; /* ISO C wants a non-empty translation unit */
#endif
