/* PostgreSQL backend: what the web dashboard keeps: users' password hashes,
 * sign-in sessions (by token hash, with their CSRF token and a pending OAuth
 * state), key rotation and the recent credit ledger. */
#include "store/store_pg_int.h"

enum webq {
    Q_SET_PASSWORD,
    Q_PASSWORD,
    Q_SESSION_ADD,
    Q_SESSION_GET,
    Q_SESSION_DEL,
    Q_SESSION_PURGE,
    Q_STATE_SET,
    Q_STATE_TAKE,
    Q_KEYS_DROP,
    Q_KEY_ADD,
    Q_DAILY,
    Q_COUNT
};

/* the last slot is the ping's (store_pg.c) */
_Static_assert(PG_WEB_BASE + Q_COUNT < PG_SLOTS - 1, "dashboard statements overflow their slots");

static const char *const sql[Q_COUNT] = {
    [Q_SET_PASSWORD] = "UPDATE users SET password_hash = $2 WHERE id = $1::bigint",
    [Q_PASSWORD] = "SELECT id, COALESCE(password_hash, '') FROM users WHERE email = $1",
    [Q_SESSION_ADD] = "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, "
                      "expires_at) VALUES ($1, $2::bigint, $3, $4::bigint, $5::bigint)",
    [Q_SESSION_GET] = "SELECT user_id, expires_at, csrf, oauth_state FROM web_sessions "
                      "WHERE token_hash = $1 AND expires_at > $2::bigint",
    [Q_SESSION_DEL] = "DELETE FROM web_sessions WHERE token_hash = $1",
    [Q_SESSION_PURGE] = "DELETE FROM web_sessions WHERE expires_at <= $1::bigint",
    [Q_STATE_SET] = "UPDATE web_sessions SET oauth_state = $2 WHERE token_hash = $1",
    [Q_STATE_TAKE] = "UPDATE web_sessions SET oauth_state = NULL "
                     "WHERE token_hash = $1 AND oauth_state = $2",
    [Q_KEYS_DROP] = "DELETE FROM api_keys WHERE user_id = $1::bigint AND source = 0",
    [Q_KEY_ADD] = "INSERT INTO api_keys (key_hash, user_id, source, checked_at, created_at) "
                  "VALUES ($1, $2::bigint, 0, 0, $3::bigint)",
    /* the join scopes it to the owner; sends_campaign (campaign_id, claimed_at) serves it */
    /* sends by claim day and stopped recipients by change day, merged per day */
    [Q_DAILY] = "SELECT day, COUNT(*) FILTER (WHERE what = 'sent'), "
                "COUNT(*) FILTER (WHERE what = 'bounced'), "
                "COUNT(*) FILTER (WHERE what = 'failed'), "
                "COUNT(*) FILTER (WHERE what = 'replied'), "
                "COUNT(*) FILTER (WHERE what = 'unsubscribed') "
                "FROM (SELECT s.claimed_at / 86400 AS day, s.state AS what FROM sends s "
                "JOIN campaigns c ON c.id = s.campaign_id "
                "WHERE s.campaign_id = $1::bigint AND c.user_id = $2::bigint "
                "AND s.claimed_at >= $3::bigint "
                "UNION ALL SELECT r.changed_at / 86400, r.status FROM recipients r "
                "JOIN campaigns c ON c.id = r.campaign_id "
                "WHERE r.campaign_id = $1::bigint AND c.user_id = $2::bigint "
                "AND r.status IN ('replied', 'unsubscribed') AND r.changed_at >= $3::bigint) d "
                "GROUP BY 1 ORDER BY 1",
};

#define RUN(id_, args_, what_) pg_run(c, PG_WEB_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, changed_, what_)                                                          \
    pg_exec(c, PG_WEB_BASE + (id_), sql[id_], (args_), (changed_), err, (what_))

static enum rc set_password_on(struct pgc *c, int64_t user_id, const char *hash, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, hash);
    int64_t changed = 0;
    enum rc rc = EXEC(Q_SET_PASSWORD, &args, &changed, "password");
    if (rc == RC_OK && changed == 0)
        rc = err_set(err, RC_NOT_FOUND, "no user %lld", (long long)user_id);
    return rc;
}

enum rc pg_user_set_password(struct store *st, int64_t user_id, const char *hash,
                             struct err *err)
{
    PG_OP(st, err, set_password_on(c, user_id, hash, err));
}

static enum rc password_on(struct pgc *c, const char *email, struct arena *a, int64_t *user_id,
                           char **hash, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, email);
    PGresult *r = RUN(Q_PASSWORD, &args, "password");
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r) == 1) {
        *user_id = pg_int(r, 0, 0);
        *hash = (char *)pg_text(r, 0, 1, a);
    } else {
        rc = err_set(err, RC_NOT_FOUND, "no user %s", email);
    }
    PQclear(r);
    return rc;
}

enum rc pg_user_password(struct store *st, const char *email, struct arena *a, int64_t *user_id,
                         char **hash, struct err *err)
{
    PG_OP(st, err, password_on(c, email, a, user_id, hash, err));
}

