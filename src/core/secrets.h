/* Account secrets (SMTP passwords, OAuth refresh tokens) sealed at rest with
 * XChaCha20-Poly1305 under a key derived from LEADGEN_SECRET or, when that is
 * unset, from a random secret generated into a key file of its own
 * (LEADGEN_SECRET_FILE), never into the store: a leaked backup of the store
 * alone opens nothing. The unsubscribe-link and tombstone keys derive from the
 * same key. The context (e.g. "account:USER:ADDRESS") is bound as associated
 * data, so a sealed value copied to another row does not open. */
#ifndef LEADGEN_CORE_SECRETS_H
#define LEADGEN_CORE_SECRETS_H

#include "base/rc.h"
#include "store/store.h"

enum { SECRETS_KEY_LEN = 32 };

/* Set at start-up: the operator's LEADGEN_SECRET (NULL or "": none) and the
 * key file (NULL: none configured and no default, as for a PostgreSQL store).
 * Both strings must outlive every secrets_key call; forgets a loaded key. */
void secrets_configure(const char *secret, const char *key_file);
/* The key file's default beside a SQLite store ("dir/leadgen.db" gives
 * "dir/leadgen.key"), or NULL for a postgres:// store; malloc'd. */
char *secrets_default_file(const char *db);
/* Start-up: settles the key (creating the key file 0600 on first use, or
 * moving a secret an older version generated into the store's meta table
 * into it, once) and checks that it opens a sealed account secret already
 * stored: RC_INVALID with what to do when it does not. */
enum rc secrets_prepare(struct store *st, struct err *err);
enum rc secrets_key(struct store *st, unsigned char key[SECRETS_KEY_LEN], struct err *err);
/* hex(nonce || ciphertext), malloc'd. */
char *secrets_seal(const unsigned char key[SECRETS_KEY_LEN], const char *plain,
                   const char *context);
/* RC_INVALID when the value was not sealed with this key and context. */
enum rc secrets_open(const unsigned char key[SECRETS_KEY_LEN], const char *sealed,
                     const char *context, char **plain, struct err *err);

#endif
