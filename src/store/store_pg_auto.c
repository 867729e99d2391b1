/* PostgreSQL backend: what automation keeps: usage read from the credit
 * ledger, webhook secrets, async jobs and webhook deliveries. Claims lock the
 * row they take (SKIP LOCKED), so processes sharing the database never run a
 * job or make a delivery twice at once. */
#include "store/store_int.h"
#include "store/store_pg_int.h"

enum autoq {
    Q_USER_GET,
    Q_USAGE,
    Q_SECRET_PUT,
    Q_SECRET_GET,
    Q_JOB_CREATE,
    Q_JOB_GET,
    Q_JOB_LIST,
    Q_JOB_CLAIM,
    Q_JOB_FINISH,
    Q_JOB_REQUEUE,
    Q_JOB_RUNNERS,
    Q_HOOK_ADD,
    Q_HOOK_LIST,
    Q_HOOK_REMOVE,
    Q_OUTBOX_ADD,
    Q_OUTBOX_CLAIM,
    Q_OUTBOX_DONE,
    Q_COUNT
};

/* the last slot is the ping's (store_pg.c) */
_Static_assert(PG_AUTO_BASE + Q_COUNT <= PG_ADMIN_BASE, "automation statements overflow their slots");

#define JOB_COLUMNS                                                                                \
    "id, user_id, endpoint, file, method, args, webhook_url, status, runner, created_at, "         \
    "started_at, finished_at, result"
#define OUTBOX_COLUMNS "id, user_id, url, event, body, attempts, created_at"

static const char *const sql[Q_COUNT] = {
    [Q_USER_GET] = "SELECT id, email, credits FROM users WHERE id = $1",
    [Q_USAGE] = "SELECT to_char(to_timestamp(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, "
                "endpoint, COUNT(*), "
                "COALESCE(SUM(CASE WHEN state = 'charged' THEN -amount ELSE 0 END), 0) "
                "FROM credit_ledger WHERE user_id = $1 AND created_at >= $2 "
                "AND state IN ('charged', 'released') GROUP BY day, endpoint "
                "ORDER BY day DESC, endpoint",
    [Q_SECRET_PUT] = "INSERT INTO webhook_secrets (user_id, secret, created_at) VALUES ($1, $2, $3) "
                     "ON CONFLICT (user_id) DO NOTHING",
    [Q_SECRET_GET] = "SELECT secret FROM webhook_secrets WHERE user_id = $1",
    [Q_JOB_CREATE] = "INSERT INTO async_jobs (id, user_id, endpoint, file, method, args, "
                     "webhook_url, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                     "'queued', $8)",
    [Q_JOB_GET] = "SELECT " JOB_COLUMNS " FROM async_jobs WHERE id = $1 AND user_id = $2",
    [Q_JOB_LIST] = "SELECT " JOB_COLUMNS " FROM async_jobs WHERE user_id = $1 "
                   "ORDER BY created_at DESC, id DESC LIMIT $2",
    [Q_JOB_CLAIM] = "UPDATE async_jobs SET status = 'running', runner = $1, started_at = $2 "
                    "WHERE id = (SELECT id FROM async_jobs WHERE status = 'queued' "
                    "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                    "AND status = 'queued' RETURNING " JOB_COLUMNS,
    [Q_JOB_FINISH] = "UPDATE async_jobs SET status = $2, result = $3, finished_at = $4 "
                     "WHERE id = $1 AND status = 'running'",
    [Q_JOB_REQUEUE] = "UPDATE async_jobs SET status = 'queued', runner = NULL, started_at = 0 "
                      "WHERE status = 'running' AND ($1::text IS NULL OR runner = $1) "
                      "AND started_at < $2",
    [Q_JOB_RUNNERS] = "SELECT DISTINCT runner FROM async_jobs WHERE status = 'running' "
                      "AND runner IS NOT NULL",
    [Q_HOOK_ADD] = "INSERT INTO webhooks (user_id, url, events, created_at) "
                   "VALUES ($1, $2, $3, $4) RETURNING id",
    [Q_HOOK_LIST] = "SELECT id, url, events, created_at FROM webhooks WHERE user_id = $1 "
                    "ORDER BY id",
    [Q_HOOK_REMOVE] = "DELETE FROM webhooks WHERE id = $1 AND user_id = $2",
    [Q_OUTBOX_ADD] = "INSERT INTO webhook_outbox (user_id, url, event, body, next_at, created_at) "
                     "VALUES ($1, $2, $3, $4, $5, $5)",
    [Q_OUTBOX_CLAIM] = "UPDATE webhook_outbox SET next_at = $2 WHERE id = (SELECT id FROM "
                       "webhook_outbox WHERE state = 'pending' AND next_at <= $1 "
                       "ORDER BY next_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                       "AND state = 'pending' RETURNING " OUTBOX_COLUMNS,
    [Q_OUTBOX_DONE] = "UPDATE webhook_outbox SET state = $2, attempts = $3, next_at = $4, "
                      "last_error = $5 WHERE id = $1",
};

