/* Internals shared by the SQLite backend's source files: per-thread
 * connections, the prepared-statement cache (slots: core statements first,
 * then campaign statements from SQ_CAMPAIGN_BASE), binding and transaction
 * helpers. Not for use outside src/store/. */
#ifndef LEADGEN_STORE_SQLITE_INT_H
#define LEADGEN_STORE_SQLITE_INT_H

#include "store/store.h"

#include <sqlite3.h>

enum { SQ_CAMPAIGN_BASE = 64, SQ_SLOTS = 128 };

struct conn;

struct conn *sq_conn(struct store *st, struct err *err);
sqlite3 *sq_db(struct conn *c);
/* The statement in slot (prepared from sql on first use), or NULL with err set. */
sqlite3_stmt *sq_stmt(struct conn *c, int slot, const char *sql, struct err *err);
void sq_done(sqlite3_stmt *st); /* reset and clear bindings */
void sq_bind_text(sqlite3_stmt *st, int i, const char *s); /* NULL binds NULL */
const char *sq_col_text(sqlite3_stmt *st, int i, struct arena *a);
/* Steps a statement whose rows are ignored. */
enum rc sq_exec(struct conn *c, sqlite3_stmt *st, struct err *err, const char *what);
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
enum rc sq_campaign_set_steps(struct store *st, int64_t user_id, int64_t id, const char *steps,
                              struct err *err);
enum rc sq_campaign_launch(struct store *st, int64_t user_id, int64_t id, int64_t now,
                           int64_t *recipients, struct err *err);
enum rc sq_campaign_control(struct store *st, int64_t user_id, int64_t id, const char *action,
                            const char **status, struct err *err);
enum rc sq_campaign_recipients(struct store *st, int64_t user_id, int64_t id, const char *status,
                               int64_t limit, int64_t offset, struct arena *a,
                               struct recipient **out, size_t *count, int64_t *total,
                               struct err *err);

#define SQ_CAMPAIGN_OPS                                                                            \
    .account_add = sq_account_add, .account_list = sq_account_list,                                \
    .account_remove = sq_account_remove, .campaign_create = sq_campaign_create,                    \
    .campaign_list = sq_campaign_list, .campaign_get = sq_campaign_get,                            \
    .campaign_set_steps = sq_campaign_set_steps, .campaign_launch = sq_campaign_launch,            \
    .campaign_control = sq_campaign_control, .campaign_recipients = sq_campaign_recipients,

#endif
