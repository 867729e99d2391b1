/* API key generation and hashing. */
#include "core/keys.h"

#include "base/str.h"

#include <sodium.h>
#include <string.h>

void keys_generate(char out[KEY_LEN + 1])
{
    memcpy(out, "lg_", 3);
    str_random_hex(24, out + 3);
}

void keys_hash(const char *key, char out[KEY_HASH_LEN + 1])
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)key, strlen(key), NULL, 0);
    str_hex(digest, sizeof digest, out);
}
