/* Internals shared by the PostgreSQL backend's source files: the connection
 * pool, statement arguments, running a statement (prepared once per
 * connection under its slot), reading results and transactions. An operation
 * is one function running its statements on a pooled connection plus its SQL
 * in the file's table; PG_OP / PG_TX wrap it with acquire, release and (for
 * PG_TX) BEGIN/COMMIT. Not for use outside src/store/. */
#ifndef LEADGEN_STORE_PG_INT_H
#define LEADGEN_STORE_PG_INT_H

#include "store/store.h"

#include <libpq-fe.h>

/* Prepared-statement slots, one range per source file. */
enum {
    PG_CORE_BASE = 0,
    PG_CAMPAIGN_BASE = 48,
    PG_SENDS_BASE = 80,
    PG_MISC_BASE = 112, /* ads, recipes, verification */
    PG_AUTO_BASE = 144,    /* automation: jobs, webhooks, usage */
    PG_ADMIN_BASE = 176,   /* operator views of users, keys and the ledger */
    PG_PRIVACY_BASE = 192, /* suppression, exports, data-subject requests */
    PG_WEB_BASE = 224,     /* the web dashboard */
    PG_SLOTS = 240
};

enum { PG_MAX_ARGS = 20 };

/* Text-format statement arguments (all values go as text; SQL casts where
 * the type is not implied by the statement). */
struct pg_args {
    int n;
    const char *v[PG_MAX_ARGS];
    char num[PG_MAX_ARGS][24];
};
void pg_arg_int(struct pg_args *a, int64_t v);
void pg_arg_text(struct pg_args *a, const char *s); /* NULL is SQL NULL */

struct pgc; /* a pooled connection, held by one operation at a time */

/* A connection from the pool (live, or NULL with err set: RC_DB at once
 * while the database is unreachable and the back-off runs). */
struct pgc *pg_acquire(struct store *st, struct err *err);
/* Returns the connection to the pool (a broken one is reset on its next use); returns rc. */
enum rc pg_release(struct pgc *c, enum rc rc);
enum rc pg_begin(struct pgc *c, struct err *err);
/* Commits on RC_OK, else rolls back; returns the first failure. */
enum rc pg_end(struct pgc *c, enum rc rc, struct err *err);

/* A statement that cannot be prepared (ANALYZE), without parameters, as it is. */
enum rc pg_command(struct pgc *c, const char *sql, struct err *err);
/* Runs the statement in slot (sql, prepared on first use) with args; the
 * result (rows or command) or NULL with err set: RC_CONFLICT for a broken
 * constraint, RC_DB otherwise. A read (SELECT) outside a transaction that
 * finds the connection lost is retried once on a fresh one. */
PGresult *pg_run(struct pgc *c, int slot, const char *sql, const struct pg_args *args,
                 struct err *err, const char *what);
/* A statement built at run time, not prepared (store copy's per-table SQL). */
PGresult *pg_run_text(struct pgc *c, const char *sql, const struct pg_args *args,
                      struct err *err, const char *what);
/* Runs sql (a COPY ... FROM STDIN) feeding it data in COPY's text format. */
enum rc pg_copy_in(struct pgc *c, const char *sql, const char *data, size_t len,
                   struct err *err, const char *what);
/* pg_run for a statement whose rows are ignored; *changed (may be NULL) gets the row count. */
enum rc pg_exec(struct pgc *c, int slot, const char *sql, const struct pg_args *args,
                int64_t *changed, struct err *err, const char *what);
/* A one-row query's first column; RC_NOT_FOUND when there is no row. */
enum rc pg_one_int(struct pgc *c, int slot, const char *sql, const struct pg_args *args,
                   int64_t *out, struct err *err, const char *what);

