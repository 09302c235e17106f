/* The input side that the line-oriented protocol engines share (the POP3
 * and SMTP sessions): a transport's bytes go into the engine's bounded
 * input buffer piece by piece, the engine runs over what it holds between
 * pieces, and the rest of an over-long line is skipped up to its LF. The
 * engine keeps the buffer and the skipping flag; this owns nothing. */
#ifndef NTLAB_LIB_LINEIN_H
#define NTLAB_LIB_LINEIN_H
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>

/* What the engine does with its buffered input; eng is its session. */
struct linein_ops {
    void (*run)(void *eng);            /* handle the whole lines buffered */
    bool (*blocked)(const void *eng);  /* true: it takes no more lines now */
    bool (*closed)(const void *eng);   /* the session ended */
    void (*skipped)(void *eng);        /* an over-long line ended; NULL: nothing to say */
    void (*failed)(void *eng);         /* no memory for the input: close */
};

/* Takes up to len bytes of data into `in` (never past cap bytes held),
 * running the engine after each piece. Returns the bytes taken; all of
 * len once the session is closed (the transport discards the rest).
 * The engine must be open and ops complete but for skipped. */
size_t linein_feed(struct buf *in, bool *skipping, size_t cap, const void *data, size_t len,
                   const struct linein_ops *ops, void *eng);

/* An over-long line with no LF yet: wipes what is held of it (it may hold
 * a password), empties `in` and skips the rest of it up to its LF. */
void linein_overlong(struct buf *in, bool *skipping);
#endif
