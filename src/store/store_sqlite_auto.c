/* SQLite backend: what automation keeps: usage read from the credit ledger,
 * webhook secrets, async jobs (claimed one at a time by a compare-and-set so
 * each runs once) and the webhook subscriptions and delivery outbox. */
#include "store/store_sqlite_int.h"

#include <string.h>

enum aq {
    A_USER_GET,
    A_USAGE,
    A_SECRET_PUT,
    A_SECRET_GET,
    A_JOB_CREATE,
    A_JOB_GET,
    A_JOB_LIST,
    A_JOB_CLAIM,
    A_JOB_FINISH,
    A_JOB_REQUEUE,
    A_JOB_RUNNERS,
    A_HOOK_ADD,
    A_HOOK_LIST,
    A_HOOK_REMOVE,
    A_OUTBOX_ADD,
    A_OUTBOX_CLAIM,
    A_OUTBOX_DONE,
    A_COUNT
};

#define JOB_COLUMNS                                                                                \
    "id, user_id, endpoint, file, method, args, webhook_url, status, runner, created_at, "         \
    "started_at, finished_at, result"
#define OUTBOX_COLUMNS "id, user_id, url, event, body, attempts, created_at"

static const char *const aq_sql[A_COUNT] = {
    [A_USER_GET] = "SELECT id, email, credits FROM users WHERE id = ?1",
    [A_USAGE] = "SELECT date(created_at, 'unixepoch') AS day, endpoint, COUNT(*), "
                "COALESCE(SUM(CASE WHEN state = 'charged' THEN -amount ELSE 0 END), 0) "
                "FROM credit_ledger WHERE user_id = ?1 AND created_at >= ?2 "
                "AND state IN ('charged', 'released') GROUP BY day, endpoint "
                "ORDER BY day DESC, endpoint",
    [A_SECRET_PUT] = "INSERT INTO webhook_secrets (user_id, secret, created_at) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (user_id) DO NOTHING",
    [A_SECRET_GET] = "SELECT secret FROM webhook_secrets WHERE user_id = ?1",
    [A_JOB_CREATE] = "INSERT INTO async_jobs (id, user_id, endpoint, file, method, args, "
                     "webhook_url, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                     "'queued', ?8)",
    [A_JOB_GET] = "SELECT " JOB_COLUMNS " FROM async_jobs WHERE id = ?1 AND user_id = ?2",
    [A_JOB_LIST] = "SELECT " JOB_COLUMNS " FROM async_jobs WHERE user_id = ?1 "
                   "ORDER BY created_at DESC, rowid DESC LIMIT ?2",
    [A_JOB_CLAIM] = "UPDATE async_jobs SET status = 'running', runner = ?1, started_at = ?2 "
                    "WHERE id = (SELECT id FROM async_jobs WHERE status = 'queued' "
                    "ORDER BY created_at, rowid LIMIT 1) AND status = 'queued' "
                    "RETURNING " JOB_COLUMNS,
    [A_JOB_FINISH] = "UPDATE async_jobs SET status = ?2, result = ?3, finished_at = ?4 "
                     "WHERE id = ?1 AND status = 'running'",
    [A_JOB_REQUEUE] = "UPDATE async_jobs SET status = 'queued', runner = NULL, started_at = 0 "
                      "WHERE status = 'running' AND (?1 IS NULL OR runner = ?1) "
                      "AND started_at < ?2",
    [A_JOB_RUNNERS] = "SELECT DISTINCT runner FROM async_jobs WHERE status = 'running' "
                      "AND runner IS NOT NULL",
    [A_HOOK_ADD] = "INSERT INTO webhooks (user_id, url, events, created_at) "
                   "VALUES (?1, ?2, ?3, ?4) RETURNING id",
    [A_HOOK_LIST] = "SELECT id, url, events, created_at FROM webhooks WHERE user_id = ?1 "
                    "ORDER BY id",
    [A_HOOK_REMOVE] = "DELETE FROM webhooks WHERE id = ?1 AND user_id = ?2",
    [A_OUTBOX_ADD] = "INSERT INTO webhook_outbox (user_id, url, event, body, next_at, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    [A_OUTBOX_CLAIM] = "UPDATE webhook_outbox SET next_at = ?2 WHERE id = (SELECT id FROM "
                       "webhook_outbox WHERE state = 'pending' AND next_at <= ?1 "
                       "ORDER BY next_at, id LIMIT 1) AND state = 'pending' AND next_at <= ?1 "
                       "RETURNING " OUTBOX_COLUMNS,
    [A_OUTBOX_DONE] = "UPDATE webhook_outbox SET state = ?2, attempts = ?3, next_at = ?4, "
                      "last_error = ?5 WHERE id = ?1",
};

_Static_assert((int)SQ_AUTO_BASE + (int)A_COUNT <= (int)SQ_ADMIN_BASE,
               "automation statements overflow their slots");

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_AUTO_BASE + (id_), aq_sql[id_], err);                       \
    if (!var_) return RC_DB

/* ---- account ------------------------------------------------------------------ */

