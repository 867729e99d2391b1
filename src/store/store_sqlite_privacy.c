/* SQLite backend: the suppression list, keyset pages of leads for exports,
 * and data-subject requests (every record holding an address; its erasure,
 * after which secure_delete has zeroed the freed bytes and a truncating WAL
 * checkpoint leaves no old page copies in the -wal file). */
#include "store/store_int.h"
#include "store/store_sqlite_int.h"

#include <string.h>

enum privacyq {
    Q_LEADS_AFTER,
    Q_SUPP_LIST,
    Q_SUPP_ADD,
    Q_SUPP_REMOVE,
    Q_ERASED,
    Q_REC_LEADS,
    Q_REC_RECIPIENTS,
    Q_REC_SENDS,
    Q_REC_SUPPRESSIONS,
    Q_REC_CACHE,
    Q_REC_ADS,
    Q_REC_SIGHTINGS,
    Q_REC_DELIVERIES,
    Q_REC_JOBS,
    Q_DEL_SENDS,
    Q_DEL_RECIPIENTS,
    Q_UNCOUNT_LEADS,
    Q_DEL_LEADS,
    Q_DEL_SUPPRESSIONS,
    Q_DEL_CACHE,
    Q_CLEAR_ADS,
    Q_DEL_SIGHTINGS,
    Q_DEL_DELIVERIES,
    Q_DEL_JOBS,
    Q_TOMBSTONE,
    Q_COUNT
};

_Static_assert(SQ_PRIVACY_BASE + Q_COUNT <= SQ_WEB_BASE, "privacy statements overflow their slots");

/* ?1 the lower-cased address, ?2 a LIKE pattern mentioning it anywhere */
#define RECIPIENT_OF                                                                               \
    "(lower(r.email) = ?1 OR r.lead_id IN (SELECT id FROM leads WHERE email_key = ?1))"
#define MENTIONS(col_) col_ " LIKE ?2 ESCAPE '\\'"

