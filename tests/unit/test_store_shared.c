/* Unit tests for what must hold when several processes share one store: two
 * store handles on one database (as two `serve` processes have) never
 * overspend a balance, and (PostgreSQL) connections the server drops are
 * replaced without the caller seeing more than one failure, an unreachable
 * server fails fast, LEADGEN_DB_POOL-sized pools serve more threads, and a
 * lock another session holds is waited for only as long as the thread's bound
 * allows (store_lock_bound) until it writes. */
#include "test.h"

#include "base/clock.h"
#include "core/keys.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

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

struct spender {
    struct store *st;
    int64_t user, charged;
    int failures;
};

/* Reserves 3 and charges all of it until the balance is empty. */
static void *spend_all(void *p)
{
    struct spender *s = p;
    for (;;) {
        int64_t reserved = 0, reservation = 0, charged = 0;
        struct err err = {0};
        enum rc rc = s->st->ops->credits_reserve(s->st, s->user, "test", 3, "req", &reserved,
                                                 &reservation, &err);
        if (rc == RC_NO_CREDITS) break;
        if (rc != RC_OK ||
            s->st->ops->credits_settle(s->st, reservation, reserved, &charged, &err) != RC_OK) {
            fprintf(stderr, "    spender: %s\n", err.msg);
            s->failures++;
            break;
        }
        s->charged += charged;
    }
    return NULL;
}

TEST(two_store_handles_on_one_database_never_overspend)
{
    char url[1024];
    test_store_url("shared", url, sizeof url);
    struct err err = {0};
    struct store *a = store_open(url, &err), *b = store_open(url, &err);
    CHECK(a && b);
    int64_t user = make_user(a, "shared@example.com", 100);
    CHECK(user > 0);
    struct spender s[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct spender){i % 2 ? b : a, user, 0, 0};
        pthread_create(&t[i], NULL, spend_all, &s[i]);
    }
    int64_t total = 0;
    int failures = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += s[i].charged;
        failures += s[i].failures;
    }
    int64_t balance = -1;
    CHECK_INT(b->ops->credits_balance(b, user, &balance, &err), RC_OK);
    store_close(a);
    store_close(b);
    CHECK_INT(failures, 0);
    CHECK_INT(total, 100);
    CHECK_INT(balance, 0);
}

static bool on_postgres(const char *url)
{
    return store_is_postgres(url);
}

/* Ends every connection named application_name=name (what a server restart does). */
static bool terminate_connections(const char *url, const char *name)
{
    PGconn *db = PQconnectdb(url);
    bool ok = PQstatus(db) == CONNECTION_OK;
    if (ok) {
        const char *args[] = {name};
        PGresult *r = PQexecParams(db,
                                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE application_name = $1 AND pid <> pg_backend_pid()",
                                   1, NULL, args, NULL, NULL, 0);
        ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    PQfinish(db);
    return ok;
}

TEST(pg_dropped_connections_are_replaced)
{
    char url[1024];
    test_store_url("dropped", url, sizeof url);
    if (!on_postgres(url)) return; /* SQLite has no connection to lose */
    /* a name of its own, so only this store's connections are ended */
    char name[64];
    snprintf(name, sizeof name, "leadgen_test_%ld", (long)getpid());
    size_t used = strlen(url);
    snprintf(url + used, sizeof url - used, "%sapplication_name=%s", strchr(url, '?') ? "&" : "?",
             name);
    struct err err = {0};
    struct store *st = store_open(url, &err);
    CHECK(st);
    int64_t user = make_user(st, "dropped@example.com", 10);
    CHECK(user > 0);
    CHECK(terminate_connections(url, name));
    /* a read retries on a fresh connection; a transaction's BEGIN does too */
    int64_t balance = -1;
    CHECK_INT(st->ops->credits_balance(st, user, &balance, &err), RC_OK);
    CHECK_INT(balance, 10);
    CHECK(terminate_connections(url, name));
    CHECK_INT(st->ops->credits_add(st, user, 5, "test", &balance, &err), RC_OK);
    CHECK_INT(balance, 15);
    CHECK(terminate_connections(url, name));
    int64_t reserved = 0, reservation = 0, charged = 0;
    enum rc rc = st->ops->credits_reserve(st, user, "t", 4, "r", &reserved, &reservation, &err);
    if (rc != RC_OK) /* a write is not retried blindly: one RC_DB, then it works */
        rc = st->ops->credits_reserve(st, user, "t", 4, "r", &reserved, &reservation, &err);
    CHECK_INT(rc, RC_OK);
    CHECK_INT(st->ops->credits_settle(st, reservation, 4, &charged, &err), RC_OK);
    CHECK_INT(st->ops->credits_balance(st, user, &balance, &err), RC_OK);
    CHECK_INT(balance, 11);
    store_close(st);
}

TEST(pg_unreachable_server_fails_fast)
{
    char url[1024];
    test_store_url("down", url, sizeof url);
    if (!on_postgres(url)) return;
    /* port 1 on loopback: nothing listens, the refusal is immediate */
    struct err err = {0};
    double start = clock_mono_ms();
    struct store *st = store_open("postgresql://leadgen@127.0.0.1:1/leadgen", &err);
    CHECK(!st);
    CHECK_INT(err.rc, RC_DB);
    CHECK(clock_mono_ms() - start < 3000);
}

struct reader {
    struct store *st;
    int64_t user;
    int failures;
};

static void *read_balances(void *p)
{
    struct reader *r = p;
    for (int i = 0; i < 50; i++) {
        int64_t balance;
        struct err err = {0};
        if (r->st->ops->credits_balance(r->st, r->user, &balance, &err) != RC_OK) r->failures++;
    }
    return NULL;
}

TEST(a_small_pool_serves_many_threads)
{
    char url[1024];
    test_store_url("pool", url, sizeof url);
    struct err err = {0};
    struct store_options opt = {.pool = 2};
    struct store *st = store_open_with(url, &opt, &err);
    CHECK(st);
    int64_t user = make_user(st, "pool@example.com", 1);
    struct reader r[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (struct reader){st, user, 0};
        pthread_create(&t[i], NULL, read_balances, &r[i]);
    }
    int failures = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        failures += r[i].failures;
    }
    store_close(st);
    CHECK_INT(failures, 0);
}