int64_t pg_int(const PGresult *r, int row, int col); /* NULL reads as 0 */
const char *pg_text(const PGresult *r, int row, int col, struct arena *a); /* NULL reads as "" */
bool pg_null(const PGresult *r, int row, int col);
/* Room for one more item in a growing arena array (see sq_grow). */
void *pg_grow(struct arena *a, void *items, size_t count, size_t *cap, size_t size);
/* Fills item (a list's element) from row `row` of r (pg_rows). */
typedef void pg_row_fn(const PGresult *r, int row, struct arena *a, void *item);
/* Every row of r, which it clears, mapped by fn into an arena array of size-byte items;
 * *count gets their number. Never NULL: one zeroed item when r has no row. */
void *pg_rows(PGresult *r, struct arena *a, size_t size, pg_row_fn *fn, size_t *count);
/* A list of strings: the row's first column (a pg_row_fn). */
void pg_text_item(const PGresult *r, int row, struct arena *a, void *item);

/* One operation: `call` runs on connection c (declared here). */
#define PG_OP(st_, err_, call_)                                                                    \
    do {                                                                                           \
        struct pgc *c = pg_acquire((st_), (err_));                                                 \
        if (!c) return RC_DB;                                                                      \
        return pg_release(c, (call_));                                                             \
    } while (0)

/* One operation in one transaction. */
#define PG_TX(st_, err_, call_)                                                                    \
    do {                                                                                           \
        struct pgc *c = pg_acquire((st_), (err_));                                                 \
        if (!c) return RC_DB;                                                                      \
        enum rc tx_rc_ = pg_begin(c, (err_));                                                      \
        if (tx_rc_ == RC_OK) tx_rc_ = pg_end(c, (call_), (err_));                                  \
        return pg_release(c, tx_rc_);                                                              \
    } while (0)

/* A lead's columns, in the order pg_lead_from_row reads them. */
#define PG_LEAD_COLUMNS                                                                            \
    "id, email, firstname, lastname, company, website, phones, description, verified, "          \
    "created_at, source"
void pg_lead_from_row(const PGresult *r, int row, struct arena *a, void *item); /* pg_row_fn */
/* Whether a lead of user u at address k (domain d, tombstone t; parameter
 * names) is refused: suppressed by address or domain, or erased. */
#define PG_LEAD_REFUSED(u_, k_, d_, t_)                                                            \
    "SELECT 1 FROM suppressions WHERE user_id = " u_ " AND value IN (" k_ ", " d_ ") "         \
    "UNION ALL SELECT 1 FROM erasures WHERE hash = " t_
/* Whether the address of lead l is on user u's suppression list (by address or domain). */
#define PG_SUPPRESSED(u_, l_)                                                                      \
    "EXISTS (SELECT 1 FROM suppressions sup WHERE sup.user_id = " u_ " AND sup.value IN ("       \
    l_ ".email_key, split_part(" l_ ".email_key, '@', 2)))"

/* A sending account's columns, in the order pg_account_from_row reads them. */
#define PG_ACCOUNT_COLUMNS                                                                         \
    "a.id, a.type, a.address, a.display_name, a.smtp_host, a.smtp_port, a.tls_mode, a.username, "  \
    "a.imap_host, a.imap_port, a.daily_limit, a.created_at, a.user_id, a.send_window, "            \
    "a.timezone, a.min_gap, a.max_extra, a.state, a.state_reason, a.imap_uidvalidity, "           \
    "a.imap_last_uid"
enum { PG_ACCOUNT_NCOLS = 21 };
void pg_account_from_row(const PGresult *r, int row, struct arena *a, void *item); /* pg_row_fn */

/* The ops of each file, spliced into the ops table (store_pg.c). */
enum rc pg_meta_get(struct store *st, const char *key, struct arena *a, char **value,
                    struct err *err);
enum rc pg_meta_set_once(struct store *st, const char *key, const char *value, struct err *err);
enum rc pg_meta_delete(struct store *st, const char *key, struct err *err);
enum rc pg_user_create(struct store *st, const char *email, int64_t credits, const char *key_hash,
                       int64_t *user_id, struct err *err);
enum rc pg_user_by_email(struct store *st, const char *email, struct arena *a, struct user *out,
                         struct err *err);
