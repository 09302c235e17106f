/* Inside the mail store: the Maildir file steps that one-by-one delivery
 * (maildrop.c) and bulk delivery (maildrop_bulk.c) share, so that both
 * give a message the same name and write it the same way. */
#ifndef NTLAB_MAILSTORE_MAILDROP_INT_H
#define NTLAB_MAILSTORE_MAILDROP_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A delivered message's file name: NOW.N<ns>R<rnd>.ntlab,S=<len>,W=<sent>
 * (maildrop.h). 0, or ENAMETOOLONG when it does not fit in n. */
int maildrop_file_name(char *out, size_t n, int64_t now, uint64_t ns, const uint8_t rnd[4],
                       uint64_t len, uint64_t sent);

/* Creates path (which must not exist) holding data, fsyncing it when sync.
 * 0 or an errno; on failure nothing is left at path. */
int maildrop_file_write(const char *path, const void *data, size_t len, bool sync);
#endif
