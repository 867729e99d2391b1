/* Internals shared by the SQLite backend's source files: per-thread
 * connections, the prepared-statement cache (slots: core statements first,
 * then campaign statements from SQ_CAMPAIGN_BASE), binding and transaction
 * helpers. Not for use outside src/store/. */
#ifndef LEADGEN_STORE_SQLITE_INT_H
#define LEADGEN_STORE_SQLITE_INT_H

#include "store/store.h"

#include <sqlite3.h>

enum {
    SQ_CAMPAIGN_BASE = 64,
    SQ_VERIFY_BASE = 100,
    SQ_RECIPES_BASE = 112, /* Lead Search recipes: slots 112-127 */
    SQ_ADS_BASE = 128,
    SQ_SENDS_BASE = 160,   /* the campaign sender: slots 160-223 */
    SQ_AUTO_BASE = 224,    /* automation (jobs, webhooks, usage): slots 224-255 */
    SQ_ADMIN_BASE = 256,   /* operator views of users, keys and the ledger: 256-271 */
    SQ_PRIVACY_BASE = 272, /* suppression, exports, data-subject requests: 272-303 */
    SQ_WEB_BASE = 304,     /* the web dashboard: 304-319 */
    SQ_SLOTS = 320
};
_Static_assert(SQ_VERIFY_BASE > SQ_CAMPAIGN_BASE && SQ_VERIFY_BASE < SQ_SLOTS,
               "verify statements need slots of their own below SQ_SLOTS");
_Static_assert(SQ_RECIPES_BASE > SQ_VERIFY_BASE && SQ_RECIPES_BASE < SQ_ADS_BASE &&
                   SQ_RECIPES_BASE < SQ_SLOTS,
               "recipe statements need slots of their own (112-127) below SQ_SLOTS");

struct conn;

struct conn *sq_conn(struct store *st, struct err *err);
sqlite3 *sq_db(struct conn *c);
/* The statement in slot (prepared from sql on first use), or NULL with err set. */
sqlite3_stmt *sq_stmt(struct conn *c, int slot, const char *sql, struct err *err);
void sq_done(sqlite3_stmt *st); /* reset and clear bindings */
/* Room for one more item in a growing arena array (capacity doubles; the old
 * copy stays in the arena); returns the array to use. */
void *sq_grow(struct arena *a, void *items, size_t count, size_t *cap, size_t size);
void sq_bind_text(sqlite3_stmt *st, int i, const char *s); /* NULL binds NULL */
const char *sq_col_text(sqlite3_stmt *st, int i, struct arena *a);
/* Steps a statement whose rows are ignored. */
enum rc sq_exec(struct conn *c, sqlite3_stmt *st, struct err *err, const char *what);
/* Steps a query to its end, collecting column 0 of every row as text. */
enum rc sq_step_texts(struct conn *c, sqlite3_stmt *st, struct arena *a, const char ***out,
                      size_t *count, struct err *err, const char *what);
/* Steps a one-row query yielding one integer; RC_NOT_FOUND when no row. */
enum rc sq_step_int(struct conn *c, sqlite3_stmt *st, int64_t *out, struct err *err,
                    const char *what);
enum rc sq_fail(struct conn *c, struct err *err, const char *what);
enum rc sq_begin(struct conn *c, struct err *err);
/* Commits on RC_OK, else rolls back; returns the first failure. */
enum rc sq_end(struct conn *c, enum rc rc, struct err *err);

#define CONN(st_, err_)                                                                            \
    struct conn *c = sq_conn((st_), (err_));                                                       \
    if (!c) return RC_DB

/* A lead's columns, in the order sq_lead_from_row reads them. */
#define SQ_LEAD_COLUMNS                                                                            \
    "id, email, firstname, lastname, company, website, phones, description, verified, "          \
    "created_at, source"
void sq_lead_from_row(sqlite3_stmt *q, struct arena *a, struct lead *l);
/* Whether a lead of user ?12 at address ?3 (domain ?13, tombstone ?14) is refused:
 * suppressed by address or domain, or erased. */
#define SQ_LEAD_REFUSED                                                                            \
    "SELECT 1 FROM suppressions WHERE user_id = ?12 AND value IN (?3, ?13) "                     \
    "UNION ALL SELECT 1 FROM erasures WHERE hash = ?14"
