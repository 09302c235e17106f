/* The control channel (control.h): the wire format, the CLI's client side,
 * and the socket setup of the daemon's side. */
#include "src/net/control.h"
#include "src/lib/afile.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "src/net/ctllocal.h"
#include "src/net/ctltcp.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char req_magic[4] = {'N', 'T', 'L', 'C'};
static const char resp_magic[4] = {'N', 'T', 'L', 'R'};
#define VERSION 1u
#define HEADER 9u /* magic, version, length */

static int put_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    return buf_append(b, x, 4);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int put_str(struct buf *b, const char *s, size_t n)
{
    int e = put_u32(b, (uint32_t)n);
    return e ? e : buf_append(b, s, n);
}

int control_request_encode(struct buf *b, const char *machine, int argc, char *const *argv)
{
    return control_request_encode_files(b, machine, argc, argv, NULL, 0);
}

/* Whether files fit the bounds for argc arguments: 0, E2BIG or EINVAL. */
static int files_check(int argc, const struct control_file *files, size_t nfiles)
{
    if (nfiles > CONTROL_FILES_MAX)
        return E2BIG;
    size_t total = 0;
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].arg < 1 || files[i].arg >= argc)
            return EINVAL;
        for (size_t k = 0; k < i; k++)
            if (files[k].arg == files[i].arg)
                return EINVAL;
        if (files[i].len > CONTROL_FILE_MAX - total)
            return E2BIG;
        total += files[i].len;
    }
    return 0;
}

int control_request_encode_files(struct buf *b, const char *machine, int argc, char *const *argv,
                                 const struct control_file *files, size_t nfiles)
{
    if (argc < 1 || (unsigned)argc > CONTROL_ARGC_MAX)
        return E2BIG;
    int fe = files_check(argc, files, nfiles);
    if (fe)
        return fe;
    size_t body = 8 + (machine ? 4 + strlen(machine) : 0);
    if (nfiles) {
        body += 4;
        for (size_t i = 0; i < nfiles; i++)
            body += 8 + files[i].len;
    }
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (n > CONTROL_ARG_MAX)
            return E2BIG;
        body += 4 + n;
    }
    if (machine && strlen(machine) > CONTROL_ARG_MAX)
        return E2BIG;
    if (body > CONTROL_REQUEST_MAX)
        return E2BIG;
    int e = buf_append(b, req_magic, 4);
    if (!e)
        e = buf_putc(b, (char)VERSION);
    if (!e)
        e = put_u32(b, (uint32_t)body);
    if (!e)
        e = put_u32(b, (machine ? 1u : 0u) | (nfiles ? 2u : 0u));
    if (!e && machine)
        e = put_str(b, machine, strlen(machine));
    if (!e)
        e = put_u32(b, (uint32_t)argc);
    for (int i = 0; !e && i < argc; i++)
        e = put_str(b, argv[i], strlen(argv[i]));
    if (!e && nfiles)
        e = put_u32(b, (uint32_t)nfiles);
    for (size_t i = 0; !e && i < nfiles; i++) {
        e = put_u32(b, (uint32_t)files[i].arg);
        if (!e)
            e = put_str(b, files[i].data, files[i].len);
    }
    return e;
}

/* The files part of a request body: [p, end) holds exactly NFILES (ARG LEN data)*. */
static int take_files(const unsigned char **p, const unsigned char *end,
                      struct control_request *req)
{
    if (end - *p < 4)
        return EPROTO;
    uint32_t n = get_u32(*p);
    *p += 4;
    if (n < 1)
        return EPROTO;
    if (n > CONTROL_FILES_MAX)
        return E2BIG;
    for (uint32_t i = 0; i < n; i++) {
        if (end - *p < 8)
            return EPROTO;
        uint32_t arg = get_u32(*p), len = get_u32(*p + 4);
        *p += 8;
        if ((size_t)(end - *p) < len)
            return EPROTO;
        char *data = malloc(len ? len : 1);
        if (!data)
            return ENOMEM;
        memcpy(data, *p, len);
        *p += len;
        req->files[req->nfiles++] = (struct control_file){(int)(arg > INT32_MAX ? 0 : arg), data,
                                                          len};
    }
    return files_check(req->argc, req->files, req->nfiles) == 0 ? 0 : EPROTO;
}