#define RUN(id_, args_, what_) pg_run(c, PG_AUTO_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, changed_, what_)                                                          \
    pg_exec(c, PG_AUTO_BASE + (id_), sql[id_], (args_), (changed_), err, (what_))
#define ONE(id_, args_, out_, what_)                                                               \
    pg_one_int(c, PG_AUTO_BASE + (id_), sql[id_], (args_), (out_), err, (what_))

/* ---- account ------------------------------------------------------------------ */

static enum rc user_get_on(struct pgc *c, int64_t user_id, struct arena *a, struct user *out,
                           struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_USER_GET, &args, "user");
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r) == 1)
        *out = (struct user){.id = pg_int(r, 0, 0), .email = pg_text(r, 0, 1, a),
                             .credits = pg_int(r, 0, 2)};
    else
        rc = err_set(err, RC_NOT_FOUND, "no user %lld", (long long)user_id);
    PQclear(r);
    return rc;
}

enum rc pg_user_get(struct store *st, int64_t user_id, struct arena *a, struct user *out,
                    struct err *err)
{
    PG_OP(st, err, user_get_on(c, user_id, a, out, err));
}

static void usage_row_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct usage_row *it = item;
    *it = (struct usage_row){.date = pg_text(r, i, 0, a),
                             .endpoint = pg_text(r, i, 1, a),
                             .requests = pg_int(r, i, 2),
                             .credits = pg_int(r, i, 3)};
}

static enum rc usage_on(struct pgc *c, int64_t user_id, int64_t since, struct arena *a,
                        struct usage_row **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, since);
    PGresult *r = RUN(Q_USAGE, &args, "usage");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, usage_row_item, count);
    return RC_OK;
}

enum rc pg_usage_by_day(struct store *st, int64_t user_id, int64_t since, struct arena *a,
                        struct usage_row **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, usage_on(c, user_id, since, a, out, count, err));
}

/* The user's secret, or NULL in *secret when none is kept yet. */
static enum rc secret_get(struct pgc *c, int64_t user_id, struct arena *a, char **secret,
                          struct err *err)
{
    struct pg_args get = {0};
    pg_arg_int(&get, user_id);
    PGresult *r = RUN(Q_SECRET_GET, &get, "webhook secret");
    if (!r) return RC_DB;
    *secret = PQntuples(r) == 1 ? (char *)pg_text(r, 0, 0, a) : NULL;
    PQclear(r);
    return RC_OK;
}

/* Read first: account.php asks on every call, and only the first one may write. */
static enum rc secret_on(struct pgc *c, int64_t user_id, const char *fresh, int64_t now,
                         struct arena *a, char **secret, struct err *err)
{
    enum rc rc = secret_get(c, user_id, a, secret, err);
    if (rc != RC_OK || *secret) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, fresh);
    pg_arg_int(&args, now);
    rc = EXEC(Q_SECRET_PUT, &args, NULL, "webhook secret");
    if (rc == RC_OK) rc = secret_get(c, user_id, a, secret, err); /* another writer may have won */
    if (rc == RC_OK && !*secret) rc = err_set(err, RC_DB, "webhook secret vanished");
    return rc;
}

enum rc pg_webhook_secret(struct store *st, int64_t user_id, const char *fresh, int64_t now,
                          struct arena *a, char **secret, struct err *err)
{
    PG_OP(st, err, secret_on(c, user_id, fresh, now, a, secret, err));
}

/* ---- async jobs --------------------------------------------------------------- */

static const char *text_or_null(const PGresult *r, int row, int col, struct arena *a)
{
    return pg_null(r, row, col) ? NULL : pg_text(r, row, col, a);
}