/* Whether the address of lead l is on user u's suppression list (by address or domain). */
#define SQ_SUPPRESSED(u_, l_)                                                                      \
    "EXISTS (SELECT 1 FROM suppressions sup WHERE sup.user_id = " u_ " AND sup.value IN ("       \
    l_ ".email_key, substr(" l_ ".email_key, instr(" l_ ".email_key, '@') + 1)))"

/* A sending account's columns, in the order sq_account_from_row reads them. */
#define SQ_ACCOUNT_COLUMNS                                                                         \
    "a.id, a.type, a.address, a.display_name, a.smtp_host, a.smtp_port, a.tls_mode, a.username, "  \
    "a.imap_host, a.imap_port, a.daily_limit, a.created_at, a.user_id, a.send_window, "            \
    "a.timezone, a.min_gap, a.max_extra, a.state, a.state_reason, a.imap_uidvalidity, "           \
    "a.imap_last_uid"
enum { SQ_ACCOUNT_NCOLS = 21 };
void sq_account_from_row(sqlite3_stmt *q, struct arena *a, struct account *out);

/* Campaign operations (store_sqlite_campaigns.c), spliced into the ops table. */
enum rc sq_account_add(struct store *st, int64_t user_id, const struct account *in, int64_t *id,
                       struct err *err);
enum rc sq_account_list(struct store *st, int64_t user_id, const char *type, struct arena *a,
                        struct account **out, size_t *count, struct err *err);
enum rc sq_account_remove(struct store *st, int64_t user_id, int64_t id, struct err *err);
enum rc sq_campaign_create(struct store *st, int64_t user_id, const struct campaign_new *in,
                           int64_t now, int64_t *id, struct err *err);
enum rc sq_campaign_list(struct store *st, int64_t user_id, int64_t day_start, struct arena *a,
                         struct campaign **out, size_t *count, struct err *err);
enum rc sq_campaign_get(struct store *st, int64_t user_id, int64_t id, int64_t day_start,
                        struct arena *a, struct campaign *out, struct err *err);
enum rc sq_campaign_set_steps(struct store *st, int64_t user_id, int64_t id, const char *if_status,
                              const char *steps, char current[STORE_STATUS_LEN], struct err *err);
enum rc sq_campaign_set_status(struct store *st, int64_t user_id, int64_t id,
                               const struct campaign_status_change *change, int64_t *recipients,
                               char current[STORE_STATUS_LEN], struct err *err);
enum rc sq_campaign_recipients(struct store *st, int64_t user_id, int64_t id, const char *status,
                               int64_t limit, int64_t offset, struct arena *a,
                               struct recipient **out, size_t *count, int64_t *total,
                               struct err *err);
enum rc sq_campaign_recipients_after(struct store *st, int64_t user_id, int64_t id,
                                     const char *status, int64_t after_id, int64_t limit,
                                     struct arena *a, struct recipient **out, size_t *count,
                                     int64_t *total, struct err *err);

/* Email verification operations (store_sqlite_verify.c), spliced into the ops table. */
enum rc sq_leads_owned(struct store *st, int64_t user_id, const int64_t *ids, size_t count,
                       int64_t *missing, struct err *err);
enum rc sq_leads_set_verified(struct store *st, int64_t user_id, const int64_t *ids,
                              const int *values, size_t count, struct err *err);

#define SQ_VERIFY_OPS .leads_owned = sq_leads_owned, .leads_set_verified = sq_leads_set_verified,

#define SQ_CAMPAIGN_OPS                                                                            \
    .account_add = sq_account_add, .account_list = sq_account_list,                                \
    .account_remove = sq_account_remove, .campaign_create = sq_campaign_create,                    \
    .campaign_list = sq_campaign_list, .campaign_get = sq_campaign_get,                            \
    .campaign_set_steps = sq_campaign_set_steps, .campaign_set_status = sq_campaign_set_status,    \
    .campaign_recipients = sq_campaign_recipients,                                                 \
    .campaign_recipients_after = sq_campaign_recipients_after,

/* The campaign sender's operations (store_sqlite_sends.c). */
enum rc sq_send_due(struct store *st, const char *status, int64_t now, int64_t day_start,
                    int64_t limit, struct arena *a, struct send_campaign **out, size_t *count,
                    struct err *err);
