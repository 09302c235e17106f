/* The daemon's log: one line per event, "TIME ntlab[PID]: text", flushed
 * at once (a crash loses nothing already logged). */
#ifndef NTLAB_NET_LOG_H
#define NTLAB_NET_LOG_H
#include "src/lib/buf.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* Writes one line to f (nothing when f is NULL). */
void net_log(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines gathered over one pass of the event loop and written together: the
 * same lines as net_log, each appended whole, so the file only ever holds
 * complete lines. Zero-initialise; net_logq_free releases it. */
struct net_logq {
    struct buf b;
    long pid;        /* 0 until the first line */
    int64_t sec;     /* the second `when` holds */
    char when[32];   /* "YYYY-MM-DD HH:MM:SS." of sec */
    char tail[40];   /* "Z ntlab[PID]: " */
    size_t when_len, tail_len;
};

/* Appends one line; on ENOMEM the line is lost (returns ENOMEM). */
int net_logq_add(struct net_logq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int net_logq_vadd(struct net_logq *q, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Writes what is gathered to f (nothing when f is NULL) and flushes it;
 * the queue is empty afterwards. Returns 0 or EIO. */
int net_logq_flush(struct net_logq *q, FILE *f);
void net_logq_free(struct net_logq *q);

#endif