static const char *const sql[Q_COUNT] = {
    [Q_LEADS_AFTER] = "SELECT " SQ_LEAD_COLUMNS " FROM leads WHERE project_id = ?1 AND id > ?3 "
                      "AND EXISTS (SELECT 1 FROM projects WHERE id = ?1 AND user_id = ?2) "
                      "ORDER BY id LIMIT ?4",
    [Q_SUPP_LIST] = "SELECT value, reason, created_at FROM suppressions WHERE user_id = ?1 "
                    "ORDER BY created_at DESC, value",
    [Q_SUPP_ADD] = "INSERT INTO suppressions (user_id, value, reason, created_at) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, value) DO NOTHING",
    [Q_SUPP_REMOVE] = "DELETE FROM suppressions WHERE user_id = ?1 AND value = ?2",
    [Q_ERASED] = "SELECT EXISTS (SELECT 1 FROM erasures WHERE hash = ?1)",
    [Q_REC_LEADS] = "SELECT 'lead', p.user_id, json_object('id', l.id, 'project_id', l.project_id, "
                    "'email', l.email, 'firstname', l.firstname, 'lastname', l.lastname, "
                    "'company', l.company, 'website', l.website, 'phones', l.phones, "
                    "'description', l.description, 'verified', l.verified, 'source', l.source, "
                    "'created_at', l.created_at) FROM leads l "
                    "JOIN projects p ON p.id = l.project_id WHERE l.email_key = ?1 ORDER BY l.id",
    [Q_REC_RECIPIENTS] = "SELECT 'recipient', c.user_id, json_object('id', r.id, 'campaign_id', "
                         "r.campaign_id, 'lead_id', r.lead_id, 'email', r.email, 'status', "
                         "r.status, 'current_step', r.current_step, 'last_sent_at', "
                         "r.last_sent_at, 'changed_at', r.changed_at, 'reason', r.reason) "
                         "FROM recipients r "
                         "JOIN campaigns c ON c.id = r.campaign_id WHERE " RECIPIENT_OF
                         " ORDER BY r.id",
    [Q_REC_SENDS] = "SELECT 'send', c.user_id, json_object('id', s.id, 'campaign_id', "
                    "s.campaign_id, 'recipient_id', s.recipient_id, 'step', s.step, "
                    "'message_id', s.message_id, 'state', s.state, 'smtp_code', s.smtp_code, "
                    "'reason', s.reason, 'claimed_at', s.claimed_at, 'finished_at', "
                    "s.finished_at) FROM sends s JOIN recipients r ON r.id = s.recipient_id "
                    "JOIN campaigns c ON c.id = r.campaign_id WHERE " RECIPIENT_OF " ORDER BY s.id",
    [Q_REC_SUPPRESSIONS] = "SELECT 'suppression', user_id, json_object('value', value, 'reason', "
                           "reason, 'created_at', created_at) FROM suppressions WHERE value = ?1 "
                           "ORDER BY user_id",
    [Q_REC_CACHE] = "SELECT 'cache', 0, json_object('endpoint', endpoint, 'key', "
                    "replace(key, char(31), ' '), 'body', body, 'expires_at', expires_at) "
                    "FROM cache WHERE " MENTIONS("key") " OR " MENTIONS("body") " ORDER BY key",
    [Q_REC_ADS] = "SELECT 'ad', 0, json_object('id', id, 'url', url, 'contact_data', "
                  "contact_data) FROM ads WHERE " MENTIONS("contact_data") " ORDER BY id",
    [Q_REC_SIGHTINGS] = "SELECT 'sighting', 0, json_object('email', email, 'source', source, "
                        "'first_seen', first_seen, 'last_seen', last_seen, 'person', person) "
                        "FROM email_sightings "
                        "WHERE email = ?1 ORDER BY source",
    [Q_REC_DELIVERIES] = "SELECT 'webhook_delivery', user_id, json_object('id', id, 'url', url, "
                         "'event', event, 'body', body, 'state', state) FROM webhook_outbox "
                         "WHERE " MENTIONS("body") " ORDER BY id",
    [Q_REC_JOBS] = "SELECT 'async_job', user_id, json_object('id', id, 'endpoint', endpoint, "
                   "'args', args, 'status', status, 'result', result) FROM async_jobs "
                   "WHERE " MENTIONS("args") " OR " MENTIONS("result") " ORDER BY created_at",
    [Q_DEL_SENDS] = "DELETE FROM sends WHERE recipient_id IN (SELECT r.id FROM recipients r "
                    "WHERE " RECIPIENT_OF ")",
    [Q_DEL_RECIPIENTS] = "DELETE FROM recipients AS r WHERE " RECIPIENT_OF,
    [Q_UNCOUNT_LEADS] = "UPDATE projects SET leads_count = leads_count - (SELECT COUNT(*) FROM "
                        "leads l WHERE l.project_id = projects.id AND l.email_key = ?1) "
                        "WHERE id IN (SELECT project_id FROM leads WHERE email_key = ?1)",
    [Q_DEL_LEADS] = "DELETE FROM leads WHERE email_key = ?1",
    [Q_DEL_SUPPRESSIONS] = "DELETE FROM suppressions WHERE value = ?1",
    [Q_DEL_CACHE] = "DELETE FROM cache WHERE " MENTIONS("key") " OR " MENTIONS("body"),
    /* contact data is found again on the next enrichment, where the tombstone filters it */
    [Q_CLEAR_ADS] = "UPDATE ads SET contact_data = NULL, contact_checked_at = 0 "
                    "WHERE " MENTIONS("contact_data"),
    [Q_DEL_SIGHTINGS] = "DELETE FROM email_sightings WHERE email = ?1",
    [Q_DEL_DELIVERIES] = "DELETE FROM webhook_outbox WHERE " MENTIONS("body"),
    [Q_DEL_JOBS] = "DELETE FROM async_jobs WHERE " MENTIONS("args") " OR " MENTIONS("result"),
    [Q_TOMBSTONE] = "INSERT INTO erasures (hash, created_at) VALUES (?3, ?4) "
                    "ON CONFLICT (hash) DO NOTHING",
};

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_PRIVACY_BASE + (int)(id_), sql[id_], err);                 \
    if (!var_) return RC_DB