enum rc sq_send_recipients(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                           struct arena *a, struct send_recipient **out, size_t *count,
                           struct err *err);
enum rc sq_send_lease(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                      int64_t lease_until, struct arena *a, struct send_recipient **out,
                      size_t *count, struct err *err);
enum rc sq_send_release(struct store *st, const struct send_recipient *list, size_t count,
                        struct err *err);
enum rc sq_send_accounts(struct store *st, int64_t campaign_id, int64_t day_start,
                         struct arena *a, struct send_account **out, size_t *count,
                         struct err *err);
enum rc sq_send_claim(struct store *st, const struct send_claim *claim, int64_t *send_id,
                      struct err *err);
enum rc sq_send_record(struct store *st, const struct send_result *result, struct err *err);
enum rc sq_send_unfinished(struct store *st, int64_t limit, struct arena *a,
                           struct send_unfinished **out, size_t *count, struct err *err);
enum rc sq_recipient_stop(struct store *st, int64_t recipient_id, const char *status,
                          const char *reason, bool unsubscribe, int64_t now, struct err *err);
enum rc sq_send_thread(struct store *st, int64_t recipient_id, struct arena *a, const char ***ids,
                       size_t *count, struct err *err);
enum rc sq_send_match(struct store *st, int64_t account_id, const char *const *refs, size_t nrefs,
                      const char *from, struct arena *a, struct send_match *out,
                      struct err *err);
enum rc sq_recipient_by_lead(struct store *st, int64_t campaign_id, int64_t lead_id,
                             struct arena *a, struct send_match *out, struct err *err);
enum rc sq_accounts_polled(struct store *st, struct arena *a, struct account **out, size_t *count,
                           struct err *err);
enum rc sq_account_sealed_one(struct store *st, struct arena *a, struct account *out,
                              struct err *err);
enum rc sq_account_secret(struct store *st, int64_t user_id, int64_t account_id,
                          struct arena *a, const char **secret, struct err *err);
enum rc sq_account_reconnect(struct store *st, int64_t user_id, int64_t account_id,
                             const char *secret, struct err *err);
enum rc sq_account_set_state(struct store *st, int64_t account_id, const char *state,
                             const char *reason, struct err *err);
enum rc sq_account_set_cursor(struct store *st, int64_t account_id, int64_t uidvalidity,
                              int64_t last_uid, struct err *err);
#define SQ_SENDS_OPS                                                                               \
    .send_due = sq_send_due, .send_recipients = sq_send_recipients,                                \
    .send_lease = sq_send_lease, .send_release = sq_send_release,                                  \
    .send_accounts = sq_send_accounts, .send_claim = sq_send_claim,                                \
    .send_record = sq_send_record, .send_unfinished = sq_send_unfinished,                          \
    .recipient_stop = sq_recipient_stop, .send_thread = sq_send_thread,                            \
    .send_match = sq_send_match, .recipient_by_lead = sq_recipient_by_lead,                        \
    .accounts_polled = sq_accounts_polled, .account_set_state = sq_account_set_state,              \
    .account_reconnect = sq_account_reconnect,                                                     \
    .account_secret = sq_account_secret,                                                           \
    .account_set_cursor = sq_account_set_cursor, .account_sealed_one = sq_account_sealed_one,

/* Suppression, exports and data-subject requests (store_sqlite_privacy.c). */
enum rc sq_leads_after(struct store *st, int64_t user_id, int64_t project_id, int64_t after_id,
                       int64_t limit, struct arena *a, struct lead **out, size_t *count,
                       struct err *err);
enum rc sq_suppression_list(struct store *st, int64_t user_id, struct arena *a,
                            struct suppression **out, size_t *count, struct err *err);
enum rc sq_suppression_add(struct store *st, int64_t user_id, const char *const *values,
                           size_t count, const char *reason, int64_t now, int64_t *added,
                           struct err *err);
enum rc sq_suppression_remove(struct store *st, int64_t user_id, const char *const *values,
                              size_t count, int64_t *removed, struct err *err);
enum rc sq_erased_check(struct store *st, const char *const *tombstones, size_t count,
                        bool *erased, struct err *err);
enum rc sq_subject_records(struct store *st, const char *address, struct arena *a,
                           struct subject_record **out, size_t *count, struct err *err);
enum rc sq_subject_erase(struct store *st, const char *address, const char *tombstone,
                         int64_t now, struct subject_erased *out, struct err *err);