/* Another session holding user's row lock (FOR UPDATE), which a new
 * project's foreign-key check and a credit reservation wait for. */
static PGconn *hold_user_row(const char *url, int64_t user)
{
    PGconn *db = PQconnectdb(url);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)user);
    const char *args[] = {id};
    PGresult *r = PQexec(db, "BEGIN");
    PQclear(r);
    r = PQexecParams(db, "SELECT id FROM users WHERE id = $1 FOR UPDATE", 1, NULL, args, NULL,
                     NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    if (ok) return db;
    PQfinish(db);
    return NULL;
}

static void *release_later(void *p)
{
    usleep(300 * 1000);
    PQclear(PQexec(p, "ROLLBACK"));
    return NULL;
}

TEST(pg_bounded_lock_waits_give_up_until_the_first_write)
{
    char url[1024];
    test_store_url("bound", url, sizeof url);
    if (!on_postgres(url)) return; /* SQLite's busy handler: tests/e2e/test_store_lock.py */
    struct err err = {0};
    struct store *st = store_open(url, &err);
    CHECK(st);
    int64_t user = make_user(st, "bound@example.com", 10);
    int64_t other = make_user(st, "other@example.com", 1);
    PGconn *holder = hold_user_row(url, user);
    CHECK(holder);
    /* a write statement and a transaction's locking read each give up after about the bound */
    store_lock_bound(20);
    int64_t id = 0, reserved = 0, reservation = 0;
    double start = clock_mono_ms();
    CHECK_INT(st->ops->project_create(st, user, "Waits", 1, &id, &err), RC_DB);
    CHECK(store_lock_cut_short());
    store_lock_bound(20);
    CHECK_INT(st->ops->credits_reserve(st, user, "t", 1, "r", &reserved, &reservation, &err),
              RC_DB);
    CHECK(store_lock_cut_short());
    CHECK(clock_mono_ms() - start < 5000); /* not 2 x 15 s: generous for a loaded machine */
    /* once the thread wrote, the rest of its request waits for the lock */
    store_lock_bound(20);
    CHECK_INT(st->ops->project_create(st, other, "Free", 1, &id, &err), RC_OK);
    pthread_t t;
    pthread_create(&t, NULL, release_later, holder);
    CHECK_INT(st->ops->project_create(st, user, "Waited", 1, &id, &err), RC_OK);
    pthread_join(t, NULL);
    CHECK(!store_lock_cut_short());
    store_lock_bound(0);
    PQfinish(holder);
    store_close(st);
}