void control_request_free(struct control_request *req)
{
    if (!req)
        return;
    free(req->machine);
    if (req->argv)
        for (int i = 0; i < req->argc; i++)
            free(req->argv[i]);
    free(req->argv);
    control_request_files_drop(req);
    for (size_t i = 0; i < req->nfiles; i++)
        free((void *)req->files[i].data);
    memset(req, 0, sizeof *req);
}

void control_request_files_drop(struct control_request *req)
{
    for (size_t i = 0; i < CONTROL_FILES_MAX; i++) {
        if (req->placed[i])
            (void)unlink(req->placed[i]);
        free(req->placed[i]);
        free(req->shown[i]);
        req->placed[i] = req->shown[i] = NULL;
    }
}

int control_request_unplace(const struct control_request *req, char **text, size_t *len)
{
    if (!*text)
        return 0;
    struct buf b = BUF_INIT;
    size_t at = 0;
    while (at < *len) {
        /* the earliest placed path from here (a placed path holds no other) */
        size_t best = *len, which = 0;
        for (size_t i = 0; i < CONTROL_FILES_MAX; i++) {
            if (!req->placed[i] || !req->shown[i])
                continue;
            size_t pl = strlen(req->placed[i]);
            for (size_t k = at; k + pl <= *len && k < best; k++)
                if (memcmp(*text + k, req->placed[i], pl) == 0) {
                    best = k;
                    which = i;
                    break;
                }
        }
        if (best == *len && at == 0)
            return 0; /* nothing placed is named: the text stays as it is */
        if (buf_append(&b, *text + at, best - at) ||
            (best < *len && buf_puts(&b, req->shown[which]))) {
            buf_free(&b);
            return ENOMEM;
        }
        at = best < *len ? best + strlen(req->placed[which]) : *len;
    }
    free(*text);
    *len = b.len;
    *text = b.p ? b.p : calloc(1, 1);
    return *text ? 0 : ENOMEM;
}

/* Removes every file in dir (none but placed ones are put there); a
 * missing dir is empty. 0 or an errno value. */
static int clear_placed(const char *dir)
{
    struct plat_dir *d;
    int e = plat_dir_open(dir, &d);
    if (e)
        return e == ENOENT ? 0 : e;
    const char *name;
    enum plat_dtype type;
    while ((e = plat_dir_next(d, &name, &type)) == 0) {
        char p[PATH_MAX];
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        int n = snprintf(p, sizeof p, "%s/%s", dir, name);
        if (n < 0 || (size_t)n >= sizeof p || unlink(p) != 0) {
            e = n < 0 || (size_t)n >= sizeof p ? ENAMETOOLONG : errno;
            break;
        }
    }
    plat_dir_close(d);
    return e == ENOENT ? 0 : e;
}

