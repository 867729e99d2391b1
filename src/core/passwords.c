/* Argon2id with libsodium's interactive limits: about a tenth of a second and
 * 64 MiB per hash, run on the job pool, never on an event thread. */
#include "core/passwords.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

_Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX, "hash buffer too small");

enum rc passwords_hash(const char *password, char out[PASSWORD_HASH_MAX], struct err *err)
{
    size_t n = strlen(password);
    if (n < PASSWORD_MIN || n > PASSWORD_MAX)
        return err_set(err, RC_INVALID, "a password must be %d to %d characters long",
                       PASSWORD_MIN, PASSWORD_MAX);
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return err_set(err, RC_IO, "out of memory while hashing the password");
    return RC_OK;
}

bool passwords_verify(const char *hash, const char *password)
{
    if (!hash || !*hash || strlen(hash) >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];

static void make_dummy(void)
{
    if (crypto_pwhash_str(dummy_hash, "leadgen-dummy", 13, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
}

void passwords_dummy_verify(const char *password)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_dummy);
    (void)passwords_verify(dummy_hash, password);
}
