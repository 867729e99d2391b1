/* SQLite backend: what the web dashboard keeps: users' password hashes, sign-in
 * sessions (by token hash, with their CSRF token and a pending OAuth state), key
 * rotation and the recent credit ledger. */
#include "store/store_sqlite_int.h"

#include <string.h>

enum wq {
    W_SET_PASSWORD,
    W_PASSWORD,
    W_SESSION_ADD,
    W_SESSION_GET,
    W_SESSION_DEL,
    W_SESSION_PURGE,
    W_STATE_SET,
    W_STATE_TAKE,
    W_KEYS_DROP,
    W_KEY_ADD,
    W_DAILY,
    W_COUNT
};

static const char *const wq_sql[W_COUNT] = {
    [W_SET_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE id = ?1",
    [W_PASSWORD] = "SELECT id, COALESCE(password_hash, '') FROM users WHERE email = ?1",
    [W_SESSION_ADD] = "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, "
                      "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [W_SESSION_GET] = "SELECT user_id, expires_at, csrf, oauth_state FROM web_sessions "
                      "WHERE token_hash = ?1 AND expires_at > ?2",
    [W_SESSION_DEL] = "DELETE FROM web_sessions WHERE token_hash = ?1",
    [W_SESSION_PURGE] = "DELETE FROM web_sessions WHERE expires_at <= ?1",
    [W_STATE_SET] = "UPDATE web_sessions SET oauth_state = ?2 WHERE token_hash = ?1",
    [W_STATE_TAKE] = "UPDATE web_sessions SET oauth_state = NULL "
                     "WHERE token_hash = ?1 AND oauth_state = ?2",
    [W_KEYS_DROP] = "DELETE FROM api_keys WHERE user_id = ?1 AND source = 0",
    [W_KEY_ADD] = "INSERT INTO api_keys (key_hash, user_id, source, checked_at, created_at) "
                  "VALUES (?1, ?2, 0, 0, ?3)",
    /* sends by claim day and stopped recipients by change day, merged per day; the join
     * scopes it to the owner; sends_campaign (campaign_id, claimed_at) and recipients_status
     * (campaign_id, status) serve the two halves */
    [W_DAILY] = "SELECT day, SUM(sent), SUM(bounced), SUM(failed), SUM(replied), "
                "SUM(unsubscribed) FROM (SELECT s.claimed_at / 86400 AS day, "
                "s.state = 'sent' AS sent, s.state = 'bounced' AS bounced, "
                "s.state = 'failed' AS failed, 0 AS replied, 0 AS unsubscribed FROM sends s "
                "JOIN campaigns c ON c.id = s.campaign_id "
                "WHERE s.campaign_id = ?1 AND c.user_id = ?2 AND s.claimed_at >= ?3 "
                "UNION ALL SELECT r.changed_at / 86400, 0, 0, 0, r.status = 'replied', "
                "r.status = 'unsubscribed' FROM recipients r "
                "JOIN campaigns c ON c.id = r.campaign_id "
                "WHERE r.campaign_id = ?1 AND c.user_id = ?2 "
                "AND r.status IN ('replied', 'unsubscribed') AND r.changed_at >= ?3) "
                "GROUP BY day ORDER BY day",
};

_Static_assert((int)SQ_WEB_BASE + (int)W_COUNT <= (int)SQ_SLOTS,
               "dashboard statements overflow their slots");

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_WEB_BASE + (id_), wq_sql[id_], err);                        \
    if (!var_) return RC_DB

enum rc sq_user_set_password(struct store *st, int64_t user_id, const char *hash,
                             struct err *err)
{
    CONN(st, err);
    Q(q, W_SET_PASSWORD);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, hash);
    enum rc rc = sq_exec(c, q, err, "password");
    if (rc == RC_OK && sqlite3_changes(sq_db(c)) == 0)
        rc = err_set(err, RC_NOT_FOUND, "no user %lld", (long long)user_id);
    return rc;
}

enum rc sq_user_password(struct store *st, const char *email, struct arena *a, int64_t *user_id,
                         char **hash, struct err *err)
{
    CONN(st, err);
    Q(q, W_PASSWORD);
    sq_bind_text(q, 1, email);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) {
        *user_id = sqlite3_column_int64(q, 0);
        *hash = (char *)sq_col_text(q, 1, a);
    } else if (r == SQLITE_DONE) {
        rc = err_set(err, RC_NOT_FOUND, "no user %s", email);
    } else {
        rc = sq_fail(c, err, "password");
    }
    sq_done(q);
    return rc;
}

