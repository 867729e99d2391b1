/* PostgreSQL backend of the store interface (libpq): a fixed pool of
 * connections shared by all threads, each with its own prepared statements,
 * the numbered migrations under migrations/postgres/, and recovery from a lost
 * database: a broken connection is replaced on its next use, and while the
 * database cannot be reached operations fail at once (RC_DB) during a
 * doubling back-off instead of waiting on it. A thread's lock-wait bound
 * (store_lock_bound) becomes the session's lock_timeout (lock_bound_on). */
#include "store/store_int.h"
#include "store/store_pg_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const char migration_postgres_001_init[];
extern const char migration_postgres_002_sender_accounts[];
extern const char migration_postgres_003_automation[];
extern const char migration_postgres_004_email_sightings[];
extern const char migration_postgres_005_ledger_holder[];
extern const char migration_postgres_006_key_last_used[];
extern const char migration_postgres_007_privacy[];
extern const char migration_postgres_008_due_order[];
extern const char migration_postgres_009_scale[];
extern const char migration_postgres_011_dashboard[];
extern const char migration_postgres_012_sighting_person[];
extern const char migration_postgres_013_recipient_changed_at[];

static const struct migration {
    int version;
    const char *sql;
} migrations[] = {
    {1, migration_postgres_001_init},
    {2, migration_postgres_002_sender_accounts},
    {3, migration_postgres_003_automation},
    {4, migration_postgres_004_email_sightings},
    {5, migration_postgres_005_ledger_holder},
    {6, migration_postgres_006_key_last_used},
    {7, migration_postgres_007_privacy},
    {8, migration_postgres_008_due_order},
    {9, migration_postgres_009_scale},
    {11, migration_postgres_011_dashboard},
    {12, migration_postgres_012_sighting_person},
    {13, migration_postgres_013_recipient_changed_at},
};
enum { MIGRATION_COUNT = sizeof migrations / sizeof migrations[0] };

enum {
    DEFAULT_POOL = 8,
    POOL_WAIT_MS = 10000,  /* an operation waits this long for a free connection */
    BACKOFF_FIRST_MS = 100,
    BACKOFF_MAX_MS = 2000,
    MIGRATION_LOCK = 0x6c656164 /* pg_advisory_lock key: "lead" */
};

/* libpq settings under the URL's own: connecting gives up after 2 s, a dead
 * peer is noticed within seconds (keepalives, unacknowledged writes). */
static const char *const connect_keys[] = {"connect_timeout", "keepalives", "keepalives_idle",
                                           "keepalives_interval", "keepalives_count",
                                           "tcp_user_timeout", "application_name", "dbname", NULL};
static const char *const connect_values[] = {"2", "1", "10", "3", "3", "5000", "leadgen", NULL,
                                             NULL};
/* No statement, lock wait or forgotten transaction holds a request for long;
 * the lock_timeout they leave is read back in the same round trip (see
 * lock_bound_on). */
static const char session_settings[] = "SET statement_timeout = 30000; SET lock_timeout = 15000; "
                                       "SET idle_in_transaction_session_timeout = 60000; "
                                       "SHOW lock_timeout";
/* A URL that sets statement_timeout brings its own settings. */
static const char session_show[] = "SHOW lock_timeout";

/* lock_ms of a connection whose lock_timeout is not known (setting it failed). */
#define LOCK_UNKNOWN UINT_MAX

struct pgc {
    PGconn *db; /* NULL until connected, and after it broke */
    struct pg_store *owner;
    bool busy, in_tx;
    /* the session's lock_timeout: a thread's bound (store_lock_bound) in ms,
     * or 0 for lock_normal, the one the session was configured with */
    unsigned lock_ms, lock_ms_at_begin; /* a rollback undoes a SET since BEGIN */
    char lock_normal[32];
    bool prepared[PG_SLOTS];
};

