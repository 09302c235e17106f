/* Small string helpers with explicit bounds. */
#ifndef NTLAB_LIB_STR_H
#define NTLAB_LIB_STR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (capacity n, n > 0), always NUL-terminating.
 * Returns 0, or E2BIG if src did not fit (dst then holds a truncated copy). */
int str_copy(char *dst, size_t n, const char *src);
/* Copies the first len bytes of src; same contract as str_copy. */
int str_copyn(char *dst, size_t n, const char *src, size_t len);
/* ASCII case-insensitive equality / comparison (NT names are case-insensitive). */
bool str_ieq(const char *a, const char *b);
int str_icmp(const char *a, const char *b);
bool str_istarts(const char *s, const char *prefix);
/* Trims ASCII whitespace in place; returns s advanced past leading space. */
char *str_trim(char *s);
/* A NUL-terminated copy of the first n bytes of s (strndup, which mingw's C
 * library lacks); the caller frees it. NULL without memory. */
char *str_dupn(const char *s, size_t n);
/* Parses a decimal integer in [min, max] covering the whole string.
 * Returns 0, EINVAL (not a number) or ERANGE. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses a duration such as "90", "90s", "30m", "2h", "7d" into seconds. */
int str_to_duration(const char *s, int64_t *seconds);
/* A configuration value: trimmed, or written in double quotes with \" and
 * \\ escapes (for leading or trailing spaces). Works in place; *out points
 * into v. Returns false on a broken quoted string (no closing quote, another
 * escape, or text after the closing quote). */
bool str_unquote(char *v, char **out);
/* Uppercases ASCII in place. */
void str_upper(char *s);
/* Hex-encodes n bytes into out (2n+1 bytes, lowercase). */
void str_hex(const uint8_t *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1. */
int str_hexval(int c);
/* Decodes exactly 2n hex digits into n bytes. Returns 0 or EINVAL. */
int str_unhex(const char *in, uint8_t *out, size_t n);

#endif