static void job_from_row(const PGresult *r, int i, struct arena *a, void *item)
{
    *(struct async_job *)item = (struct async_job){
        .id = pg_text(r, i, 0, a),
        .user_id = pg_int(r, i, 1),
        .endpoint = pg_text(r, i, 2, a),
        .file = pg_text(r, i, 3, a),
        .method = (int)pg_int(r, i, 4),
        .args = pg_text(r, i, 5, a),
        .webhook_url = text_or_null(r, i, 6, a),
        .status = pg_text(r, i, 7, a),
        .runner = text_or_null(r, i, 8, a),
        .created_at = pg_int(r, i, 9),
        .started_at = pg_int(r, i, 10),
        .finished_at = pg_int(r, i, 11),
        .result = text_or_null(r, i, 12, a),
    };
}

static enum rc job_create_on(struct pgc *c, const struct async_job *job, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, job->id);
    pg_arg_int(&args, job->user_id);
    pg_arg_text(&args, job->endpoint);
    pg_arg_text(&args, job->file);
    pg_arg_int(&args, job->method);
    pg_arg_text(&args, job->args);
    pg_arg_text(&args, job->webhook_url);
    pg_arg_int(&args, job->created_at);
    return EXEC(Q_JOB_CREATE, &args, NULL, "job create");
}

enum rc pg_job_create(struct store *st, const struct async_job *job, struct err *err)
{
    PG_OP(st, err, job_create_on(c, job, err));
}

/* The first row of r as a job, or RC_NOT_FOUND; clears r. */
static enum rc one_job(PGresult *r, struct arena *a, struct async_job *out, struct err *err)
{
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r) >= 1) job_from_row(r, 0, a, out);
    else rc = err_set(err, RC_NOT_FOUND, "no such job");
    PQclear(r);
    return rc;
}

static enum rc job_get_on(struct pgc *c, int64_t user_id, const char *id, struct arena *a,
                          struct async_job *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, id);
    pg_arg_int(&args, user_id);
    return one_job(RUN(Q_JOB_GET, &args, "job"), a, out, err);
}

enum rc pg_job_get(struct store *st, int64_t user_id, const char *id, struct arena *a,
                   struct async_job *out, struct err *err)
{
    PG_OP(st, err, job_get_on(c, user_id, id, a, out, err));
}

static enum rc job_list_on(struct pgc *c, int64_t user_id, int64_t limit, struct arena *a,
                           struct async_job **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, limit);
    PGresult *r = RUN(Q_JOB_LIST, &args, "jobs");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, job_from_row, count);
    return RC_OK;
}

enum rc pg_job_list(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                    struct async_job **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, job_list_on(c, user_id, limit, a, out, count, err));
}

static enum rc job_claim_on(struct pgc *c, const char *runner, int64_t now, struct arena *a,
                            struct async_job *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, runner);
    pg_arg_int(&args, now);
    return one_job(RUN(Q_JOB_CLAIM, &args, "job claim"), a, out, err);
}

enum rc pg_job_claim(struct store *st, const char *runner, int64_t now, struct arena *a,
                     struct async_job *out, struct err *err)
{
    PG_OP(st, err, job_claim_on(c, runner, now, a, out, err));
}

static enum rc job_finish_on(struct pgc *c, const char *id, const char *status,
                             const char *result, int64_t now, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, id);
    pg_arg_text(&args, status);
    pg_arg_text(&args, result);
    pg_arg_int(&args, now);
    return EXEC(Q_JOB_FINISH, &args, NULL, "job finish");
}

enum rc pg_job_finish(struct store *st, const char *id, const char *status, const char *result,
                      int64_t now, struct err *err)
{
    PG_OP(st, err, job_finish_on(c, id, status, result, now, err));
}

static enum rc job_requeue_on(struct pgc *c, const char *runner, int64_t started_before,
                              int64_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, runner);
    pg_arg_int(&args, started_before);
    return EXEC(Q_JOB_REQUEUE, &args, count, "job requeue");
}

enum rc pg_job_requeue(struct store *st, const char *runner, int64_t started_before,
                       int64_t *count, struct err *err)
{
    *count = 0;
    PG_OP(st, err, job_requeue_on(c, runner, started_before, count, err));
}

static enum rc job_runners_on(struct pgc *c, struct arena *a, const char ***out, size_t *count,
                              struct err *err)
{
    PGresult *r = RUN(Q_JOB_RUNNERS, NULL, "job runners");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, pg_text_item, count);
    return RC_OK;
}