enum rc pg_user_count(struct store *st, int64_t *count, struct err *err);
enum rc pg_key_add(struct store *st, int64_t user_id, const char *key_hash, struct err *err);
enum rc pg_key_lookup(struct store *st, const char *key_hash, struct key_owner *out,
                      struct err *err);
enum rc pg_key_vouch(struct store *st, const char *key_hash, const char *email, int64_t grant,
                     int64_t now, int64_t *user_id, struct err *err);
enum rc pg_credits_add(struct store *st, int64_t user_id, int64_t amount, const char *reason,
                       int64_t *balance, struct err *err);
enum rc pg_credits_balance(struct store *st, int64_t user_id, int64_t *balance, struct err *err);
enum rc pg_credits_reserve(struct store *st, int64_t user_id, const char *endpoint, int64_t max,
                           const char *request_id, int64_t *reserved, int64_t *reservation,
                           struct err *err);
enum rc pg_credits_settle(struct store *st, int64_t reservation, int64_t cost, int64_t *charged,
                          struct err *err);
enum rc pg_credits_held(struct store *st, int64_t user_id, int64_t *held, struct err *err);
enum rc pg_credits_holders(struct store *st, struct arena *a, const char ***holders,
                           size_t *count, struct err *err);
enum rc pg_credits_release_holder(struct store *st, const char *holder, int64_t *released,
                                  struct err *err);
enum rc pg_credits_release_stale(struct store *st, int64_t before, int64_t *released,
                                 struct err *err);
enum rc pg_cache_get(struct store *st, const char *key, int64_t now, struct arena *a, char **body,
                     struct err *err);
enum rc pg_cache_put(struct store *st, const char *key, const char *endpoint, const char *body,
                     int64_t expires_at, struct err *err);
enum rc pg_cache_purge(struct store *st, int64_t now, int64_t *removed, struct err *err);
enum rc pg_project_list(struct store *st, int64_t user_id, const char *search, struct arena *a,
                        struct project **out, size_t *count, struct err *err);
enum rc pg_project_create(struct store *st, int64_t user_id, const char *name, int64_t now,
                          int64_t *project_id, struct err *err);
enum rc pg_project_get(struct store *st, int64_t user_id, int64_t project_id, struct arena *a,
                       struct project *out, struct err *err);
enum rc pg_leads_list(struct store *st, int64_t user_id, int64_t project_id, int64_t limit,
                      int64_t offset, struct arena *a, struct lead **out, size_t *count,
                      int64_t *total, struct err *err);
enum rc pg_leads_add(struct store *st, int64_t user_id, int64_t project_id,
                     const struct lead *leads, size_t count, int64_t now, struct leads_added *out,
                     struct err *err);
#define PG_CORE_OPS                                                                                \
    .meta_get = pg_meta_get, .meta_set_once = pg_meta_set_once, .meta_delete = pg_meta_delete,     \
    .user_create = pg_user_create,                                                                 \
    .user_by_email = pg_user_by_email, .user_count = pg_user_count, .key_add = pg_key_add,         \
    .key_lookup = pg_key_lookup, .key_vouch = pg_key_vouch, .credits_add = pg_credits_add,         \
    .credits_balance = pg_credits_balance, .credits_reserve = pg_credits_reserve,                  \
    .credits_settle = pg_credits_settle, .credits_release_stale = pg_credits_release_stale,        \
    .credits_held = pg_credits_held, .credits_holders = pg_credits_holders,                        \
    .credits_release_holder = pg_credits_release_holder,                                           \
    .cache_get = pg_cache_get, .cache_put = pg_cache_put, .cache_purge = pg_cache_purge,           \
    .project_list = pg_project_list, .project_create = pg_project_create,                          \
    .project_get = pg_project_get, .leads_list = pg_leads_list, .leads_add = pg_leads_add,