enum rc sq_user_get(struct store *st, int64_t user_id, struct arena *a, struct user *out,
                    struct err *err)
{
    CONN(st, err);
    Q(q, A_USER_GET);
    sqlite3_bind_int64(q, 1, user_id);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW)
        *out = (struct user){.id = sqlite3_column_int64(q, 0),
                             .email = sq_col_text(q, 1, a),
                             .credits = sqlite3_column_int64(q, 2)};
    else if (r == SQLITE_DONE)
        rc = err_set(err, RC_NOT_FOUND, "no user %lld", (long long)user_id);
    else
        rc = sq_fail(c, err, "user");
    sq_done(q);
    return rc;
}

enum rc sq_usage_by_day(struct store *st, int64_t user_id, int64_t since, struct arena *a,
                        struct usage_row **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, A_USAGE);
    sqlite3_bind_int64(q, 1, user_id);
    sqlite3_bind_int64(q, 2, since);
    size_t n = 0, cap = 0;
    struct usage_row *rows = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        rows = sq_grow(a, rows, n, &cap, sizeof *rows);
        rows[n++] = (struct usage_row){.date = sq_col_text(q, 0, a),
                                       .endpoint = sq_col_text(q, 1, a),
                                       .requests = sqlite3_column_int64(q, 2),
                                       .credits = sqlite3_column_int64(q, 3)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "usage");
    sq_done(q);
    *out = rows;
    *count = n;
    return rc;
}

/* The user's secret, or NULL in *secret when none is kept yet. */
static enum rc secret_get(struct conn *c, int64_t user_id, struct arena *a, char **secret,
                          struct err *err)
{
    Q(get, A_SECRET_GET);
    sqlite3_bind_int64(get, 1, user_id);
    int r = sqlite3_step(get);
    enum rc rc = RC_OK;
    *secret = NULL;
    if (r == SQLITE_ROW) *secret = (char *)sq_col_text(get, 0, a);
    else if (r != SQLITE_DONE) rc = sq_fail(c, err, "webhook secret");
    sq_done(get);
    return rc;
}

/* Read first: account.php asks on every call, and only the first one may write. */
enum rc sq_webhook_secret(struct store *st, int64_t user_id, const char *fresh, int64_t now,
                          struct arena *a, char **secret, struct err *err)
{
    CONN(st, err);
    enum rc rc = secret_get(c, user_id, a, secret, err);
    if (rc != RC_OK || *secret) return rc;
    Q(put, A_SECRET_PUT);
    sqlite3_bind_int64(put, 1, user_id);
    sq_bind_text(put, 2, fresh);
    sqlite3_bind_int64(put, 3, now);
    rc = sq_exec(c, put, err, "webhook secret");
    if (rc == RC_OK) rc = secret_get(c, user_id, a, secret, err); /* another writer may have won */
    if (rc == RC_OK && !*secret) rc = err_set(err, RC_DB, "webhook secret vanished");
    return rc;
}

/* ---- async jobs --------------------------------------------------------------- */

static const char *col_or_null(sqlite3_stmt *q, int i, struct arena *a)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NULL : sq_col_text(q, i, a);
}

static void job_from_row(sqlite3_stmt *q, struct arena *a, struct async_job *out)
{
    *out = (struct async_job){
        .id = sq_col_text(q, 0, a),
        .user_id = sqlite3_column_int64(q, 1),
        .endpoint = sq_col_text(q, 2, a),
        .file = sq_col_text(q, 3, a),
        .method = sqlite3_column_int(q, 4),
        .args = sq_col_text(q, 5, a),
        .webhook_url = col_or_null(q, 6, a),
        .status = sq_col_text(q, 7, a),
        .runner = col_or_null(q, 8, a),
        .created_at = sqlite3_column_int64(q, 9),
        .started_at = sqlite3_column_int64(q, 10),
        .finished_at = sqlite3_column_int64(q, 11),
        .result = col_or_null(q, 12, a),
    };
}

enum rc sq_job_create(struct store *st, const struct async_job *job, struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_CREATE);
    sq_bind_text(q, 1, job->id);
    sqlite3_bind_int64(q, 2, job->user_id);
    sq_bind_text(q, 3, job->endpoint);
    sq_bind_text(q, 4, job->file);
    sqlite3_bind_int(q, 5, job->method);
    sq_bind_text(q, 6, job->args);
    sq_bind_text(q, 7, job->webhook_url);
    sqlite3_bind_int64(q, 8, job->created_at);
    return sq_exec(c, q, err, "job create");
}

/* One job row from q (bound), or RC_NOT_FOUND. */
static enum rc one_job(struct conn *c, sqlite3_stmt *q, struct arena *a, struct async_job *out,
                       struct err *err, const char *what)
{
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) job_from_row(q, a, out);
    else if (r == SQLITE_DONE) rc = err_set(err, RC_NOT_FOUND, "no such job");
    else rc = sq_fail(c, err, what);
    sq_done(q);
    return rc;
}

enum rc sq_job_get(struct store *st, int64_t user_id, const char *id, struct arena *a,
                   struct async_job *out, struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_GET);
    sq_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, user_id);
    return one_job(c, q, a, out, err, "job");
}

