/* SQLite backend of the store interface (WAL mode). Each thread gets its own
 * connection with its own cache of prepared statements, so readers never
 * contend and the hot queries are a bind, a step and a reset. Writers use
 * BEGIN IMMEDIATE so two of them never deadlock on a lock upgrade. */
#include "store/store_int.h"
#include "store/store_sqlite_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char migration_sqlite_001_init[];
extern const char migration_sqlite_002_campaigns[];
extern const char migration_sqlite_004_project_search[];
extern const char migration_sqlite_005_recipes[];
extern const char migration_sqlite_006_ads[];
extern const char migration_sqlite_007_sender[];
extern const char migration_sqlite_008_sender_accounts[];
extern const char migration_sqlite_009_automation[];
extern const char migration_sqlite_010_email_sightings[];
extern const char migration_sqlite_011_ledger_holder[];
extern const char migration_sqlite_012_key_last_used[];
extern const char migration_sqlite_013_privacy[];
extern const char migration_sqlite_014_due_order[];
extern const char migration_sqlite_015_scale[];
extern const char migration_sqlite_017_dashboard[];
extern const char migration_sqlite_018_sighting_person[];
extern const char migration_sqlite_019_recipient_changed_at[];

static const struct migration {
    int version;
    const char *sql;
} migrations[] = {
    {1, migration_sqlite_001_init},
    {2, migration_sqlite_002_campaigns},
    {4, migration_sqlite_004_project_search},
    {5, migration_sqlite_005_recipes},
    {6, migration_sqlite_006_ads},
    {7, migration_sqlite_007_sender},
    {8, migration_sqlite_008_sender_accounts},
    {9, migration_sqlite_009_automation},
    {10, migration_sqlite_010_email_sightings},
    {11, migration_sqlite_011_ledger_holder},
    {12, migration_sqlite_012_key_last_used},
    {13, migration_sqlite_013_privacy},
    {14, migration_sqlite_014_due_order},
    {15, migration_sqlite_015_scale},
    {17, migration_sqlite_017_dashboard},
    {18, migration_sqlite_018_sighting_person},
    {19, migration_sqlite_019_recipient_changed_at},
};

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_PING,
    S_META_GET,
    S_META_SET_ONCE,
    S_META_DELETE,
    S_USER_INSERT,
    S_USER_BY_EMAIL,
    S_USER_COUNT,
    S_KEY_INSERT,
    S_KEY_LOOKUP,
    S_KEY_TOUCH,
    S_CREDITS_ADD,
    S_CREDITS_BALANCE,
    S_LEDGER_INSERT,
    S_LEDGER_GET,
    S_LEDGER_SETTLE,
    S_STALE_REFUND,
    S_STALE_CLOSE,
    S_HELD,
    S_HOLDERS,
    S_HOLDER_REFUND,
    S_HOLDER_CLOSE,
    S_CACHE_GET,
    S_CACHE_PUT,
    S_CACHE_PURGE,
    S_PROJECT_LIST,
    S_PROJECT_INSERT,
    S_PROJECT_GET,
    S_PROJECT_BUMP,
    S_CAMPAIGNS_OF_PROJECT,
    S_LEADS_LIST,
    S_LEAD_INSERT,
    S_LEAD_REFUSED,
    S_COUNT
};

