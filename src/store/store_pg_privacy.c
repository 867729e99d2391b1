/* PostgreSQL backend: the suppression list, keyset pages of leads for exports,
 * and data-subject requests. After an erasure the touched tables are
 * VACUUMed, which makes the dead rows' space reusable but does not overwrite
 * it, nor reach WAL segments, replicas or backups (docs/PRIVACY.md). */
#include "store/store_int.h"
#include "store/store_pg_int.h"

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
    Q_VACUUM,
    Q_COUNT
};

/* the last slot is the ping's (store_pg.c) */
_Static_assert(PG_PRIVACY_BASE + Q_COUNT <= PG_WEB_BASE, "privacy statements overflow their slots");

/* $1 the lower-cased address; in MENTIONS queries, an ILIKE pattern mentioning it anywhere */
#define RECIPIENT_OF                                                                               \
    "(lower(r.email) = $1 OR r.lead_id IN (SELECT id FROM leads WHERE email_key = $1))"
#define MENTIONS(col_) col_ " ILIKE $1 ESCAPE '\\'"

static const char *const sql[Q_COUNT] = {
    [Q_LEADS_AFTER] = "SELECT " PG_LEAD_COLUMNS " FROM leads WHERE project_id = $1 AND id > $3 "
                      "AND EXISTS (SELECT 1 FROM projects WHERE id = $1 AND user_id = $2) "
                      "ORDER BY id LIMIT $4",
    [Q_SUPP_LIST] = "SELECT value, reason, created_at FROM suppressions WHERE user_id = $1 "
                    "ORDER BY created_at DESC, value",
    [Q_SUPP_ADD] = "INSERT INTO suppressions (user_id, value, reason, created_at) "
                   "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, value) DO NOTHING",
    [Q_SUPP_REMOVE] = "DELETE FROM suppressions WHERE user_id = $1 AND value = $2",
    [Q_ERASED] = "SELECT EXISTS (SELECT 1 FROM erasures WHERE hash = $1)::int",
    [Q_REC_LEADS] = "SELECT p.user_id, json_build_object('id', l.id, 'project_id', l.project_id, "
                    "'email', l.email, 'firstname', l.firstname, 'lastname', l.lastname, "
                    "'company', l.company, 'website', l.website, 'phones', l.phones, "
                    "'description', l.description, 'verified', l.verified, 'source', l.source, "
                    "'created_at', l.created_at) FROM leads l "
                    "JOIN projects p ON p.id = l.project_id WHERE l.email_key = $1 ORDER BY l.id",
    [Q_REC_RECIPIENTS] = "SELECT c.user_id, json_build_object('id', r.id, 'campaign_id', "
                         "r.campaign_id, 'lead_id', r.lead_id, 'email', r.email, 'status', "
                         "r.status, 'current_step', r.current_step, 'last_sent_at', "
                         "r.last_sent_at, 'changed_at', r.changed_at, 'reason', r.reason) "
                         "FROM recipients r "
                         "JOIN campaigns c ON c.id = r.campaign_id WHERE " RECIPIENT_OF
                         " ORDER BY r.id",
    [Q_REC_SENDS] = "SELECT c.user_id, json_build_object('id', s.id, 'campaign_id', "
                    "s.campaign_id, 'recipient_id', s.recipient_id, 'step', s.step, "
                    "'message_id', s.message_id, 'state', s.state, 'smtp_code', s.smtp_code, "
                    "'reason', s.reason, 'claimed_at', s.claimed_at, 'finished_at', "
                    "s.finished_at) FROM sends s JOIN recipients r ON r.id = s.recipient_id "
                    "JOIN campaigns c ON c.id = r.campaign_id WHERE " RECIPIENT_OF " ORDER BY s.id",
    [Q_REC_SUPPRESSIONS] = "SELECT user_id, json_build_object('value', value, 'reason', reason, "
                           "'created_at', created_at) FROM suppressions WHERE value = $1 "
                           "ORDER BY user_id",
    [Q_REC_CACHE] = "SELECT 0, json_build_object('endpoint', endpoint, 'key', "
                    "replace(key, chr(31), ' '), 'body', body, 'expires_at', expires_at) "
                    "FROM cache WHERE " MENTIONS("key") " OR " MENTIONS("body") " ORDER BY key",
    [Q_REC_ADS] = "SELECT 0, json_build_object('id', id, 'url', url, 'contact_data', "
                  "contact_data) FROM ads WHERE " MENTIONS("contact_data") " ORDER BY id",
    [Q_DEL_SENDS] = "DELETE FROM sends WHERE recipient_id IN (SELECT r.id FROM recipients r "
                    "WHERE " RECIPIENT_OF ")",
    [Q_DEL_RECIPIENTS] = "DELETE FROM recipients AS r WHERE " RECIPIENT_OF,
    [Q_UNCOUNT_LEADS] = "UPDATE projects SET leads_count = leads_count - (SELECT COUNT(*) FROM "
                        "leads l WHERE l.project_id = projects.id AND l.email_key = $1) "
                        "WHERE id IN (SELECT project_id FROM leads WHERE email_key = $1)",
    [Q_DEL_LEADS] = "DELETE FROM leads WHERE email_key = $1",
    [Q_DEL_SUPPRESSIONS] = "DELETE FROM suppressions WHERE value = $1",
    [Q_DEL_CACHE] = "DELETE FROM cache WHERE " MENTIONS("key") " OR " MENTIONS("body"),
    /* contact data is found again on the next enrichment, where the tombstone filters it */
    [Q_CLEAR_ADS] = "UPDATE ads SET contact_data = NULL, contact_checked_at = 0 "
                    "WHERE " MENTIONS("contact_data"),
    [Q_REC_SIGHTINGS] = "SELECT 0, json_build_object('email', email, 'source', source, "
                        "'first_seen', first_seen, 'last_seen', last_seen, 'person', person) "
                        "FROM email_sightings "
                        "WHERE email = $1 ORDER BY source",
    [Q_REC_DELIVERIES] = "SELECT user_id, json_build_object('id', id, 'url', url, 'event', event, "
                         "'body', body, 'state', state) FROM webhook_outbox WHERE "
                         MENTIONS("body") " ORDER BY id",
    [Q_REC_JOBS] = "SELECT user_id, json_build_object('id', id, 'endpoint', endpoint, 'args', "
                   "args, 'status', status, 'result', result) FROM async_jobs WHERE "
                   MENTIONS("args") " OR " MENTIONS("result") " ORDER BY created_at",
    [Q_DEL_SIGHTINGS] = "DELETE FROM email_sightings WHERE email = $1",
    [Q_DEL_DELIVERIES] = "DELETE FROM webhook_outbox WHERE " MENTIONS("body"),
    [Q_DEL_JOBS] = "DELETE FROM async_jobs WHERE " MENTIONS("args") " OR " MENTIONS("result"),
    [Q_TOMBSTONE] = "INSERT INTO erasures (hash, created_at) VALUES ($1, $2) "
                    "ON CONFLICT (hash) DO NOTHING",
    [Q_VACUUM] = "VACUUM sends, recipients, leads, projects, suppressions, cache, ads, "
                 "email_sightings, webhook_outbox, async_jobs",
};

