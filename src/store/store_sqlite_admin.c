/* SQLite backend: what the operator CLI reads and changes about users, their
 * API keys (never the key itself: an id made of its hash's first digits) and
 * the credit ledger. */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <string.h>

enum aq { A_USERS, A_KEYS, A_KEY_MATCHES, A_KEY_DELETE, A_KEY_USED, A_LEDGER, A_COUNT };

_Static_assert((int)SQ_ADMIN_BASE + (int)A_COUNT <= (int)SQ_PRIVACY_BASE,
               "operator statements overflow their slots");

static const char *const aq_sql[A_COUNT] = {
    [A_USERS] = "SELECT u.id, u.email, u.credits, u.created_at, "
                "(SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id) "
                "FROM users u ORDER BY u.id",
    [A_KEYS] = "SELECT key_hash, source, created_at, last_used_at FROM api_keys "
               "WHERE user_id = ?1 ORDER BY created_at, key_hash",
    /* ?2 is a whole hash or the first digits of one */
    [A_KEY_MATCHES] = "SELECT COUNT(*) FROM api_keys WHERE user_id = ?1 "
                      "AND substr(key_hash, 1, length(?2)) = ?2",
    [A_KEY_DELETE] = "DELETE FROM api_keys WHERE user_id = ?1 "
                     "AND substr(key_hash, 1, length(?2)) = ?2",
    [A_KEY_USED] = "UPDATE api_keys SET last_used_at = ?2 WHERE key_hash = ?1",
    [A_LEDGER] = "SELECT id, endpoint, amount, reserved, state, request_id, created_at "
                 "FROM credit_ledger WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
};

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_ADMIN_BASE + (id_), aq_sql[id_], err);                      \
    if (!var_) return RC_DB

enum rc sq_user_list(struct store *st, struct arena *a, struct user_summary **out, size_t *count,
                     struct err *err)
{
    CONN(st, err);
    Q(q, A_USERS);
    size_t n = 0, cap = 0;
    struct user_summary *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct user_summary){.id = sqlite3_column_int64(q, 0),
                                          .email = sq_col_text(q, 1, a),
                                          .credits = sqlite3_column_int64(q, 2),
                                          .created_at = sqlite3_column_int64(q, 3),
                                          .keys = sqlite3_column_int64(q, 4)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "user list");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_key_list(struct store *st, int64_t user_id, struct arena *a, struct key_info **out,
                    size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, A_KEYS);
    sqlite3_bind_int64(q, 1, user_id);
    size_t n = 0, cap = 0;
    struct key_info *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        struct key_info *k = &list[n++];
        snprintf(k->id, sizeof k->id, "%s", (const char *)sqlite3_column_text(q, 0));
        k->source = sqlite3_column_int(q, 1) ? KEY_EXTERNAL : KEY_LOCAL;
        k->created_at = sqlite3_column_int64(q, 2);
        k->last_used_at = sqlite3_column_int64(q, 3);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "key list");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

static enum rc revoke(struct conn *c, int64_t user_id, const char *hash_or_id, struct err *err)
{
    Q(count, A_KEY_MATCHES);
    sqlite3_bind_int64(count, 1, user_id);
    sq_bind_text(count, 2, hash_or_id);
    int64_t matches = 0;
    enum rc rc = sq_step_int(c, count, &matches, err, "key match");
    if (rc != RC_OK) return rc;
    if (matches == 0) return err_set(err, RC_NOT_FOUND, "no such key");
    if (matches > 1)
        return err_set(err, RC_CONFLICT, "%lld keys start with %s; give more digits",
                       (long long)matches, hash_or_id);
    Q(del, A_KEY_DELETE);
    sqlite3_bind_int64(del, 1, user_id);
    sq_bind_text(del, 2, hash_or_id);
    return sq_exec(c, del, err, "key revoke");
}

enum rc sq_key_revoke(struct store *st, int64_t user_id, const char *hash_or_id, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, revoke(c, user_id, hash_or_id, err), err);
}

enum rc sq_key_used(struct store *st, const char *key_hash, int64_t now, struct err *err)
{
    CONN(st, err);
    Q(q, A_KEY_USED);
    sq_bind_text(q, 1, key_hash);
    sqlite3_bind_int64(q, 2, now);
    return sq_exec(c, q, err, "key used");
}

enum rc sq_ledger_recent(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                         struct ledger_entry **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, A_LEDGER);
    sqlite3_bind_int64(q, 1, user_id);
    sqlite3_bind_int64(q, 2, limit);
    size_t n = 0, cap = 0;
    struct ledger_entry *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct ledger_entry){.id = sqlite3_column_int64(q, 0),
                                          .endpoint = sq_col_text(q, 1, a),
                                          .amount = sqlite3_column_int64(q, 2),
                                          .reserved = sqlite3_column_int64(q, 3),
                                          .state = sq_col_text(q, 4, a),
                                          .request_id = sq_col_text(q, 5, a),
                                          .created_at = sqlite3_column_int64(q, 6)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "ledger");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}
