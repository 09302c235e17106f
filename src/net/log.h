/* The daemon's log: one line per event, "TIME ntlab[PID]: text", flushed
 * at once (a crash loses nothing already logged). */
#ifndef NTLAB_NET_LOG_H
#define NTLAB_NET_LOG_H
#include "src/lib/buf.h"
#include <stdarg.h>
#include <stdbool.h>
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

/* The daemon's log as its loop writes it: while batching (one pass of the
 * event loop) lines gather in q and go out together at net_logger_flush
 * (or early, whole lines, past NET_LOGGER_MAX bytes); otherwise each line
 * goes out at once. first: q holds a line a client's next reply must not
 * overtake (a logon outcome, an UPDATE): flush before that reply. f NULL
 * logs nothing. Zero-initialise, set f; net_logger_free releases it. */
#define NET_LOGGER_MAX 65536u
struct net_logger {
    FILE *f;
    struct net_logq q;
    bool batching;
    bool first;
};
void net_logger_printf(struct net_logger *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes what is gathered (a failed write has nowhere to be reported). */
void net_logger_flush(struct net_logger *lg);
void net_logger_free(struct net_logger *lg);

/* Client-supplied text for a log line into out (n bytes): printable ASCII,
 * others as '?', cut to fit. in NULL gives "". */
void net_log_clean(const char *in, char *out, size_t n);

#endif