enum rc sq_session_create(struct store *st, const char *token_hash, int64_t user_id,
                          const char *csrf, int64_t now, int64_t expires_at, struct err *err)
{
    CONN(st, err);
    Q(purge, W_SESSION_PURGE); /* expired sessions go as new ones come */
    sqlite3_bind_int64(purge, 1, now);
    enum rc rc = sq_exec(c, purge, err, "session purge");
    if (rc != RC_OK) return rc;
    Q(q, W_SESSION_ADD);
    sq_bind_text(q, 1, token_hash);
    sqlite3_bind_int64(q, 2, user_id);
    sq_bind_text(q, 3, csrf);
    sqlite3_bind_int64(q, 4, now);
    sqlite3_bind_int64(q, 5, expires_at);
    return sq_exec(c, q, err, "session");
}

enum rc sq_session_get(struct store *st, const char *token_hash, int64_t now, struct arena *a,
                       struct web_session *out, struct err *err)
{
    CONN(st, err);
    Q(q, W_SESSION_GET);
    sq_bind_text(q, 1, token_hash);
    sqlite3_bind_int64(q, 2, now);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW)
        *out = (struct web_session){
            .user_id = sqlite3_column_int64(q, 0),
            .expires_at = sqlite3_column_int64(q, 1),
            .csrf = sq_col_text(q, 2, a),
            .oauth_state = sqlite3_column_type(q, 3) == SQLITE_NULL ? NULL : sq_col_text(q, 3, a)};
    else if (r == SQLITE_DONE)
        rc = err_set(err, RC_NOT_FOUND, "no such session");
    else
        rc = sq_fail(c, err, "session");
    sq_done(q);
    return rc;
}

enum rc sq_session_delete(struct store *st, const char *token_hash, struct err *err)
{
    CONN(st, err);
    Q(q, W_SESSION_DEL);
    sq_bind_text(q, 1, token_hash);
    return sq_exec(c, q, err, "session delete");
}

enum rc sq_session_set_state(struct store *st, const char *token_hash, const char *state,
                             struct err *err)
{
    CONN(st, err);
    Q(q, W_STATE_SET);
    sq_bind_text(q, 1, token_hash);
    sq_bind_text(q, 2, state);
    return sq_exec(c, q, err, "oauth state");
}

enum rc sq_session_take_state(struct store *st, const char *token_hash, const char *state,
                              struct err *err)
{
    CONN(st, err);
    Q(q, W_STATE_TAKE);
    sq_bind_text(q, 1, token_hash);
    sq_bind_text(q, 2, state);
    enum rc rc = sq_exec(c, q, err, "oauth state");
    if (rc == RC_OK && sqlite3_changes(sq_db(c)) == 0)
        rc = err_set(err, RC_NOT_FOUND, "no such OAuth state");
    return rc;
}

static enum rc key_rotate_on(struct conn *c, int64_t user_id, const char *key_hash, int64_t now,
                             struct err *err)
{
    Q(drop, W_KEYS_DROP);
    sqlite3_bind_int64(drop, 1, user_id);
    enum rc rc = sq_exec(c, drop, err, "key rotation");
    if (rc != RC_OK) return rc;
    Q(add, W_KEY_ADD);
    sq_bind_text(add, 1, key_hash);
    sqlite3_bind_int64(add, 2, user_id);
    sqlite3_bind_int64(add, 3, now);
    return sq_exec(c, add, err, "key rotation");
}

enum rc sq_key_rotate(struct store *st, int64_t user_id, const char *key_hash, int64_t now,
                      struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc == RC_OK) rc = sq_end(c, key_rotate_on(c, user_id, key_hash, now, err), err);
    return rc;
}

enum rc sq_campaign_daily(struct store *st, int64_t user_id, int64_t campaign_id, int64_t since,
                          struct arena *a, struct campaign_day **out, size_t *count,
                          struct err *err)
{
    CONN(st, err);
    Q(q, W_DAILY);
    sqlite3_bind_int64(q, 1, campaign_id);
    sqlite3_bind_int64(q, 2, user_id);
    sqlite3_bind_int64(q, 3, since);
    size_t n = 0, cap = 0;
    struct campaign_day *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct campaign_day){.day = sqlite3_column_int64(q, 0),
                                          .sent = sqlite3_column_int64(q, 1),
                                          .bounced = sqlite3_column_int64(q, 2),
                                          .failed = sqlite3_column_int64(q, 3),
                                          .replied = sqlite3_column_int64(q, 4),
                                          .unsubscribed = sqlite3_column_int64(q, 5)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "campaign daily");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}
