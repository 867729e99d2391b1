/* PostgreSQL backend: meta, users and keys, credits, the response cache,
 * projects and leads. Credits never overspend across processes: a
 * reservation takes the user's row lock and its ledger row in one statement,
 * and settling locks the ledger row so it settles once. */
#include "store/store_pg_int.h"

#include "base/clock.h"
#include "base/str.h"

#include <stdio.h>
#include <string.h>

enum coreq {
    Q_META_GET,
    Q_META_SET_ONCE,
    Q_META_DELETE,
    Q_USER_INSERT,
    Q_USER_BY_EMAIL,
    Q_USER_COUNT,
    Q_USERS_LOCK,
    Q_KEY_INSERT,
    Q_KEY_LOOKUP,
    Q_KEY_TOUCH,
    Q_CREDITS_ADD,
    Q_CREDITS_BALANCE,
    Q_LEDGER_INSERT,
    Q_BALANCE_LOCK,
    Q_RESERVE,
    Q_SETTLE,
    Q_LEDGER_STATE,
    Q_RELEASE_STALE,
    Q_HELD,
    Q_HOLDERS,
    Q_RELEASE_HOLDER,
    Q_CACHE_GET,
    Q_CACHE_PUT,
    Q_CACHE_PURGE,
    Q_PROJECT_LIST,
    Q_PROJECT_INSERT,
    Q_PROJECT_GET,
    Q_PROJECT_LOCK,
    Q_PROJECT_BUMP,
    Q_CAMPAIGNS_OF_PROJECT,
    Q_LEADS_LIST,
    Q_LEAD_INSERT,
    Q_LEAD_REFUSED,
    Q_COUNT
};

_Static_assert(PG_CORE_BASE + Q_COUNT <= PG_CAMPAIGN_BASE, "core statements overflow their slots");

