/* Growable byte buffer. Always NUL-terminated (p[len] == 0) once anything
 * was appended, so it can be used as a C string for text. */
#ifndef NTLAB_LIB_BUF_H
#define NTLAB_LIB_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *p;
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* Each returns 0, or ENOMEM (buffer unchanged). */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Hands the storage to the caller (free() it); the buffer becomes empty. */
char *buf_steal(struct buf *b);

#endif
