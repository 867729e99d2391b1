/* Dashboard passwords: Argon2id through libsodium's crypto_pwhash_str (salt and
 * cost parameters inside the stored string). A password is 8 to 256 bytes. */
#ifndef LEADGEN_CORE_PASSWORDS_H
#define LEADGEN_CORE_PASSWORDS_H

#include "base/rc.h"

#include <stdbool.h>

enum { PASSWORD_MIN = 8, PASSWORD_MAX = 256, PASSWORD_HASH_MAX = 128 };

/* Hashes password into out; RC_INVALID (err says why) for a password out of bounds. */
enum rc passwords_hash(const char *password, char out[PASSWORD_HASH_MAX], struct err *err);
/* Whether password matches hash; false for an empty or malformed hash. */
bool passwords_verify(const char *hash, const char *password);
/* Spends about the time of a verification: an unknown account answers no faster. */
void passwords_dummy_verify(const char *password);

#endif