_Static_assert((int)S_COUNT <= (int)SQ_CAMPAIGN_BASE, "core statements overflow their slots");

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_PING] = "SELECT 1 FROM meta LIMIT 1",
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [S_META_SET_ONCE] = "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
    [S_META_DELETE] = "DELETE FROM meta WHERE key = ?1",
    [S_USER_INSERT] = "INSERT INTO users (email, credits, created_at) VALUES (?1, ?2, ?3) RETURNING id",
    [S_USER_BY_EMAIL] = "SELECT id, email, credits FROM users WHERE email = ?1",
    [S_USER_COUNT] = "SELECT COUNT(*) FROM users",
    [S_KEY_INSERT] = "INSERT INTO api_keys (key_hash, user_id, source, checked_at, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?4)",
    [S_KEY_LOOKUP] = "SELECT user_id, source, checked_at FROM api_keys WHERE key_hash = ?1",
    [S_KEY_TOUCH] = "UPDATE api_keys SET checked_at = ?2 WHERE key_hash = ?1",
    [S_CREDITS_ADD] = "UPDATE users SET credits = credits + ?2 WHERE id = ?1 RETURNING credits",
    [S_CREDITS_BALANCE] = "SELECT credits FROM users WHERE id = ?1",
    [S_LEDGER_INSERT] = "INSERT INTO credit_ledger "
                        "(user_id, endpoint, amount, reserved, state, request_id, created_at, "
                        "holder) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
    [S_LEDGER_GET] = "SELECT user_id, reserved, state FROM credit_ledger WHERE id = ?1",
    [S_LEDGER_SETTLE] = "UPDATE credit_ledger SET amount = ?2, state = ?3 WHERE id = ?1",
    [S_STALE_REFUND] = "UPDATE users SET credits = credits + "
                       "(SELECT COALESCE(SUM(reserved), 0) FROM credit_ledger l "
                       " WHERE l.user_id = users.id AND l.state = 'reserved' AND l.created_at < ?1) "
                       "WHERE id IN (SELECT user_id FROM credit_ledger "
                       "             WHERE state = 'reserved' AND created_at < ?1)",
    [S_STALE_CLOSE] = "UPDATE credit_ledger SET state = 'released', amount = 0 "
                      "WHERE state = 'reserved' AND created_at < ?1",
    [S_HELD] = "SELECT COALESCE(SUM(reserved), 0) FROM credit_ledger "
                "WHERE state = 'reserved' AND user_id = ?1",
    [S_HOLDERS] = "SELECT DISTINCT holder FROM credit_ledger WHERE state = 'reserved' "
                   "AND holder <> ''",
    [S_HOLDER_REFUND] = "UPDATE users SET credits = credits + "
                        "(SELECT COALESCE(SUM(reserved), 0) FROM credit_ledger l "
                        " WHERE l.user_id = users.id AND l.state = 'reserved' AND l.holder = ?1) "
                        "WHERE id IN (SELECT user_id FROM credit_ledger "
                        "             WHERE state = 'reserved' AND holder = ?1)",
    [S_HOLDER_CLOSE] = "UPDATE credit_ledger SET state = 'released', amount = 0 "
                       "WHERE state = 'reserved' AND holder = ?1",
    [S_CACHE_GET] = "SELECT body FROM cache WHERE key = ?1 AND expires_at > ?2",
    [S_CACHE_PUT] = "INSERT INTO cache (key, endpoint, body, expires_at) VALUES (?1, ?2, ?3, ?4) "
                    "ON CONFLICT (key) DO UPDATE SET endpoint = excluded.endpoint, "
                    "body = excluded.body, expires_at = excluded.expires_at",
    [S_CACHE_PURGE] = "DELETE FROM cache WHERE expires_at <= ?1",
    /* one statement, so one read transaction, for the hot GET projects.php */
    [S_PROJECT_LIST] = "SELECT p.id, p.name, p.type, p.leads_count, c.id, c.name, "
                       "CASE c.status WHEN 'launching' THEN 'draft' ELSE c.status END "
                       "FROM projects p LEFT JOIN campaigns c ON c.project_id = p.id "
                       "AND c.user_id = p.user_id WHERE p.user_id = ?1 "
                       "AND (?2 IS NULL OR p.name_fold LIKE ?2 ESCAPE '\\') ORDER BY p.id DESC, c.id",
    [S_PROJECT_INSERT] = "INSERT INTO projects (user_id, name, type, leads_count, created_at, "
                         "name_fold) VALUES (?1, ?2, '', 0, ?3, ?4) RETURNING id",
    [S_PROJECT_GET] = "SELECT id, name, type, leads_count FROM projects WHERE id = ?1 AND user_id = ?2",
    [S_PROJECT_BUMP] = "UPDATE projects SET leads_count = leads_count + ?2 WHERE id = ?1",
    [S_CAMPAIGNS_OF_PROJECT] = "SELECT project_id, id, name, "
                               "CASE status WHEN 'launching' THEN 'draft' ELSE status END "
                               "FROM campaigns "
                               "WHERE user_id = ?1 AND project_id = ?2 ORDER BY id",
    [S_LEADS_LIST] = "SELECT " SQ_LEAD_COLUMNS " FROM leads WHERE project_id = ?1 ORDER BY id "
                     "LIMIT ?2 OFFSET ?3",
    /* a suppressed or erased address is not inserted; lead_refused tells it from a duplicate */
    [S_LEAD_INSERT] = "INSERT INTO leads (project_id, email, email_key, firstname, lastname, "
                      "company, website, phones, description, verified, created_at, source) "
                      "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11 "
                      "WHERE NOT EXISTS (" SQ_LEAD_REFUSED ") "
                      "ON CONFLICT (project_id, email_key) DO NOTHING",
    [S_LEAD_REFUSED] = "SELECT EXISTS (" SQ_LEAD_REFUSED ")",
};

struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_SLOTS];
    struct sqlite_store *owner;
    struct conn *next;
    double moved_checked_ms; /* when this connection last asked whether the file moved */
};

/* How often each connection asks whether its path still names the open file. */
enum { MOVED_CHECK_MS = 100 };

struct sqlite_store {
    struct store base;
    _Atomic bool moved; /* the file was deleted or replaced: every operation fails */
    char *path;
    pthread_key_t tls;
    pthread_mutex_t lock; /* guards conns */
    struct conn *conns;
};

/* ---- connections ---------------------------------------------------------- */

static void conn_close(struct conn *c)
{
    for (int i = 0; i < SQ_SLOTS; i++) sqlite3_finalize(c->stmts[i]);
    sqlite3_close(c->db);
    free(c);
}

static void conn_unlink(struct sqlite_store *s, struct conn *c)
{
    pthread_mutex_lock(&s->lock);
    for (struct conn **p = &s->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    pthread_mutex_unlock(&s->lock);
}

static void conn_thread_exit(void *p)
{
    struct conn *c = p;
    conn_unlink(c->owner, c);
    conn_close(c);
}

/* Bumped by every row change through any connection of this process. */
static _Atomic uint64_t write_generation;

static void on_row_change(void *arg, int op, const char *db, const char *table, sqlite3_int64 row)
{
    (void)arg, (void)op, (void)db, (void)table, (void)row;
    atomic_fetch_add(&write_generation, 1);
    store_note_write();
}

enum { BUSY_TIMEOUT_MS = 10000 };

/* SQLite calls this while another connection or process holds a lock this one
 * needs: waits in growing steps up to the full timeout, or only up to the
 * calling thread's bound (store_lock_bound), after which the statement fails
 * with SQLITE_BUSY. */
static int on_busy(void *arg, int count)
{
    (void)arg;
    static _Thread_local double since;
    double now = clock_mono_ms();
    if (count == 0) since = now;
    unsigned bound = store_lock_wait_bound();
    double left = (bound ? bound : BUSY_TIMEOUT_MS) - (now - since);
    if (left <= 0) {
        if (bound) store_note_cut_short();
        return 0;
    }
    /* every millisecond, not at SQLite's growing intervals of up to 100 ms: a big
     * launch gives the lock up between batches, and a waiter must notice */
    usleep((useconds_t)((left < 1 ? left : 1) * 1000));
    return 1;
}

static uint64_t sq_generation(struct store *st)
{
    (void)st;
    return atomic_load(&write_generation);
}


static enum rc conn_open_db(const char *path, sqlite3 **out, struct err *err)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    enum rc rc = RC_DB;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        err_set(err, RC_DB, "cannot open database %s: %s", path, db ? sqlite3_errmsg(db) : "?");
        goto out;
    }
    sqlite3_busy_handler(db, on_busy, NULL);
    /* FULL: a committed credit charge or lead import survives a power cut, not only a crash.
     * secure_delete: deleted rows are zeroed, so an erased address leaves no copy behind. */
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                     "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
                     "PRAGMA secure_delete = ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, RC_DB, "cannot configure database %s: %s", path, msg ? msg : "?");
        goto out;
    }
    sqlite3_update_hook(db, on_row_change, NULL);
    *out = db;
    db = NULL; /* the caller's now */
    rc = RC_OK;