/* Suppression, exports and data-subject requests (store_pg_privacy.c). */
enum rc pg_leads_after(struct store *st, int64_t user_id, int64_t project_id, int64_t after_id,
                       int64_t limit, struct arena *a, struct lead **out, size_t *count,
                       struct err *err);
enum rc pg_suppression_list(struct store *st, int64_t user_id, struct arena *a,
                            struct suppression **out, size_t *count, struct err *err);
enum rc pg_suppression_add(struct store *st, int64_t user_id, const char *const *values,
                           size_t count, const char *reason, int64_t now, int64_t *added,
                           struct err *err);
enum rc pg_suppression_remove(struct store *st, int64_t user_id, const char *const *values,
                              size_t count, int64_t *removed, struct err *err);
enum rc pg_erased_check(struct store *st, const char *const *tombstones, size_t count,
                        bool *erased, struct err *err);
enum rc pg_subject_records(struct store *st, const char *address, struct arena *a,
                           struct subject_record **out, size_t *count, struct err *err);
enum rc pg_subject_erase(struct store *st, const char *address, const char *tombstone,
                         int64_t now, struct subject_erased *out, struct err *err);
#define PG_PRIVACY_OPS                                                                             \
    .leads_after = pg_leads_after, .suppression_list = pg_suppression_list,                        \
    .suppression_add = pg_suppression_add, .suppression_remove = pg_suppression_remove,            \
    .erased_check = pg_erased_check, .subject_records = pg_subject_records,                        \
    .subject_erase = pg_subject_erase,

/* Accounts and campaigns (store_pg_campaigns.c). */
enum rc pg_account_add(struct store *st, int64_t user_id, const struct account *in, int64_t *id,
                       struct err *err);
enum rc pg_account_list(struct store *st, int64_t user_id, const char *type, struct arena *a,
                        struct account **out, size_t *count, struct err *err);
enum rc pg_account_remove(struct store *st, int64_t user_id, int64_t id, struct err *err);
enum rc pg_campaign_create(struct store *st, int64_t user_id, const struct campaign_new *in,
                           int64_t now, int64_t *id, struct err *err);
enum rc pg_campaign_list(struct store *st, int64_t user_id, int64_t day_start, struct arena *a,
                         struct campaign **out, size_t *count, struct err *err);
enum rc pg_campaign_get(struct store *st, int64_t user_id, int64_t id, int64_t day_start,
                        struct arena *a, struct campaign *out, struct err *err);
enum rc pg_campaign_set_steps(struct store *st, int64_t user_id, int64_t id, const char *if_status,
                              const char *steps, char current[STORE_STATUS_LEN], struct err *err);
enum rc pg_campaign_set_status(struct store *st, int64_t user_id, int64_t id,
                               const struct campaign_status_change *change, int64_t *recipients,
                               char current[STORE_STATUS_LEN], struct err *err);
enum rc pg_campaign_recipients(struct store *st, int64_t user_id, int64_t id, const char *status,
                               int64_t limit, int64_t offset, struct arena *a,
                               struct recipient **out, size_t *count, int64_t *total,
                               struct err *err);
enum rc pg_campaign_recipients_after(struct store *st, int64_t user_id, int64_t id,
                                     const char *status, int64_t after_id, int64_t limit,
                                     struct arena *a, struct recipient **out, size_t *count,
                                     int64_t *total, struct err *err);
#define PG_CAMPAIGN_OPS                                                                            \
    .account_add = pg_account_add, .account_list = pg_account_list,                                \
    .account_remove = pg_account_remove, .campaign_create = pg_campaign_create,                    \
    .campaign_list = pg_campaign_list, .campaign_get = pg_campaign_get,                            \
    .campaign_set_steps = pg_campaign_set_steps, .campaign_set_status = pg_campaign_set_status,    \
    .campaign_recipients = pg_campaign_recipients,                                                 \
    .campaign_recipients_after = pg_campaign_recipients_after,

