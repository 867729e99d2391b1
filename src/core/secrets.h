/* Account secrets (SMTP passwords, OAuth refresh tokens) sealed at rest with
 * XChaCha20-Poly1305 under a key derived from LEADGEN_SECRET, or from a random
 * secret generated into the store on first use when that is unset. The
 * context (e.g. "account:USER:ADDRESS") is bound as associated data, so a
 * sealed value copied to another row does not open. */
#ifndef LEADGEN_CORE_SECRETS_H
#define LEADGEN_CORE_SECRETS_H

#include "base/rc.h"
#include "store/store.h"

enum { SECRETS_KEY_LEN = 32 };

/* The operator's LEADGEN_SECRET (NULL or "": generate one into the store), set at
 * start-up; the string must outlive every secrets_key call. */
void secrets_configure(const char *secret);
enum rc secrets_key(struct store *st, unsigned char key[SECRETS_KEY_LEN], struct err *err);
/* hex(nonce || ciphertext), malloc'd. */
char *secrets_seal(const unsigned char key[SECRETS_KEY_LEN], const char *plain,
                   const char *context);
/* RC_INVALID when the value was not sealed with this key and context. */
enum rc secrets_open(const unsigned char key[SECRETS_KEY_LEN], const char *sealed,
                     const char *context, char **plain, struct err *err);

#endif
