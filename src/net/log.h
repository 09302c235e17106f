/* The daemon's log: one line per event, "TIME ntlab[PID]: text", flushed
 * at once (a crash loses nothing already logged). */
#ifndef NTLAB_NET_LOG_H
#define NTLAB_NET_LOG_H
#include <stdio.h>

/* Writes one line to f (nothing when f is NULL). */
void net_log(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
