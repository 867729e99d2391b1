/* API keys: generated from the OS CSPRNG and stored only as a hash.
 * Keys carry 192 random bits, so a fast keyed-free BLAKE2b-256 hash is enough
 * (a slow password hash protects guessable secrets, which these are not) and
 * keeps the per-request lookup cheap. */
#ifndef LEADGEN_CORE_KEYS_H
#define LEADGEN_CORE_KEYS_H

#include <stddef.h>

enum { KEY_LEN = 51, KEY_HASH_LEN = 64 }; /* "lg_" + 48 hex digits; 64 hex digits */

void keys_generate(char out[KEY_LEN + 1]);
void keys_hash(const char *key, char out[KEY_HASH_LEN + 1]);

#endif
