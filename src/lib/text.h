/* Text files as NT tools write them: UTF-16LE with BOM, UTF-8 with or
 * without BOM, or ASCII; CRLF or LF line ends. */
#ifndef NTLAB_LIB_TEXT_H
#define NTLAB_LIB_TEXT_H
#include <stdarg.h>
#include <stddef.h>

/* Decodes data into a malloc'd NUL-terminated UTF-8 string (*out, owned by
 * the caller). UTF-16LE needs its BOM; a UTF-8 BOM is dropped. Fails with
 * EILSEQ on a broken surrogate pair, odd UTF-16 length, an embedded NUL, or
 * invalid UTF-8; ENOMEM otherwise. */
int text_decode(const char *data, size_t len, char **out, size_t *outlen);

/* Where text_decode refuses data: the 1-based line (counted in the
 * encoding's own line feeds) of the first NUL, invalid UTF-8 sequence or
 * broken UTF-16 unit, with *why naming it ("NUL byte", "invalid UTF-8",
 * ...). Returns 0 with *why NULL when text_decode would accept it. For
 * the readers' "FILE:LINE: problem" messages. */
unsigned text_error_line(const char *data, size_t len, const char **why);
/* Formats a file's parse error into out (n bytes, truncated): "PATH:LINE:
 * MESSAGE", or "PATH: MESSAGE" when line is 0. Control characters in the
 * message (names quoted from the file) become '?'. Owns nothing. */
void text_file_verror(char *out, size_t n, const char *path, unsigned line, const char *fmt,
                      va_list ap) __attribute__((format(printf, 5, 0)));

/* Decodes the UTF-8 sequence at s, of which n bytes may be read (n >= 1).
 * Returns the code point and sets *len to its length, or returns -1 with
 * *len = 1 for an invalid, overlong, surrogate or truncated sequence. */
long text_utf8_decode(const unsigned char *s, size_t n, size_t *len);

/* Line iterator over a NUL-terminated text: each call yields the next line
 * without its LF or CRLF (the text is modified in place) and its 1-based
 * number. Returns NULL at the end. */
struct text_lines {
    char *next;
    unsigned lineno;
};
void text_lines_init(struct text_lines *it, char *text);
char *text_lines_next(struct text_lines *it, unsigned *lineno);

#endif