enum rc sq_job_list(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                    struct async_job **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_LIST);
    sqlite3_bind_int64(q, 1, user_id);
    sqlite3_bind_int64(q, 2, limit);
    size_t n = 0, cap = 0;
    struct async_job *jobs = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        jobs = sq_grow(a, jobs, n, &cap, sizeof *jobs);
        job_from_row(q, a, &jobs[n++]);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "jobs");
    sq_done(q);
    *out = jobs;
    *count = n;
    return rc;
}

enum rc sq_job_claim(struct store *st, const char *runner, int64_t now, struct arena *a,
                     struct async_job *out, struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_CLAIM);
    sq_bind_text(q, 1, runner);
    sqlite3_bind_int64(q, 2, now);
    return one_job(c, q, a, out, err, "job claim");
}

enum rc sq_job_finish(struct store *st, const char *id, const char *status, const char *result,
                      int64_t now, struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_FINISH);
    sq_bind_text(q, 1, id);
    sq_bind_text(q, 2, status);
    sq_bind_text(q, 3, result);
    sqlite3_bind_int64(q, 4, now);
    return sq_exec(c, q, err, "job finish");
}

enum rc sq_job_requeue(struct store *st, const char *runner, int64_t started_before,
                       int64_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_REQUEUE);
    sq_bind_text(q, 1, runner);
    sqlite3_bind_int64(q, 2, started_before);
    enum rc rc = sq_exec(c, q, err, "job requeue");
    *count = rc == RC_OK ? sqlite3_changes(sq_db(c)) : 0;
    return rc;
}

enum rc sq_job_runners(struct store *st, struct arena *a, const char ***out, size_t *count,
                       struct err *err)
{
    CONN(st, err);
    Q(q, A_JOB_RUNNERS);
    return sq_step_texts(c, q, a, out, count, err, "job runners");
}

/* ---- webhooks ----------------------------------------------------------------- */

enum rc sq_webhook_add(struct store *st, int64_t user_id, const char *url, const char *events,
                       int64_t now, int64_t *id, struct err *err)
{
    CONN(st, err);
    Q(q, A_HOOK_ADD);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, url);
    sq_bind_text(q, 3, events);
    sqlite3_bind_int64(q, 4, now);
    return sq_step_int(c, q, id, err, "webhook add");
}

enum rc sq_webhook_list(struct store *st, int64_t user_id, struct arena *a, struct webhook **out,
                        size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, A_HOOK_LIST);
    sqlite3_bind_int64(q, 1, user_id);
    size_t n = 0, cap = 0;
    struct webhook *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct webhook){.id = sqlite3_column_int64(q, 0),
                                     .url = sq_col_text(q, 1, a),
                                     .events = sq_col_text(q, 2, a),
                                     .created_at = sqlite3_column_int64(q, 3)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "webhooks");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_webhook_remove(struct store *st, int64_t user_id, int64_t id, struct err *err)
{
    CONN(st, err);
    Q(q, A_HOOK_REMOVE);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, user_id);
    enum rc rc = sq_exec(c, q, err, "webhook remove");
    if (rc == RC_OK && sqlite3_changes(sq_db(c)) == 0)
        rc = err_set(err, RC_NOT_FOUND, "Webhook %lld not found.", (long long)id);
    return rc;
}

enum rc sq_outbox_add(struct store *st, int64_t user_id, const char *url, const char *event,
                      const char *body, int64_t now, struct err *err)
{
    CONN(st, err);
    Q(q, A_OUTBOX_ADD);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, url);
    sq_bind_text(q, 3, event);
    sq_bind_text(q, 4, body);
    sqlite3_bind_int64(q, 5, now);
    return sq_exec(c, q, err, "outbox add");
}

enum rc sq_outbox_claim(struct store *st, int64_t now, int64_t lease_until, struct arena *a,
                        struct webhook_delivery *out, struct err *err)
{
    CONN(st, err);
    Q(q, A_OUTBOX_CLAIM);
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, lease_until);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW)
        *out = (struct webhook_delivery){.id = sqlite3_column_int64(q, 0),
                                         .user_id = sqlite3_column_int64(q, 1),
                                         .url = sq_col_text(q, 2, a),
                                         .event = sq_col_text(q, 3, a),
                                         .body = sq_col_text(q, 4, a),
                                         .attempts = sqlite3_column_int64(q, 5),
                                         .created_at = sqlite3_column_int64(q, 6)};
    else if (r == SQLITE_DONE)
        rc = err_set(err, RC_NOT_FOUND, "no delivery due");
    else
        rc = sq_fail(c, err, "outbox claim");
    sq_done(q);
    return rc;
}

enum rc sq_outbox_done(struct store *st, int64_t id, const char *state, int64_t attempts,
                       int64_t next_at, const char *error, struct err *err)
{
    CONN(st, err);
    Q(q, A_OUTBOX_DONE);
    sqlite3_bind_int64(q, 1, id);
    sq_bind_text(q, 2, state);
    sqlite3_bind_int64(q, 3, attempts);
    sqlite3_bind_int64(q, 4, next_at);
    sq_bind_text(q, 5, error ? error : "");
    return sq_exec(c, q, err, "outbox done");
}