/* The campaign sender (store_pg_sends.c). */
enum rc pg_send_due(struct store *st, const char *status, int64_t now, int64_t day_start,
                    int64_t limit, struct arena *a, struct send_campaign **out, size_t *count,
                    struct err *err);
enum rc pg_send_recipients(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                           struct arena *a, struct send_recipient **out, size_t *count,
                           struct err *err);
enum rc pg_send_lease(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                      int64_t lease_until, struct arena *a, struct send_recipient **out,
                      size_t *count, struct err *err);
enum rc pg_send_release(struct store *st, const struct send_recipient *list, size_t count,
                        struct err *err);
enum rc pg_send_accounts(struct store *st, int64_t campaign_id, int64_t day_start,
                         struct arena *a, struct send_account **out, size_t *count,
                         struct err *err);
enum rc pg_send_claim(struct store *st, const struct send_claim *claim, int64_t *send_id,
                      struct err *err);
enum rc pg_send_record(struct store *st, const struct send_result *result, struct err *err);
enum rc pg_send_unfinished(struct store *st, int64_t limit, struct arena *a,
                           struct send_unfinished **out, size_t *count, struct err *err);
enum rc pg_recipient_stop(struct store *st, int64_t recipient_id, const char *status,
                          const char *reason, bool unsubscribe, int64_t now, struct err *err);
enum rc pg_send_thread(struct store *st, int64_t recipient_id, struct arena *a, const char ***ids,
                       size_t *count, struct err *err);
enum rc pg_send_match(struct store *st, int64_t account_id, const char *const *refs, size_t nrefs,
                      const char *from, struct arena *a, struct send_match *out,
                      struct err *err);
enum rc pg_recipient_by_lead(struct store *st, int64_t campaign_id, int64_t lead_id,
                             struct arena *a, struct send_match *out, struct err *err);
enum rc pg_accounts_polled(struct store *st, struct arena *a, struct account **out, size_t *count,
                           struct err *err);
enum rc pg_account_sealed_one(struct store *st, struct arena *a, struct account *out,
                              struct err *err);
enum rc pg_account_secret(struct store *st, int64_t user_id, int64_t account_id,
                          struct arena *a, const char **secret, struct err *err);
enum rc pg_account_reconnect(struct store *st, int64_t user_id, int64_t account_id,
                             const char *secret, struct err *err);
enum rc pg_account_set_state(struct store *st, int64_t account_id, const char *state,
                             const char *reason, struct err *err);
enum rc pg_account_set_cursor(struct store *st, int64_t account_id, int64_t uidvalidity,
                              int64_t last_uid, struct err *err);
#define PG_SENDS_OPS                                                                               \
    .send_due = pg_send_due, .send_recipients = pg_send_recipients,                                \
    .send_lease = pg_send_lease, .send_release = pg_send_release,                                  \
    .send_accounts = pg_send_accounts, .send_claim = pg_send_claim,                                \
    .send_record = pg_send_record, .send_unfinished = pg_send_unfinished,                          \
    .recipient_stop = pg_recipient_stop, .send_thread = pg_send_thread,                            \
    .send_match = pg_send_match, .recipient_by_lead = pg_recipient_by_lead,                        \
    .accounts_polled = pg_accounts_polled, .account_set_state = pg_account_set_state,              \
    .account_reconnect = pg_account_reconnect,                                                     \
    .account_secret = pg_account_secret,                                                           \
    .account_set_cursor = pg_account_set_cursor, .account_sealed_one = pg_account_sealed_one,

/* Ad Spy history, recipes, verification (store_pg_misc.c). */
enum rc pg_ads_record(struct store *st, const char *query_key, const char *engine, struct ad *ads,
                      size_t count, int64_t now, struct err *err);
enum rc pg_ads_history(struct store *st, const char *query_key, const char *engine,
                       struct arena *a, struct ad **out, size_t *count, struct err *err);
enum rc pg_ads_set_contact(struct store *st, int64_t ad_id, const char *contact_json, int64_t now,
                           struct err *err);