struct pg_store {
    struct store base;
    char *url;
    size_t size;
    struct pgc *conns;
    pthread_mutex_t lock; /* guards busy flags and the back-off */
    pthread_cond_t freed;
    double retry_at_ms; /* no new connection before this (clock_mono_ms) */
    int backoff_ms;
    char down_reason[256];
    _Atomic uint64_t generation;
};

/* ---- connecting ------------------------------------------------------------- */

/* libpq's message without its trailing newline. */
static void copy_message(char *buf, size_t len, const char *msg)
{
    snprintf(buf, len, "%s", msg ? msg : "?");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = '\0';
}

/* Server notices (such as the reason a connection was ended) go to the log,
 * not libpq's default of stderr. */
static void log_notice(void *arg, const char *message)
{
    (void)arg;
    char msg[256];
    copy_message(msg, sizeof msg, message);
    log_warn("postgres: %s", msg);
}

/* Applies the session settings (unless the URL has its own) and copies the
 * lock_timeout the session then has into lock_normal (may be NULL). */
static bool configure(PGconn *db, const char *url, char *lock_normal, size_t len, char *msg,
                      size_t msglen)
{
    PGresult *r = PQexec(db, strstr(url, "statement_timeout") ? session_show : session_settings);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (!ok) copy_message(msg, msglen, PQresultErrorMessage(r));
    if (ok && lock_normal) snprintf(lock_normal, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return ok;
}

static PGconn *connect_db(const char *url, char *lock_normal, size_t len, struct err *err)
{
    const char *values[sizeof connect_values / sizeof connect_values[0]];
    memcpy(values, connect_values, sizeof values);
    values[7] = url;
    PGconn *db = PQconnectdbParams(connect_keys, values, 1);
    char msg[200];
    if (PQstatus(db) != CONNECTION_OK) {
        copy_message(msg, sizeof msg, PQerrorMessage(db));
        err_set(err, RC_DB, "cannot connect to PostgreSQL: %s", msg);
        PQfinish(db);
        return NULL;
    }
    PQsetNoticeProcessor(db, log_notice, NULL);
    if (!configure(db, url, lock_normal, len, msg, sizeof msg)) {
        err_set(err, RC_DB, "configuring the PostgreSQL session: %s", msg);
        PQfinish(db);
        return NULL;
    }
    return db;
}

/* A live connection in c: the old one if it is still good, else a new one
 * (unless the back-off says the database is still down). */
static enum rc conn_ready(struct pgc *c, struct err *err)
{
    struct pg_store *s = c->owner;
    if (c->db) {
        PQconsumeInput(c->db); /* notices a connection the server closed while idle */
        if (PQstatus(c->db) == CONNECTION_OK && PQtransactionStatus(c->db) == PQTRANS_IDLE)
            return RC_OK;
        PQfinish(c->db);
        c->db = NULL;
    }
    pthread_mutex_lock(&s->lock);
    bool wait = clock_mono_ms() < s->retry_at_ms;
    char reason[sizeof s->down_reason];
    memcpy(reason, s->down_reason, sizeof reason);
    pthread_mutex_unlock(&s->lock);
    if (wait) return err_set(err, RC_DB, "database unreachable (retrying): %s", reason);
    struct err why = {0};
    c->db = connect_db(s->url, c->lock_normal, sizeof c->lock_normal, &why);
    pthread_mutex_lock(&s->lock);
    if (c->db) {
        s->backoff_ms = 0;
        s->retry_at_ms = 0;
    } else {
        s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_FIRST_MS;
        if (s->backoff_ms > BACKOFF_MAX_MS) s->backoff_ms = BACKOFF_MAX_MS;
        s->retry_at_ms = clock_mono_ms() + s->backoff_ms;
        snprintf(s->down_reason, sizeof s->down_reason, "%s", why.msg);
    }
    pthread_mutex_unlock(&s->lock);
    if (!c->db) return err_copy(err, &why);
    memset(c->prepared, 0, sizeof c->prepared);
    c->lock_ms = 0;
    return RC_OK;
}

/* ---- the pool --------------------------------------------------------------- */

static struct pgc *free_conn(struct pg_store *s)
{
    struct pgc *idle = NULL;
    for (size_t i = 0; i < s->size; i++) {
        struct pgc *c = &s->conns[i];
        if (c->busy) continue;
        if (c->db) return c; /* an open one first: no connect on the hot path */
        if (!idle) idle = c;
    }
    return idle;
}

static struct timespec deadline_in(unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long ns = t.tv_nsec + (long)(ms % 1000) * 1000000L;
    t.tv_sec += (time_t)(ms / 1000) + ns / 1000000000L;
    t.tv_nsec = ns % 1000000000L;
    return t;
}

struct pgc *pg_acquire(struct store *st, struct err *err)
{
    struct pg_store *s = (struct pg_store *)st;
    /* a thread with a lock-wait bound (store_lock_bound) waits no longer for a
     * connection: all of them may be held by statements waiting for another
     * session's lock, and /healthz must still answer */
    unsigned bound = store_lock_wait_bound();
    struct timespec deadline = deadline_in(bound ? bound : POOL_WAIT_MS);
    pthread_mutex_lock(&s->lock);
    struct pgc *c;
    while (!(c = free_conn(s)))
        if (pthread_cond_timedwait(&s->freed, &s->lock, &deadline) == ETIMEDOUT) break;
    if (c) c->busy = true;
    pthread_mutex_unlock(&s->lock);
    if (!c) {
        if (bound) store_note_cut_short();
        err_set(err, RC_DB, "all %zu database connections stayed busy", s->size);
        return NULL;
    }
    if (conn_ready(c, err) != RC_OK) {
        pg_release(c, RC_DB);
        return NULL;
    }
    return c;
}

enum rc pg_release(struct pgc *c, enum rc rc)
{
    struct pg_store *s = c->owner;
    if (c->db && (PQstatus(c->db) != CONNECTION_OK || PQtransactionStatus(c->db) != PQTRANS_IDLE)) {
        PQfinish(c->db); /* broken, or left inside a transaction: start clean next time */
        c->db = NULL;
    }
    c->in_tx = false;
    pthread_mutex_lock(&s->lock);
    c->busy = false;
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- statements ------------------------------------------------------------- */

void pg_arg_int(struct pg_args *a, int64_t v)
{
    snprintf(a->num[a->n], sizeof a->num[a->n], "%lld", (long long)v);
    a->v[a->n] = a->num[a->n];
    a->n++;
}

void pg_arg_text(struct pg_args *a, const char *s)
{
    a->v[a->n++] = s;
}

static enum rc fail(struct pgc *c, const PGresult *r, struct err *err, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char msg[200];
    copy_message(msg, sizeof msg, r ? PQresultErrorMessage(r) : PQerrorMessage(c->db));
    /* class 23: a unique, check or foreign-key rule refused the row */
    enum rc rc = state && strncmp(state, "23", 2) == 0 ? RC_CONFLICT : RC_DB;
    /* lock_not_available under the thread's bound: the caller hands the request
     * to a thread that may wait (store_lock_cut_short) */
    if (state && strcmp(state, "55P03") == 0 && c->lock_ms && c->lock_ms != LOCK_UNKNOWN)
        store_note_cut_short();
    return err_set(err, rc, "%s: %s", what, msg);
}

static bool lost(const struct pgc *c)
{
    return !c->db || PQstatus(c->db) != CONNECTION_OK;
}

/* Gives the session the lock_timeout the calling thread asks for: its bound
 * (store_lock_bound) until it writes, then the configured one. A round trip
 * only when that differs from what the session has: an event thread's
 * statements run with the bound, a job thread's with the full wait. Inside a
 * transaction the SET lasts past COMMIT, and ROLLBACK undoes it (pg_end). */
static PGresult *lock_bound_on(struct pgc *c)
{
    unsigned want = store_lock_wait_bound();
    if (c->lock_ms == want) return NULL;
    char sql[64];
    if (want)
        snprintf(sql, sizeof sql, "SET lock_timeout = %u", want);
    else
        snprintf(sql, sizeof sql, "SET lock_timeout = '%s'", c->lock_normal);
    PGresult *r = PQexec(c->db, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    c->lock_ms = ok ? want : LOCK_UNKNOWN;
    if (ok) PQclear(r);
    return ok ? NULL : r;
}

/* A statement that succeeded and was no plain SELECT wrote: from now on this
 * thread's lock waits are not cut short (store_lock_bound). Bumps the
 * generation the hot cache compares. */
static void note_write(struct pgc *c, const char *sql)
{
    /* everything but a plain SELECT writes (a WITH ... SELECT settles credits) */
    if (strncmp(sql, "SELECT", 6) == 0) return;
    atomic_fetch_add(&c->owner->generation, 1);
    store_note_write();
}

static PGresult *run_once(struct pgc *c, int slot, const char *sql, const struct pg_args *args)
{
    PGresult *set = lock_bound_on(c);
    if (set) return set;
    char name[16];
    snprintf(name, sizeof name, "s%d", slot);
    if (!c->prepared[slot]) {
        PGresult *p = PQprepare(c->db, name, sql, 0, NULL);
        if (PQresultStatus(p) != PGRES_COMMAND_OK) return p;
        PQclear(p);
        c->prepared[slot] = true;
    }
    return PQexecPrepared(c->db, name, args ? args->n : 0, args ? args->v : NULL, NULL, NULL, 0);
}

static bool result_ok(const PGresult *r)
{
    ExecStatusType t = PQresultStatus(r);
    return t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK;
}

PGresult *pg_run(struct pgc *c, int slot, const char *sql, const struct pg_args *args,
                 struct err *err, const char *what)
{
    PGresult *r = run_once(c, slot, sql, args);
    if (!result_ok(r) && lost(c) && !c->in_tx && strncmp(sql, "SELECT", 6) == 0) {
        PQclear(r);
        r = conn_ready(c, err) == RC_OK ? run_once(c, slot, sql, args) : NULL;
        if (!r) return NULL;
    }
    if (!result_ok(r)) {
        fail(c, r, err, what);
        PQclear(r);
        return NULL;
    }
    note_write(c, sql);
    return r;
}

enum rc pg_exec(struct pgc *c, int slot, const char *sql, const struct pg_args *args,
                int64_t *changed, struct err *err, const char *what)
{
    struct err raw = {0};
    PGresult *r = pg_run(c, slot, sql, args, &raw, what);
    if (!r) return err_copy(err, &raw);
    if (changed) *changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return RC_OK;
}

enum rc pg_one_int(struct pgc *c, int slot, const char *sql, const struct pg_args *args,
                   int64_t *out, struct err *err, const char *what)
{
    struct err raw = {0};
    PGresult *r = pg_run(c, slot, sql, args, &raw, what);
    if (!r) return err_copy(err, &raw);
    enum rc rc = PQntuples(r) > 0 ? RC_OK : RC_NOT_FOUND;
    if (rc == RC_OK) *out = pg_int(r, 0, 0);
    PQclear(r);
    return rc;
}

int64_t pg_int(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *pg_text(const PGresult *r, int row, int col, struct arena *a)
{
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

bool pg_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) != 0;
}

void *pg_grow(struct arena *a, void *items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap) return items;
    size_t next = *cap ? *cap * 2 : 8;
    void *bigger = arena_alloc(a, next * size);
    if (count) memcpy(bigger, items, count * size);
    *cap = next;
    return bigger;
}

void *pg_rows(PGresult *r, struct arena *a, size_t size, pg_row_fn *fn, size_t *count)
{
    int n = PQntuples(r);
    char *items = arena_alloc(a, (size_t)(n ? n : 1) * size);
    for (int i = 0; i < n; i++)
        fn(r, i, a, items + (size_t)i * size);
    PQclear(r);
    *count = (size_t)n;
    return items;
}

void pg_text_item(const PGresult *r, int row, struct arena *a, void *item)
{
    *(const char **)item = pg_text(r, row, 0, a);
}

PGresult *pg_run_text(struct pgc *c, const char *sql, const struct pg_args *args,
                      struct err *err, const char *what)
{
    PGresult *r = lock_bound_on(c);
    if (!r)
        r = PQexecParams(c->db, sql, args ? args->n : 0, NULL, args ? args->v : NULL, NULL, NULL,
                         0);
    if (result_ok(r)) {
        note_write(c, sql);
        return r;
    }
    fail(c, r, err, what);
    PQclear(r);
    return NULL;
}

enum rc pg_copy_in(struct pgc *c, const char *sql, const char *data, size_t len,
                   struct err *err, const char *what)
{
    PGresult *r = lock_bound_on(c);
    if (!r) r = PQexec(c->db, sql);
    bool started = PQresultStatus(r) == PGRES_COPY_IN;
    if (!started) fail(c, r, err, what);
    PQclear(r);
    if (!started) return RC_DB;
    if (PQputCopyData(c->db, data, (int)len) != 1 || PQputCopyEnd(c->db, NULL) != 1)
        return fail(c, NULL, err, what);
    enum rc rc = RC_OK;
    while ((r = PQgetResult(c->db))) {
        if (rc == RC_OK && PQresultStatus(r) != PGRES_COMMAND_OK) rc = fail(c, r, err, what);
        PQclear(r);
    }
    if (rc == RC_OK) note_write(c, sql);
    return rc;
}

/* ---- transactions ----------------------------------------------------------- */

static enum rc simple(struct pgc *c, const char *sql, struct err *err)
{
    PGresult *r = PQexec(c->db, sql);
    enum rc rc = PQresultStatus(r) == PGRES_COMMAND_OK ? RC_OK : fail(c, r, err, sql);
    PQclear(r);
    return rc;
}

enum rc pg_command(struct pgc *c, const char *sql, struct err *err)
{
    PGresult *set = lock_bound_on(c);
    if (!set) return simple(c, sql, err);
    enum rc rc = fail(c, set, err, sql);
    PQclear(set);
    return rc;
}

enum rc pg_begin(struct pgc *c, struct err *err)
{
    struct err first = {0};
    enum rc rc = simple(c, "BEGIN", &first);
    /* nothing was written yet: a connection found dead here is replaced and BEGIN retried */
    if (rc != RC_OK && lost(c)) {
        rc = conn_ready(c, err);
        if (rc == RC_OK) rc = simple(c, "BEGIN", err);
    } else if (rc != RC_OK) {
        err_copy(err, &first);
    }
    c->in_tx = rc == RC_OK;
    c->lock_ms_at_begin = c->lock_ms;
    return rc;
}

enum rc pg_end(struct pgc *c, enum rc rc, struct err *err)
{
    c->in_tx = false;
    if (rc == RC_OK) {
        rc = simple(c, "COMMIT", err);
        /* a reader that raced the transaction cached under the old generation */
        if (rc == RC_OK) atomic_fetch_add(&c->owner->generation, 1);
    } else if (!lost(c)) {
        simple(c, "ROLLBACK", NULL);
    }
    /* a transaction that did not commit undid the SETs made in it */
    if (rc != RC_OK) c->lock_ms = c->lock_ms_at_begin;
    return rc;
}

/* ---- migrations ------------------------------------------------------------- */

static enum rc exec_text(PGconn *db, const char *sql, struct err *err, const char *what)
{
    PGresult *r = PQexec(db, sql);
    ExecStatusType t = PQresultStatus(r);
    enum rc rc = RC_OK;
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
        char msg[200];
        copy_message(msg, sizeof msg, PQresultErrorMessage(r));
        rc = err_set(err, RC_DB, "%s: %s", what, msg);
    }
    PQclear(r);
    return rc;
}

/* With search_path naming a schema that does not exist yet (a URL with
 * options=-csearch_path=NAME), creates it, as SQLite creates its file. */
static enum rc ensure_schema(PGconn *db, struct err *err)
{
    PGresult *r = PQexec(db, "SELECT current_schema() IS NULL, current_setting('search_path')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return err_set(err, RC_DB, "reading search_path: %s", PQerrorMessage(db));
    }
    bool missing = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    char first[128];
    snprintf(first, sizeof first, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!missing) return RC_OK;
    first[strcspn(first, ",")] = '\0';
    char *name = str_trim(first);
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
        name[n - 1] = '\0';
        name++;
    }
    if (!*name || strcmp(name, "$user") == 0)
        return err_set(err, RC_DB, "no schema to create the store in (search_path is empty)");
    char *ident = PQescapeIdentifier(db, name, strlen(name));
    if (!ident) return err_set(err, RC_DB, "bad schema name in search_path");
    char sql[300];
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", ident);
    PQfreemem(ident);
    return exec_text(db, sql, err, "creating the schema");
}

