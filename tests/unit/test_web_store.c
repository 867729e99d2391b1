/* The dashboard's store operations on the configured backend: passwords, sessions
 * (expiry, CSRF, single-use OAuth state), key rotation and the recent ledger. */
#include "test.h"

#include "core/keys.h"
#include "core/passwords.h"
#include "store/store.h"

#include <string.h>

static int64_t user(struct store *st, const char *email, const char *key_hash)
{
    int64_t id = 0;
    struct err err = {0};
    if (st->ops->user_create(st, email, 40, key_hash, &id, &err) != RC_OK)
        test_fail(__FILE__, __LINE__, err.msg);
    return id;
}

TEST(web_store_passwords)
{
    struct store *st = test_store_fresh("web_passwords");
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    int64_t id = user(st, "pw@example.com", "h1"), got = 0;
    char *hash = NULL;
    CHECK(st->ops->user_password(st, "pw@example.com", &a, &got, &hash, &err) == RC_OK);
    CHECK_INT(got, id);
    CHECK_STR(hash, "");
    char h[PASSWORD_HASH_MAX];
    CHECK(passwords_hash("short", h, &err) == RC_INVALID);
    CHECK(passwords_hash("long enough", h, &err) == RC_OK);
    CHECK(st->ops->user_set_password(st, id, h, &err) == RC_OK);
    CHECK(st->ops->user_password(st, "pw@example.com", &a, &got, &hash, &err) == RC_OK);
    CHECK(passwords_verify(hash, "long enough"));
    CHECK(!passwords_verify(hash, "long enougH"));
    CHECK(!passwords_verify("", "long enough"));
    CHECK(st->ops->user_password(st, "nobody@example.com", &a, &got, &hash, &err) ==
          RC_NOT_FOUND);
    CHECK(st->ops->user_set_password(st, id + 100, h, &err) == RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(st);
}

TEST(web_store_sessions)
{
    struct store *st = test_store_fresh("web_sessions");
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    int64_t id = user(st, "s@example.com", "h2");
    struct web_session s;
    CHECK(st->ops->session_create(st, "tok1", id, "csrf1", 1000, 2000, &err) == RC_OK);
    CHECK(st->ops->session_get(st, "tok1", 1500, &a, &s, &err) == RC_OK);
    CHECK_INT(s.user_id, id);
    CHECK_STR(s.csrf, "csrf1");
    CHECK(s.oauth_state == NULL);
    CHECK(st->ops->session_get(st, "tok1", 2000, &a, &s, &err) == RC_NOT_FOUND); /* expired */
    CHECK(st->ops->session_get(st, "tok2", 1500, &a, &s, &err) == RC_NOT_FOUND);
    /* the OAuth state is used once, and only when it matches */
    CHECK(st->ops->session_set_state(st, "tok1", "st8", &err) == RC_OK);
    CHECK(st->ops->session_get(st, "tok1", 1500, &a, &s, &err) == RC_OK);
    CHECK_STR(s.oauth_state, "st8");
    CHECK(st->ops->session_take_state(st, "tok1", "forged", &err) == RC_NOT_FOUND);
    CHECK(st->ops->session_take_state(st, "tok1", "st8", &err) == RC_OK);
    CHECK(st->ops->session_take_state(st, "tok1", "st8", &err) == RC_NOT_FOUND);
    /* a new session purges expired ones; delete ends one */
    CHECK(st->ops->session_create(st, "tok3", id, "csrf3", 3000, 4000, &err) == RC_OK);
    CHECK(st->ops->session_delete(st, "tok3", &err) == RC_OK);
    CHECK(st->ops->session_get(st, "tok3", 3500, &a, &s, &err) == RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(st);
}

TEST(web_store_key_rotation_and_ledger)
{
    struct store *st = test_store_fresh("web_keys");
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    int64_t id = user(st, "k@example.com", "old-hash"), other = user(st, "o@example.com", "oh");
    struct key_owner owner;
    CHECK(st->ops->key_rotate(st, id, "new-hash", 10, &err) == RC_OK);
    CHECK(st->ops->key_lookup(st, "old-hash", &owner, &err) == RC_NOT_FOUND);
    CHECK(st->ops->key_lookup(st, "new-hash", &owner, &err) == RC_OK);
    CHECK_INT(owner.user_id, id);
    CHECK(st->ops->key_lookup(st, "oh", &owner, &err) == RC_OK); /* another user's stays */
    int64_t balance = 0, reserved = 0, reservation = 0, charged = 0;
    CHECK(st->ops->credits_reserve(st, id, "search", 10, "r1", &reserved, &reservation, &err) ==
          RC_OK);
    CHECK(st->ops->credits_settle(st, reservation, 3, &charged, &err) == RC_OK);
    CHECK(st->ops->credits_add(st, id, 5, "bonus", &balance, &err) == RC_OK);
    struct ledger_entry *rows = NULL;
    size_t n = 0;
    CHECK(st->ops->ledger_recent(st, id, 10, &a, &rows, &n, &err) == RC_OK);
    CHECK(n >= 3);
    CHECK_STR(rows[0].endpoint, "bonus");
    CHECK_INT(rows[0].amount, 5);
    CHECK_STR(rows[1].state, "charged");
    CHECK_INT(rows[1].amount, -3);
    CHECK(st->ops->ledger_recent(st, other, 10, &a, &rows, &n, &err) == RC_OK);
    for (size_t i = 0; i < n; i++) CHECK(strcmp(rows[i].endpoint, "search") != 0);
    arena_cleanup(&a);
    store_close(st);
}
