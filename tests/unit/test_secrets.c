/* Unit tests for core/secrets: sealing round-trips, a sealed value does not
 * open under another key or context, and the generated key lives in a key
 * file of its own, never in the store. */
#include "test.h"

#include "core/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct store *fresh_store(void)
{
    return test_store_fresh("secrets");
}

/* A key file path in a fresh directory (static: secrets_configure keeps it). */
static const char *fresh_key_file(void)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/leadgen.key", test_tmpdir());
    unlink(p);
    return p;
}

static char *file_text(const char *path)
{
    static char text[600];
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

TEST(secrets_round_trip_and_bind_their_context)
{
    const char *key_file = fresh_key_file();
    secrets_configure(NULL, key_file);
    struct store *st = fresh_store();
    CHECK(st);
    unsigned char key[SECRETS_KEY_LEN], again[SECRETS_KEY_LEN];
    struct err err = {0};
    CHECK_INT(secrets_key(st, key, &err), RC_OK);
    secrets_configure(NULL, key_file); /* forgets the loaded key: read again from the file */
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
    secrets_configure(NULL, NULL);
}

TEST(secrets_generated_key_lives_in_its_file_not_in_the_store)
{
    const char *key_file = fresh_key_file();
    secrets_configure(NULL, key_file);
    struct store *st = fresh_store();
    CHECK(st);
    unsigned char key[SECRETS_KEY_LEN];
    struct err err = {0};
    CHECK_INT(secrets_key(st, key, &err), RC_OK);
    struct stat sb;
    CHECK_INT(stat(key_file, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    CHECK_INT(strlen(file_text(key_file)), 65); /* 64 hex digits and a newline */
    struct arena a;
    arena_init(&a);
    char *stored = NULL;
    CHECK_INT(st->ops->meta_get(st, "secret", &a, &stored, NULL), RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(st);
    secrets_configure(NULL, NULL);
}

TEST(secrets_a_secret_kept_in_the_store_moves_to_the_key_file_once)
{
    struct store *st = fresh_store();
    CHECK(st);
    static const char old[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    struct err err = {0};
    CHECK_INT(st->ops->meta_set_once(st, "secret", old, &err), RC_OK); /* as before key files */
    unsigned char before[SECRETS_KEY_LEN], after[SECRETS_KEY_LEN];
    secrets_configure(old, NULL);
    CHECK_INT(secrets_key(st, before, &err), RC_OK);
    const char *key_file = fresh_key_file();
    secrets_configure(NULL, key_file);
    CHECK_INT(secrets_key(st, after, &err), RC_OK);
    CHECK(memcmp(before, after, sizeof before) == 0); /* links and tombstones keep working */
    CHECK_STR(file_text(key_file), "0123456789abcdef0123456789abcdef0123456789abcdef"
                                   "0123456789abcdef\n");
    struct arena a;
    arena_init(&a);
    char *stored = NULL;
    CHECK_INT(st->ops->meta_get(st, "secret", &a, &stored, NULL), RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(st);
    secrets_configure(NULL, NULL);
}

TEST(secrets_key_follows_leadgen_secret)
{
    struct store *st = fresh_store();
    CHECK(st);
    unsigned char generated[SECRETS_KEY_LEN], configured[SECRETS_KEY_LEN];
    secrets_configure(NULL, fresh_key_file());
    CHECK_INT(secrets_key(st, generated, NULL), RC_OK);
    secrets_configure("operator-chosen-secret", NULL);
    CHECK_INT(secrets_key(st, configured, NULL), RC_OK);
    secrets_configure(NULL, NULL);
    CHECK(memcmp(generated, configured, SECRETS_KEY_LEN) != 0);
    char *sealed = secrets_seal(configured, "token", "ctx");
    char *plain = NULL;
    CHECK_INT(secrets_open(generated, sealed, "ctx", &plain, NULL), RC_INVALID);
    free(sealed);
    struct err err = {0};
    CHECK_INT(secrets_key(st, generated, &err), RC_INVALID); /* neither a secret nor a file */
    CHECK(strstr(err.msg, "LEADGEN_SECRET_FILE") != NULL);
    store_close(st);
}

TEST(secrets_prepare_refuses_a_key_that_does_not_open_what_is_stored)
{
    struct store *st = fresh_store();
    CHECK(st);
    struct err err = {0};
    int64_t user = 0, id = 0;
    CHECK_INT(st->ops->user_create(st, "u@x.com", 0, "h", &user, &err), RC_OK);
    secrets_configure("the first secret", NULL);
    CHECK_INT(secrets_prepare(st, &err), RC_OK); /* nothing sealed yet */
    unsigned char key[SECRETS_KEY_LEN];
    CHECK_INT(secrets_key(st, key, &err), RC_OK);
    char context[100];
    snprintf(context, sizeof context, "account:%lld:smtp:me@x.com", (long long)user);
    char *sealed = secrets_seal(key, "pw", context);
    struct account acc = {.type = "smtp", .address = "me@x.com", .smtp_host = "h", .smtp_port = 25,
                          .tls_mode = "starttls", .username = "me", .daily_limit = 10,
                          .secret = sealed, .send_window = "", .timezone = "UTC"};
    CHECK_INT(st->ops->account_add(st, user, &acc, &id, &err), RC_OK);
    free(sealed);
    CHECK_INT(secrets_prepare(st, &err), RC_OK);
    secrets_configure("another secret", NULL);
    CHECK_INT(secrets_prepare(st, &err), RC_INVALID);
    CHECK(strstr(err.msg, "does not open the secrets stored") != NULL);
    CHECK(strstr(err.msg, "me@x.com") != NULL);
    secrets_configure(NULL, NULL);
    store_close(st);
}
