/* Unit tests for the operator's store operations on every backend (see
 * test_store.c for LEADGEN_TEST_STORE): users with their key counts, keys
 * listed by id with their last use, revocation by key or id, the ledger's
 * recent rows, and the migration plan, including the refusal of a store a
 * newer leadgen has migrated. */
#include "test.h"

#include "store/store.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>

#define HASH_A "aaaa1111" "0000000000000000000000000000000000000000000000000000000a"
#define HASH_B "aaaa1111" "bbbb00000000000000000000000000000000000000000000000000b"
#define HASH_C "cccc2222" "0000000000000000000000000000000000000000000000000000000c"

TEST(operator_views_list_users_keys_and_ledger)
{
    struct store *st = test_store_fresh("admin");
    CHECK(st);
    struct err err = {0};
    struct arena a;
    arena_init(&a);
    int64_t u1 = 0, u2 = 0, balance = 0;
    CHECK_INT(st->ops->user_create(st, "one@x.com", 10, HASH_A, &u1, &err), RC_OK);
    CHECK_INT(st->ops->user_create(st, "two@x.com", 0, HASH_C, &u2, &err), RC_OK);
    CHECK_INT(st->ops->key_add(st, u1, HASH_B, &err), RC_OK);
    CHECK_INT(st->ops->credits_add(st, u1, 5, "cli", &balance, &err), RC_OK);

    struct user_summary *users;
    size_t n;
    CHECK_INT(st->ops->user_list(st, &a, &users, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_STR(users[0].email, "one@x.com");
    CHECK_INT(users[0].keys, 2);
    CHECK_INT(users[0].credits, 15);
    CHECK_INT(users[1].keys, 1);

    CHECK_INT(st->ops->key_used(st, HASH_B, 12345, &err), RC_OK);
    struct key_info *keys;
    CHECK_INT(st->ops->key_list(st, u1, &a, &keys, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    int b = strcmp(keys[0].id, "aaaa1111bbbb") == 0 ? 0 : 1;
    CHECK_STR(keys[b].id, "aaaa1111bbbb");
    CHECK_INT(keys[b].last_used_at, 12345);
    CHECK_INT(keys[1 - b].last_used_at, 0);

    struct ledger_entry *rows;
    CHECK_INT(st->ops->ledger_recent(st, u1, 1, &a, &rows, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(rows[0].amount, 5); /* the newest first */
    CHECK_STR(rows[0].state, "grant");
    arena_cleanup(&a);
    store_close(st);
}

TEST(keys_are_revoked_by_key_hash_or_unambiguous_id_of_their_user_only)
{
    struct store *st = test_store_fresh("revoke");
    CHECK(st);
    struct err err = {0};
    int64_t u1 = 0, u2 = 0;
    CHECK_INT(st->ops->user_create(st, "one@x.com", 0, HASH_A, &u1, &err), RC_OK);
    CHECK_INT(st->ops->user_create(st, "two@x.com", 0, HASH_C, &u2, &err), RC_OK);
    CHECK_INT(st->ops->key_add(st, u1, HASH_B, &err), RC_OK);
    CHECK_INT(st->ops->key_revoke(st, u1, "aaaa1111", &err), RC_CONFLICT);
    CHECK_INT(st->ops->key_revoke(st, u1, "cccc2222", &err), RC_NOT_FOUND); /* u2's */
    CHECK_INT(st->ops->key_revoke(st, u1, "aaaa1111bbbb", &err), RC_OK);
    struct key_owner owner;
    CHECK_INT(st->ops->key_lookup(st, HASH_B, &owner, &err), RC_NOT_FOUND);
    CHECK_INT(st->ops->key_revoke(st, u1, HASH_A, &err), RC_OK);
    CHECK_INT(st->ops->key_lookup(st, HASH_A, &owner, &err), RC_NOT_FOUND);
    CHECK_INT(st->ops->key_lookup(st, HASH_C, &owner, &err), RC_OK);
    store_close(st);
}

/* Records migration `version` as applied, as a newer leadgen would. */
static bool record_migration(const char *url, int version)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, 0)", version);
    if (store_is_postgres(url)) {
        PGconn *db = PQconnectdb(url);
        PGresult *r = PQexec(db, sql);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        PQfinish(db);
        return ok;
    }
    sqlite3 *db = NULL;
    bool ok = sqlite3_open(url, &db) == SQLITE_OK &&
              sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

TEST(a_store_migrated_by_a_newer_leadgen_is_refused_and_the_plan_says_why)
{
    char url[1024];
    test_store_url("newer", url, sizeof url);
    struct store_plan plan;
    struct err err = {0};
    CHECK_INT(store_plan(url, &plan, &err), RC_OK);
    CHECK_INT(plan.store_max, 0);
    CHECK(plan.known_max > 0);
    CHECK(plan.npending > 0);
    CHECK_INT(plan.pending[plan.npending - 1], plan.known_max);
    struct store *st = store_open(url, &err);
    CHECK(st);
    store_close(st);
    CHECK_INT(store_plan(url, &plan, &err), RC_OK);
    CHECK_INT(plan.npending, 0);
    CHECK_INT(plan.store_max, plan.known_max);

    int newer = plan.known_max + 1;
    CHECK(record_migration(url, newer));
    CHECK(store_open(url, &err) == NULL);
    char want[64];
    snprintf(want, sizeof want, "schema version %d", newer);
    CHECK(strstr(err.msg, want) != NULL);
    snprintf(want, sizeof want, "up to %d", plan.known_max);
    CHECK(strstr(err.msg, want) != NULL);
    CHECK_INT(store_plan(url, &plan, &err), RC_OK);
    CHECK_INT(plan.store_max, newer);
}