static enum rc apply(PGconn *db, const struct migration *m, struct err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 FROM schema_migrations WHERE version = %d", m->version);
    PGresult *r = PQexec(db, sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK, applied = ok && PQntuples(r) > 0;
    PQclear(r);
    if (!ok) return err_set(err, RC_DB, "reading schema_migrations: %s", PQerrorMessage(db));
    if (applied) return RC_OK;
    enum rc rc = exec_text(db, "BEGIN", err, "migration");
    if (rc == RC_OK) rc = exec_text(db, m->sql, err, "schema migration failed");
    snprintf(sql, sizeof sql,
             "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, %lld)", m->version,
             (long long)clock_now());
    if (rc == RC_OK) rc = exec_text(db, sql, err, "recording the migration");
    if (rc == RC_OK) return exec_text(db, "COMMIT", err, "migration commit");
    exec_text(db, "ROLLBACK", NULL, "rollback");
    return rc;
}

/* The versions in schema_migrations, ascending; none when the table does not exist. */
static enum rc applied_versions(PGconn *db, int *out, size_t max, size_t *n, struct err *err)
{
    *n = 0;
    PGresult *r = PQexec(db, "SELECT version FROM schema_migrations ORDER BY version");
    ExecStatusType t = PQresultStatus(r);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    bool missing = state && strcmp(state, "42P01") == 0; /* no such table: a new store */
    enum rc rc = RC_OK;
    if (t == PGRES_TUPLES_OK)
        for (int i = 0; i < PQntuples(r) && *n < max; i++)
            out[(*n)++] = atoi(PQgetvalue(r, i, 0));
    else if (!missing)
        rc = err_set(err, RC_DB, "reading schema_migrations: %s", PQerrorMessage(db));
    PQclear(r);
    return rc;
}

/* A newer leadgen's migration in the store: refused before anything is written. */
static enum rc refuse_newer(PGconn *db, struct err *err)
{
    int applied[STORE_PLAN_MAX];
    size_t n = 0;
    enum rc rc = applied_versions(db, applied, STORE_PLAN_MAX, &n, err);
    if (rc != RC_OK) return rc;
    return store_refuse_newer(n ? applied[n - 1] : 0, migrations[MIGRATION_COUNT - 1].version,
                              err);
}

enum rc store_pg_plan(const char *url, struct store_plan *out, struct err *err)
{
    int known[MIGRATION_COUNT], applied[STORE_PLAN_MAX];
    for (size_t i = 0; i < MIGRATION_COUNT; i++) known[i] = migrations[i].version;
    PGconn *db = connect_db(url, NULL, 0, err);
    if (!db) return RC_DB;
    size_t napplied = 0;
    enum rc rc = exec_text(db, "SET client_min_messages = error", err, "plan");
    if (rc == RC_OK) rc = applied_versions(db, applied, STORE_PLAN_MAX, &napplied, err);
    PQfinish(db);
    if (rc == RC_OK) store_plan_fill(out, known, MIGRATION_COUNT, applied, napplied);
    return rc;
}

/* Applies pending migrations, one process at a time (an advisory lock). */
static enum rc migrate(PGconn *db, struct err *err)
{
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_lock(%d)", MIGRATION_LOCK);
    /* "already exists, skipping" notices are expected here */
    enum rc rc = exec_text(db, "SET client_min_messages = warning", err, "migration");
    if (rc == RC_OK) rc = exec_text(db, lock, err, "migration lock");
    if (rc != RC_OK) return rc;
    rc = ensure_schema(db, err);
    if (rc == RC_OK)
        rc = exec_text(db,
                       "CREATE TABLE IF NOT EXISTS schema_migrations "
                       "(version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
                       err, "schema_migrations");
    if (rc == RC_OK) rc = refuse_newer(db, err);
    for (size_t i = 0; rc == RC_OK && i < sizeof migrations / sizeof migrations[0]; i++)
        rc = apply(db, &migrations[i], err);
    snprintf(lock, sizeof lock, "SELECT pg_advisory_unlock(%d)", MIGRATION_LOCK);
    exec_text(db, lock, NULL, "migration unlock");
    return rc;
}

/* ---- lifecycle -------------------------------------------------------------- */

/* Any write through this process bumps it; writes by other processes are
 * bounded by the hot cache's own maximum age (core/hotcache.h). */
static uint64_t pg_generation(struct store *st)
{
    return atomic_load(&((struct pg_store *)st)->generation);
}

/* The last slot is the ping's (store_pg_misc.c stops below it). */
static enum rc ping_on(struct pgc *c, struct err *err)
{
    return pg_exec(c, PG_SLOTS - 1, "SELECT 1", NULL, NULL, err, "ping");
}

static enum rc pg_ping(struct store *st, struct err *err)
{
    PG_OP(st, err, ping_on(c, err));
}

static void pg_close(struct store *st)
{
    struct pg_store *s = (struct pg_store *)st;
    for (size_t i = 0; i < s->size; i++)
        if (s->conns[i].db) PQfinish(s->conns[i].db);
    pthread_cond_destroy(&s->freed);
    pthread_mutex_destroy(&s->lock);
    free(s->conns);
    free(s->url);
    free(s);
}

static const struct store_ops pg_ops = {
    PG_CORE_OPS
    PG_PRIVACY_OPS
    PG_CAMPAIGN_OPS
    PG_SENDS_OPS
    PG_MISC_OPS
    PG_AUTO_OPS
    PG_ADMIN_OPS
    PG_COPY_OPS
    PG_WEB_OPS
    .name = "postgres",
    .close = pg_close,
    .generation = pg_generation,
    .ping = pg_ping,
};

struct store *store_pg_open(const char *url, unsigned pool, struct err *err)
{
    PGconn *db = connect_db(url, NULL, 0, err);
    if (!db) return NULL;
    enum rc rc = migrate(db, err);
    PQfinish(db);
    if (rc != RC_OK) return NULL;
    struct pg_store *s = xcalloc(1, sizeof *s);
    s->base.ops = &pg_ops;
    s->url = xstrdup(url);
    s->size = pool ? pool : DEFAULT_POOL;
    s->conns = xcalloc(s->size, sizeof *s->conns);
    for (size_t i = 0; i < s->size; i++) s->conns[i].owner = s;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->freed, NULL);
    return &s->base;
}