int control_request_files_put(struct control_request *req, const char *labdir, char *err,
                              size_t errlen)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s/.ctl-files", labdir);
    if (n < 0 || (size_t)n >= sizeof dir) {
        snprintf(err, errlen, "lab path too long");
        return ENAMETOOLONG;
    }
    /* Only this request's files in it: a file-word the command checks
     * (cli_live_command) cannot name one of an earlier request. */
    int e = clear_placed(dir);
    if (e) {
        snprintf(err, errlen, "cannot empty %s: %s", dir, plat_strerror(e));
        return e;
    }
    e = req->nfiles ? plat_mkdir(dir, 0700) : 0;
    if (e && e != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, plat_strerror(e));
        return e;
    }
    for (size_t i = 0; i < req->nfiles; i++) {
        const struct control_file *f = &req->files[i];
        /* One request at a time: a fixed name per slot is unique. The
         * client's base name stays readable in messages, made safe. */
        const char *base = strrchr(req->argv[f->arg], '/');
        base = base ? base + 1 : req->argv[f->arg];
        char safe[64];
        size_t k = 0;
        for (; base[k] && k < sizeof safe - 1; k++) {
            char c = base[k];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
            safe[k] = ok ? c : '_';
        }
        safe[k] = 0;
        char path[PATH_MAX];
        n = snprintf(path, sizeof path, "%s/%zu-%s", dir, i, safe);
        if (n < 0 || (size_t)n >= sizeof path || !(req->placed[i] = strdup(path))) {
            snprintf(err, errlen, "lab path too long");
            return ENAMETOOLONG;
        }
        e = afile_write(path, f->data, f->len, 0600);
        char *arg = e ? NULL : strdup(path);
        if (e || !arg) {
            snprintf(err, errlen, "cannot write %s: %s", path, plat_strerror(e ? e : ENOMEM));
            return e ? e : ENOMEM;
        }
        req->shown[i] = req->argv[f->arg];
        req->argv[f->arg] = arg;
    }
    return 0;
}

/* Reads one length-prefixed string from [*p, end). */
static int take_str(const unsigned char **p, const unsigned char *end, char **out)
{
    if (end - *p < 4)
        return EPROTO;
    uint32_t n = get_u32(*p);
    *p += 4;
    if (n > CONTROL_ARG_MAX)
        return E2BIG;
    if ((size_t)(end - *p) < n || memchr(*p, 0, n))
        return EPROTO;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return ENOMEM;
    memcpy(s, *p, n);
    s[n] = 0;
    *p += n;
    *out = s;
    return 0;
}

int control_request_parse(const void *data, size_t len, struct control_request *req)
{
    const unsigned char *d = data;
    memset(req, 0, sizeof *req);
    size_t have = len < 4 ? len : 4;
    if (memcmp(d, req_magic, have) != 0)
        return EPROTO;
    if (len < HEADER)
        return EAGAIN;
    if (d[4] != VERSION)
        return EPROTO;
    uint32_t body = get_u32(d + 5);
    if (body > CONTROL_REQUEST_MAX)
        return E2BIG;
    if (len < HEADER + body)
        return EAGAIN;
    if (len > HEADER + body)
        return EPROTO; /* one request per connection */
    const unsigned char *p = d + HEADER, *end = p + body;
    int e = 0;
    if (end - p < 4)
        return EPROTO;
    uint32_t flags = get_u32(p);
    p += 4;
    if (flags & ~3u)
        return EPROTO;
    if (flags & 1u)
        e = take_str(&p, end, &req->machine);
    if (!e && end - p < 4)
        e = EPROTO;
    uint32_t argc = 0;
    if (!e) {
        argc = get_u32(p);
        p += 4;
        if (argc < 1)
            e = EPROTO;
        else if (argc > CONTROL_ARGC_MAX)
            e = E2BIG;
    }
    if (!e) {
        req->argv = calloc((size_t)argc + 1, sizeof *req->argv);
        if (!req->argv)
            e = ENOMEM;
    }
    for (uint32_t i = 0; !e && i < argc; i++) {
        e = take_str(&p, end, &req->argv[i]);
        if (!e)
            req->argc = (int)i + 1;
    }
    if (!e && (flags & 2u))
        e = take_files(&p, end, req);
    if (!e && p != end)
        e = EPROTO;
    if (e)
        control_request_free(req);
    return e;
}

