/* Unit tests for the store interface: users and keys, the credit ledger
 * (including concurrent reservations), the cache, projects and leads, and
 * the campaign operations (status compare-and-set, the sender's claim and
 * record). Each case opens a fresh store through test_store_fresh (test.h),
 * which reads LEADGEN_TEST_STORE, a store URL template:
 *   LEADGEN_TEST_STORE unset       a fresh SQLite file, {dir}/{name}.db
 *   LEADGEN_TEST_STORE='postgres://localhost/lg?options=-csearch_path%3Dt{n}'
 * ({dir}: a fresh temporary directory, {name}: the case's store name, {n}:
 * unique per store), so the same suite runs against every backend. */
#include "test.h"

#include "base/clock.h"
#include "core/cache.h"
#include "core/keys.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>

static struct store *fresh_store(void)
{
    return test_store_fresh("leadgen");
}

static int64_t make_user(struct store *st, const char *email, int64_t credits)
{
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    int64_t id = 0;
    struct err err = {0};
    if (st->ops->user_create(st, email, credits, hash, &id, &err) != RC_OK)
        fprintf(stderr, "    user_create: %s\n", err.msg);
    return id;
}

static int64_t balance_of(struct store *st, int64_t user)
{
    int64_t b = -1;
    st->ops->credits_balance(st, user, &b, NULL);
    return b;
}

TEST(store_migrates_twice_without_harm)
{
    char path[1024];
    test_store_url("twice", path, sizeof path);
    struct err err = {0};
    struct store *a = store_open(path, &err);
    CHECK(a);
    store_close(a);
    struct store *b = store_open(path, &err);
    CHECK(b);
    CHECK_INT(b->ops->ping(b, &err), RC_OK);
    store_close(b);
}

TEST(store_open_fails_cleanly_on_unreachable_path) /* SQLite's: a path that cannot exist */
{
    struct err err = {0};
    struct store *st = store_open("/nonexistent-dir/sub/leadgen.db", &err);
    CHECK(st == NULL);
    CHECK_INT(err.rc, RC_DB);
    CHECK(strstr(err.msg, "/nonexistent-dir") != NULL);
}

TEST(keys_are_found_only_by_their_hash)
{
    struct store *st = fresh_store();
    CHECK(st);
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1], other[KEY_LEN + 1];
    keys_generate(key);
    keys_generate(other);
    CHECK(strncmp(key, "lg_", 3) == 0 && strlen(key) == KEY_LEN);
    CHECK(strcmp(key, other) != 0);
    keys_hash(key, hash);
    CHECK(strstr(hash, key + 3) == NULL);
    int64_t id;
    struct err err = {0};
    CHECK_INT(st->ops->user_create(st, "a@x.com", 5, hash, &id, &err), RC_OK);
    struct key_owner owner;
    CHECK_INT(st->ops->key_lookup(st, hash, &owner, &err), RC_OK);
    CHECK_INT(owner.user_id, id);
    CHECK_INT(owner.source, KEY_LOCAL);
    char other_hash[KEY_HASH_LEN + 1];
    keys_hash(other, other_hash);
    CHECK_INT(st->ops->key_lookup(st, other_hash, &owner, &err), RC_NOT_FOUND);
    /* the same email twice is a conflict */
    CHECK_INT(st->ops->user_create(st, "a@x.com", 0, other_hash, &id, &err), RC_CONFLICT);
    store_close(st);
}

TEST(vouched_keys_create_the_user_once_and_grant_once)
{
    struct store *st = fresh_store();
    CHECK(st);
    struct err err = {0};
    int64_t u1, u2;
    CHECK_INT(st->ops->key_vouch(st, "h1", "buyer@x.com", 50, 1000, &u1, &err), RC_OK);
    CHECK_INT(balance_of(st, u1), 50);
    CHECK_INT(st->ops->key_vouch(st, "h1", "buyer@x.com", 50, 2000, &u2, &err), RC_OK);
    CHECK_INT(u1, u2);
    CHECK_INT(balance_of(st, u1), 50);
    struct key_owner owner;
    CHECK_INT(st->ops->key_lookup(st, "h1", &owner, &err), RC_OK);
    CHECK_INT(owner.source, KEY_EXTERNAL);
    CHECK_INT(owner.checked_at, 2000);
    /* a second licence key of the same buyer joins the same user */
    CHECK_INT(st->ops->key_vouch(st, "h2", "buyer@x.com", 10, 3000, &u2, &err), RC_OK);
    CHECK_INT(u2, u1);
    CHECK_INT(balance_of(st, u1), 60);
    store_close(st);
}

