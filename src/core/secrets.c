/* Sealing account secrets with libsodium. */
#include "core/secrets.h"

#include "base/mem.h"
#include "base/str.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *configured_secret;

void secrets_configure(const char *secret)
{
    configured_secret = secret;
}

enum rc secrets_key(struct store *st, unsigned char key[SECRETS_KEY_LEN], struct err *err)
{
    const char *secret = configured_secret;
    struct arena a;
    arena_init(&a);
    char *stored = NULL;
    enum rc rc = RC_OK;
    if (!secret || !*secret) {
        char fresh[65];
        str_random_hex(32, fresh);
        rc = st->ops->meta_set_once(st, "secret", fresh, err); /* no-op when one exists */
        if (rc == RC_OK) rc = st->ops->meta_get(st, "secret", &a, &stored, err);
        secret = stored;
    }
    if (rc == RC_OK) {
        unsigned char master[crypto_kdf_KEYBYTES];
        crypto_generichash(master, sizeof master, (const unsigned char *)secret, strlen(secret),
                           NULL, 0);
        crypto_kdf_derive_from_key(key, SECRETS_KEY_LEN, 1, "accounts", master);
        sodium_memzero(master, sizeof master);
    }
    arena_cleanup(&a);
    return rc;
}

char *secrets_seal(const unsigned char key[SECRETS_KEY_LEN], const char *plain,
                   const char *context)
{
    size_t n = strlen(plain);
    size_t total = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n +
                   crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *sealed = xmalloc(total);
    randombytes_buf(sealed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, (const unsigned char *)plain,
        n, (const unsigned char *)context, strlen(context), NULL, sealed, key);
    char *hex = xmalloc(total * 2 + 1);
    str_hex(sealed, total, hex);
    free(sealed);
    return hex;
}

enum rc secrets_open(const unsigned char key[SECRETS_KEY_LEN], const char *sealed,
                     const char *context, char **plain, struct err *err)
{
    size_t hexlen = strlen(sealed), n = hexlen / 2;
    size_t min = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *raw = xmalloc(n + 1);
    size_t got = 0;
    enum rc rc = RC_INVALID;
    if (sodium_hex2bin(raw, n, sealed, hexlen, NULL, &got, NULL) == 0 && got == n && n >= min) {
        size_t mlen_max = n - min;
        unsigned char *m = xmalloc(mlen_max + 1);
        unsigned long long mlen;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                m, &mlen, NULL, raw + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)context,
                strlen(context), raw, key) == 0) {
            m[mlen] = '\0';
            *plain = (char *)m;
            rc = RC_OK;
        } else {
            free(m);
        }
    }
    free(raw);
    if (rc != RC_OK)
        err_set(err, RC_INVALID, "stored secret does not open (was LEADGEN_SECRET changed?)");
    return rc;
}