int control_response_encode(struct buf *b, int rc, const char *out, size_t outlen,
                            const char *err, size_t errlen)
{
    static const char cut[] = "ntlab: (output cut at the control channel's limit)\n";
    bool cut_out = outlen > CONTROL_OUTPUT_MAX;
    if (cut_out)
        outlen = CONTROL_OUTPUT_MAX;
    if (errlen > CONTROL_OUTPUT_MAX - sizeof cut)
        errlen = CONTROL_OUTPUT_MAX - sizeof cut, cut_out = true;
    int e = buf_append(b, resp_magic, 4);
    if (!e)
        e = buf_putc(b, (char)VERSION);
    if (!e)
        e = put_u32(b, (uint32_t)rc);
    if (!e)
        e = put_str(b, out ? out : "", out ? outlen : 0);
    if (!e)
        e = put_u32(b, (uint32_t)(errlen + (cut_out ? sizeof cut - 1 : 0)));
    if (!e && errlen)
        e = buf_append(b, err, errlen);
    if (!e && cut_out)
        e = buf_append(b, cut, sizeof cut - 1);
    return e;
}

void control_refuse_peer(int fd, const char *labdir)
{
    char msg[PATH_MAX + 160];
    int n = snprintf(msg, sizeof msg,
                     "ntlab: permission denied: %s/%s (the daemon serving the lab runs as "
                     "another user; only that user may send it commands)\n",
                     labdir ? labdir : ".", CONTROL_SOCKET);
    struct buf b = BUF_INIT;
    if (n > 0 && (size_t)n < sizeof msg && control_response_encode(&b, 1, "", 0, msg, (size_t)n) == 0)
        (void)plat_send(fd, b.p, b.len); /* a few hundred bytes: the socket buffer takes them */
    buf_free(&b);
    plat_sock_close(fd);
}

/* --- addressing the socket ------------------------------------------------------ */