static const char *const sql[Q_COUNT] = {
    [Q_META_GET] = "SELECT value FROM meta WHERE key = $1",
    [Q_META_SET_ONCE] = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    [Q_META_DELETE] = "DELETE FROM meta WHERE key = $1",
    [Q_USER_INSERT] = "INSERT INTO users (email, credits, created_at) VALUES ($1, 0, $2) RETURNING id",
    [Q_USER_BY_EMAIL] = "SELECT id, email, credits FROM users WHERE email = $1",
    [Q_USER_COUNT] = "SELECT COUNT(*) FROM users",
    /* one creator of users at a time, so two processes vouching for one new
     * email cannot both insert it (SQLite gets this from BEGIN IMMEDIATE) */
    [Q_USERS_LOCK] = "SELECT pg_advisory_xact_lock(1970037107)",
    [Q_KEY_INSERT] = "INSERT INTO api_keys (key_hash, user_id, source, checked_at, created_at) "
                     "VALUES ($1, $2, $3, $4, $4)",
    [Q_KEY_LOOKUP] = "SELECT user_id, source, checked_at FROM api_keys WHERE key_hash = $1",
    [Q_KEY_TOUCH] = "UPDATE api_keys SET checked_at = $2 WHERE key_hash = $1",
    [Q_CREDITS_ADD] = "UPDATE users SET credits = credits + $2 WHERE id = $1 RETURNING credits",
    [Q_CREDITS_BALANCE] = "SELECT credits FROM users WHERE id = $1",
    [Q_LEDGER_INSERT] = "INSERT INTO credit_ledger "
                        "(user_id, endpoint, amount, reserved, state, request_id, created_at) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    /* the balance is locked by a statement of its own: in one statement, a
     * data-modifying CTE computed the amount from the snapshot taken before the
     * lock wait, and concurrent reservations overdrew the balance */
    [Q_BALANCE_LOCK] = "SELECT credits FROM users WHERE id = $1 FOR NO KEY UPDATE",
    [Q_RESERVE] = "WITH t AS (UPDATE users SET credits = credits - $2 WHERE id = $1) "
                  "INSERT INTO credit_ledger (user_id, endpoint, amount, reserved, state, "
                  "request_id, created_at, holder) VALUES ($1, $3, 0, $2, 'reserved', $4, $5, "
                  "$6) RETURNING id",
    /* lock the open reservation, refund what is not charged, close it */
    [Q_SETTLE] = "WITH l AS (SELECT id, user_id, reserved, "
                 "LEAST(GREATEST($2::bigint, 0), reserved) AS charged FROM credit_ledger "
                 "WHERE id = $1 AND state = 'reserved' FOR UPDATE), "
                 "u AS (UPDATE users SET credits = users.credits + l.reserved - l.charged "
                 "FROM l WHERE users.id = l.user_id), "
                 "s AS (UPDATE credit_ledger c SET amount = -l.charged, state = CASE WHEN "
                 "l.charged > 0 THEN 'charged' ELSE 'released' END FROM l WHERE c.id = l.id) "
                 "SELECT charged FROM l",
    [Q_LEDGER_STATE] = "SELECT state FROM credit_ledger WHERE id = $1",
    /* closing first means only the rows this statement closed are refunded */
    [Q_RELEASE_STALE] = "WITH l AS (UPDATE credit_ledger SET state = 'released', amount = 0 "
                        "WHERE state = 'reserved' AND created_at < $1 RETURNING user_id, reserved), "
                        "s AS (SELECT user_id, SUM(reserved) AS total FROM l GROUP BY user_id), "
                        "u AS (UPDATE users SET credits = users.credits + s.total FROM s "
                        "WHERE users.id = s.user_id) SELECT COUNT(*) FROM l",
    [Q_HELD] = "SELECT COALESCE(SUM(reserved), 0)::bigint FROM credit_ledger "
                "WHERE state = 'reserved' AND user_id = $1",
    [Q_HOLDERS] = "SELECT DISTINCT holder FROM credit_ledger WHERE state = 'reserved' "
                  "AND holder <> ''",
    [Q_RELEASE_HOLDER] = "WITH l AS (UPDATE credit_ledger SET state = 'released', amount = 0 "
                         "WHERE state = 'reserved' AND holder = $1 RETURNING user_id, reserved), "
                         "s AS (SELECT user_id, SUM(reserved) AS total FROM l GROUP BY user_id), "
                         "u AS (UPDATE users SET credits = users.credits + s.total FROM s "
                         "WHERE users.id = s.user_id) SELECT COUNT(*) FROM l",
    [Q_CACHE_GET] = "SELECT body FROM cache WHERE key = $1 AND expires_at > $2",
    [Q_CACHE_PUT] = "INSERT INTO cache (key, endpoint, body, expires_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (key) DO UPDATE SET endpoint = excluded.endpoint, "
                    "body = excluded.body, expires_at = excluded.expires_at",
    [Q_CACHE_PURGE] = "DELETE FROM cache WHERE expires_at <= $1",
    [Q_PROJECT_LIST] = "SELECT p.id, p.name, p.type, p.leads_count, c.id, c.name, "
                       "CASE c.status WHEN 'launching' THEN 'draft' ELSE c.status END "
                       "FROM projects p LEFT JOIN campaigns c ON c.project_id = p.id "
                       "AND c.user_id = p.user_id WHERE p.user_id = $1 "
                       "AND ($2::text IS NULL OR p.name_fold LIKE $2 ESCAPE '\\') "
                       "ORDER BY p.id DESC, c.id",
    [Q_PROJECT_INSERT] = "INSERT INTO projects (user_id, name, type, leads_count, created_at, "
                         "name_fold) VALUES ($1, $2, '', 0, $3, $4) RETURNING id",
    [Q_PROJECT_GET] = "SELECT id, name, type, leads_count FROM projects WHERE id = $1 AND user_id = $2",
    [Q_PROJECT_LOCK] = "SELECT id, name, type, leads_count FROM projects "
                       "WHERE id = $1 AND user_id = $2 FOR NO KEY UPDATE",
    [Q_PROJECT_BUMP] = "UPDATE projects SET leads_count = leads_count + $2 WHERE id = $1",
    [Q_CAMPAIGNS_OF_PROJECT] = "SELECT project_id, id, name, "
                               "CASE status WHEN 'launching' THEN 'draft' ELSE status END "
                               "FROM campaigns "
                               "WHERE user_id = $1 AND project_id = $2 ORDER BY id",
    [Q_LEADS_LIST] = "SELECT " PG_LEAD_COLUMNS " FROM leads WHERE project_id = $1 ORDER BY id "
                     "LIMIT $2 OFFSET $3",
    /* a suppressed or erased address is not inserted; Q_LEAD_REFUSED tells it from a duplicate */
    [Q_LEAD_INSERT] = "INSERT INTO leads (project_id, email, email_key, firstname, lastname, "
                      "company, website, phones, description, verified, created_at, source) "
                      "SELECT $1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, "
                      "$7::text, $8::text, $9::text, 0, $10::bigint, $11::text WHERE NOT EXISTS ("
                      PG_LEAD_REFUSED("$12::bigint", "$3", "$13::text", "$14::text") ") "
                      "ON CONFLICT (project_id, email_key) DO NOTHING",
    [Q_LEAD_REFUSED] = "SELECT EXISTS ("
                       PG_LEAD_REFUSED("$1::bigint", "$2::text", "$3::text", "$4::text") ")::int",
};

