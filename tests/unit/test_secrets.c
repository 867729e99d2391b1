/* Unit tests for core/secrets: sealing round-trips, and a sealed value does
 * not open under another key or context. */
#include "test.h"

#include "core/secrets.h"

#include <stdlib.h>

static struct store *fresh_store(void)
{
    return test_store_fresh("secrets");
}

TEST(secrets_round_trip_and_bind_their_context)
{
    secrets_configure(NULL);
    struct store *st = fresh_store();
    CHECK(st);
    unsigned char key[SECRETS_KEY_LEN], again[SECRETS_KEY_LEN];
    struct err err = {0};
    CHECK_INT(secrets_key(st, key, &err), RC_OK);
    CHECK_INT(secrets_key(st, again, &err), RC_OK);
    CHECK(memcmp(key, again, sizeof key) == 0); /* the generated secret is kept */
    char *sealed = secrets_seal(key, "hunter2", "account:1:smtp:a@b.co");
    CHECK(strstr(sealed, "hunter2") == NULL);
    char *other = secrets_seal(key, "hunter2", "account:1:smtp:a@b.co");
    CHECK(strcmp(sealed, other) != 0); /* fresh nonce each time */
    char *plain = NULL;
    CHECK_INT(secrets_open(key, sealed, "account:1:smtp:a@b.co", &plain, &err), RC_OK);
    CHECK_STR(plain, "hunter2");
    free(plain);
    CHECK_INT(secrets_open(key, sealed, "account:2:smtp:a@b.co", &plain, NULL), RC_INVALID);
    sealed[70] = sealed[70] == 'a' ? 'b' : 'a';
    CHECK_INT(secrets_open(key, sealed, "account:1:smtp:a@b.co", &plain, NULL), RC_INVALID);
    CHECK_INT(secrets_open(key, "zz", "x", &plain, NULL), RC_INVALID);
    free(sealed);
    free(other);
    store_close(st);
}

TEST(secrets_key_follows_leadgen_secret)
{
    struct store *st = fresh_store();
    CHECK(st);
    unsigned char generated[SECRETS_KEY_LEN], configured[SECRETS_KEY_LEN];
    secrets_configure(NULL);
    CHECK_INT(secrets_key(st, generated, NULL), RC_OK);
    secrets_configure("operator-chosen-secret");
    CHECK_INT(secrets_key(st, configured, NULL), RC_OK);
    secrets_configure(NULL);
    CHECK(memcmp(generated, configured, SECRETS_KEY_LEN) != 0);
    char *sealed = secrets_seal(configured, "token", "ctx");
    char *plain = NULL;
    CHECK_INT(secrets_open(generated, sealed, "ctx", &plain, NULL), RC_INVALID);
    free(sealed);
    store_close(st);
}
