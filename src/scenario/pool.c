/* Worker processes for ntlab run -j N. One socket pair per worker carries
 * indices down and serialized results up (a socket, not a pipe, so that a
 * write to a dead peer is EPIPE and never SIGPIPE). Where the platform has
 * no fork (Windows), the jobs run one after the other in this process. */
#include "src/scenario/pool.h"
#include "src/scenario/tcp.h"
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIRE_MAGIC 0x524e4353u /* "SCNR" */
#define WIRE_MAX (256u << 20)
#define WIRE_STRINGS 8
#define WIRE_NULL 0xffffffffu

static void put32(struct buf *b, uint32_t v, int *rc)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    if (*rc == 0)
        *rc = buf_append(b, x, 4);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fields(struct scn_result *r, char **v[WIRE_STRINGS])
{
    v[0] = &r->path;
    v[1] = &r->title;
    v[2] = &r->where;
    v[3] = &r->message;
    v[4] = &r->diff;
    v[5] = &r->transcript;
    v[6] = &r->actual;
    v[7] = &r->kept;
}

int scn_result_serialize(struct buf *out, size_t index, const struct scn_result *r)
{
    int rc = 0;
    size_t start = out->len;
    put32(out, 0, &rc); /* total, patched below */
    put32(out, WIRE_MAGIC, &rc);
    put32(out, (uint32_t)index, &rc);
    put32(out, (uint32_t)(index >> 32), &rc);
    put32(out, (uint32_t)r->status, &rc);
    uint64_t us = (uint64_t)(r->seconds * 1e6);
    put32(out, (uint32_t)us, &rc);
    put32(out, (uint32_t)(us >> 32), &rc);
    char **v[WIRE_STRINGS];
    fields((struct scn_result *)r, v);
    for (int i = 0; i < WIRE_STRINGS && rc == 0; i++) {
        const char *s = *v[i];
        size_t len = s ? strlen(s) : 0;
        if (len >= WIRE_NULL)
            len = WIRE_NULL - 1;
        put32(out, s ? (uint32_t)len : WIRE_NULL, &rc);
        if (s && rc == 0)
            rc = buf_append(out, s, len);
    }
    if (rc)
        return rc;
    size_t total = out->len - start - 4;
    if (total > WIRE_MAX)
        return EFBIG;
    unsigned char *p = (unsigned char *)out->p + start;
    p[0] = (unsigned char)total;
    p[1] = (unsigned char)(total >> 8);
    p[2] = (unsigned char)(total >> 16);
    p[3] = (unsigned char)(total >> 24);
    return 0;
}

size_t scn_result_parse(const char *data, size_t len, size_t *index, struct scn_result *r)
{
    const unsigned char *p = (const unsigned char *)data;
    if (len < 4)
        return 0;
    uint32_t total = get32(p);
    if (total > WIRE_MAX || total < 24)
        return (size_t)-1;
    if (len < 4 + (size_t)total)
        return 0;
    const unsigned char *q = p + 4, *end = p + 4 + total;
    if (get32(q) != WIRE_MAGIC)
        return (size_t)-1;
    memset(r, 0, sizeof *r);
    *index = (size_t)get32(q + 4) | (size_t)((uint64_t)get32(q + 8) << 32);
    uint32_t st = get32(q + 12);
    if (st > SCN_SKIP)
        return (size_t)-1;
    r->status = (enum scn_status)st;
    uint64_t us = (uint64_t)get32(q + 16) | (uint64_t)get32(q + 20) << 32;
    r->seconds = (double)us / 1e6;
    q += 24;
    char **v[WIRE_STRINGS];
    fields(r, v);
    for (int i = 0; i < WIRE_STRINGS; i++) {
        if (end - q < 4)
            goto bad;
        uint32_t l = get32(q);
        q += 4;
        if (l == WIRE_NULL)
            continue;
        if ((size_t)(end - q) < l)
            goto bad;
        char *s = malloc((size_t)l + 1);
        if (!s)
            goto bad;
        memcpy(s, q, l);
        s[l] = 0;
        *v[i] = s;
        q += l;
    }
    if (q != end)
        goto bad;
    return 4 + (size_t)total;
bad:
    scn_result_free(r);
    return (size_t)-1;
}