enum rc pg_job_runners(struct store *st, struct arena *a, const char ***out, size_t *count,
                       struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, job_runners_on(c, a, out, count, err));
}

/* ---- webhooks ----------------------------------------------------------------- */

static enum rc hook_add_on(struct pgc *c, int64_t user_id, const char *url, const char *events,
                           int64_t now, int64_t *id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, url);
    pg_arg_text(&args, events);
    pg_arg_int(&args, now);
    return ONE(Q_HOOK_ADD, &args, id, "webhook add");
}

enum rc pg_webhook_add(struct store *st, int64_t user_id, const char *url, const char *events,
                       int64_t now, int64_t *id, struct err *err)
{
    PG_OP(st, err, hook_add_on(c, user_id, url, events, now, id, err));
}

static void webhook_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct webhook *it = item;
    *it = (struct webhook){.id = pg_int(r, i, 0),
                           .url = pg_text(r, i, 1, a),
                           .events = pg_text(r, i, 2, a),
                           .created_at = pg_int(r, i, 3)};
}

static enum rc hook_list_on(struct pgc *c, int64_t user_id, struct arena *a,
                            struct webhook **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_HOOK_LIST, &args, "webhooks");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, webhook_item, count);
    return RC_OK;
}

enum rc pg_webhook_list(struct store *st, int64_t user_id, struct arena *a, struct webhook **out,
                        size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, hook_list_on(c, user_id, a, out, count, err));
}

static enum rc hook_remove_on(struct pgc *c, int64_t user_id, int64_t id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_int(&args, user_id);
    int64_t changed = 0;
    enum rc rc = EXEC(Q_HOOK_REMOVE, &args, &changed, "webhook remove");
    if (rc == RC_OK && changed == 0)
        rc = err_set(err, RC_NOT_FOUND, "Webhook %lld not found.", (long long)id);
    return rc;
}

enum rc pg_webhook_remove(struct store *st, int64_t user_id, int64_t id, struct err *err)
{
    PG_OP(st, err, hook_remove_on(c, user_id, id, err));
}

static enum rc outbox_add_on(struct pgc *c, int64_t user_id, const char *url, const char *event,
                             const char *body, int64_t now, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, url);
    pg_arg_text(&args, event);
    pg_arg_text(&args, body);
    pg_arg_int(&args, now);
    return EXEC(Q_OUTBOX_ADD, &args, NULL, "outbox add");
}

enum rc pg_outbox_add(struct store *st, int64_t user_id, const char *url, const char *event,
                      const char *body, int64_t now, struct err *err)
{
    PG_OP(st, err, outbox_add_on(c, user_id, url, event, body, now, err));
}

static enum rc outbox_claim_on(struct pgc *c, int64_t now, int64_t lease_until, struct arena *a,
                               struct webhook_delivery *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, now);
    pg_arg_int(&args, lease_until);
    PGresult *r = RUN(Q_OUTBOX_CLAIM, &args, "outbox claim");
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r) >= 1)
        *out = (struct webhook_delivery){.id = pg_int(r, 0, 0), .user_id = pg_int(r, 0, 1),
                                         .url = pg_text(r, 0, 2, a), .event = pg_text(r, 0, 3, a),
                                         .body = pg_text(r, 0, 4, a), .attempts = pg_int(r, 0, 5),
                                         .created_at = pg_int(r, 0, 6)};
    else
        rc = err_set(err, RC_NOT_FOUND, "no delivery due");
    PQclear(r);
    return rc;
}

enum rc pg_outbox_claim(struct store *st, int64_t now, int64_t lease_until, struct arena *a,
                        struct webhook_delivery *out, struct err *err)
{
    PG_OP(st, err, outbox_claim_on(c, now, lease_until, a, out, err));
}

static enum rc outbox_done_on(struct pgc *c, int64_t id, const char *state, int64_t attempts,
                              int64_t next_at, const char *error, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_text(&args, state);
    pg_arg_int(&args, attempts);
    pg_arg_int(&args, next_at);
    pg_arg_text(&args, error ? error : "");
    return EXEC(Q_OUTBOX_DONE, &args, NULL, "outbox done");
}

enum rc pg_outbox_done(struct store *st, int64_t id, const char *state, int64_t attempts,
                       int64_t next_at, const char *error, struct err *err)
{
    PG_OP(st, err, outbox_done_on(c, id, state, attempts, next_at, error, err));
}