#define SQ_PRIVACY_OPS                                                                             \
    .leads_after = sq_leads_after, .suppression_list = sq_suppression_list,                        \
    .suppression_add = sq_suppression_add, .suppression_remove = sq_suppression_remove,            \
    .erased_check = sq_erased_check, .subject_records = sq_subject_records,                        \
    .subject_erase = sq_subject_erase,

/* Lead Search recipes (store_sqlite_recipes.c), spliced into the ops table. */
enum rc sq_recipe_list(struct store *st, struct arena *a, struct recipe **out, size_t *count,
                       struct err *err);
enum rc sq_recipe_get(struct store *st, const char *code, struct arena *a, struct recipe *out,
                      struct err *err);
#define SQ_RECIPES_OPS .recipe_list = sq_recipe_list, .recipe_get = sq_recipe_get,

/* Ad Spy history (store_sqlite_ads.c). */
enum rc sq_ads_record(struct store *st, const char *query_key, const char *engine, struct ad *ads,
                      size_t count, int64_t now, struct err *err);
enum rc sq_ads_history(struct store *st, const char *query_key, const char *engine,
                       struct arena *a, struct ad **out, size_t *count, struct err *err);
enum rc sq_ads_set_contact(struct store *st, int64_t ad_id, const char *contact_json, int64_t now,
                           struct err *err);
enum rc sq_public_mentions(struct store *st, const char *domain, int64_t now, size_t max,
                           struct arena *a, struct public_mention **out, size_t *count,
                           struct err *err);
enum rc sq_sightings_record(struct store *st, const struct email_sighting *rows, size_t count,
                            int64_t now, struct err *err);
enum rc sq_sightings_of_domain(struct store *st, const char *domain, size_t max, struct arena *a,
                               struct email_sighting **out, size_t *count, struct err *err);
/* Operator views (store_sqlite_admin.c). */
enum rc sq_user_list(struct store *st, struct arena *a, struct user_summary **out, size_t *count,
                     struct err *err);
enum rc sq_key_list(struct store *st, int64_t user_id, struct arena *a, struct key_info **out,
                    size_t *count, struct err *err);
enum rc sq_key_revoke(struct store *st, int64_t user_id, const char *hash_or_id, struct err *err);
enum rc sq_key_used(struct store *st, const char *key_hash, int64_t now, struct err *err);
enum rc sq_ledger_recent(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                         struct ledger_entry **out, size_t *count, struct err *err);
#define SQ_ADMIN_OPS                                                                               \
    .user_list = sq_user_list, .key_list = sq_key_list, .key_revoke = sq_key_revoke,               \
    .key_used = sq_key_used, .ledger_recent = sq_ledger_recent,

#define SQ_ADS_OPS                                                                                 \
    .ads_record = sq_ads_record, .ads_history = sq_ads_history,                                    \
    .ads_set_contact = sq_ads_set_contact, .public_mentions = sq_public_mentions,                  \
    .sightings_record = sq_sightings_record, .sightings_of_domain = sq_sightings_of_domain,

/* Automation: usage, async jobs, webhooks (store_sqlite_auto.c). */
enum rc sq_user_get(struct store *st, int64_t user_id, struct arena *a, struct user *out,
                    struct err *err);
enum rc sq_usage_by_day(struct store *st, int64_t user_id, int64_t since, struct arena *a,
                        struct usage_row **out, size_t *count, struct err *err);
enum rc sq_webhook_secret(struct store *st, int64_t user_id, const char *fresh, int64_t now,
                          struct arena *a, char **secret, struct err *err);
enum rc sq_job_create(struct store *st, const struct async_job *job, struct err *err);
enum rc sq_job_get(struct store *st, int64_t user_id, const char *id, struct arena *a,
                   struct async_job *out, struct err *err);
enum rc sq_job_list(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                    struct async_job **out, size_t *count, struct err *err);
enum rc sq_job_claim(struct store *st, const char *runner, int64_t now, struct arena *a,
                     struct async_job *out, struct err *err);
enum rc sq_job_finish(struct store *st, const char *id, const char *status, const char *result,
                      int64_t now, struct err *err);
enum rc sq_job_requeue(struct store *st, const char *runner, int64_t started_before,
                       int64_t *count, struct err *err);