struct worker {
    long pid;
    int fd;      /* parent's end of the socketpair, -1 when gone */
    long busy;   /* index being run, or -1 */
    bool closed; /* no more work will be sent */
    struct buf in;
};

static int read_full(int fd, void *data, size_t len)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = plat_recv(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The worker's life: indices in, results out, until the parent hangs up. */
static void worker_main(int fd, scn_pool_job job, void *job_arg)
{
    for (;;) {
        uint64_t idx;
        if (read_full(fd, &idx, sizeof idx))
            break;
        struct scn_result r;
        memset(&r, 0, sizeof r);
        job(job_arg, (size_t)idx, &r);
        struct buf b = BUF_INIT;
        int rc = scn_result_serialize(&b, (size_t)idx, &r);
        if (rc) {
            /* Too big or no memory: send what can be said. */
            buf_free(&b);
            struct scn_result small = {.status = SCN_FAIL, .path = r.path,
                                       .message = "the result could not be sent (too large)"};
            rc = scn_result_serialize(&b, (size_t)idx, &small);
        }
        scn_result_free(&r);
        if (rc == 0)
            rc = scn_tcp_send_all(fd, b.p, b.len);
        buf_free(&b);
        if (rc)
            break;
    }
    plat_sock_close(fd);
}

static int spawn(struct worker *w, struct worker *all, size_t nall, scn_pool_job job,
                 void *job_arg)
{
    int sv[2];
    int rc = plat_socketpair(sv);
    if (rc)
        return rc;
    fflush(NULL); /* or buffered output would be printed twice */
    long pid = plat_fork();
    if (pid < 0) {
        int e = errno;
        plat_sock_close(sv[0]);
        plat_sock_close(sv[1]);
        return e;
    }
    if (pid == 0) {
        plat_sock_close(sv[0]);
        for (size_t i = 0; i < nall; i++)
            if (all[i].fd >= 0)
                plat_sock_close(all[i].fd);
        worker_main(sv[1], job, job_arg);
        _exit(0);
    }
    plat_sock_close(sv[1]);
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->fd = sv[0];
    w->busy = -1;
    return 0;
}

__attribute__((format(printf, 2, 3))) static void fail_result(struct scn_result *r,
                                                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    memset(r, 0, sizeof *r);
    r->status = SCN_FAIL;
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->message = buf_steal(&b);
}

static void send_next(struct worker *w, size_t *next, size_t n)
{
    if (*next >= n) {
        if (!w->closed) {
            plat_shutdown_wr(w->fd); /* the worker reads EOF and exits */
            w->closed = true;
        }
        return;
    }
    uint64_t idx = *next;
    if (scn_tcp_send_all(w->fd, &idx, sizeof idx) == 0) {
        w->busy = (long)*next;
        (*next)++;
    }
}

/* Takes every whole result worker wk has sent (its next job sent after
 * each). False: a garbled or unexpected result; the worker is killed. */
static bool take_results(struct worker *wk, size_t n, struct scn_result *res, bool *have,
                         size_t *got, size_t *next)
{
    for (;;) {
        size_t idx;
        struct scn_result r;
        size_t used = scn_result_parse(wk->in.p, wk->in.len, &idx, &r);
        if (used == 0)
            return true;
        if (used == (size_t)-1 || idx >= n || have[idx] || (long)idx != wk->busy) {
            if (used != (size_t)-1)
                scn_result_free(&r);
            plat_kill_hard(wk->pid);
            return false;
        }
        buf_consume(&wk->in, used);
        res[idx] = r;
        have[idx] = true;
        (*got)++;
        wk->busy = -1;
        send_next(wk, next, n);
    }
}

/* Reaps a worker whose socket closed; the scenario it was running (if
 * any) fails with how it ended. */
static void worker_gone(struct worker *wk, struct scn_result *res, bool *have, size_t *got)
{
    int status = 0;
    plat_sock_close(wk->fd);
    wk->fd = -1;
    plat_waitpid(wk->pid, &status);
    if (wk->busy >= 0) {
        size_t b = (size_t)wk->busy;
        if (plat_status_signal(status))
            fail_result(&res[b], "the worker running it died of signal %d",
                        plat_status_signal(status));
        else
            fail_result(&res[b], "the worker running it exited (status %d)",
                        plat_status_exit(status));
        have[b] = true;
        (*got)++;
    }
    buf_free(&wk->in);
}

int scn_pool_run(size_t n, int workers, scn_pool_job job, void *job_arg, scn_pool_done done,
                 void *done_arg)
{
    if (workers <= 1 || n <= 1 || !PLAT_HAS_FORK) {
        for (size_t i = 0; i < n; i++) {
            struct scn_result r;
            memset(&r, 0, sizeof r);
            job(job_arg, i, &r);
            done(done_arg, i, &r);
        }
        return 0;
    }
    if ((size_t)workers > n)
        workers = (int)n;
    size_t nw = (size_t)workers;
    struct worker *w = calloc(nw, sizeof *w);
    struct scn_result *res = calloc(n, sizeof *res);
    bool *have = calloc(n, sizeof *have);
    struct plat_pollfd *pfd = calloc(nw, sizeof *pfd);
    if (!w || !res || !have || !pfd) {
        free(w);
        free(res);
        free(have);
        free(pfd);
        return ENOMEM;
    }
    for (size_t i = 0; i < nw; i++)
        w[i].fd = -1;
    size_t next = 0, emitted = 0, got = 0;
    int first_err = 0;
    size_t live = 0;
    for (size_t i = 0; i < nw; i++) {
        int rc = spawn(&w[i], w, nw, job, job_arg);
        if (rc) {
            first_err = first_err ? first_err : rc;
            w[i].fd = -1;
            continue;
        }
        live++;
        send_next(&w[i], &next, n);
    }
    size_t respawns = 0;
    while (got < n && live > 0) {
        for (size_t i = 0; i < nw; i++) {
            pfd[i].fd = w[i].fd;
            pfd[i].events = PLAT_POLLIN;
            pfd[i].revents = 0;
        }
        if (plat_poll(pfd, nw, -1) < 0) {
            if (errno == EINTR)
                continue;
            first_err = first_err ? first_err : errno;
            break;
        }
        for (size_t i = 0; i < nw; i++) {
            if (w[i].fd < 0 || !(pfd[i].revents & (PLAT_POLLIN | PLAT_POLLHUP | PLAT_POLLERR)))
                continue;
            char tmp[65536];
            ssize_t k = plat_recv(w[i].fd, tmp, sizeof tmp);
            if (k < 0 && errno == EINTR)
                continue;
            if (k > 0 && buf_append(&w[i].in, tmp, (size_t)k) == 0 &&
                !take_results(&w[i], n, res, have, &got, &next))
                k = 0; /* a garbled worker: killed, treated as dead */
            if (k <= 0) {
                /* The worker is gone: finished, or died mid-scenario. */
                worker_gone(&w[i], res, have, &got);
                live--;
                if (next < n && respawns < n) {
                    respawns++;
                    if (spawn(&w[i], w, nw, job, job_arg) == 0) {
                        live++;
                        send_next(&w[i], &next, n);
                    } else {
                        w[i].fd = -1;
                    }
                }
            }
        }
        /* Hand results over in order. */
        while (emitted < n && have[emitted]) {
            done(done_arg, emitted, &res[emitted]);
            emitted++;
        }
    }
    /* Whatever could not run. */
    for (size_t i = emitted; i < n; i++) {
        if (!have[i])
            fail_result(&res[i], "not run: no worker process left (error %d)", first_err);
        done(done_arg, i, &res[i]);
    }
    for (size_t i = 0; i < nw; i++) {
        if (w[i].fd >= 0) {
            int status;
            plat_sock_close(w[i].fd);
            plat_waitpid(w[i].pid, &status);
        }
        buf_free(&w[i].in);
    }
    free(w);
    free(res);
    free(have);
    free(pfd);
    return live == 0 && got == 0 && first_err ? first_err : 0;
}
