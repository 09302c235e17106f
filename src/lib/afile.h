/* Whole-file reads and crash-safe whole-file writes.
 * A write goes to a temp file in the same directory, is fsynced, renamed over
 * the target, and the directory is fsynced: after a crash the file holds
 * either the old or the new contents, never a mix. */
#ifndef NTLAB_LIB_AFILE_H
#define NTLAB_LIB_AFILE_H
#include <stddef.h>
#include <stdio.h>

/* Writes data atomically to path with the given mode (e.g. 0644).
 * Returns 0 or an errno value; on failure the old file is untouched and no
 * temp file is left behind. */
int afile_write(const char *path, const void *data, size_t len, unsigned mode);

/* Reads the whole file into a malloc'd, NUL-terminated buffer (*out, owned by
 * the caller) of *len bytes. Only a regular file is read (plat_open_regular):
 * EISDIR for a directory, PLAT_ENOTREG for a FIFO, device or socket (never
 * a blocking open or an endless read; plat_strerror names them). Fails with
 * EFBIG when the file exceeds max bytes, ENOENT when absent, or another
 * errno value. */
int afile_read(const char *path, size_t max, char **out, size_t *len);

/* Appends what stream f holds, to its end, to b (stdin given as "-").
 * 0, EFBIG when more than max bytes come (b holds max or fewer), ENOMEM, or
 * EIO on a read error. */
struct buf;
int afile_read_stream(FILE *f, size_t max, struct buf *b);

/* fsyncs the directory that holds path (after a rename or unlink in it). */
int afile_sync_dir(const char *path);

/* mkdir -p with the given mode. Returns 0 or an errno value. */
int afile_mkdirs(const char *path, unsigned mode);

#endif