enum rc sq_job_runners(struct store *st, struct arena *a, const char ***out, size_t *count,
                       struct err *err);
enum rc sq_webhook_add(struct store *st, int64_t user_id, const char *url, const char *events,
                       int64_t now, int64_t *id, struct err *err);
enum rc sq_webhook_list(struct store *st, int64_t user_id, struct arena *a, struct webhook **out,
                        size_t *count, struct err *err);
enum rc sq_webhook_remove(struct store *st, int64_t user_id, int64_t id, struct err *err);
enum rc sq_outbox_add(struct store *st, int64_t user_id, const char *url, const char *event,
                      const char *body, int64_t now, struct err *err);
enum rc sq_outbox_claim(struct store *st, int64_t now, int64_t lease_until, struct arena *a,
                        struct webhook_delivery *out, struct err *err);
enum rc sq_outbox_done(struct store *st, int64_t id, const char *state, int64_t attempts,
                       int64_t next_at, const char *error, struct err *err);
#define SQ_AUTO_OPS                                                                                \
    .user_get = sq_user_get, .usage_by_day = sq_usage_by_day,                                      \
    .webhook_secret = sq_webhook_secret, .job_create = sq_job_create, .job_get = sq_job_get,       \
    .job_list = sq_job_list, .job_claim = sq_job_claim, .job_finish = sq_job_finish,               \
    .job_requeue = sq_job_requeue, .job_runners = sq_job_runners,                                  \
    .webhook_add = sq_webhook_add, .webhook_list = sq_webhook_list,                                \
    .webhook_remove = sq_webhook_remove, .outbox_add = sq_outbox_add,                              \
    .outbox_claim = sq_outbox_claim, .outbox_done = sq_outbox_done,

/* Whole-table row streams for store copy (store_sqlite_copy.c). */
enum rc sq_table_count(struct store *st, const struct store_table *t, int64_t *count,
                       struct err *err);
enum rc sq_table_read(struct store *st, const struct store_table *t, const char *const *after,
                      size_t limit, struct arena *a, const char ***rows, size_t *count,
                      struct err *err);
enum rc sq_table_write(struct store *st, const struct store_table *t, const char *const *rows,
                       size_t count, struct err *err);
enum rc sq_table_clear(struct store *st, const struct store_table *t, struct err *err);
enum rc sq_table_done(struct store *st, const struct store_table *t, struct err *err);
#define SQ_COPY_OPS                                                                                \
    .table_count = sq_table_count, .table_read = sq_table_read, .table_write = sq_table_write,     \
    .table_clear = sq_table_clear, .table_done = sq_table_done,
/* The web dashboard: passwords, sessions, key rotation, the ledger (store_sqlite_web.c). */
enum rc sq_user_set_password(struct store *st, int64_t user_id, const char *hash,
                             struct err *err);
enum rc sq_user_password(struct store *st, const char *email, struct arena *a, int64_t *user_id,
                         char **hash, struct err *err);
enum rc sq_session_create(struct store *st, const char *token_hash, int64_t user_id,
                          const char *csrf, int64_t now, int64_t expires_at, struct err *err);
enum rc sq_session_get(struct store *st, const char *token_hash, int64_t now, struct arena *a,
                       struct web_session *out, struct err *err);
enum rc sq_session_delete(struct store *st, const char *token_hash, struct err *err);
enum rc sq_session_set_state(struct store *st, const char *token_hash, const char *state,
                             struct err *err);
enum rc sq_session_take_state(struct store *st, const char *token_hash, const char *state,
                              struct err *err);
enum rc sq_key_rotate(struct store *st, int64_t user_id, const char *key_hash, int64_t now,
                      struct err *err);
enum rc sq_campaign_daily(struct store *st, int64_t user_id, int64_t campaign_id, int64_t since,
                          struct arena *a, struct campaign_day **out, size_t *count,
                          struct err *err);
#define SQ_WEB_OPS                                                                                 \
    .user_set_password = sq_user_set_password, .user_password = sq_user_password,                 \
    .session_create = sq_session_create, .session_get = sq_session_get,                            \
    .session_delete = sq_session_delete, .session_set_state = sq_session_set_state,                \
    .session_take_state = sq_session_take_state, .key_rotate = sq_key_rotate,                      \
    .campaign_daily = sq_campaign_daily,

#endif
