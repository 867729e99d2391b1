/* SQLite backend: what email verification stores. Lead ownership goes
 * through the lead's project, so another user's lead id is "not found"
 * exactly like one that does not exist. */
#include "store/store_sqlite_int.h"

enum vq { V_LEAD_OWNED, V_SET_VERIFIED, V_COUNT };

static const char *const vq_sql[V_COUNT] = {
    [V_LEAD_OWNED] = "SELECT l.id FROM leads l JOIN projects p ON p.id = l.project_id "
                     "WHERE l.id = ?1 AND p.user_id = ?2",
    [V_SET_VERIFIED] = "UPDATE leads SET verified = ?3 WHERE id = ?1 "
                       "AND project_id IN (SELECT id FROM projects WHERE user_id = ?2)",
};

_Static_assert((int)SQ_VERIFY_BASE + (int)V_COUNT <= (int)SQ_RECIPES_BASE, "verify statements overflow their slots");

#define V(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_VERIFY_BASE + (id_), vq_sql[id_], err);                     \
    if (!var_) return RC_DB

enum rc sq_leads_owned(struct store *st, int64_t user_id, const int64_t *ids, size_t count,
                       int64_t *missing, struct err *err)
{
    CONN(st, err);
    V(q, V_LEAD_OWNED);
    for (size_t i = 0; i < count; i++) {
        int64_t id;
        sqlite3_bind_int64(q, 1, ids[i]);
        sqlite3_bind_int64(q, 2, user_id);
        enum rc rc = sq_step_int(c, q, &id, err, "lead ownership");
        if (rc == RC_NOT_FOUND) {
            *missing = ids[i];
            return err_set(err, RC_NOT_FOUND, "Lead %lld is not one of your leads.",
                           (long long)ids[i]);
        }
        if (rc != RC_OK) return rc;
    }
    return RC_OK;
}

static enum rc set_verified_in_tx(struct conn *c, int64_t user_id, const int64_t *ids,
                                  const int *values, size_t count, struct err *err)
{
    V(q, V_SET_VERIFIED);
    for (size_t i = 0; i < count; i++) {
        if (values[i] == 0) continue; /* risky or unknown: left as it is */
        sqlite3_bind_int64(q, 1, ids[i]);
        sqlite3_bind_int64(q, 2, user_id);
        sqlite3_bind_int(q, 3, values[i] > 0 ? 1 : -1);
        enum rc rc = sq_exec(c, q, err, "set lead verified");
        if (rc != RC_OK) return rc;
    }
    return RC_OK;
}

enum rc sq_leads_set_verified(struct store *st, int64_t user_id, const int64_t *ids,
                              const int *values, size_t count, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, set_verified_in_tx(c, user_id, ids, values, count, err), err);
}