out:
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

/* A store file deleted or replaced under the running process would take every
 * write into an unlinked file, lost at restart: once seen, every operation
 * fails until leadgen is restarted on the file its path now names. */
static bool file_moved(struct sqlite_store *s, struct conn *c)
{
    if (atomic_load(&s->moved)) return true;
    double now = clock_mono_ms();
    if (now - c->moved_checked_ms < MOVED_CHECK_MS) return false;
    c->moved_checked_ms = now;
    int moved = 0;
    if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK || !moved)
        return false;
    if (!atomic_exchange(&s->moved, true))
        log_error("store file %s was deleted or replaced while open: every request now fails; "
                  "restore it and restart leadgen", s->path);
    return true;
}

struct conn *sq_conn(struct store *st, struct err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    struct conn *c = pthread_getspecific(s->tls);
    if ((c && file_moved(s, c)) || (!c && atomic_load(&s->moved))) {
        err_set(err, RC_DB, "the store file was deleted or replaced since it was opened");
        return NULL;
    }
    if (c) return c;
    c = xcalloc(1, sizeof *c);
    c->owner = s;
    if (conn_open_db(s->path, &c->db, err) != RC_OK) {
        free(c);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->tls, c);
    return c;
}

enum rc sq_fail(struct conn *c, struct err *err, const char *what)
{
    int code = sqlite3_extended_errcode(c->db);
    if ((code & 0xff) == SQLITE_CONSTRAINT)
        return err_set(err, RC_CONFLICT, "%s: %s", what, sqlite3_errmsg(c->db));
    return err_set(err, RC_DB, "%s: %s", what, sqlite3_errmsg(c->db));
}

sqlite3_stmt *sq_stmt(struct conn *c, int slot, const char *sql, struct err *err)
{
    sqlite3_stmt *st = c->stmts[slot];
    if (!st) {
        if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
            sq_fail(c, err, "prepare");
            return NULL;
        }
        c->stmts[slot] = st;
    }
    return st;
}

sqlite3 *sq_db(struct conn *c)
{
    return c->db;
}

static sqlite3_stmt *stmt_get(struct conn *c, enum stmt_id id, struct err *err)
{
    return sq_stmt(c, (int)id, stmt_sql[id], err);
}

void *sq_grow(struct arena *a, void *items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap) return items;
    size_t next = *cap ? *cap * 2 : 8;
    void *bigger = arena_alloc(a, next * size);
    if (count) memcpy(bigger, items, count * size);
    *cap = next;
    return bigger;
}

void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

const char *sq_col_text(sqlite3_stmt *st, int i, struct arena *a)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return arena_strndup(a, t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, i));
}

enum rc sq_exec(struct conn *c, sqlite3_stmt *st, struct err *err, const char *what)
{
    int r = sqlite3_step(st);
    enum rc rc = (r == SQLITE_DONE || r == SQLITE_ROW) ? RC_OK : sq_fail(c, err, what);
    sq_done(st);
    return rc;
}

static enum rc simple(struct conn *c, enum stmt_id id, struct err *err)
{
    sqlite3_stmt *st = stmt_get(c, id, err);
    return st ? sq_exec(c, st, err, stmt_sql[id]) : RC_DB;
}

enum rc sq_step_texts(struct conn *c, sqlite3_stmt *st, struct arena *a, const char ***out,
                      size_t *count, struct err *err, const char *what)
{
    size_t n = 0, cap = 0;
    const char **list = NULL;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = sq_col_text(st, 0, a);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, what);
    sq_done(st);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_step_int(struct conn *c, sqlite3_stmt *st, int64_t *out, struct err *err,
                        const char *what)
{
    int r = sqlite3_step(st);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        /* an INSERT/UPDATE ... RETURNING writes (and, outside a transaction,
         * commits) only when stepped to the end: a full disk shows up here */
        r = sqlite3_step(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_fail(c, err, what);
    } else if (r == SQLITE_DONE) {
        rc = RC_NOT_FOUND;
    } else {
        rc = sq_fail(c, err, what);
    }
    sq_done(st);
    return rc;
}

enum rc sq_begin(struct conn *c, struct err *err)
{
    return simple(c, S_BEGIN, err);
}

enum rc sq_end(struct conn *c, enum rc rc, struct err *err)
{
    if (rc == RC_OK) {
        rc = simple(c, S_COMMIT, err);
        if (rc == RC_OK) return RC_OK;
    }
    if (!sqlite3_get_autocommit(c->db)) simple(c, S_ROLLBACK, NULL);
    return rc;
}

#define STMT(var_, id_)                                                                            \
    sqlite3_stmt *var_ = stmt_get(c, (id_), err);                                                  \
    if (!var_) return RC_DB

/* ---- migrations ----------------------------------------------------------- */

enum { MIGRATION_COUNT = sizeof migrations / sizeof migrations[0] };

/* The versions recorded in schema_migrations, ascending (at most max). */
static size_t applied_versions(sqlite3 *db, int *out, size_t max)
{
    sqlite3_stmt *q = NULL;
    size_t n = 0;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations ORDER BY version", -1, &q,
                           NULL) == SQLITE_OK)
        while (n < max && sqlite3_step(q) == SQLITE_ROW) out[n++] = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* A newer leadgen's migration in the store: refused before anything is written. */