static enum rc session_create_on(struct pgc *c, const char *token_hash, int64_t user_id,
                                 const char *csrf, int64_t now, int64_t expires_at,
                                 struct err *err)
{
    struct pg_args purge = {0}; /* expired sessions go as new ones come */
    pg_arg_int(&purge, now);
    enum rc rc = EXEC(Q_SESSION_PURGE, &purge, NULL, "session purge");
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_text(&args, token_hash);
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, csrf);
    pg_arg_int(&args, now);
    pg_arg_int(&args, expires_at);
    return EXEC(Q_SESSION_ADD, &args, NULL, "session");
}

enum rc pg_session_create(struct store *st, const char *token_hash, int64_t user_id,
                          const char *csrf, int64_t now, int64_t expires_at, struct err *err)
{
    PG_OP(st, err, session_create_on(c, token_hash, user_id, csrf, now, expires_at, err));
}

static enum rc session_get_on(struct pgc *c, const char *token_hash, int64_t now,
                              struct arena *a, struct web_session *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, token_hash);
    pg_arg_int(&args, now);
    PGresult *r = RUN(Q_SESSION_GET, &args, "session");
    if (!r) return RC_DB;
    enum rc rc = RC_OK;
    if (PQntuples(r) == 1)
        *out = (struct web_session){.user_id = pg_int(r, 0, 0),
                                    .expires_at = pg_int(r, 0, 1),
                                    .csrf = pg_text(r, 0, 2, a),
                                    .oauth_state = pg_null(r, 0, 3) ? NULL : pg_text(r, 0, 3, a)};
    else
        rc = err_set(err, RC_NOT_FOUND, "no such session");
    PQclear(r);
    return rc;
}

enum rc pg_session_get(struct store *st, const char *token_hash, int64_t now, struct arena *a,
                       struct web_session *out, struct err *err)
{
    PG_OP(st, err, session_get_on(c, token_hash, now, a, out, err));
}

static enum rc session_delete_on(struct pgc *c, const char *token_hash, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, token_hash);
    return EXEC(Q_SESSION_DEL, &args, NULL, "session delete");
}

enum rc pg_session_delete(struct store *st, const char *token_hash, struct err *err)
{
    PG_OP(st, err, session_delete_on(c, token_hash, err));
}

static enum rc state_on(struct pgc *c, int q, const char *token_hash, const char *state,
                        struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, token_hash);
    pg_arg_text(&args, state);
    int64_t changed = 0;
    enum rc rc = EXEC(q, &args, &changed, "oauth state");
    if (rc == RC_OK && q == Q_STATE_TAKE && changed == 0)
        rc = err_set(err, RC_NOT_FOUND, "no such OAuth state");
    return rc;
}

enum rc pg_session_set_state(struct store *st, const char *token_hash, const char *state,
                             struct err *err)
{
    PG_OP(st, err, state_on(c, Q_STATE_SET, token_hash, state, err));
}

enum rc pg_session_take_state(struct store *st, const char *token_hash, const char *state,
                              struct err *err)
{
    PG_OP(st, err, state_on(c, Q_STATE_TAKE, token_hash, state, err));
}

static enum rc key_rotate_on(struct pgc *c, int64_t user_id, const char *key_hash, int64_t now,
                             struct err *err)
{
    struct pg_args drop = {0};
    pg_arg_int(&drop, user_id);
    enum rc rc = EXEC(Q_KEYS_DROP, &drop, NULL, "key rotation");
    if (rc != RC_OK) return rc;
    struct pg_args add = {0};
    pg_arg_text(&add, key_hash);
    pg_arg_int(&add, user_id);
    pg_arg_int(&add, now);
    return EXEC(Q_KEY_ADD, &add, NULL, "key rotation");
}

enum rc pg_key_rotate(struct store *st, int64_t user_id, const char *key_hash, int64_t now,
                      struct err *err)
{
    PG_TX(st, err, key_rotate_on(c, user_id, key_hash, now, err));
}

static enum rc daily_on(struct pgc *c, int64_t user_id, int64_t campaign_id, int64_t since,
                        struct arena *a, struct campaign_day **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, campaign_id);
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, since);
    *out = NULL;
    *count = 0;
    PGresult *r = RUN(Q_DAILY, &args, "campaign daily");
    if (!r) return RC_DB;
    size_t n = 0, cap = 0;
    struct campaign_day *list = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        list = pg_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct campaign_day){.day = pg_int(r, i, 0),
                                          .sent = pg_int(r, i, 1),
                                          .bounced = pg_int(r, i, 2),
                                          .failed = pg_int(r, i, 3),
                                          .replied = pg_int(r, i, 4),
                                          .unsubscribed = pg_int(r, i, 5)};
    }
    PQclear(r);
    *out = list;
    *count = n;
    return RC_OK;
}

enum rc pg_campaign_daily(struct store *st, int64_t user_id, int64_t campaign_id, int64_t since,
                          struct arena *a, struct campaign_day **out, size_t *count,
                          struct err *err)
{
    PG_OP(st, err, daily_on(c, user_id, campaign_id, since, a, out, count, err));
}