#define RUN(id_, args_, what_) pg_run(c, PG_CORE_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, changed_, what_)                                                          \
    pg_exec(c, PG_CORE_BASE + (id_), sql[id_], (args_), (changed_), err, (what_))
#define ONE(id_, args_, out_, what_)                                                               \
    pg_one_int(c, PG_CORE_BASE + (id_), sql[id_], (args_), (out_), err, (what_))

/* ---- meta ------------------------------------------------------------------- */

static enum rc meta_get_on(struct pgc *c, const char *key, struct arena *a, char **value,
                           struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key);
    PGresult *r = RUN(Q_META_GET, &args, "meta get");
    if (!r) return RC_DB;
    enum rc rc = PQntuples(r) ? RC_OK : RC_NOT_FOUND;
    if (rc == RC_OK) *value = (char *)pg_text(r, 0, 0, a);
    PQclear(r);
    return rc;
}

enum rc pg_meta_get(struct store *st, const char *key, struct arena *a, char **value,
                    struct err *err)
{
    PG_OP(st, err, meta_get_on(c, key, a, value, err));
}

static enum rc meta_set_once_on(struct pgc *c, const char *key, const char *value,
                                struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key);
    pg_arg_text(&args, value);
    return EXEC(Q_META_SET_ONCE, &args, NULL, "meta set");
}

enum rc pg_meta_set_once(struct store *st, const char *key, const char *value, struct err *err)
{
    PG_OP(st, err, meta_set_once_on(c, key, value, err));
}

static enum rc meta_delete_on(struct pgc *c, const char *key, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key);
    return EXEC(Q_META_DELETE, &args, NULL, "meta delete");
}

enum rc pg_meta_delete(struct store *st, const char *key, struct err *err)
{
    PG_OP(st, err, meta_delete_on(c, key, err));
}

/* ---- users and keys --------------------------------------------------------- */

static enum rc ledger_insert(struct pgc *c, int64_t user_id, const char *endpoint, int64_t amount,
                             const char *state, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, endpoint);
    pg_arg_int(&args, amount);
    pg_arg_int(&args, 0);
    pg_arg_text(&args, state);
    pg_arg_text(&args, "");
    pg_arg_int(&args, clock_now());
    int64_t id;
    return ONE(Q_LEDGER_INSERT, &args, &id, "ledger insert");
}

static enum rc add_credits(struct pgc *c, int64_t user_id, int64_t amount, const char *reason,
                           int64_t *balance, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, amount);
    struct err raw = {0};
    enum rc rc = pg_one_int(c, PG_CORE_BASE + Q_CREDITS_ADD, sql[Q_CREDITS_ADD], &args, balance,
                            &raw, "credits add");
    if (rc == RC_NOT_FOUND) return err_set(err, RC_NOT_FOUND, "no user %lld", (long long)user_id);
    if (rc == RC_CONFLICT) return err_set(err, RC_INVALID, "the balance cannot go below 0");
    if (rc != RC_OK) return err_copy(err, &raw);
    return ledger_insert(c, user_id, reason, amount, "grant", err);
}

static enum rc insert_user(struct pgc *c, const char *email, int64_t *user_id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, email);
    pg_arg_int(&args, clock_now());
    struct err raw = {0};
    enum rc rc = pg_one_int(c, PG_CORE_BASE + Q_USER_INSERT, sql[Q_USER_INSERT], &args, user_id,
                            &raw, "user insert");
    if (rc == RC_CONFLICT)
        return err_set(err, RC_CONFLICT, "a user with email %s already exists", email);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