enum rc pg_recipe_list(struct store *st, struct arena *a, struct recipe **out, size_t *count,
                       struct err *err);
enum rc pg_recipe_get(struct store *st, const char *code, struct arena *a, struct recipe *out,
                      struct err *err);
enum rc pg_leads_owned(struct store *st, int64_t user_id, const int64_t *ids, size_t count,
                       int64_t *missing, struct err *err);
enum rc pg_leads_set_verified(struct store *st, int64_t user_id, const int64_t *ids,
                              const int *values, size_t count, struct err *err);
enum rc pg_public_mentions(struct store *st, const char *domain, int64_t now, size_t max,
                           struct arena *a, struct public_mention **out, size_t *count,
                           struct err *err);
enum rc pg_sightings_record(struct store *st, const struct email_sighting *rows, size_t count,
                            int64_t now, struct err *err);
enum rc pg_sightings_of_domain(struct store *st, const char *domain, size_t max, struct arena *a,
                               struct email_sighting **out, size_t *count, struct err *err);
#define PG_MISC_OPS                                                                                \
    .ads_record = pg_ads_record, .ads_history = pg_ads_history,                                    \
    .ads_set_contact = pg_ads_set_contact, .recipe_list = pg_recipe_list,                          \
    .recipe_get = pg_recipe_get, .leads_owned = pg_leads_owned,                                    \
    .leads_set_verified = pg_leads_set_verified, .public_mentions = pg_public_mentions,            \
    .sightings_record = pg_sightings_record, .sightings_of_domain = pg_sightings_of_domain,

/* Automation: usage, async jobs, webhooks (store_pg_auto.c). */
enum rc pg_user_get(struct store *st, int64_t user_id, struct arena *a, struct user *out,
                    struct err *err);
enum rc pg_usage_by_day(struct store *st, int64_t user_id, int64_t since, struct arena *a,
                        struct usage_row **out, size_t *count, struct err *err);
enum rc pg_webhook_secret(struct store *st, int64_t user_id, const char *fresh, int64_t now,
                          struct arena *a, char **secret, struct err *err);
enum rc pg_job_create(struct store *st, const struct async_job *job, struct err *err);
enum rc pg_job_get(struct store *st, int64_t user_id, const char *id, struct arena *a,
                   struct async_job *out, struct err *err);
enum rc pg_job_list(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                    struct async_job **out, size_t *count, struct err *err);
enum rc pg_job_claim(struct store *st, const char *runner, int64_t now, struct arena *a,
                     struct async_job *out, struct err *err);
enum rc pg_job_finish(struct store *st, const char *id, const char *status, const char *result,
                      int64_t now, struct err *err);
enum rc pg_job_requeue(struct store *st, const char *runner, int64_t started_before,
                       int64_t *count, struct err *err);
enum rc pg_job_runners(struct store *st, struct arena *a, const char ***out, size_t *count,
                       struct err *err);
enum rc pg_webhook_add(struct store *st, int64_t user_id, const char *url, const char *events,
                       int64_t now, int64_t *id, struct err *err);
enum rc pg_webhook_list(struct store *st, int64_t user_id, struct arena *a, struct webhook **out,
                        size_t *count, struct err *err);
enum rc pg_webhook_remove(struct store *st, int64_t user_id, int64_t id, struct err *err);
enum rc pg_outbox_add(struct store *st, int64_t user_id, const char *url, const char *event,
                      const char *body, int64_t now, struct err *err);
enum rc pg_outbox_claim(struct store *st, int64_t now, int64_t lease_until, struct arena *a,
                        struct webhook_delivery *out, struct err *err);
enum rc pg_outbox_done(struct store *st, int64_t id, const char *state, int64_t attempts,
                       int64_t next_at, const char *error, struct err *err);