TEST(reservations_settle_to_the_real_cost_and_release_on_error)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, "c@x.com", 30);
    struct err err = {0};
    int64_t reserved, r1, r2, charged;
    CHECK_INT(st->ops->credits_reserve(st, user, "crawl", 15, "req1", &reserved, &r1, &err), RC_OK);
    CHECK_INT(reserved, 15);
    CHECK_INT(balance_of(st, user), 15);
    CHECK_INT(st->ops->credits_settle(st, r1, 4, &charged, &err), RC_OK);
    CHECK_INT(charged, 4);
    CHECK_INT(balance_of(st, user), 26);
    CHECK_INT(st->ops->credits_settle(st, r1, 4, &charged, &err), RC_CONFLICT); /* only once */
    CHECK_INT(balance_of(st, user), 26);
    CHECK_INT(st->ops->credits_reserve(st, user, "crawl", 15, "req2", &reserved, &r2, &err),
              RC_OK);
    CHECK_INT(st->ops->credits_settle(st, r2, 0, &charged, &err), RC_OK); /* an error: release */
    CHECK_INT(charged, 0);
    CHECK_INT(balance_of(st, user), 26);
    store_close(st);
}

TEST(reservation_takes_what_is_left_and_refuses_at_zero)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, "d@x.com", 3);
    struct err err = {0};
    int64_t reserved, r, charged;
    CHECK_INT(st->ops->credits_reserve(st, user, "search", 10, "a", &reserved, &r, &err), RC_OK);
    CHECK_INT(reserved, 3);
    CHECK_INT(st->ops->credits_settle(st, r, 10, &charged, &err), RC_OK);
    CHECK_INT(charged, 3); /* never more than was reserved */
    CHECK_INT(balance_of(st, user), 0);
    CHECK_INT(st->ops->credits_reserve(st, user, "search", 10, "b", &reserved, &r, &err),
              RC_NO_CREDITS);
    CHECK_INT(balance_of(st, user), 0);
    store_close(st);
}

struct racer {
    struct store *st;
    int64_t user;
    int got; /* 1 when the reservation succeeded */
    enum rc rc;
};

static void *race_reserve(void *p)
{
    struct racer *r = p;
    int64_t reserved = 0, id = 0, charged = 0;
    struct err err = {0};
    r->rc = r->st->ops->credits_reserve(r->st, r->user, "crawl", 1, "race", &reserved, &id, &err);
    if (r->rc == RC_OK) {
        r->got = (int)reserved;
        r->rc = r->st->ops->credits_settle(r->st, id, 1, &charged, &err);
    }
    if (r->rc != RC_OK && r->rc != RC_NO_CREDITS) fprintf(stderr, "    unexpected: %s\n", err.msg);
    return NULL;
}

TEST(fifty_parallel_reservations_against_twenty_credits)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, "race@x.com", 20);
    enum { N = 50 };
    struct racer racers[N];
    pthread_t tids[N];
    for (int i = 0; i < N; i++) {
        racers[i] = (struct racer){st, user, 0, RC_OK};
        pthread_create(&tids[i], NULL, race_reserve, &racers[i]);
    }
    int granted = 0, refused = 0, failed = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(tids[i], NULL);
        granted += racers[i].got;
        if (racers[i].rc == RC_NO_CREDITS) refused++;
        else if (racers[i].rc != RC_OK) failed++;
    }
    CHECK_INT(failed, 0);
    CHECK_INT(granted, 20);
    CHECK_INT(refused, 30);
    CHECK_INT(balance_of(st, user), 0);
    store_close(st);
}

