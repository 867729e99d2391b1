/* Small string helpers for validating and normalising outside input. */
#ifndef LEADGEN_BASE_STR_H
#define LEADGEN_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mem.h"

bool str_utf8_valid(const char *s, size_t len);
/* Replaces, in place, every byte that is not part of a valid UTF-8 sequence
 * with '?', so text built from outside input can always go into JSON. */
void str_utf8_scrub(char *s);
/* Parses a whole decimal integer (optional leading '-'); false on junk or overflow. */
bool str_parse_int64(const char *s, int64_t *out);
void str_ascii_lower(char *s);
/* Lower-cases UTF-8 text with Unicode's simple case mapping (C.UTF-8), for
 * case-insensitive matching beyond ASCII; invalid bytes are kept. */
char *str_casefold(struct arena *a, const char *s);
/* Returns s with leading and trailing ASCII whitespace cut, in place. */
char *str_trim(char *s);
bool str_has_prefix(const char *s, const char *prefix);
/* Writes 2*n lowercase hex digits and a NUL into out. */
void str_hex(const unsigned char *in, size_t n, char *out);
/* Fills out with n random bytes from the OS CSPRNG, hex-encoded (2n+1 bytes). */
void str_random_hex(size_t n, char *out);
/* Like str_random_hex but from a per-thread generator: unique ids, not secrets. */
void str_fast_random_hex(size_t n, char *out);

/* A protocol reply line fit to show: the line end dropped, any byte outside
 * printable ASCII as '?', cut to size - 1 bytes, NUL-terminated in out. */
void str_printable_line(char *out, size_t size, const char *data, size_t len);

#endif
