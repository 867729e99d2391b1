/* PostgreSQL backend: what the operator CLI reads and changes about users,
 * their API keys (never the key itself: an id made of its hash's first
 * digits) and the credit ledger. */
#include "store/store_pg_int.h"

#include <stdio.h>
#include <string.h>

enum adminq { Q_USERS, Q_KEYS, Q_KEY_MATCHES, Q_KEY_DELETE, Q_KEY_USED, Q_LEDGER, Q_COUNT };

/* the last slot is the ping's (store_pg.c) */
_Static_assert(PG_ADMIN_BASE + Q_COUNT <= PG_PRIVACY_BASE, "operator statements overflow their slots");

static const char *const sql[Q_COUNT] = {
    [Q_USERS] = "SELECT u.id, u.email, u.credits, u.created_at, "
                "(SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id) "
                "FROM users u ORDER BY u.id",
    [Q_KEYS] = "SELECT key_hash, source, created_at, last_used_at FROM api_keys "
               "WHERE user_id = $1 ORDER BY created_at, key_hash",
    /* $2 is a whole hash or the first digits of one */
    [Q_KEY_MATCHES] = "SELECT COUNT(*) FROM api_keys WHERE user_id = $1 "
                      "AND substr(key_hash, 1, length($2)) = $2",
    [Q_KEY_DELETE] = "DELETE FROM api_keys WHERE user_id = $1 "
                     "AND substr(key_hash, 1, length($2)) = $2",
    [Q_KEY_USED] = "UPDATE api_keys SET last_used_at = $2 WHERE key_hash = $1",
    [Q_LEDGER] = "SELECT id, endpoint, amount, reserved, state, request_id, created_at "
                 "FROM credit_ledger WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
};

#define RUN(id_, args_, what_) pg_run(c, PG_ADMIN_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, what_)                                                                    \
    pg_exec(c, PG_ADMIN_BASE + (id_), sql[id_], (args_), NULL, err, (what_))
#define ONE(id_, args_, out_, what_)                                                               \
    pg_one_int(c, PG_ADMIN_BASE + (id_), sql[id_], (args_), (out_), err, (what_))

static void user_summary_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct user_summary *it = item;
    *it = (struct user_summary){.id = pg_int(r, i, 0),
                                .email = pg_text(r, i, 1, a),
                                .credits = pg_int(r, i, 2),
                                .created_at = pg_int(r, i, 3),
                                .keys = pg_int(r, i, 4)};
}

static enum rc user_list_on(struct pgc *c, struct arena *a, struct user_summary **out,
                            size_t *count, struct err *err)
{
    PGresult *r = RUN(Q_USERS, NULL, "user list");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, user_summary_item, count);
    return RC_OK;
}

enum rc pg_user_list(struct store *st, struct arena *a, struct user_summary **out, size_t *count,
                     struct err *err)
{
    PG_OP(st, err, user_list_on(c, a, out, count, err));
}

static void key_info_item(const PGresult *r, int i, struct arena *a, void *item)
{
    (void)a;
    struct key_info *it = item;
    snprintf(it->id, sizeof it->id, "%s", PQgetvalue(r, i, 0));
    it->source = pg_int(r, i, 1) ? KEY_EXTERNAL : KEY_LOCAL;
    it->created_at = pg_int(r, i, 2);
    it->last_used_at = pg_int(r, i, 3);
}

static enum rc key_list_on(struct pgc *c, int64_t user_id, struct arena *a,
                           struct key_info **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_KEYS, &args, "key list");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, key_info_item, count);
    return RC_OK;
}

enum rc pg_key_list(struct store *st, int64_t user_id, struct arena *a, struct key_info **out,
                    size_t *count, struct err *err)
{
    PG_OP(st, err, key_list_on(c, user_id, a, out, count, err));
}

static enum rc key_revoke_on(struct pgc *c, int64_t user_id, const char *hash_or_id,
                             struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, hash_or_id);
    int64_t matches = 0;
    enum rc rc = ONE(Q_KEY_MATCHES, &args, &matches, "key match");
    if (rc != RC_OK) return rc;
    if (matches == 0) return err_set(err, RC_NOT_FOUND, "no such key");
    if (matches > 1)
        return err_set(err, RC_CONFLICT, "%lld keys start with %s; give more digits",
                       (long long)matches, hash_or_id);
    return EXEC(Q_KEY_DELETE, &args, "key revoke");
}

enum rc pg_key_revoke(struct store *st, int64_t user_id, const char *hash_or_id, struct err *err)
{
    PG_TX(st, err, key_revoke_on(c, user_id, hash_or_id, err));
}

static enum rc key_used_on(struct pgc *c, const char *key_hash, int64_t now, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, key_hash);
    pg_arg_int(&args, now);
    return EXEC(Q_KEY_USED, &args, "key used");
}

enum rc pg_key_used(struct store *st, const char *key_hash, int64_t now, struct err *err)
{
    PG_OP(st, err, key_used_on(c, key_hash, now, err));
}

static void ledger_entry_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct ledger_entry *it = item;
    *it = (struct ledger_entry){.id = pg_int(r, i, 0),
                                .endpoint = pg_text(r, i, 1, a),
                                .amount = pg_int(r, i, 2),
                                .reserved = pg_int(r, i, 3),
                                .state = pg_text(r, i, 4, a),
                                .request_id = pg_text(r, i, 5, a),
                                .created_at = pg_int(r, i, 6)};
}

static enum rc ledger_on(struct pgc *c, int64_t user_id, int64_t limit, struct arena *a,
                         struct ledger_entry **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, limit);
    PGresult *r = RUN(Q_LEDGER, &args, "ledger");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, ledger_entry_item, count);
    return RC_OK;
}

enum rc pg_ledger_recent(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                         struct ledger_entry **out, size_t *count, struct err *err)
{
    PG_OP(st, err, ledger_on(c, user_id, limit, a, out, count, err));
}
