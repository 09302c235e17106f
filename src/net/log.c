/* The daemon's log (log.h). */
#include "src/net/log.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void format_when(int64_t sec, char *out, size_t n)
{
    struct tm tm;
    time_t t = (time_t)sec;
    plat_gmtime(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

int net_logq_vadd(struct net_logq *q, const char *fmt, va_list ap)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &ts);
    if (!q->pid || q->sec != (int64_t)ts.tv_sec || !q->when[0]) {
        q->pid = (long)getpid();
        q->sec = (int64_t)ts.tv_sec;
        format_when(q->sec, q->when, sizeof q->when - 1);
        q->when_len = strlen(q->when);
        q->when[q->when_len++] = '.';
        q->when[q->when_len] = 0;
        int n = snprintf(q->tail, sizeof q->tail, "Z ntlab[%ld]: ", q->pid);
        q->tail_len = n > 0 && (size_t)n < sizeof q->tail ? (size_t)n : 0;
    }
    /* "when.mmmZ ntlab[PID]: " from the parts kept for this second */
    long ms = ts.tv_nsec / 1000000L;
    char msd[3] = {(char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10)};
    size_t had = q->b.len;
    int rc = buf_append(&q->b, q->when, q->when_len);
    if (!rc)
        rc = buf_append(&q->b, msd, 3);
    if (!rc)
        rc = buf_append(&q->b, q->tail, q->tail_len);
    if (!rc)
        rc = buf_vprintf(&q->b, fmt, ap);
    if (!rc)
        rc = buf_putc(&q->b, '\n');
    if (rc) { /* no half line */
        q->b.len = had;
        if (q->b.p)
            q->b.p[had] = 0;
    }
    return rc;
}

int net_logq_add(struct net_logq *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = net_logq_vadd(q, fmt, ap);
    va_end(ap);
    return rc;
}

int net_logq_flush(struct net_logq *q, FILE *f)
{
    int rc = 0;
    if (f && q->b.len && (fwrite(q->b.p, 1, q->b.len, f) != q->b.len || fflush(f)))
        rc = EIO;
    buf_reset(&q->b);
    if (q->b.cap > 65536) /* a burst's storage is not kept */
        buf_free(&q->b);
    return rc;
}

void net_logq_free(struct net_logq *q)
{
    buf_free(&q->b);
}

void net_log(FILE *f, const char *fmt, ...)
{
    if (!f)
        return;
    struct net_logq q = {0};
    va_list ap;
    va_start(ap, fmt);
    int rc = net_logq_vadd(&q, fmt, ap);
    va_end(ap);
    if (rc)
        fputs("ntlab: a log line was lost (out of memory)\n", f);
    else
        (void)net_logq_flush(&q, f); /* one write for the whole line */
    net_logq_free(&q);
}

void net_logger_flush(struct net_logger *lg)
{
    lg->first = false;
    (void)net_logq_flush(&lg->q, lg->f); /* nowhere to report a failed log write */
}

void net_logger_printf(struct net_logger *lg, const char *fmt, ...)
{
    if (!lg->f)
        return;
    va_list ap;
    va_start(ap, fmt);
    int rc = net_logq_vadd(&lg->q, fmt, ap);
    va_end(ap);
    if (rc) {
        net_logger_flush(lg);
        fputs("ntlab: a log line was lost (out of memory)\n", lg->f);
        fflush(lg->f);
        return;
    }
    if (!lg->batching || lg->q.b.len >= NET_LOGGER_MAX)
        net_logger_flush(lg);
}

void net_logger_free(struct net_logger *lg)
{
    net_logger_flush(lg);
    net_logq_free(&lg->q);
}

void net_log_clean(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; in && in[i] && j + 1 < n; i++)
        out[j++] = (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f ? in[i] : '?';
    out[j] = 0;
}