static enum rc refuse_newer(sqlite3 *db, struct err *err)
{
    int applied[STORE_PLAN_MAX];
    size_t n = applied_versions(db, applied, STORE_PLAN_MAX);
    int newest = n ? applied[n - 1] : 0;
    return store_refuse_newer(newest, migrations[MIGRATION_COUNT - 1].version, err);
}

enum rc store_sqlite_plan(const char *path, struct store_plan *out, struct err *err)
{
    int known[MIGRATION_COUNT], applied[STORE_PLAN_MAX];
    for (size_t i = 0; i < MIGRATION_COUNT; i++) known[i] = migrations[i].version;
    size_t napplied = 0;
    sqlite3 *db = NULL;
    /* read-only, and a missing file stays missing: it is a new store */
    if (access(path, F_OK) == 0) {
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            err_set(err, RC_DB, "cannot open database %s: %s", path,
                    db ? sqlite3_errmsg(db) : "?");
            sqlite3_close(db);
            return RC_DB;
        }
        napplied = applied_versions(db, applied, STORE_PLAN_MAX);
        sqlite3_close(db);
    }
    store_plan_fill(out, known, MIGRATION_COUNT, applied, napplied);
    return RC_OK;
}

static enum rc migrate(sqlite3 *db, struct err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations "
                     "(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    enum rc rc = refuse_newer(db, err);
    if (rc != RC_OK) return rc;
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) goto fail;
        sqlite3_stmt *q = NULL;
        sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &q, NULL);
        sqlite3_bind_int(q, 1, migrations[i].version);
        int applied = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!applied) {
            if (sqlite3_exec(db, migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK) goto fail_tx;
            sqlite3_prepare_v2(db,
                               "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                               -1, &q, NULL);
            sqlite3_bind_int(q, 1, migrations[i].version);
            sqlite3_bind_int64(q, 2, clock_now());
            int done = sqlite3_step(q);
            sqlite3_finalize(q);
            if (done != SQLITE_DONE) goto fail_tx;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) goto fail_tx;
    }
    return RC_OK;
fail_tx:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
    err_set(err, RC_DB, "schema migration failed: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return RC_DB;
}

/* ---- meta ----------------------------------------------------------------- */

static enum rc sq_ping(struct store *st, struct err *err)
{
    CONN(st, err);
    return simple(c, S_PING, err);
}

static enum rc sq_meta_get(struct store *st, const char *key, struct arena *a, char **value,
                           struct err *err)
{
    CONN(st, err);
    STMT(q, S_META_GET);
    sq_bind_text(q, 1, key);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) *value = (char *)sq_col_text(q, 0, a);
    else if (r == SQLITE_DONE) rc = RC_NOT_FOUND;
    else rc = sq_fail(c, err, "meta get");
    sq_done(q);
    return rc;
}

static enum rc sq_meta_set_once(struct store *st, const char *key, const char *value,
                                struct err *err)
{
    CONN(st, err);
    STMT(q, S_META_SET_ONCE);
    sq_bind_text(q, 1, key);
    sq_bind_text(q, 2, value);
    return sq_exec(c, q, err, "meta set");
}

static enum rc sq_meta_delete(struct store *st, const char *key, struct err *err)
{
    CONN(st, err);
    STMT(q, S_META_DELETE);
    sq_bind_text(q, 1, key);
    return sq_exec(c, q, err, "meta delete");
}

/* ---- users and keys ------------------------------------------------------- */

static enum rc ledger_insert(struct conn *c, int64_t user_id, const char *endpoint, int64_t amount,
                             int64_t reserved, const char *state, const char *request_id,
                             int64_t *id, struct err *err)
{
    STMT(q, S_LEDGER_INSERT);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, endpoint);
    sqlite3_bind_int64(q, 3, amount);
    sqlite3_bind_int64(q, 4, reserved);
    sq_bind_text(q, 5, state);
    sq_bind_text(q, 6, request_id);
    sqlite3_bind_int64(q, 7, clock_now());
    sq_bind_text(q, 8, strcmp(state, "reserved") == 0 ? store_holder() : "");
    int64_t ignored;
    return sq_step_int(c, q, id ? id : &ignored, err, "ledger insert");
}

static enum rc add_credits(struct conn *c, int64_t user_id, int64_t amount, const char *reason,
                           int64_t *balance, struct err *err)
{
    STMT(q, S_CREDITS_ADD);
    sqlite3_bind_int64(q, 1, user_id);
    sqlite3_bind_int64(q, 2, amount);
    struct err raw = {0};
    enum rc rc = sq_step_int(c, q, balance, &raw, "credits add");
    if (rc == RC_NOT_FOUND) return err_set(err, RC_NOT_FOUND, "no user %lld", (long long)user_id);
    if (rc == RC_CONFLICT) return err_set(err, RC_INVALID, "the balance cannot go below 0");
    if (rc != RC_OK) return err_copy(err, &raw);
    return ledger_insert(c, user_id, reason, amount, 0, "grant", "", NULL, err);
}

static enum rc insert_user(struct conn *c, const char *email, int64_t *user_id, struct err *err)
{
    STMT(q, S_USER_INSERT);
    sq_bind_text(q, 1, email);
    sqlite3_bind_int64(q, 2, 0);
    sqlite3_bind_int64(q, 3, clock_now());
    struct err raw = {0};
    enum rc rc = sq_step_int(c, q, user_id, &raw, "user insert");
    if (rc == RC_CONFLICT)
        return err_set(err, RC_CONFLICT, "a user with email %s already exists", email);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

static enum rc insert_key(struct conn *c, int64_t user_id, const char *key_hash,
                          enum key_source source, struct err *err)
{
    STMT(q, S_KEY_INSERT);
    sq_bind_text(q, 1, key_hash);
    sqlite3_bind_int64(q, 2, user_id);
    sqlite3_bind_int(q, 3, (int)source);
    sqlite3_bind_int64(q, 4, clock_now());
    return sq_exec(c, q, err, "key insert");
}

static enum rc sq_user_create(struct store *st, const char *email, int64_t credits,
                              const char *key_hash, int64_t *user_id, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    rc = insert_user(c, email, user_id, err);
    if (rc == RC_OK) rc = insert_key(c, *user_id, key_hash, KEY_LOCAL, err);
    int64_t balance;
    if (rc == RC_OK && credits > 0) rc = add_credits(c, *user_id, credits, "cli", &balance, err);
    return sq_end(c, rc, err);
}

static enum rc sq_user_by_email(struct store *st, const char *email, struct arena *a,
                                struct user *out, struct err *err)
{
    CONN(st, err);
    STMT(q, S_USER_BY_EMAIL);
    sq_bind_text(q, 1, email);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) {
        out->id = sqlite3_column_int64(q, 0);
        out->email = sq_col_text(q, 1, a);
        out->credits = sqlite3_column_int64(q, 2);
    } else if (r == SQLITE_DONE) {
        rc = err_set(err, RC_NOT_FOUND, "no user with email %s", email);
    } else {
        rc = sq_fail(c, err, "user lookup");
    }
    sq_done(q);
    return rc;
}