/* Whether an erasure or record query takes the address (1) or the pattern (2) as $1. */
static const int address_args[Q_COUNT] = {
    [Q_REC_LEADS] = 1,      [Q_REC_RECIPIENTS] = 1, [Q_REC_SENDS] = 1,
    [Q_REC_SUPPRESSIONS] = 1, [Q_REC_CACHE] = 2,    [Q_REC_ADS] = 2,
    [Q_DEL_SENDS] = 1,      [Q_DEL_RECIPIENTS] = 1, [Q_UNCOUNT_LEADS] = 1,
    [Q_DEL_LEADS] = 1,      [Q_DEL_SUPPRESSIONS] = 1, [Q_DEL_CACHE] = 2,
    [Q_CLEAR_ADS] = 2,      [Q_REC_SIGHTINGS] = 1,  [Q_REC_DELIVERIES] = 2,
    [Q_REC_JOBS] = 2,       [Q_DEL_SIGHTINGS] = 1,  [Q_DEL_DELIVERIES] = 2,
    [Q_DEL_JOBS] = 2,
};

#define RUN(id_, args_, what_)                                                                     \
    pg_run(c, PG_PRIVACY_BASE + (int)(id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, changed_, what_)                                                          \
    pg_exec(c, PG_PRIVACY_BASE + (int)(id_), sql[id_], (args_), (changed_), err, (what_))
#define ONE(id_, args_, out_, what_)                                                               \
    pg_one_int(c, PG_PRIVACY_BASE + (int)(id_), sql[id_], (args_), (out_), err, (what_))

/* ---- leads for exports ------------------------------------------------------ */

static enum rc leads_after_on(struct pgc *c, int64_t user_id, int64_t project_id,
                              int64_t after_id, int64_t limit, struct arena *a,
                              struct lead **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, project_id);
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, after_id);
    pg_arg_int(&args, limit);
    PGresult *r = RUN(Q_LEADS_AFTER, &args, "leads page");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, pg_lead_from_row, count);
    return RC_OK;
}

