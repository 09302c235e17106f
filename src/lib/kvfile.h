/* The lab's "key = value" text files, with or without [SECTION] headers
 * (lab.conf, machine.conf, services.conf, mailboxes.conf): one reader on
 * the shared line reader (text.h). Each format names its syntax and the
 * texts of its errors; every error names the input as "PATH:LINE: problem"
 * (or "PATH: problem" for the file as a whole). Input is hostile: the file
 * is bounded, the text checked before it is parsed. */
#ifndef NTLAB_LIB_KVFILE_H
#define NTLAB_LIB_KVFILE_H
#include "src/lib/text.h"
#include <stdbool.h>
#include <stddef.h>

struct kvfile_syntax {
    const char *comments; /* characters that start a comment line, e.g. "#;" */
    bool sections;        /* "[NAME]" lines open sections */
    bool quoted;          /* a value may be double-quoted (str_unquote) */
    /* raw: the bytes as they are, only a NUL refused ("NUL byte in line");
     * otherwise UTF-8 or UTF-16 with BOM (text_decode), refused with
     * bad_text + text_error_line's reason + bad_text_end. */
    bool raw;
    size_t line_max;          /* longest line in bytes, 0 = any */
    const char *bad_text;     /* e.g. "not valid text (" */
    const char *bad_text_end; /* e.g. ")" */
    const char *no_equals;  /* a line that is neither a comment, header nor KEY = VALUE */
    const char *bad_header; /* a '[' line without its ']' (sections only) */
    const char *outside;    /* a setting before the first section (sections only) */
};

enum kvfile_kind { KVFILE_END, KVFILE_SECTION, KVFILE_PAIR };

struct kvfile_item {
    enum kvfile_kind kind;
    unsigned line;
    char *name;  /* KVFILE_SECTION: what is between the brackets, as written */
    char *key;   /* KVFILE_PAIR: trimmed */
    char *value; /* KVFILE_PAIR: trimmed, or unquoted when the syntax allows */
};

struct kvfile {
    const struct kvfile_syntax *syn;
    const char *path;
    char *err;
    size_t errlen;
    char *text; /* owned; wiped when closed (files may hold secrets) */
    size_t len;
    struct text_lines it;
    bool in_section;
};

/* Reads path (at most max bytes) for kvfile_next. Returns 0, or an errno
 * value with the message in err: ENOENT ("PATH: No such file..."; a
 * caller for whom a missing file is an empty one clears err), EFBIG
 * ("PATH: file too large"), EILSEQ ("PATH:LINE: " + bad_text, or "NUL
 * byte in line" for a raw syntax), ENOMEM, or the read's errno. f needs
 * kvfile_close afterwards whatever this returns. path, syn and err must
 * outlive f. */
int kvfile_open(struct kvfile *f, const char *path, size_t max, const struct kvfile_syntax *syn,
                char *err, size_t errlen);
/* The next section header or setting in *item (kind KVFILE_END at the end
 * of the file); comments and blank lines are skipped. Returns 0, or EINVAL
 * with "PATH:LINE: problem" in err for a malformed line. */
int kvfile_next(struct kvfile *f, struct kvfile_item *item);
/* The number of lines read so far (at the end: the file's last line). */
unsigned kvfile_lines(const struct kvfile *f);
/* Writes "PATH:LINE: message" (line 0: "PATH: message") into err, with
 * control characters of the message shown as '?'. Returns EINVAL. */
int kvfile_fail(const struct kvfile *f, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kvfile_close(struct kvfile *f);

#endif