static enum rc insert_key(struct pgc *c, int64_t user_id, const char *key_hash,
                          enum key_source source, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key_hash);
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, (int64_t)source);
    pg_arg_int(&args, clock_now());
    return EXEC(Q_KEY_INSERT, &args, NULL, "key insert");
}

static enum rc user_create_on(struct pgc *c, const char *email, int64_t credits,
                              const char *key_hash, int64_t *user_id, struct err *err)
{
    enum rc rc = EXEC(Q_USERS_LOCK, NULL, NULL, "user lock");
    if (rc == RC_OK) rc = insert_user(c, email, user_id, err);
    if (rc == RC_OK) rc = insert_key(c, *user_id, key_hash, KEY_LOCAL, err);
    int64_t balance;
    if (rc == RC_OK && credits > 0) rc = add_credits(c, *user_id, credits, "cli", &balance, err);
    return rc;
}

enum rc pg_user_create(struct store *st, const char *email, int64_t credits, const char *key_hash,
                       int64_t *user_id, struct err *err)
{
    PG_TX(st, err, user_create_on(c, email, credits, key_hash, user_id, err));
}

static enum rc user_by_email_on(struct pgc *c, const char *email, struct arena *a,
                                struct user *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, email);
    PGresult *r = RUN(Q_USER_BY_EMAIL, &args, "user lookup");
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r)) {
        out->id = pg_int(r, 0, 0);
        out->email = pg_text(r, 0, 1, a);
        out->credits = pg_int(r, 0, 2);
    } else {
        rc = err_set(err, RC_NOT_FOUND, "no user with email %s", email);
    }
    PQclear(r);
    return rc;
}

enum rc pg_user_by_email(struct store *st, const char *email, struct arena *a, struct user *out,
                         struct err *err)
{
    PG_OP(st, err, user_by_email_on(c, email, a, out, err));
}

enum rc pg_user_count(struct store *st, int64_t *count, struct err *err)
{
    PG_OP(st, err, ONE(Q_USER_COUNT, NULL, count, "user count"));
}

enum rc pg_key_add(struct store *st, int64_t user_id, const char *key_hash, struct err *err)
{
    PG_OP(st, err, insert_key(c, user_id, key_hash, KEY_LOCAL, err));
}