static enum rc sq_user_count(struct store *st, int64_t *count, struct err *err)
{
    CONN(st, err);
    STMT(q, S_USER_COUNT);
    return sq_step_int(c, q, count, err, "user count");
}

static enum rc sq_key_add(struct store *st, int64_t user_id, const char *key_hash, struct err *err)
{
    CONN(st, err);
    return insert_key(c, user_id, key_hash, KEY_LOCAL, err);
}

static enum rc key_lookup(struct conn *c, const char *key_hash, struct key_owner *out,
                          struct err *err)
{
    STMT(q, S_KEY_LOOKUP);
    sq_bind_text(q, 1, key_hash);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) {
        out->user_id = sqlite3_column_int64(q, 0);
        out->source = sqlite3_column_int(q, 1) ? KEY_EXTERNAL : KEY_LOCAL;
        out->checked_at = sqlite3_column_int64(q, 2);
    } else if (r == SQLITE_DONE) {
        rc = RC_NOT_FOUND;
    } else {
        rc = sq_fail(c, err, "key lookup");
    }
    sq_done(q);
    return rc;
}

static enum rc sq_key_lookup(struct store *st, const char *key_hash, struct key_owner *out,
                             struct err *err)
{
    CONN(st, err);
    return key_lookup(c, key_hash, out, err);
}

static enum rc vouch_new_key(struct conn *c, const char *key_hash, const char *email, int64_t grant,
                             int64_t *user_id, struct err *err)
{
    STMT(q, S_USER_BY_EMAIL);
    sq_bind_text(q, 1, email);
    enum rc rc = sq_step_int(c, q, user_id, err, "user lookup");
    if (rc == RC_NOT_FOUND) rc = insert_user(c, email, user_id, err);
    if (rc == RC_OK) rc = insert_key(c, *user_id, key_hash, KEY_EXTERNAL, err);
    int64_t balance;
    if (rc == RC_OK && grant > 0) rc = add_credits(c, *user_id, grant, "licence", &balance, err);
    return rc;
}

static enum rc sq_key_vouch(struct store *st, const char *key_hash, const char *email,
                            int64_t grant, int64_t now, int64_t *user_id, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    struct key_owner owner;
    rc = key_lookup(c, key_hash, &owner, err);
    if (rc == RC_OK) {
        *user_id = owner.user_id;
        STMT(q, S_KEY_TOUCH);
        sq_bind_text(q, 1, key_hash);
        sqlite3_bind_int64(q, 2, now);
        rc = sq_exec(c, q, err, "key touch");
    } else if (rc == RC_NOT_FOUND) {
        rc = vouch_new_key(c, key_hash, email, grant, user_id, err);
    }
    return sq_end(c, rc, err);
}

/* ---- credits -------------------------------------------------------------- */

static enum rc sq_credits_add(struct store *st, int64_t user_id, int64_t amount, const char *reason,
                              int64_t *balance, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc == RC_OK) rc = sq_end(c, add_credits(c, user_id, amount, reason, balance, err), err);
    return rc;
}

static enum rc sq_credits_balance(struct store *st, int64_t user_id, int64_t *balance,
                                  struct err *err)
{
    CONN(st, err);
    STMT(q, S_CREDITS_BALANCE);
    sqlite3_bind_int64(q, 1, user_id);
    return sq_step_int(c, q, balance, err, "balance");
}

static enum rc reserve_in_tx(struct conn *c, int64_t user_id, const char *endpoint, int64_t max,
                             const char *request_id, int64_t *reserved, int64_t *reservation,
                             struct err *err)
{
    STMT(bal, S_CREDITS_BALANCE);
    sqlite3_bind_int64(bal, 1, user_id);
    int64_t balance = 0;
    enum rc rc = sq_step_int(c, bal, &balance, err, "balance");
    if (rc != RC_OK) return rc;
    if (balance <= 0) return err_set(err, RC_NO_CREDITS, "user %lld has no credits", (long long)user_id);
    *reserved = max < balance ? max : balance;
    STMT(take, S_CREDITS_ADD);
    sqlite3_bind_int64(take, 1, user_id);
    sqlite3_bind_int64(take, 2, -*reserved);
    rc = sq_step_int(c, take, &balance, err, "reserve");
    if (rc != RC_OK) return rc;
    return ledger_insert(c, user_id, endpoint, 0, *reserved, "reserved", request_id, reservation,
                         err);
}

static enum rc sq_credits_reserve(struct store *st, int64_t user_id, const char *endpoint,
                                  int64_t max, const char *request_id, int64_t *reserved,
                                  int64_t *reservation, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    rc = reserve_in_tx(c, user_id, endpoint, max, request_id, reserved, reservation, err);
    return sq_end(c, rc, err);
}