#define PG_AUTO_OPS                                                                                \
    .user_get = pg_user_get, .usage_by_day = pg_usage_by_day,                                      \
    .webhook_secret = pg_webhook_secret, .job_create = pg_job_create, .job_get = pg_job_get,       \
    .job_list = pg_job_list, .job_claim = pg_job_claim, .job_finish = pg_job_finish,               \
    .job_requeue = pg_job_requeue, .job_runners = pg_job_runners,                                  \
    .webhook_add = pg_webhook_add, .webhook_list = pg_webhook_list,                                \
    .webhook_remove = pg_webhook_remove, .outbox_add = pg_outbox_add,                              \
    .outbox_claim = pg_outbox_claim, .outbox_done = pg_outbox_done,

/* Operator views (store_pg_admin.c). */
enum rc pg_user_list(struct store *st, struct arena *a, struct user_summary **out, size_t *count,
                     struct err *err);
enum rc pg_key_list(struct store *st, int64_t user_id, struct arena *a, struct key_info **out,
                    size_t *count, struct err *err);
enum rc pg_key_revoke(struct store *st, int64_t user_id, const char *hash_or_id, struct err *err);
enum rc pg_key_used(struct store *st, const char *key_hash, int64_t now, struct err *err);
enum rc pg_ledger_recent(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                         struct ledger_entry **out, size_t *count, struct err *err);
#define PG_ADMIN_OPS                                                                               \
    .user_list = pg_user_list, .key_list = pg_key_list, .key_revoke = pg_key_revoke,               \
    .key_used = pg_key_used, .ledger_recent = pg_ledger_recent,

/* Whole-table row streams for store copy (store_pg_copy.c). */
enum rc pg_table_count(struct store *st, const struct store_table *t, int64_t *count,
                       struct err *err);
enum rc pg_table_read(struct store *st, const struct store_table *t, const char *const *after,
                      size_t limit, struct arena *a, const char ***rows, size_t *count,
                      struct err *err);
enum rc pg_table_write(struct store *st, const struct store_table *t, const char *const *rows,
                       size_t count, struct err *err);
enum rc pg_table_clear(struct store *st, const struct store_table *t, struct err *err);
enum rc pg_table_done(struct store *st, const struct store_table *t, struct err *err);
#define PG_COPY_OPS                                                                                \
    .table_count = pg_table_count, .table_read = pg_table_read, .table_write = pg_table_write,     \
    .table_clear = pg_table_clear, .table_done = pg_table_done,
/* The web dashboard: passwords, sessions, key rotation, the ledger (store_pg_web.c). */
enum rc pg_user_set_password(struct store *st, int64_t user_id, const char *hash,
                             struct err *err);
enum rc pg_user_password(struct store *st, const char *email, struct arena *a, int64_t *user_id,
                         char **hash, struct err *err);
enum rc pg_session_create(struct store *st, const char *token_hash, int64_t user_id,
                          const char *csrf, int64_t now, int64_t expires_at, struct err *err);
enum rc pg_session_get(struct store *st, const char *token_hash, int64_t now, struct arena *a,
                       struct web_session *out, struct err *err);
enum rc pg_session_delete(struct store *st, const char *token_hash, struct err *err);
enum rc pg_session_set_state(struct store *st, const char *token_hash, const char *state,
                             struct err *err);
enum rc pg_session_take_state(struct store *st, const char *token_hash, const char *state,
                              struct err *err);
enum rc pg_key_rotate(struct store *st, int64_t user_id, const char *key_hash, int64_t now,
                      struct err *err);
enum rc pg_campaign_daily(struct store *st, int64_t user_id, int64_t campaign_id, int64_t since,
                          struct arena *a, struct campaign_day **out, size_t *count,
                          struct err *err);
#define PG_WEB_OPS                                                                                 \
    .user_set_password = pg_user_set_password, .user_password = pg_user_password,                 \
    .session_create = pg_session_create, .session_get = pg_session_get,                            \
    .session_delete = pg_session_delete, .session_set_state = pg_session_set_state,                \
    .session_take_state = pg_session_take_state, .key_rotate = pg_key_rotate,                      \
    .campaign_daily = pg_campaign_daily,

#endif