enum rc pg_leads_after(struct store *st, int64_t user_id, int64_t project_id, int64_t after_id,
                       int64_t limit, struct arena *a, struct lead **out, size_t *count,
                       struct err *err)
{
    PG_OP(st, err, leads_after_on(c, user_id, project_id, after_id, limit, a, out, count, err));
}

/* ---- the suppression list --------------------------------------------------- */

static void suppression_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct suppression *it = item;
    *it = (struct suppression){
        .value = pg_text(r, i, 0, a), .reason = pg_text(r, i, 1, a), .created_at = pg_int(r, i, 2)};
}

static enum rc suppression_list_on(struct pgc *c, int64_t user_id, struct arena *a,
                                   struct suppression **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_SUPP_LIST, &args, "suppression list");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, suppression_item, count);
    return RC_OK;
}

enum rc pg_suppression_list(struct store *st, int64_t user_id, struct arena *a,
                            struct suppression **out, size_t *count, struct err *err)
{
    PG_OP(st, err, suppression_list_on(c, user_id, a, out, count, err));
}

/* Runs statement id once per value ($1 user, $2 value, [$3 reason, $4 now]); *changed counts. */
static enum rc each_value(struct pgc *c, enum privacyq id, int64_t user_id,
                          const char *const *values, size_t count, const char *reason,
                          int64_t now, int64_t *changed, struct err *err)
{
    *changed = 0;
    for (size_t i = 0; i < count; i++) {
        struct pg_args args = {0};
        pg_arg_int(&args, user_id);
        pg_arg_text(&args, values[i]);
        if (reason) {
            pg_arg_text(&args, reason);
            pg_arg_int(&args, now);
        }
        int64_t n = 0;
        enum rc rc = EXEC(id, &args, &n, "suppression list");
        if (rc != RC_OK) return rc;
        *changed += n;
    }
    return RC_OK;
}

enum rc pg_suppression_add(struct store *st, int64_t user_id, const char *const *values,
                           size_t count, const char *reason, int64_t now, int64_t *added,
                           struct err *err)
{
    PG_TX(st, err, each_value(c, Q_SUPP_ADD, user_id, values, count, reason, now, added, err));
}

enum rc pg_suppression_remove(struct store *st, int64_t user_id, const char *const *values,
                              size_t count, int64_t *removed, struct err *err)
{
    PG_TX(st, err, each_value(c, Q_SUPP_REMOVE, user_id, values, count, NULL, 0, removed, err));
}

/* ---- data-subject requests ------------------------------------------------ */