static enum rc key_lookup_on(struct pgc *c, const char *key_hash, struct key_owner *out,
                             struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key_hash);
    PGresult *r = RUN(Q_KEY_LOOKUP, &args, "key lookup");
    if (!r) return RC_DB;
    enum rc rc = PQntuples(r) ? RC_OK : RC_NOT_FOUND;
    if (rc == RC_OK) {
        out->user_id = pg_int(r, 0, 0);
        out->source = pg_int(r, 0, 1) ? KEY_EXTERNAL : KEY_LOCAL;
        out->checked_at = pg_int(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

enum rc pg_key_lookup(struct store *st, const char *key_hash, struct key_owner *out,
                      struct err *err)
{
    PG_OP(st, err, key_lookup_on(c, key_hash, out, err));
}

static enum rc vouch_new_key(struct pgc *c, const char *key_hash, const char *email, int64_t grant,
                             int64_t *user_id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, email);
    enum rc rc = ONE(Q_USER_BY_EMAIL, &args, user_id, "user lookup");
    if (rc == RC_NOT_FOUND) rc = insert_user(c, email, user_id, err);
    if (rc == RC_OK) rc = insert_key(c, *user_id, key_hash, KEY_EXTERNAL, err);
    int64_t balance;
    if (rc == RC_OK && grant > 0) rc = add_credits(c, *user_id, grant, "licence", &balance, err);
    return rc;
}

static enum rc key_vouch_on(struct pgc *c, const char *key_hash, const char *email, int64_t grant,
                            int64_t now, int64_t *user_id, struct err *err)
{
    enum rc rc = EXEC(Q_USERS_LOCK, NULL, NULL, "user lock");
    struct key_owner owner;
    if (rc == RC_OK) rc = key_lookup_on(c, key_hash, &owner, err);
    if (rc == RC_OK) {
        *user_id = owner.user_id;
        struct pg_args args = {0};
        pg_arg_text(&args, key_hash);
        pg_arg_int(&args, now);
        return EXEC(Q_KEY_TOUCH, &args, NULL, "key touch");
    }
    if (rc == RC_NOT_FOUND) rc = vouch_new_key(c, key_hash, email, grant, user_id, err);
    return rc;
}

enum rc pg_key_vouch(struct store *st, const char *key_hash, const char *email, int64_t grant,
                     int64_t now, int64_t *user_id, struct err *err)
{
    PG_TX(st, err, key_vouch_on(c, key_hash, email, grant, now, user_id, err));
}

/* ---- credits ---------------------------------------------------------------- */

enum rc pg_credits_add(struct store *st, int64_t user_id, int64_t amount, const char *reason,
                       int64_t *balance, struct err *err)
{
    PG_TX(st, err, add_credits(c, user_id, amount, reason, balance, err));
}

static enum rc balance_on(struct pgc *c, int64_t user_id, int64_t *balance, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    return ONE(Q_CREDITS_BALANCE, &args, balance, "balance");
}

enum rc pg_credits_balance(struct store *st, int64_t user_id, int64_t *balance, struct err *err)
{
    PG_OP(st, err, balance_on(c, user_id, balance, err));
}

static enum rc reserve_on(struct pgc *c, int64_t user_id, const char *endpoint, int64_t max,
                          const char *request_id, int64_t *reserved, int64_t *reservation,
                          struct err *err)
{
    struct pg_args lock = {0};
    pg_arg_int(&lock, user_id);
    int64_t balance = 0;
    enum rc rc = ONE(Q_BALANCE_LOCK, &lock, &balance, "balance lock");
    if (rc != RC_OK) return rc; /* RC_NOT_FOUND: no such user */
    if (balance <= 0)
        return err_set(err, RC_NO_CREDITS, "user %lld has no credits", (long long)user_id);
    *reserved = max < balance ? max : balance;
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, *reserved);
    pg_arg_text(&args, endpoint);
    pg_arg_text(&args, request_id);
    pg_arg_int(&args, clock_now());
    pg_arg_text(&args, store_holder());
    return ONE(Q_RESERVE, &args, reservation, "reserve");
}

enum rc pg_credits_reserve(struct store *st, int64_t user_id, const char *endpoint, int64_t max,
                           const char *request_id, int64_t *reserved, int64_t *reservation,
                           struct err *err)
{
    PG_TX(st, err, reserve_on(c, user_id, endpoint, max, request_id, reserved, reservation, err));
}

static enum rc settle_on(struct pgc *c, int64_t reservation, int64_t cost, int64_t *charged,
                         struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, reservation);
    pg_arg_int(&args, cost);
    PGresult *r = RUN(Q_SETTLE, &args, "settle");
    if (!r) return RC_DB;
    bool settled = PQntuples(r) > 0;
    if (settled) *charged = pg_int(r, 0, 0);
    PQclear(r);
    if (settled) return RC_OK;
    args = (struct pg_args){0};
    pg_arg_int(&args, reservation);
    r = RUN(Q_LEDGER_STATE, &args, "ledger get");
    if (!r) return RC_DB;
    bool exists = PQntuples(r) > 0;
    PQclear(r);
    if (!exists)
        return err_set(err, RC_NOT_FOUND, "no reservation %lld", (long long)reservation);
    return err_set(err, RC_CONFLICT, "reservation %lld is already settled", (long long)reservation);
}

enum rc pg_credits_settle(struct store *st, int64_t reservation, int64_t cost, int64_t *charged,
                          struct err *err)
{
    PG_OP(st, err, settle_on(c, reservation, cost, charged, err));
}

static enum rc release_stale_on(struct pgc *c, int64_t before, int64_t *released, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, before);
    *released = 0;
    return ONE(Q_RELEASE_STALE, &args, released, "release stale");
}

enum rc pg_credits_release_stale(struct store *st, int64_t before, int64_t *released,
                                 struct err *err)
{
    PG_OP(st, err, release_stale_on(c, before, released, err));
}

static enum rc held_on(struct pgc *c, int64_t user_id, int64_t *held, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    return ONE(Q_HELD, &args, held, "held credits");
}