/* ---- leads for exports ------------------------------------------------------ */

enum rc sq_leads_after(struct store *st, int64_t user_id, int64_t project_id, int64_t after_id,
                       int64_t limit, struct arena *a, struct lead **out, size_t *count,
                       struct err *err)
{
    CONN(st, err);
    Q(q, Q_LEADS_AFTER);
    sqlite3_bind_int64(q, 1, project_id);
    sqlite3_bind_int64(q, 2, user_id);
    sqlite3_bind_int64(q, 3, after_id);
    sqlite3_bind_int64(q, 4, limit);
    struct lead *list = arena_alloc(a, (size_t)(limit > 0 ? limit : 1) * sizeof *list);
    size_t n = 0;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) sq_lead_from_row(q, a, &list[n++]);
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "leads page");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

/* ---- the suppression list --------------------------------------------------- */

enum rc sq_suppression_list(struct store *st, int64_t user_id, struct arena *a,
                            struct suppression **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_SUPP_LIST);
    sqlite3_bind_int64(q, 1, user_id);
    struct suppression *list = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct suppression){.value = sq_col_text(q, 0, a),
                                         .reason = sq_col_text(q, 1, a),
                                         .created_at = sqlite3_column_int64(q, 2)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "suppression list");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

/* Runs statement id once per value (?1 user, ?2 value, ?3 reason, ?4 now); *changed counts rows. */
static enum rc each_value(struct conn *c, enum privacyq id, int64_t user_id,
                          const char *const *values, size_t count, const char *reason,
                          int64_t now, int64_t *changed, struct err *err)
{
    Q(q, id);
    *changed = 0;
    for (size_t i = 0; i < count; i++) {
        sqlite3_bind_int64(q, 1, user_id);
        sq_bind_text(q, 2, values[i]);
        if (reason) {
            sq_bind_text(q, 3, reason);
            sqlite3_bind_int64(q, 4, now);
        }
        enum rc rc = sq_exec(c, q, err, "suppression list");
        if (rc != RC_OK) return rc;
        *changed += sqlite3_changes(sq_db(c));
    }
    return RC_OK;
}

enum rc sq_suppression_add(struct store *st, int64_t user_id, const char *const *values,
                           size_t count, const char *reason, int64_t now, int64_t *added,
                           struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc == RC_OK)
        rc = each_value(c, Q_SUPP_ADD, user_id, values, count, reason, now, added, err);
    return sq_end(c, rc, err);
}

enum rc sq_suppression_remove(struct store *st, int64_t user_id, const char *const *values,
                              size_t count, int64_t *removed, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc == RC_OK)
        rc = each_value(c, Q_SUPP_REMOVE, user_id, values, count, NULL, 0, removed, err);
    return sq_end(c, rc, err);
}

/* ---- data-subject requests ------------------------------------------------ */

enum rc sq_erased_check(struct store *st, const char *const *tombstones, size_t count,
                        bool *erased, struct err *err)
{
    CONN(st, err);
    Q(q, Q_ERASED);
    for (size_t i = 0; i < count; i++) {
        int64_t found = 0;
        sq_bind_text(q, 1, tombstones[i]);
        enum rc rc = sq_step_int(c, q, &found, err, "erasure check");
        if (rc != RC_OK) return rc;
        erased[i] = found != 0;
    }
    return RC_OK;
}

static void bind_address(sqlite3_stmt *q, const char *address, const char *pattern)
{
    sq_bind_text(q, 1, address);
    if (sqlite3_bind_parameter_count(q) >= 2) sq_bind_text(q, 2, pattern);
}