static enum rc settle_in_tx(struct conn *c, int64_t reservation, int64_t cost, int64_t *charged,
                            struct err *err)
{
    STMT(get, S_LEDGER_GET);
    sqlite3_bind_int64(get, 1, reservation);
    int r = sqlite3_step(get);
    if (r != SQLITE_ROW) {
        enum rc rc = r == SQLITE_DONE ? err_set(err, RC_NOT_FOUND, "no reservation %lld",
                                                (long long)reservation)
                                      : sq_fail(c, err, "ledger get");
        sq_done(get);
        return rc;
    }
    int64_t user_id = sqlite3_column_int64(get, 0), reserved = sqlite3_column_int64(get, 1);
    int open = strcmp((const char *)sqlite3_column_text(get, 2), "reserved") == 0;
    sq_done(get);
    if (!open) return err_set(err, RC_CONFLICT, "reservation %lld is already settled",
                              (long long)reservation);
    *charged = cost < 0 ? 0 : cost > reserved ? reserved : cost;
    int64_t balance;
    STMT(refund, S_CREDITS_ADD);
    sqlite3_bind_int64(refund, 1, user_id);
    sqlite3_bind_int64(refund, 2, reserved - *charged);
    enum rc rc = sq_step_int(c, refund, &balance, err, "refund");
    if (rc != RC_OK) return rc;
    STMT(close, S_LEDGER_SETTLE);
    sqlite3_bind_int64(close, 1, reservation);
    sqlite3_bind_int64(close, 2, -*charged);
    sq_bind_text(close, 3, *charged ? "charged" : "released");
    return sq_exec(c, close, err, "ledger settle");
}

static enum rc sq_credits_settle(struct store *st, int64_t reservation, int64_t cost,
                                 int64_t *charged, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, settle_in_tx(c, reservation, cost, charged, err), err);
}

static enum rc sq_credits_release_stale(struct store *st, int64_t before, int64_t *released,
                                        struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    STMT(refund, S_STALE_REFUND);
    sqlite3_bind_int64(refund, 1, before);
    rc = sq_exec(c, refund, err, "release stale");
    if (rc == RC_OK) {
        STMT(close, S_STALE_CLOSE);
        sqlite3_bind_int64(close, 1, before);
        rc = sq_exec(c, close, err, "release stale");
        *released = sqlite3_changes(c->db);
    }
    return sq_end(c, rc, err);
}

static enum rc sq_credits_held(struct store *st, int64_t user_id, int64_t *held,
                               struct err *err)
{
    CONN(st, err);
    STMT(q, S_HELD);
    sqlite3_bind_int64(q, 1, user_id);
    return sq_step_int(c, q, held, err, "held credits");
}

static enum rc sq_credits_holders(struct store *st, struct arena *a, const char ***holders,
                                  size_t *count, struct err *err)
{
    CONN(st, err);
    STMT(q, S_HOLDERS);
    return sq_step_texts(c, q, a, holders, count, err, "reservation holders");
}

static enum rc sq_credits_release_holder(struct store *st, const char *holder, int64_t *released,
                                         struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    STMT(refund, S_HOLDER_REFUND);
    sq_bind_text(refund, 1, holder);
    rc = sq_exec(c, refund, err, "release holder");
    if (rc == RC_OK) {
        STMT(close, S_HOLDER_CLOSE);
        sq_bind_text(close, 1, holder);
        rc = sq_exec(c, close, err, "release holder");
        *released = sqlite3_changes(c->db);
    }
    return sq_end(c, rc, err);
}

/* ---- cache ---------------------------------------------------------------- */

static enum rc sq_cache_get(struct store *st, const char *key, int64_t now, struct arena *a,
                            char **body, struct err *err)
{
    CONN(st, err);
    STMT(q, S_CACHE_GET);
    sq_bind_text(q, 1, key);
    sqlite3_bind_int64(q, 2, now);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) *body = (char *)sq_col_text(q, 0, a);
    else if (r == SQLITE_DONE) rc = RC_NOT_FOUND;
    else rc = sq_fail(c, err, "cache get");
    sq_done(q);
    return rc;
}

static enum rc sq_cache_put(struct store *st, const char *key, const char *endpoint,
                            const char *body, int64_t expires_at, struct err *err)
{
    CONN(st, err);
    STMT(q, S_CACHE_PUT);
    sq_bind_text(q, 1, key);
    sq_bind_text(q, 2, endpoint);
    sq_bind_text(q, 3, body);
    sqlite3_bind_int64(q, 4, expires_at);
    return sq_exec(c, q, err, "cache put");
}

static enum rc sq_cache_purge(struct store *st, int64_t now, int64_t *removed, struct err *err)
{
    CONN(st, err);
    STMT(q, S_CACHE_PURGE);
    sqlite3_bind_int64(q, 1, now);
    enum rc rc = sq_exec(c, q, err, "cache purge");
    *removed = rc == RC_OK ? sqlite3_changes(c->db) : 0;
    return rc;
}

/* ---- projects ------------------------------------------------------------- */

static void project_from_row(sqlite3_stmt *q, struct arena *a, struct project *p)
{
    p->id = sqlite3_column_int64(q, 0);
    p->name = sq_col_text(q, 1, a);
    p->type = sq_col_text(q, 2, a);
    p->leads_count = sqlite3_column_int64(q, 3);
    p->campaigns_count = 0;
    p->campaigns = NULL;
}