enum rc pg_credits_held(struct store *st, int64_t user_id, int64_t *held, struct err *err)
{
    PG_OP(st, err, held_on(c, user_id, held, err));
}

static enum rc holders_on(struct pgc *c, struct arena *a, const char ***holders, size_t *count,
                          struct err *err)
{
    struct pg_args args = {0};
    PGresult *r = RUN(Q_HOLDERS, &args, "reservation holders");
    if (!r) return RC_DB;
    *count = (size_t)PQntuples(r);
    *holders = arena_alloc(a, (*count + 1) * sizeof **holders);
    for (size_t i = 0; i < *count; i++) (*holders)[i] = pg_text(r, (int)i, 0, a);
    PQclear(r);
    return RC_OK;
}

enum rc pg_credits_holders(struct store *st, struct arena *a, const char ***holders,
                           size_t *count, struct err *err)
{
    PG_OP(st, err, holders_on(c, a, holders, count, err));
}

static enum rc release_holder_on(struct pgc *c, const char *holder, int64_t *released,
                                 struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, holder);
    *released = 0;
    return ONE(Q_RELEASE_HOLDER, &args, released, "release holder");
}

enum rc pg_credits_release_holder(struct store *st, const char *holder, int64_t *released,
                                  struct err *err)
{
    PG_OP(st, err, release_holder_on(c, holder, released, err));
}

/* ---- cache ------------------------------------------------------------------ */

static enum rc cache_get_on(struct pgc *c, const char *key, int64_t now, struct arena *a,
                            char **body, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key);
    pg_arg_int(&args, now);
    PGresult *r = RUN(Q_CACHE_GET, &args, "cache get");
    if (!r) return RC_DB;
    enum rc rc = PQntuples(r) ? RC_OK : RC_NOT_FOUND;
    if (rc == RC_OK) *body = (char *)pg_text(r, 0, 0, a);
    PQclear(r);
    return rc;
}

enum rc pg_cache_get(struct store *st, const char *key, int64_t now, struct arena *a, char **body,
                     struct err *err)
{
    PG_OP(st, err, cache_get_on(c, key, now, a, body, err));
}

static enum rc cache_put_on(struct pgc *c, const char *key, const char *endpoint,
                            const char *body, int64_t expires_at, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key);
    pg_arg_text(&args, endpoint);
    pg_arg_text(&args, body);
    pg_arg_int(&args, expires_at);
    return EXEC(Q_CACHE_PUT, &args, NULL, "cache put");
}

enum rc pg_cache_put(struct store *st, const char *key, const char *endpoint, const char *body,
                     int64_t expires_at, struct err *err)
{
    PG_OP(st, err, cache_put_on(c, key, endpoint, body, expires_at, err));
}

static enum rc cache_purge_on(struct pgc *c, int64_t now, int64_t *removed, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, now);
    *removed = 0;
    return EXEC(Q_CACHE_PURGE, &args, removed, "cache purge");
}

enum rc pg_cache_purge(struct store *st, int64_t now, int64_t *removed, struct err *err)
{
    PG_OP(st, err, cache_purge_on(c, now, removed, err));
}

/* ---- projects --------------------------------------------------------------- */

static void project_from_row(const PGresult *r, int row, struct arena *a, struct project *p)
{
    *p = (struct project){
        .id = pg_int(r, row, 0),
        .name = pg_text(r, row, 1, a),
        .type = pg_text(r, row, 2, a),
        .leads_count = pg_int(r, row, 3),
    };
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

static void add_campaign_ref(struct project *p, const PGresult *r, int row, int col,
                             struct arena *a)
{
    struct campaign_ref *grown = arena_alloc(a, (p->campaigns_count + 1) * sizeof *grown);
    if (p->campaigns_count) memcpy(grown, p->campaigns, p->campaigns_count * sizeof *grown);
    grown[p->campaigns_count++] = (struct campaign_ref){
        pg_int(r, row, col), pg_text(r, row, col + 1, a), pg_text(r, row, col + 2, a)};
    p->campaigns = grown;
}

/* Rows of (project..., campaign...) ordered by project: consecutive rows of
 * one project become one entry with its campaigns. */
static enum rc project_list_on(struct pgc *c, int64_t user_id, const char *search,
                               struct arena *a, struct project **out, size_t *count,
                               struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, search && *search ? like_pattern(str_casefold(a, search), a) : NULL);
    PGresult *r = RUN(Q_PROJECT_LIST, &args, "project list");
    *out = NULL;
    *count = 0;
    if (!r) return RC_DB;
    size_t n = 0, cap = 0;
    struct project *list = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        if (n == 0 || list[n - 1].id != pg_int(r, i, 0)) {
            list = pg_grow(a, list, n, &cap, sizeof *list);
            project_from_row(r, i, a, &list[n++]);
        }
        if (!pg_null(r, i, 4)) add_campaign_ref(&list[n - 1], r, i, 4, a);
    }
    PQclear(r);
    *out = list ? list : arena_alloc(a, sizeof *list);
    *count = n;
    return RC_OK;
}