static enum rc erased_check_on(struct pgc *c, const char *const *tombstones, size_t count,
                               bool *erased, struct err *err)
{
    for (size_t i = 0; i < count; i++) {
        struct pg_args args = {0};
        pg_arg_text(&args, tombstones[i]);
        int64_t found = 0;
        enum rc rc = ONE(Q_ERASED, &args, &found, "erasure check");
        if (rc != RC_OK) return rc;
        erased[i] = found != 0;
    }
    return RC_OK;
}

enum rc pg_erased_check(struct store *st, const char *const *tombstones, size_t count,
                        bool *erased, struct err *err)
{
    PG_OP(st, err, erased_check_on(c, tombstones, count, erased, err));
}

static struct pg_args address_args_of(enum privacyq id, const char *address, const char *pattern)
{
    struct pg_args args = {0};
    pg_arg_text(&args, address_args[id] == 2 ? pattern : address);
    return args;
}

static enum rc subject_records_on(struct pgc *c, const char *address, struct arena *a,
                                  struct subject_record **out, size_t *count, struct err *err)
{
    static const struct {
        enum privacyq id;
        const char *kind;
    } queries[] = {{Q_REC_LEADS, "lead"},        {Q_REC_RECIPIENTS, "recipient"},
                   {Q_REC_SENDS, "send"},        {Q_REC_SUPPRESSIONS, "suppression"},
                   {Q_REC_CACHE, "cache"},       {Q_REC_ADS, "ad"},
                   {Q_REC_SIGHTINGS, "sighting"}, {Q_REC_DELIVERIES, "webhook_delivery"},
                   {Q_REC_JOBS, "async_job"}};
    const char *pattern = store_like_contains(a, address);
    struct subject_record *list = NULL;
    size_t n = 0, cap = 0;
    for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
        struct pg_args args = address_args_of(queries[k].id, address, pattern);
        PGresult *r = RUN(queries[k].id, &args, "subject records");
        if (!r) return RC_DB;
        for (int i = 0; i < PQntuples(r); i++) {
            list = pg_grow(a, list, n, &cap, sizeof *list);
            list[n++] = (struct subject_record){.kind = queries[k].kind,
                                                .user_id = pg_int(r, i, 0),
                                                .json = pg_text(r, i, 1, a)};
        }
        PQclear(r);
    }
    *out = list;
    *count = n;
    return RC_OK;
}

enum rc pg_subject_records(struct store *st, const char *address, struct arena *a,
                           struct subject_record **out, size_t *count, struct err *err)
{
    PG_OP(st, err, subject_records_on(c, address, a, out, count, err));
}

static enum rc erase_all(struct pgc *c, const char *address, const char *pattern,
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
    };
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < sizeof steps / sizeof steps[0]; i++) {
        struct pg_args args = address_args_of(steps[i].id, address, pattern);
        rc = EXEC(steps[i].id, &args, steps[i].changed, "erasure");
    }
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_text(&args, tombstone);
    pg_arg_int(&args, now);
    return EXEC(Q_TOMBSTONE, &args, NULL, "erasure tombstone");
}

static enum rc erase_on(struct pgc *c, const char *address, const char *tombstone, int64_t now,
                        struct subject_erased *out, struct err *err)
{
    struct arena a;
    arena_init(&a);
    const char *pattern = store_like_contains(&a, address);
    enum rc rc = pg_begin(c, err);
    if (rc == RC_OK) rc = pg_end(c, erase_all(c, address, pattern, tombstone, now, out, err), err);
    arena_cleanup(&a);
    if (rc != RC_OK) return rc;
    /* outside the transaction: VACUUM cannot run inside one */
    return EXEC(Q_VACUUM, NULL, NULL, "vacuum after erasure");
}

enum rc pg_subject_erase(struct store *st, const char *address, const char *tombstone,
                         int64_t now, struct subject_erased *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    PG_OP(st, err, erase_on(c, address, tombstone, now, out, err));
}