/* Escapes LIKE wildcards so a search for "50%" matches the text "50%". */
static char *like_pattern(const char *search, struct arena *a)
{
    char *out = arena_alloc(a, strlen(search) * 2 + 3), *o = out;
    *o++ = '%';
    for (const char *s = search; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* Attaches campaign rows (project_id, id, name, status) to the projects they belong to. */
static enum rc attach_campaigns(struct conn *c, sqlite3_stmt *q, struct project *projects,
                                size_t count, struct arena *a, struct err *err)
{
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t project_id = sqlite3_column_int64(q, 0);
        for (size_t i = 0; i < count; i++) {
            struct project *p = &projects[i];
            if (p->id != project_id) continue;
            struct campaign_ref *grown = arena_alloc(a, (p->campaigns_count + 1) * sizeof *grown);
            if (p->campaigns_count) memcpy(grown, p->campaigns, p->campaigns_count * sizeof *grown);
            grown[p->campaigns_count++] = (struct campaign_ref){
                sqlite3_column_int64(q, 1), sq_col_text(q, 2, a), sq_col_text(q, 3, a)};
            p->campaigns = grown;
            break;
        }
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "campaigns");
    sq_done(q);
    return rc;
}

/* Rows of (project..., campaign...) ordered by project: consecutive rows of
 * one project become one entry with its campaigns. */
static void add_project_row(sqlite3_stmt *q, struct arena *a, struct project **list, size_t *n,
                            size_t *cap)
{
    int64_t id = sqlite3_column_int64(q, 0);
    if (*n == 0 || (*list)[*n - 1].id != id) {
        if (*n == *cap) {
            struct project *grown = arena_alloc(a, *cap * 2 * sizeof *grown);
            memcpy(grown, *list, *n * sizeof **list);
            *list = grown;
            *cap *= 2;
        }
        project_from_row(q, a, &(*list)[(*n)++]);
    }
    if (sqlite3_column_type(q, 4) == SQLITE_NULL) return; /* no campaigns */
    struct project *p = &(*list)[*n - 1];
    struct campaign_ref *grown = arena_alloc(a, (p->campaigns_count + 1) * sizeof *grown);
    if (p->campaigns_count) memcpy(grown, p->campaigns, p->campaigns_count * sizeof *grown);
    grown[p->campaigns_count++] = (struct campaign_ref){
        sqlite3_column_int64(q, 4), sq_col_text(q, 5, a), sq_col_text(q, 6, a)};
    p->campaigns = grown;
}

static enum rc sq_project_list(struct store *st, int64_t user_id, const char *search,
                               struct arena *a, struct project **out, size_t *count,
                               struct err *err)
{
    CONN(st, err);
    STMT(q, S_PROJECT_LIST);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, search && *search ? like_pattern(str_casefold(a, search), a) : NULL);
    size_t n = 0, cap = 8;
    struct project *list = arena_alloc(a, cap * sizeof *list);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) add_project_row(q, a, &list, &n, &cap);
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "project list");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

static enum rc sq_project_create(struct store *st, int64_t user_id, const char *name, int64_t now,
                                 int64_t *project_id, struct err *err)
{
    CONN(st, err);
    STMT(q, S_PROJECT_INSERT);
    struct arena scratch;
    arena_init(&scratch);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, name);
    sqlite3_bind_int64(q, 3, now);
    sq_bind_text(q, 4, str_casefold(&scratch, name));
    struct err raw = {0};
    enum rc rc = sq_step_int(c, q, project_id, &raw, "project insert");
    arena_cleanup(&scratch);
    if (rc == RC_CONFLICT)
        return err_set(err, RC_CONFLICT, "a project named '%s' already exists", name);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

static enum rc project_row(struct conn *c, int64_t user_id, int64_t project_id, struct arena *a,
                           struct project *out, struct err *err)
{
    STMT(q, S_PROJECT_GET);
    sqlite3_bind_int64(q, 1, project_id);
    sqlite3_bind_int64(q, 2, user_id);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) project_from_row(q, a, out);
    else if (r == SQLITE_DONE)
        rc = err_set(err, RC_NOT_FOUND, "project %lld not found", (long long)project_id);
    else rc = sq_fail(c, err, "project get");
    sq_done(q);
    return rc;
}

static enum rc sq_project_get(struct store *st, int64_t user_id, int64_t project_id,
                              struct arena *a, struct project *out, struct err *err)
{
    CONN(st, err);
    enum rc rc = project_row(c, user_id, project_id, a, out, err);
    if (rc != RC_OK) return rc;
    STMT(camps, S_CAMPAIGNS_OF_PROJECT);
    sqlite3_bind_int64(camps, 1, user_id);
    sqlite3_bind_int64(camps, 2, project_id);
    return attach_campaigns(c, camps, out, 1, a, err);
}

/* ---- leads ---------------------------------------------------------------- */

void sq_lead_from_row(sqlite3_stmt *q, struct arena *a, struct lead *l)
{
    l->id = sqlite3_column_int64(q, 0);
    l->email = sq_col_text(q, 1, a);
    l->firstname = sq_col_text(q, 2, a);
    l->lastname = sq_col_text(q, 3, a);
    l->company = sq_col_text(q, 4, a);
    l->website = sq_col_text(q, 5, a);
    l->phones = sq_col_text(q, 6, a);
    l->description = sq_col_text(q, 7, a);
    l->verified = sqlite3_column_int(q, 8);
    l->created_at = sqlite3_column_int64(q, 9);
    l->source = sq_col_text(q, 10, a);
}

