/* libFuzzer entry points, shared by the fuzz targets (tests/fuzz/fuzz_*.c)
 * and by replay.c, which runs the stored corpora and regression inputs
 * through the same targets in the ordinary ASan+UBSan build (`make test`).
 *
 * A target checks properties, not just "no crash": when one fails it calls
 * fuzz_fail, which prints why and aborts, so libFuzzer keeps the input. */
#ifndef NTLAB_TESTS_FUZZ_H
#define NTLAB_TESTS_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time setup (temp directories, built-in personas). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Prints "fuzz: what" to stderr and aborts. */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A private directory for a target's files: under /dev/shm when it exists
 * (fsync there costs nothing), else $TMPDIR or /tmp; removed at exit.
 * Aborts when it cannot be made. */
const char *fuzz_tmpdir(const char *tag);
/* Writes len bytes to path (truncating); aborts on failure. */
void fuzz_write_file(const char *path, const void *data, size_t len);

#endif