enum rc pg_project_list(struct store *st, int64_t user_id, const char *search, struct arena *a,
                        struct project **out, size_t *count, struct err *err)
{
    PG_OP(st, err, project_list_on(c, user_id, search, a, out, count, err));
}

static enum rc project_create_on(struct pgc *c, int64_t user_id, const char *name, int64_t now,
                                 int64_t *project_id, struct err *err)
{
    struct arena scratch;
    arena_init(&scratch);
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, name);
    pg_arg_int(&args, now);
    pg_arg_text(&args, str_casefold(&scratch, name));
    struct err raw = {0};
    enum rc rc = pg_one_int(c, PG_CORE_BASE + Q_PROJECT_INSERT, sql[Q_PROJECT_INSERT], &args,
                            project_id, &raw, "project insert");
    arena_cleanup(&scratch);
    if (rc == RC_CONFLICT)
        return err_set(err, RC_CONFLICT, "a project named '%s' already exists", name);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

enum rc pg_project_create(struct store *st, int64_t user_id, const char *name, int64_t now,
                          int64_t *project_id, struct err *err)
{
    PG_OP(st, err, project_create_on(c, user_id, name, now, project_id, err));
}

/* The user's project (query Q_PROJECT_GET, or Q_PROJECT_LOCK inside a transaction). */
static enum rc project_row(struct pgc *c, int query, int64_t user_id, int64_t project_id,
                           struct arena *a, struct project *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, project_id);
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(query, &args, "project get");
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r)) project_from_row(r, 0, a, out);
    else rc = err_set(err, RC_NOT_FOUND, "project %lld not found", (long long)project_id);
    PQclear(r);
    return rc;
}

static enum rc project_get_on(struct pgc *c, int64_t user_id, int64_t project_id,
                              struct arena *a, struct project *out, struct err *err)
{
    enum rc rc = project_row(c, Q_PROJECT_GET, user_id, project_id, a, out, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, project_id);
    PGresult *r = RUN(Q_CAMPAIGNS_OF_PROJECT, &args, "campaigns");
    if (!r) return RC_DB;
    for (int i = 0; i < PQntuples(r); i++) add_campaign_ref(out, r, i, 1, a);
    PQclear(r);
    return RC_OK;
}

enum rc pg_project_get(struct store *st, int64_t user_id, int64_t project_id, struct arena *a,
                       struct project *out, struct err *err)
{
    PG_OP(st, err, project_get_on(c, user_id, project_id, a, out, err));
}

/* ---- leads ------------------------------------------------------------------ */

void pg_lead_from_row(const PGresult *r, int row, struct arena *a, void *item)
{
    *(struct lead *)item = (struct lead){
        .id = pg_int(r, row, 0),
        .email = pg_text(r, row, 1, a),
        .firstname = pg_text(r, row, 2, a),
        .lastname = pg_text(r, row, 3, a),
        .company = pg_text(r, row, 4, a),
        .website = pg_text(r, row, 5, a),
        .phones = pg_text(r, row, 6, a),
        .description = pg_text(r, row, 7, a),
        .verified = (int)pg_int(r, row, 8),
        .created_at = pg_int(r, row, 9),
        .source = pg_text(r, row, 10, a),
    };
}