static enum rc sq_leads_list(struct store *st, int64_t user_id, int64_t project_id, int64_t limit,
                             int64_t offset, struct arena *a, struct lead **out, size_t *count,
                             int64_t *total, struct err *err)
{
    CONN(st, err);
    struct project p;
    enum rc rc = project_row(c, user_id, project_id, a, &p, err);
    if (rc != RC_OK) return rc;
    *total = p.leads_count;
    STMT(q, S_LEADS_LIST);
    sqlite3_bind_int64(q, 1, project_id);
    sqlite3_bind_int64(q, 2, limit);
    sqlite3_bind_int64(q, 3, offset);
    struct lead *list = arena_alloc(a, (size_t)limit * sizeof *list);
    size_t n = 0;
    int r;
    while (n < (size_t)limit && (r = sqlite3_step(q)) == SQLITE_ROW)
        sq_lead_from_row(q, a, &list[n++]);
    rc = (n == (size_t)limit || r == SQLITE_DONE) ? RC_OK : sq_fail(c, err, "leads list");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

/* Binds the suppression check's parameters (?12 user, ?3 address, ?13 domain, ?14 tombstone). */
static void bind_refusal(sqlite3_stmt *q, int64_t user_id, const char *key, const char *tombstone)
{
    const char *at = strrchr(key, '@');
    sqlite3_bind_int64(q, 12, user_id);
    sq_bind_text(q, 3, key);
    sq_bind_text(q, 13, at ? at + 1 : key);
    sq_bind_text(q, 14, tombstone ? tombstone : "");
}

/* Not inserted: a duplicate, or refused (suppressed or erased). */
static enum rc count_not_added(struct conn *c, int64_t user_id, const char *key,
                               const struct lead *l, struct leads_added *out, struct err *err)
{
    STMT(q, S_LEAD_REFUSED);
    bind_refusal(q, user_id, key, l->tombstone);
    int64_t refused = 0;
    enum rc rc = sq_step_int(c, q, &refused, err, "lead suppression check");
    if (rc == RC_OK) *(refused ? &out->suppressed : &out->duplicates) += 1;
    return rc;
}

static enum rc insert_leads(struct conn *c, int64_t user_id, int64_t project_id,
                            const struct lead *leads, size_t count, int64_t now,
                            struct leads_added *out, struct err *err)
{
    STMT(q, S_LEAD_INSERT);
    char key[320];
    for (size_t i = 0; i < count; i++) {
        const struct lead *l = &leads[i];
        snprintf(key, sizeof key, "%s", l->email);
        str_ascii_lower(key);
        bind_refusal(q, user_id, key, l->tombstone);
        sqlite3_bind_int64(q, 1, project_id);
        sq_bind_text(q, 2, l->email);
        sq_bind_text(q, 4, l->firstname ? l->firstname : "");
        sq_bind_text(q, 5, l->lastname ? l->lastname : "");
        sq_bind_text(q, 6, l->company ? l->company : "");
        sq_bind_text(q, 7, l->website ? l->website : "");
        sq_bind_text(q, 8, l->phones ? l->phones : "");
        sq_bind_text(q, 9, l->description ? l->description : "");
        sqlite3_bind_int64(q, 10, now);
        sq_bind_text(q, 11, l->source ? l->source : "");
        if (sqlite3_step(q) != SQLITE_DONE) {
            enum rc rc = sq_fail(c, err, "lead insert");
            sq_done(q);
            return rc;
        }
        bool added = sqlite3_changes(c->db) > 0;
        sq_done(q);
        if (added) out->added++;
        else if (count_not_added(c, user_id, key, l, out, err) != RC_OK) return RC_DB;
    }
    STMT(bump, S_PROJECT_BUMP);
    sqlite3_bind_int64(bump, 1, project_id);
    sqlite3_bind_int64(bump, 2, out->added);
    return sq_exec(c, bump, err, "project count");
}

static enum rc sq_leads_add(struct store *st, int64_t user_id, int64_t project_id,
                            const struct lead *leads, size_t count, int64_t now,
                            struct leads_added *out, struct err *err)
{
    CONN(st, err);
    memset(out, 0, sizeof *out);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    struct arena scratch;
    arena_init(&scratch);
    struct project p = {0};
    rc = project_row(c, user_id, project_id, &scratch, &p, err);
    arena_cleanup(&scratch);
    if (rc == RC_OK) rc = insert_leads(c, user_id, project_id, leads, count, now, out, err);
    out->total = p.leads_count + out->added;
    return sq_end(c, rc, err);
}

/* ---- lifecycle ------------------------------------------------------------ */

static void sq_close(struct store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    pthread_mutex_lock(&s->lock);
    struct conn *c = s->conns;
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    while (c) {
        struct conn *next = c->next;
        conn_close(c);
        c = next;
    }
    pthread_setspecific(s->tls, NULL);
    pthread_key_delete(s->tls);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

static const struct store_ops sqlite_ops = {
    SQ_CAMPAIGN_OPS
    SQ_RECIPES_OPS
    SQ_ADS_OPS
    SQ_SENDS_OPS
    SQ_AUTO_OPS
    SQ_WEB_OPS
    SQ_VERIFY_OPS
    SQ_COPY_OPS
    .name = "sqlite",
    .close = sq_close,
    .generation = sq_generation,
    .ping = sq_ping,
    .meta_get = sq_meta_get,
    .meta_set_once = sq_meta_set_once,
    .meta_delete = sq_meta_delete,
    .user_create = sq_user_create,
    .user_by_email = sq_user_by_email,
    .user_count = sq_user_count,
    .key_add = sq_key_add,
    .key_lookup = sq_key_lookup,
    .key_vouch = sq_key_vouch,
    .credits_add = sq_credits_add,
    .credits_balance = sq_credits_balance,
    .credits_reserve = sq_credits_reserve,
    .credits_settle = sq_credits_settle,
    .credits_release_stale = sq_credits_release_stale,
    .credits_held = sq_credits_held,
    .credits_holders = sq_credits_holders,
    .credits_release_holder = sq_credits_release_holder,
    .cache_get = sq_cache_get,
    .cache_put = sq_cache_put,
    .cache_purge = sq_cache_purge,
    .project_list = sq_project_list,
    .project_create = sq_project_create,
    .project_get = sq_project_get,
    .leads_list = sq_leads_list,
    .leads_add = sq_leads_add,
    SQ_ADMIN_OPS
    SQ_PRIVACY_OPS
};

static void sqlite_configure_once(void)
{
    /* per-allocation statistics take a process-wide mutex that the event
     * threads would fight over; leadgen never reads them */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_sqlite_open(const char *path, struct err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_configure_once);
    sqlite3 *db;
    if (conn_open_db(path, &db, err) != RC_OK) return NULL;
    enum rc rc = migrate(db, err);
    sqlite3_close(db);
    if (rc != RC_OK) return NULL;
    struct sqlite_store *s = xcalloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->path = xstrdup(path);
    pthread_mutex_init(&s->lock, NULL);
    pthread_key_create(&s->tls, conn_thread_exit);
    return &s->base;
}
