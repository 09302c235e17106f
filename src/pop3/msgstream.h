/* Private to src/pop3: the multi-line reply in progress in a POP3 session,
 * and the RETR/TOP part of it, which turns a stored message into its wire
 * form (CRLF line ends, dot-stuffing, TOP's cut) a piece at a time. */
#ifndef NTLAB_POP3_MSGSTREAM_H
#define NTLAB_POP3_MSGSTREAM_H
#include "src/lib/buf.h"
#include "src/mailstore/maildrop.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { POP3_ST_NONE, POP3_ST_MSG, POP3_ST_LIST, POP3_ST_UIDL };

struct pop3_stream {
    unsigned char kind;
    bool top;        /* TOP: stop after the header and lines_left body lines */
    bool line_start; /* next stored byte starts a line (dot-stuffing) */
    bool in_body;
    unsigned char ln; /* bytes in the current line, capped at 2 */
    bool ln_cr;       /* the current line's first byte is CR */
    int last;         /* last stored byte, -1 at the start */
    size_t idx;       /* message (POP3_ST_MSG) or listing cursor */
    uint64_t off;
    uint64_t lines_left;
};

/* Starts sending message i (0-based): whole, or (top) its header and the
 * first `lines` body lines. */
void pop3_msg_start(struct pop3_stream *st, size_t i, bool top, uint64_t lines);

/* Appends the message's wire form to out until out holds target bytes or
 * the message is done; at the end it adds the terminating ".", sets
 * st->kind to POP3_ST_NONE and releases the maildrop's read. Returns 0,
 * ENOMEM, or EIO when the maildrop read fails (the +OK is out: the caller
 * must close). */
int pop3_msg_pump(struct pop3_stream *st, struct buf *out, struct maildrop *md, size_t target);

/* RETR's conversion, exposed for its tests and benchmark: turns the n
 * stored bytes at out->p + out->len (out has room for them, read there by
 * the caller) into wire form in place (CRLF line ends, dot-stuffing; no
 * terminator), carrying st->line_start and st->last from the previous
 * piece, and adds the result to out->len. *used is how many of the n it
 * took: all of them, or (bare-LF mail needing more insertions than one
 * pass notes) fewer, stopping before an LF; the caller reads the rest
 * again. Returns 0 or ENOMEM (out unchanged but *used, st changed: the
 * caller must close). */
int pop3_msg_convert(struct pop3_stream *st, struct buf *out, size_t n, size_t *used);
/* The same through the portable scan (SSE2 on x86-64, plain C elsewhere)
 * whatever the CPU offers: the tests hold both scans to the same bytes. */
int pop3_msg_convert_portable(struct pop3_stream *st, struct buf *out, size_t n, size_t *used);

#endif