TEST(stale_reservations_are_refunded_after_a_crash)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, "e@x.com", 10);
    struct err err = {0};
    int64_t reserved, r, released = 0;
    CHECK_INT(st->ops->credits_reserve(st, user, "crawl", 6, "lost", &reserved, &r, &err), RC_OK);
    CHECK_INT(balance_of(st, user), 4);
    /* a reservation younger than the cut-off belongs to a live request */
    CHECK_INT(st->ops->credits_release_stale(st, clock_now() - 60, &released, &err), RC_OK);
    CHECK_INT(released, 0);
    CHECK_INT(balance_of(st, user), 4);
    CHECK_INT(st->ops->credits_release_stale(st, clock_now() + 1, &released, &err), RC_OK);
    CHECK_INT(released, 1);
    CHECK_INT(balance_of(st, user), 10);
    int64_t charged;
    CHECK_INT(st->ops->credits_settle(st, r, 6, &charged, &err), RC_CONFLICT);
    CHECK_INT(balance_of(st, user), 10);
    store_close(st);
}

TEST(reservations_name_their_holder_and_a_dead_holder_is_released)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, "h@x.com", 10), other = make_user(st, "o@x.com", 10);
    struct err err = {0};
    int64_t reserved, r1, r2, held = -1, released = 0;
    CHECK_INT(st->ops->credits_held(st, user, &held, &err), RC_OK);
    CHECK_INT(held, 0);
    CHECK_INT(st->ops->credits_reserve(st, user, "crawl", 6, "a", &reserved, &r1, &err), RC_OK);
    CHECK_INT(st->ops->credits_reserve(st, user, "crawl", 3, "b", &reserved, &r2, &err), RC_OK);
    CHECK_INT(st->ops->credits_reserve(st, other, "crawl", 2, "c", &reserved, &r2, &err), RC_OK);
    CHECK_INT(st->ops->credits_held(st, user, &held, &err), RC_OK);
    CHECK_INT(held, 9);
    struct arena a;
    arena_init(&a);
    const char **holders = NULL;
    size_t n = 0;
    CHECK_INT(st->ops->credits_holders(st, &a, &holders, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(holders[0], store_holder());
    CHECK_INT(st->ops->credits_release_holder(st, "elsewhere:1", &released, &err), RC_OK);
    CHECK_INT(released, 0);
    CHECK_INT(st->ops->credits_release_holder(st, store_holder(), &released, &err), RC_OK);
    CHECK_INT(released, 3);
    CHECK_INT(balance_of(st, user), 10);
    CHECK_INT(balance_of(st, other), 10);
    CHECK_INT(st->ops->credits_held(st, user, &held, &err), RC_OK);
    CHECK_INT(held, 0);
    CHECK_INT(st->ops->credits_holders(st, &a, &holders, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    arena_cleanup(&a);
    store_close(st);
}

TEST(credits_add_cannot_drive_the_balance_negative)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, "f@x.com", 5);
    struct err err = {0};
    int64_t balance;
    CHECK_INT(st->ops->credits_add(st, user, 7, "cli", &balance, &err), RC_OK);
    CHECK_INT(balance, 12);
    CHECK_INT(st->ops->credits_add(st, user, -20, "cli", &balance, &err), RC_INVALID);
    CHECK_INT(balance_of(st, user), 12);
    CHECK_INT(st->ops->credits_add(st, 9999, 1, "cli", &balance, NULL), RC_NOT_FOUND);
    store_close(st);
}

TEST(cache_entries_expire_and_are_purged)
{
    struct store *st = fresh_store();
    CHECK(st);
    struct arena a;
    arena_init(&a);
    const char *parts[] = {"marketing agency", "google", NULL};
    const char *key = cache_key(&a, "search", 3, parts);
    CHECK(strstr(key, "marketing agency") != NULL);
    const char *other_parts[] = {"marketing agency", "bing", NULL};
    CHECK(strcmp(key, cache_key(&a, "search", 3, other_parts)) != 0);
    json_t *data = json_pack("{s:i}", "n", 7), *got = NULL;
    struct err err = {0};
    CHECK_INT(cache_get(st, key, &got, &err), RC_NOT_FOUND);
    CHECK_INT(cache_put(st, key, "search", data, 60, &err), RC_OK);
    CHECK_INT(cache_get(st, key, &got, &err), RC_OK);
    CHECK_INT(json_integer_value(json_object_get(got, "n")), 7);
    json_decref(got);
    clock_set_offset(61);
    CHECK_INT(cache_get(st, key, &got, &err), RC_NOT_FOUND);
    int64_t removed = 0;
    CHECK_INT(st->ops->cache_purge(st, clock_now(), &removed, &err), RC_OK);
    CHECK_INT(removed, 1);
    clock_set_offset(0);
    json_decref(data);
    arena_cleanup(&a);
    store_close(st);
}

TEST(projects_are_per_user_unique_and_searchable)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t alice = make_user(st, "alice@x.com", 0), bob = make_user(st, "bob@x.com", 0);
    struct err err = {0};
    int64_t p1, p2, p3;
    CHECK_INT(st->ops->project_create(st, alice, "NYC Agencies", 1, &p1, &err), RC_OK);
    CHECK_INT(st->ops->project_create(st, alice, "50% off", 1, &p2, &err), RC_OK);
    CHECK_INT(st->ops->project_create(st, alice, "NYC Agencies", 1, &p3, &err), RC_CONFLICT);
    CHECK_INT(st->ops->project_create(st, bob, "NYC Agencies", 1, &p3, NULL), RC_OK);
    struct arena a;
    arena_init(&a);
    struct project *list;
    size_t n;
    CHECK_INT(st->ops->project_list(st, alice, "nyc", &a, &list, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(list[0].id, p1);
    CHECK_INT(st->ops->project_list(st, alice, "%", &a, &list, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(list[0].id, p2);
    CHECK_INT(st->ops->project_list(st, alice, NULL, &a, &list, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    struct project p;
    CHECK_INT(st->ops->project_get(st, bob, p1, &a, &p, &err), RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(st);
}

TEST(leads_deduplicate_case_insensitively_and_stay_in_their_tenant)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t alice = make_user(st, "alice@x.com", 0), bob = make_user(st, "bob@x.com", 0);
    struct err err = {0};
    int64_t project;
    CHECK_INT(st->ops->project_create(st, alice, "P", 1, &project, &err), RC_OK);
    struct lead leads[3] = {{.email = "John@X.com", .firstname = "John"},
                            {.email = "john@x.COM"},
                            {.email = "jane@x.com", .company = "Acme"}};
    struct leads_added added;
    CHECK_INT(st->ops->leads_add(st, alice, project, leads, 3, 100, &added, &err), RC_OK);
    CHECK_INT(added.added, 2);
    CHECK_INT(added.duplicates, 1);
    CHECK_INT(added.total, 2);
    CHECK_INT(st->ops->leads_add(st, alice, project, leads, 1, 100, &added, &err), RC_OK);
    CHECK_INT(added.added, 0);
    CHECK_INT(added.duplicates, 1);
    CHECK_INT(added.total, 2);
    CHECK_INT(st->ops->leads_add(st, bob, project, leads + 2, 1, 100, &added, &err), RC_NOT_FOUND);
    struct arena a;
    arena_init(&a);
    struct lead *list;
    size_t n;
    int64_t total;
    CHECK_INT(st->ops->leads_list(st, bob, project, 10, 0, &a, &list, &n, &total, NULL),
              RC_NOT_FOUND);
    CHECK_INT(st->ops->leads_list(st, alice, project, 10, 0, &a, &list, &n, &total, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(total, 2);
    CHECK_STR(list[0].email, "John@X.com");
    CHECK_STR(list[1].company, "Acme");
    CHECK_INT(list[1].created_at, 100);
    CHECK_INT(st->ops->leads_list(st, alice, project, 1, 1, &a, &list, &n, &total, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_STR(list[0].email, "jane@x.com");
    arena_cleanup(&a);
    store_close(st);
}