static int path_of(const char *labdir, const char *file, char *out, size_t n)
{
    int k = snprintf(out, n, "%s/%s", labdir, file);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

void control_unlink(const char *labdir)
{
    char p[PATH_MAX];
    if (!PLAT_HAS_UNIX_SOCKETS) /* the endpoint file and its secret (ctllocal.h) */
        ctllocal_unlink(labdir);
    else if (path_of(labdir, CONTROL_SOCKET, p, sizeof p) == 0)
        unlink(p);
}

/* Whether a live daemon holds the lab's pid-file lock. */
static bool daemon_alive(const char *labdir)
{
    char p[PATH_MAX];
    if (path_of(labdir, CONTROL_PIDFILE, p, sizeof p))
        return false;
    struct filelock l = {-1};
    int e = filelock_acquire(&l, p, false);
    if (e == 0) {
        filelock_release(&l);
        return false;
    }
    return e == EWOULDBLOCK || e == EAGAIN || e == EACCES;
}

int control_listen(const char *labdir, int *fdp, char *err, size_t errlen)
{
    int fd = plat_unix_listen(labdir, CONTROL_SOCKET, 64);
    int e = fd < 0 ? errno : 0;
    if (e)
        snprintf(err, errlen, "control socket %s/%s: %s", labdir, CONTROL_SOCKET, strerror(e));
    *fdp = fd;
    return e;
}

/* --- the client ------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become ready for ev before the deadline. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return ETIMEDOUT;
        struct plat_pollfd p = {fd, ev, 0};
        int r = plat_poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left));
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return errno;
    }
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = plat_send(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            int e = wait_fd(fd, PLAT_POLLOUT, deadline);
            if (e)
                return e;
        } else {
            return w < 0 ? errno : EPIPE;
        }
    }
    return 0;
}

/* Reads until EOF (the daemon closes after its response). */
static int recv_all(int fd, struct buf *b, int64_t deadline)
{
    char tmp[65536];
    for (;;) {
        ssize_t r = plat_recv(fd, tmp, sizeof tmp);
        if (r > 0) {
            if (b->len + (size_t)r > 2u * CONTROL_OUTPUT_MAX + 64)
                return E2BIG;
            if (buf_append(b, tmp, (size_t)r))
                return ENOMEM;
        } else if (r == 0) {
            return 0;
        } else if (errno == EAGAIN || errno == EINTR) {
            int e = wait_fd(fd, PLAT_POLLIN, deadline);
            if (e)
                return e;
        } else {
            return errno;
        }
    }
}

static bool decode_response(const struct buf *b, int *rc, FILE *out, FILE *err)
{
    const unsigned char *p = (const unsigned char *)b->p;
    size_t n = b->len;
    if (n < 13 || memcmp(p, resp_magic, 4) != 0 || p[4] != VERSION)
        return false;
    uint32_t code = get_u32(p + 5), ol = get_u32(p + 9);
    if (ol > CONTROL_OUTPUT_MAX || n - 13 < ol + 4u)
        return false;
    uint32_t el = get_u32(p + 13 + ol);
    if (el > CONTROL_OUTPUT_MAX || n - 17 - ol != el)
        return false;
    fwrite(p + 13, 1, ol, out);
    fwrite(p + 17 + ol, 1, el, err);
    fflush(out);
    fflush(err);
    *rc = (int)code;
    return true;
}

/* Sends the request (after pre, the TCP auth frame, if any) on a connected
 * or connecting fd and copies the response out. Closes fd. */
/* What one forwarded command carries. */
struct fwd {
    const char *machine;
    int argc;
    char **argv;
    const struct control_file *files;
    size_t nfiles;
    const struct control_loader *load; /* or NULL */
};

static void forward_on(int fd, const char *where, bool tcp, struct buf *pre, const struct fwd *q,
                       FILE *out, FILE *err, int *rc, int64_t deadline)
{
    const struct control_file *files = q->files;
    size_t nfiles = q->nfiles;
    /* The files are read only now that a daemon answered: with none the
     * command runs on the lab's files and reads them itself. */
    if (q->load && q->load->load(q->load->arg, &files, &nfiles, err, rc)) {
        plat_sock_close(fd); /* the daemon sees a client that sent nothing */
        buf_free(pre);
        return;
    }
    int e = control_request_encode_files(pre, q->machine, q->argc, q->argv, files, nfiles);
    if (e) {
        plat_sock_close(fd);
        buf_free(pre);
        fprintf(err, "ntlab: command too long for the control channel (%s)\n",
                e == E2BIG && nfiles ? "its files are over 16 MiB together" : strerror(e));
        *rc = 2;
        return;
    }
    e = send_all(fd, pre->p, pre->len, deadline);
    buf_free(pre); /* it may hold the secret: not kept longer than needed */
    struct buf b = BUF_INIT;
    /* A daemon that refuses the caller answers and hangs up before reading
     * the request: the send fails (EPIPE), and its answer is still there. */
    bool refused = e == EPIPE || e == ECONNRESET;
    if (!e || refused) {
        plat_shutdown_wr(fd);
        int re = recv_all(fd, &b, deadline);
        if (re == ECONNRESET && b.len) /* it closed with our request unread */
            re = 0;
        e = refused && b.len ? 0 : e ? e : re;
    }
    plat_sock_close(fd);
    if (e || !decode_response(&b, rc, out, err)) {
        /* Over TCP the daemon hangs up without a word on a wrong secret. */
        fprintf(err, "ntlab: the daemon serving %s failed during the request (%s)\n", where,
                e ? strerror(e) : b.len || !tcp ? "malformed response"
                                                : "closed without an answer: a wrong secret?");
        *rc = 1;
    }
    buf_free(&b);
}

/* Waits for a non-blocking connect to finish. 0 or its errno. */
static int connect_wait(int fd, int64_t deadline)
{
    int e = wait_fd(fd, PLAT_POLLOUT, deadline);
    return e ? e : plat_sock_error(fd);
}

/* NTLAB_CONTROL=tcp:HOST:PORT (ctltcp.h): that endpoint and nothing else;
 * when it cannot be reached the command fails rather than falling back to
 * the lab's files. */
static bool forward_tcp(const char *spec, const char *secret_file, const struct fwd *q, FILE *out,
                        FILE *err, int *rc)
{
    int64_t deadline = now_ms() + CONTROL_TIMEOUT_MS;
    struct buf pre = BUF_INIT;
    char msg[512];
    int fd;
    int e = ctltcp_client_open(spec, secret_file, &pre, &fd, msg, sizeof msg);
    if (!e) {
        e = connect_wait(fd, deadline);
        if (e) {
            snprintf(msg, sizeof msg, "control %s: %s", spec, strerror(e));
            plat_sock_close(fd);
        }
    }
    if (e) {
        buf_free(&pre);
        fprintf(err, "ntlab: %s\n", msg);
        *rc = 1;
        return true;
    }
    forward_on(fd, spec, true, &pre, q, out, err, rc, deadline);
    return true;
}

bool control_forward(const char *labdir, const char *machine, int argc, char **argv, FILE *out,
                     FILE *err, int *rc)
{
    return control_forward_files(labdir, machine, argc, argv, NULL, 0, out, err, rc);
}

static bool forward_q(const char *labdir, const struct fwd *qp, FILE *out, FILE *err, int *rc);

bool control_forward_files(const char *labdir, const char *machine, int argc, char **argv,
                           const struct control_file *files, size_t nfiles, FILE *out, FILE *err,
                           int *rc)
{
    const struct fwd q = {machine, argc, argv, files, nfiles, NULL};
    return forward_q(labdir, &q, out, err, rc);
}

bool control_forward_load(const char *labdir, const char *machine, int argc, char **argv,
                          const struct control_loader *load, FILE *out, FILE *err, int *rc)
{
    const struct fwd q = {machine, argc, argv, NULL, 0, load};
    return forward_q(labdir, &q, out, err, rc);
}

static bool forward_q(const char *labdir, const struct fwd *qp, FILE *out, FILE *err, int *rc)
{
    const struct fwd q = *qp;
    const char *tcp = getenv(CTLTCP_ENV);
    if (tcp && *tcp)
        return forward_tcp(tcp, getenv(CTLTCP_SECRET_ENV), &q, out, err, rc);
    int64_t deadline = now_ms() + CONTROL_TIMEOUT_MS;
    if (!PLAT_HAS_UNIX_SOCKETS) {
        /* The endpoint the daemon published in the lab (ctllocal.h). */
        char spec[CTLLOCAL_SPEC_MAX], secret[PATH_MAX];
        if (ctllocal_lookup(labdir, spec, sizeof spec, secret, sizeof secret))
            return false;
        if (!daemon_alive(labdir)) { /* left by a daemon that died */
            control_unlink(labdir);
            return false;
        }
        return forward_tcp(spec, secret, &q, out, err, rc);
    }
    int fd;
    int r = plat_unix_connect(labdir, CONTROL_SOCKET, &fd);
    int e = r >= 0 ? 0 : errno;
    if (e == EINPROGRESS || e == EAGAIN) /* a Unix socket with a full backlog: wait for the daemon */
        e = connect_wait(fd, deadline);
    if (e) {
        if (fd >= 0)
            plat_sock_close(fd);
        if (e == EACCES || e == EPERM) {
            /* Another user's lab or daemon: say so and where, rather than
             * fall back to files this user cannot read either. */
            char p[PATH_MAX];
            if (access(labdir, X_OK) != 0)
                fprintf(err, "ntlab: permission denied: %s (the lab directory is not yours)\n",
                        labdir);
            else if (path_of(labdir, CONTROL_SOCKET, p, sizeof p) == 0)
                fprintf(err, "ntlab: permission denied: %s (the daemon serving the lab runs as "
                             "another user; only that user may send it commands)\n", p);
            *rc = 1;
            return true;
        }
        /* Nobody listening: a daemon that died. Remove its socket unless a
         * live daemon holds the lab (it may be binding a new one). */
        if (e == ECONNREFUSED && !daemon_alive(labdir))
            control_unlink(labdir);
        return false;
    }
    struct buf pre = BUF_INIT;
    forward_on(fd, labdir, false, &pre, &q, out, err, rc, deadline);
    return true;
}