static enum rc leads_list_on(struct pgc *c, int64_t user_id, int64_t project_id, int64_t limit,
                             int64_t offset, struct arena *a, struct lead **out, size_t *count,
                             int64_t *total, struct err *err)
{
    struct project p;
    enum rc rc = project_row(c, Q_PROJECT_GET, user_id, project_id, a, &p, err);
    if (rc != RC_OK) return rc;
    *total = p.leads_count;
    struct pg_args args = {0};
    pg_arg_int(&args, project_id);
    pg_arg_int(&args, limit);
    pg_arg_int(&args, offset);
    PGresult *r = RUN(Q_LEADS_LIST, &args, "leads list");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, pg_lead_from_row, count);
    return RC_OK;
}

enum rc pg_leads_list(struct store *st, int64_t user_id, int64_t project_id, int64_t limit,
                      int64_t offset, struct arena *a, struct lead **out, size_t *count,
                      int64_t *total, struct err *err)
{
    PG_OP(st, err, leads_list_on(c, user_id, project_id, limit, offset, a, out, count, total, err));
}

/* Not inserted: a duplicate, or refused (suppressed or erased). */
static enum rc count_not_added(struct pgc *c, int64_t user_id, const char *key,
                               const char *domain, const struct lead *l, struct leads_added *out,
                               struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, key);
    pg_arg_text(&args, domain);
    pg_arg_text(&args, l->tombstone ? l->tombstone : "");
    int64_t refused = 0;
    enum rc rc = ONE(Q_LEAD_REFUSED, &args, &refused, "lead suppression check");
    if (rc == RC_OK) *(refused ? &out->suppressed : &out->duplicates) += 1;
    return rc;
}

static enum rc insert_lead(struct pgc *c, int64_t user_id, int64_t project_id,
                           const struct lead *l, int64_t now, struct leads_added *out,
                           struct err *err)
{
    char key[320];
    snprintf(key, sizeof key, "%s", l->email);
    str_ascii_lower(key);
    const char *at = strrchr(key, '@');
    const char *domain = at ? at + 1 : key;
    struct pg_args args = {0};
    pg_arg_int(&args, project_id);
    pg_arg_text(&args, l->email);
    pg_arg_text(&args, key);
    pg_arg_text(&args, l->firstname ? l->firstname : "");
    pg_arg_text(&args, l->lastname ? l->lastname : "");
    pg_arg_text(&args, l->company ? l->company : "");
    pg_arg_text(&args, l->website ? l->website : "");
    pg_arg_text(&args, l->phones ? l->phones : "");
    pg_arg_text(&args, l->description ? l->description : "");
    pg_arg_int(&args, now);
    pg_arg_text(&args, l->source ? l->source : "");
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, domain);
    pg_arg_text(&args, l->tombstone ? l->tombstone : "");
    int64_t changed = 0;
    enum rc rc = EXEC(Q_LEAD_INSERT, &args, &changed, "lead insert");
    if (rc != RC_OK) return rc;
    if (changed) out->added++;
    else return count_not_added(c, user_id, key, domain, l, out, err);
    return RC_OK;
}

static enum rc leads_add_on(struct pgc *c, int64_t user_id, int64_t project_id,
                            const struct lead *leads, size_t count, int64_t now,
                            struct leads_added *out, struct err *err)
{
    struct arena scratch;
    arena_init(&scratch);
    struct project p = {0};
    /* the project row lock keeps leads_count and the reported total exact */
    enum rc rc = project_row(c, Q_PROJECT_LOCK, user_id, project_id, &scratch, &p, err);
    arena_cleanup(&scratch);
    for (size_t i = 0; rc == RC_OK && i < count; i++)
        rc = insert_lead(c, user_id, project_id, &leads[i], now, out, err);
    if (rc != RC_OK) return rc;
    out->total = p.leads_count + out->added;
    struct pg_args args = {0};
    pg_arg_int(&args, project_id);
    pg_arg_int(&args, out->added);
    return EXEC(Q_PROJECT_BUMP, &args, NULL, "project count");
}

enum rc pg_leads_add(struct store *st, int64_t user_id, int64_t project_id,
                     const struct lead *leads, size_t count, int64_t now, struct leads_added *out,
                     struct err *err)
{
    memset(out, 0, sizeof *out);
    PG_TX(st, err, leads_add_on(c, user_id, project_id, leads, count, now, out, err));
}