enum rc sq_subject_records(struct store *st, const char *address, struct arena *a,
                           struct subject_record **out, size_t *count, struct err *err)
{
    static const enum privacyq queries[] = {Q_REC_LEADS, Q_REC_RECIPIENTS, Q_REC_SENDS,
                                            Q_REC_SUPPRESSIONS, Q_REC_CACHE, Q_REC_ADS,
                                            Q_REC_SIGHTINGS, Q_REC_DELIVERIES, Q_REC_JOBS};
    CONN(st, err);
    const char *pattern = store_like_contains(a, address);
    struct subject_record *list = NULL;
    size_t n = 0, cap = 0;
    enum rc rc = RC_OK;
    for (size_t k = 0; rc == RC_OK && k < sizeof queries / sizeof queries[0]; k++) {
        Q(q, queries[k]);
        bind_address(q, address, pattern);
        int r;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            list = sq_grow(a, list, n, &cap, sizeof *list);
            list[n++] = (struct subject_record){.kind = sq_col_text(q, 0, a),
                                                .user_id = sqlite3_column_int64(q, 1),
                                                .json = sq_col_text(q, 2, a)};
        }
        if (r != SQLITE_DONE) rc = sq_fail(c, err, "subject records");
        sq_done(q);
    }
    *out = list;
    *count = n;
    return rc;
}

/* One step of an erasure; *changed (may be NULL) gets the rows it touched. */
static enum rc erase_step(struct conn *c, enum privacyq id, const char *address,
                          const char *pattern, const char *tombstone, int64_t now,
                          int64_t *changed, struct err *err)
{
    Q(q, id);
    bind_address(q, address, pattern);
    if (id == Q_TOMBSTONE) {
        sq_bind_text(q, 3, tombstone);
        sqlite3_bind_int64(q, 4, now);
    }
    enum rc rc = sq_exec(c, q, err, "erasure");
    if (rc == RC_OK && changed) *changed = sqlite3_changes(sq_db(c));
    return rc;
}

static enum rc erase_all(struct conn *c, const char *address, const char *pattern,
                         const char *tombstone, int64_t now, struct subject_erased *out,
                         struct err *err)
{
    const struct {
        enum privacyq id;
        int64_t *changed;
    } steps[] = {
        {Q_DEL_SENDS, &out->sends},       {Q_DEL_RECIPIENTS, &out->recipients},
        {Q_UNCOUNT_LEADS, NULL},          {Q_DEL_LEADS, &out->leads},
        {Q_DEL_SUPPRESSIONS, &out->suppressions}, {Q_DEL_CACHE, &out->cached},
        {Q_CLEAR_ADS, &out->ads},         {Q_DEL_SIGHTINGS, &out->sightings},
        {Q_DEL_DELIVERIES, &out->deliveries}, {Q_DEL_JOBS, &out->jobs},
        {Q_TOMBSTONE, NULL},
    };
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < sizeof steps / sizeof steps[0]; i++)
        rc = erase_step(c, steps[i].id, address, pattern, tombstone, now, steps[i].changed, err);
    return rc;
}

enum rc sq_subject_erase(struct store *st, const char *address, const char *tombstone,
                         int64_t now, struct subject_erased *out, struct err *err)
{
    CONN(st, err);
    memset(out, 0, sizeof *out);
    struct arena a;
    arena_init(&a);
    const char *pattern = store_like_contains(&a, address);
    enum rc rc = sq_begin(c, err);
    if (rc == RC_OK) rc = erase_all(c, address, pattern, tombstone, now, out, err);
    rc = sq_end(c, rc, err);
    arena_cleanup(&a);
    if (rc != RC_OK) return rc;
    /* the deleted rows' old page images live on in the WAL until it is
     * checkpointed; TRUNCATE also empties the file */
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(sq_db(c), NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) !=
        SQLITE_OK)
        return err_set(err, RC_DB, "erased, but the WAL checkpoint did not complete (%s): "
                                   "run the erasure again when the server is idle",
                       sqlite3_errmsg(sq_db(c)));
    return RC_OK;
}
