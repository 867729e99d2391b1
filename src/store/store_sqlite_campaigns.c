/* SQLite backend: sending accounts and campaigns (create, list, steps,
 * status compare-and-set, recipients). Storage only: which change is allowed
 * is decided in src/campaign/. Each change runs in one BEGIN IMMEDIATE
 * transaction, so a compare and the write it guards cannot interleave. */
#include "store/store_int.h"
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum cq {
    Q_ACCOUNT_INSERT,
    Q_ACCOUNT_LIST,
    Q_ACCOUNT_TYPE,
    Q_ACCOUNT_USED,
    Q_ACCOUNT_DELETE,
    Q_PROJECT_OWNED,
    Q_CAMPAIGN_INSERT,
    Q_CAMPAIGN_LINK,
    Q_CAMPAIGN_LIST,
    Q_CAMPAIGN_GET,
    Q_STATS_USER,
    Q_STATS_ONE,
    Q_ACCOUNTS_OF,
    Q_STATE,
    Q_SET_STEPS,
    Q_SET_STATUS,
    Q_POPULATE,
    Q_BATCH_END,
    Q_LAUNCHING,
    Q_BEAT,
    Q_LAUNCH_BACK,
    Q_RECIPIENTS,
    Q_RECIPIENTS_OF_STATUS,
    Q_RECIPIENTS_AFTER,
    Q_RECIPIENTS_AFTER_OF_STATUS,
    Q_COUNTS,
    Q_COUNT
};

/* a launch still populating reads as the draft it was until it is answered */
#define CAMPAIGN_COLUMNS                                                                           \
    "id, project_id, name, CASE status WHEN 'launching' THEN 'draft' ELSE status END, "          \
    "steps, daily_limit, batch_size, created_at, "                                                 \
    "COALESCE(launched_at, 0), status_reason"

/* The counters (migration 015) and what indexes answer in a few steps: the
 * earliest due recipient, sends claimed since day_start (?2), the latest
 * delivered or in-flight send. Never a scan of the campaign's rows. */
#define COUNTS_COLUMNS(id_, day_)                                                                  \
    id_ ", cc.pending, cc.in_progress, cc.completed, cc.replied, cc.bounced, cc.unsubscribed, "   \
        "cc.failed, cc.sends, (SELECT MIN(r.next_send_at) FROM recipients r "                     \
        "WHERE r.campaign_id = " id_ " AND r.next_send_at IS NOT NULL), "                         \
        "(SELECT COUNT(*) FROM sends s WHERE s.campaign_id = " id_ " AND s.claimed_at >= " day_  \
        " AND s.state IN ('sending', 'sent')), "                                                  \
        "MAX(COALESCE((SELECT MAX(s.finished_at) FROM sends s WHERE s.campaign_id = " id_        \
        " AND s.state = 'sent'), 0), COALESCE((SELECT MAX(s.claimed_at) FROM sends s "            \
        "WHERE s.campaign_id = " id_ " AND s.state = 'sending'), 0))"

#define RECIPIENT_COLUMNS                                                                          \
    "lead_id, email, status, current_step, COALESCE(last_sent_at, 0), "                           \
    "COALESCE(next_send_at, 0), attempts, reason"

static const char *const cq_sql[Q_COUNT] = {
    [Q_ACCOUNT_INSERT] = "INSERT INTO accounts (user_id, type, address, display_name, smtp_host, "
                         "smtp_port, tls_mode, username, imap_host, imap_port, daily_limit, secret, "
                         "created_at, send_window, timezone, min_gap, max_extra) VALUES (?1, ?2, "
                         "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
                         "RETURNING id",
    [Q_ACCOUNT_LIST] = "SELECT " SQ_ACCOUNT_COLUMNS " FROM accounts a WHERE a.user_id = ?1 "
                       "AND (?2 IS NULL OR a.type = ?2) ORDER BY a.id",
    [Q_ACCOUNT_TYPE] = "SELECT type FROM accounts WHERE id = ?1 AND user_id = ?2",
    [Q_ACCOUNT_USED] = "SELECT COUNT(*) FROM campaign_accounts WHERE account_id = ?1",
    [Q_ACCOUNT_DELETE] = "DELETE FROM accounts WHERE id = ?1 AND user_id = ?2",
    [Q_PROJECT_OWNED] = "SELECT id FROM projects WHERE id = ?1 AND user_id = ?2",
    [Q_CAMPAIGN_INSERT] = "INSERT INTO campaigns (user_id, project_id, name, status, created_at, "
                          "steps, daily_limit, batch_size) VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, "
                          "?7) RETURNING id",
    [Q_CAMPAIGN_LINK] = "INSERT INTO campaign_accounts (campaign_id, account_id, position) "
                        "VALUES (?1, ?2, ?3)",
    [Q_CAMPAIGN_LIST] = "SELECT " CAMPAIGN_COLUMNS " FROM campaigns WHERE user_id = ?1 "
                        "ORDER BY id DESC",
    [Q_CAMPAIGN_GET] = "SELECT " CAMPAIGN_COLUMNS " FROM campaigns WHERE id = ?1 AND user_id = ?2",
    [Q_STATS_USER] = "SELECT " COUNTS_COLUMNS("cc.campaign_id", "?2") " FROM campaign_counts cc "
                     "JOIN campaigns c ON c.id = cc.campaign_id WHERE c.user_id = ?1",
    [Q_STATS_ONE] = "SELECT " COUNTS_COLUMNS("cc.campaign_id", "?2") " FROM campaign_counts cc "
                    "WHERE cc.campaign_id = ?1",
    [Q_ACCOUNTS_OF] = "SELECT " SQ_ACCOUNT_COLUMNS " FROM campaign_accounts ca "
                      "JOIN accounts a ON a.id = ca.account_id WHERE ca.campaign_id = ?1 "
                      "ORDER BY ca.position",
    [Q_STATE] = "SELECT status FROM campaigns WHERE id = ?1 AND user_id = ?2",
    [Q_SET_STEPS] = "UPDATE campaigns SET steps = ?3 WHERE id = ?1 AND status = ?2",
    [Q_SET_STATUS] = "UPDATE campaigns SET status = ?3, status_reason = ?4, "
                     "launched_at = CASE WHEN ?5 THEN ?6 ELSE launched_at END "
                     "WHERE id = ?1 AND status = ?2",
    /* one batch of a launch: the project's leads with lo < id <= hi (a lead
     * already a recipient is skipped: a resumed launch adds only the rest) */
    [Q_POPULATE] = "INSERT OR IGNORE INTO recipients (campaign_id, lead_id, email, status, "
                   "current_step, next_send_at, changed_at) "
                   "SELECT c.id, l.id, l.email, 'pending', 0, ?2, ?2 "
                   "FROM campaigns c JOIN leads l ON l.project_id = c.project_id WHERE c.id = ?1 "
                   "AND l.id > ?3 AND l.id <= ?4 AND l.verified <> -1 AND NOT "
                   SQ_SUPPRESSED("c.user_id", "l") " ORDER BY l.id",
    /* the id of the last lead of the batch after lo; none: the batch runs to the end */
    [Q_BATCH_END] = "SELECT l.id FROM campaigns c JOIN leads l ON l.project_id = c.project_id "
                    "WHERE c.id = ?1 AND l.id > ?2 ORDER BY l.id LIMIT 1 OFFSET ?3",
    [Q_LAUNCHING] = "UPDATE campaigns SET status = 'launching', launch_beat = ?3 "
                    "WHERE id = ?1 AND (status = ?2 OR (status = 'launching' AND launch_beat < ?4))",
    [Q_BEAT] = "UPDATE campaigns SET launch_beat = ?2 WHERE id = ?1 AND status = 'launching'",
    [Q_LAUNCH_BACK] = "UPDATE campaigns SET status = ?2 WHERE id = ?1 AND status = 'launching'",
    /* one statement per shape, so each gets its index (a "?2 IS NULL OR" would not) */
    [Q_RECIPIENTS] = "SELECT " RECIPIENT_COLUMNS " FROM recipients WHERE campaign_id = ?1 "
                     "ORDER BY lead_id LIMIT ?3 OFFSET ?4",
    [Q_RECIPIENTS_OF_STATUS] = "SELECT " RECIPIENT_COLUMNS " FROM recipients "
                               "WHERE campaign_id = ?1 AND status = ?2 ORDER BY lead_id "
                               "LIMIT ?3 OFFSET ?4",
    [Q_RECIPIENTS_AFTER] = "SELECT " RECIPIENT_COLUMNS " FROM recipients WHERE campaign_id = ?1 "
                           "AND lead_id > ?3 ORDER BY lead_id LIMIT ?4",
    [Q_RECIPIENTS_AFTER_OF_STATUS] = "SELECT " RECIPIENT_COLUMNS " FROM recipients "
                                     "WHERE campaign_id = ?1 AND status = ?2 AND lead_id > ?3 "
                                     "ORDER BY lead_id LIMIT ?4",
    [Q_COUNTS] = "SELECT pending, in_progress, completed, replied, bounced, unsubscribed, failed "
                 "FROM campaign_counts WHERE campaign_id = ?1",
};

_Static_assert(SQ_CAMPAIGN_BASE + Q_COUNT <= SQ_VERIFY_BASE, "campaign statements overflow their slots");

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_CAMPAIGN_BASE + (id_), cq_sql[id_], err);                   \
    if (!var_) return RC_DB

/* ---- accounts -------------------------------------------------------------- */

void sq_account_from_row(sqlite3_stmt *q, struct arena *a, struct account *out)
{
    *out = (struct account){
        .id = sqlite3_column_int64(q, 0),
        .type = sq_col_text(q, 1, a),
        .address = sq_col_text(q, 2, a),
        .display_name = sq_col_text(q, 3, a),
        .smtp_host = sq_col_text(q, 4, a),
        .smtp_port = sqlite3_column_int64(q, 5),
        .tls_mode = sq_col_text(q, 6, a),
        .username = sq_col_text(q, 7, a),
        .imap_host = sq_col_text(q, 8, a),
        .imap_port = sqlite3_column_int64(q, 9),
        .daily_limit = sqlite3_column_int64(q, 10),
        .created_at = sqlite3_column_int64(q, 11),
        .user_id = sqlite3_column_int64(q, 12),
        .send_window = sq_col_text(q, 13, a),
        .timezone = sq_col_text(q, 14, a),
        .min_gap = sqlite3_column_int64(q, 15),
        .max_extra = sqlite3_column_int64(q, 16),
        .state = sq_col_text(q, 17, a),
        .state_reason = sq_col_text(q, 18, a),
        .imap_uidvalidity = sqlite3_column_int64(q, 19),
        .imap_last_uid = sqlite3_column_int64(q, 20),
    };
}

enum rc sq_account_add(struct store *st, int64_t user_id, const struct account *in, int64_t *id,
                       struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNT_INSERT);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, in->type);
    sq_bind_text(q, 3, in->address);
    sq_bind_text(q, 4, in->display_name ? in->display_name : "");
    sq_bind_text(q, 5, in->smtp_host ? in->smtp_host : "");
    sqlite3_bind_int64(q, 6, in->smtp_port);
    sq_bind_text(q, 7, in->tls_mode ? in->tls_mode : "starttls");
    sq_bind_text(q, 8, in->username ? in->username : "");
    sq_bind_text(q, 9, in->imap_host ? in->imap_host : "");
    sqlite3_bind_int64(q, 10, in->imap_port);
    sqlite3_bind_int64(q, 11, in->daily_limit);
    sq_bind_text(q, 12, in->secret ? in->secret : "");
    sqlite3_bind_int64(q, 13, in->created_at);
    sq_bind_text(q, 14, in->send_window ? in->send_window : "");
    sq_bind_text(q, 15, in->timezone && *in->timezone ? in->timezone : "UTC");
    sqlite3_bind_int64(q, 16, in->min_gap);
    sqlite3_bind_int64(q, 17, in->max_extra);
    struct err raw = {0};
    enum rc rc = sq_step_int(c, q, id, &raw, "account insert");
    if (rc == RC_CONFLICT)
        return err_set(err, RC_CONFLICT, "an %s account for %s already exists", in->type,
                       in->address);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

static enum rc read_accounts(struct conn *c, sqlite3_stmt *q, struct arena *a,
                             struct account **out, size_t *count, struct err *err)
{
    size_t n = 0, cap = 0;
    struct account *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        sq_account_from_row(q, a, &list[n++]);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "accounts");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_account_list(struct store *st, int64_t user_id, const char *type, struct arena *a,
                        struct account **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNT_LIST);
    sqlite3_bind_int64(q, 1, user_id);
    sq_bind_text(q, 2, type);
    return read_accounts(c, q, a, out, count, err);
}

static enum rc account_remove_in_tx(struct conn *c, int64_t user_id, int64_t id, struct err *err)
{
    Q(owned, Q_ACCOUNT_TYPE);
    sqlite3_bind_int64(owned, 1, id);
    sqlite3_bind_int64(owned, 2, user_id);
    int r = sqlite3_step(owned);
    sq_done(owned);
    if (r != SQLITE_ROW)
        return err_set(err, RC_NOT_FOUND, "account %lld not found", (long long)id);
    Q(used, Q_ACCOUNT_USED);
    sqlite3_bind_int64(used, 1, id);
    int64_t campaigns = 0;
    enum rc rc = sq_step_int(c, used, &campaigns, err, "account use");
    if (rc != RC_OK) return rc;
    if (campaigns > 0)
        return err_set(err, RC_CONFLICT, "account %lld is used by %lld campaign(s)", (long long)id,
                       (long long)campaigns);
    Q(del, Q_ACCOUNT_DELETE);
    sqlite3_bind_int64(del, 1, id);
    sqlite3_bind_int64(del, 2, user_id);
    return sq_exec(c, del, err, "account delete");
}

enum rc sq_account_remove(struct store *st, int64_t user_id, int64_t id, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, account_remove_in_tx(c, user_id, id, err), err);
}

/* ---- create ---------------------------------------------------------------- */

static enum rc check_project(struct conn *c, int64_t user_id, int64_t project_id,
                             struct err *err)
{
    Q(q, Q_PROJECT_OWNED);
    sqlite3_bind_int64(q, 1, project_id);
    sqlite3_bind_int64(q, 2, user_id);
    int64_t found;
    enum rc rc = sq_step_int(c, q, &found, err, "project");
    if (rc == RC_NOT_FOUND)
        return err_set(err, RC_INVALID, "Parameter 'project_id': project %lld not found.",
                       (long long)project_id);
    return rc;
}

static enum rc link_account(struct conn *c, int64_t user_id, int64_t campaign_id, size_t position,
                            const struct campaign_account_ref *ref, struct err *err)
{
    Q(q, Q_ACCOUNT_TYPE);
    sqlite3_bind_int64(q, 1, ref->id);
    sqlite3_bind_int64(q, 2, user_id);
    int r = sqlite3_step(q);
    char type[16] = "";
    if (r == SQLITE_ROW) snprintf(type, sizeof type, "%s", (const char *)sqlite3_column_text(q, 0));
    sq_done(q);
    if (r != SQLITE_ROW || strcmp(type, ref->type) != 0)
        return err_set(err, RC_INVALID,
                       "Parameter 'sending_accounts[%zu]': %s account %lld not found.", position,
                       ref->type, (long long)ref->id);
    Q(link, Q_CAMPAIGN_LINK);
    sqlite3_bind_int64(link, 1, campaign_id);
    sqlite3_bind_int64(link, 2, ref->id);
    sqlite3_bind_int64(link, 3, (int64_t)position);
    struct err raw = {0};
    enum rc rc = sq_exec(c, link, &raw, "campaign account");
    if (rc == RC_CONFLICT)
        return err_set(err, RC_INVALID,
                       "Parameter 'sending_accounts[%zu]': account %lld is listed twice.",
                       position, (long long)ref->id);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

static enum rc create_in_tx(struct conn *c, int64_t user_id, const struct campaign_new *in,
                            int64_t now, int64_t *id, struct err *err)
{
    enum rc rc = check_project(c, user_id, in->project_id, err);
    if (rc != RC_OK) return rc;
    Q(q, Q_CAMPAIGN_INSERT);
    sqlite3_bind_int64(q, 1, user_id);
    sqlite3_bind_int64(q, 2, in->project_id);
    sq_bind_text(q, 3, in->name);
    sqlite3_bind_int64(q, 4, now);
    sq_bind_text(q, 5, in->steps);
    sqlite3_bind_int64(q, 6, in->daily_limit);
    sqlite3_bind_int64(q, 7, in->batch_size);
    rc = sq_step_int(c, q, id, err, "campaign insert");
    for (size_t i = 0; rc == RC_OK && i < in->accounts_count; i++)
        rc = link_account(c, user_id, *id, i, &in->accounts[i], err);
    return rc;
}

enum rc sq_campaign_create(struct store *st, int64_t user_id, const struct campaign_new *in,
                           int64_t now, int64_t *id, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, create_in_tx(c, user_id, in, now, id, err), err);
}

/* ---- read ------------------------------------------------------------------ */

/* campaign_counts' status columns, in their order */
static const char *const statuses[] = {"pending", "in_progress", "completed", "replied",
                                       "bounced", "unsubscribed", "failed"};
enum { NSTATUS = sizeof statuses / sizeof statuses[0] };

static void campaign_from_row(sqlite3_stmt *q, struct arena *a, struct campaign *out)
{
    *out = (struct campaign){
        .id = sqlite3_column_int64(q, 0),
        .project_id = sqlite3_column_int64(q, 1),
        .name = sq_col_text(q, 2, a),
        .status = sq_col_text(q, 3, a),
        .steps = sq_col_text(q, 4, a),
        .daily_limit = sqlite3_column_int64(q, 5),
        .batch_size = sqlite3_column_int64(q, 6),
        .created_at = sqlite3_column_int64(q, 7),
        .launched_at = sqlite3_column_int64(q, 8),
        .status_reason = sq_col_text(q, 9, a),
    };
}

static struct campaign *find(struct campaign *list, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].id == id) return &list[i];
    return NULL;
}

/* Rows of COUNTS_COLUMNS into the campaigns' stats and send figures. */
static enum rc attach_stats(struct conn *c, sqlite3_stmt *q, struct campaign *list, size_t n,
                            struct err *err)
{
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct campaign *cp = find(list, n, sqlite3_column_int64(q, 0));
        if (!cp) continue;
        for (int i = 0; i < NSTATUS; i++)
            store_stats_add(&cp->stats, statuses[i], sqlite3_column_int64(q, 1 + i));
        cp->sent_total = sqlite3_column_int64(q, 1 + NSTATUS);
        cp->next_send_at = sqlite3_column_int64(q, 2 + NSTATUS); /* NULL reads 0: nobody due */
        cp->sent_today = sqlite3_column_int64(q, 3 + NSTATUS);
        cp->last_sent_at = sqlite3_column_int64(q, 4 + NSTATUS);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "campaign counts");
    sq_done(q);
    return rc;
}

enum rc sq_campaign_list(struct store *st, int64_t user_id, int64_t day_start, struct arena *a,
                         struct campaign **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_CAMPAIGN_LIST);
    sqlite3_bind_int64(q, 1, user_id);
    size_t n = 0, cap = 0;
    struct campaign *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        campaign_from_row(q, a, &list[n++]);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "campaign list");
    sq_done(q);
    *out = list;
    *count = n;
    if (rc != RC_OK || n == 0) return rc;
    Q(stats, Q_STATS_USER);
    sqlite3_bind_int64(stats, 1, user_id);
    sqlite3_bind_int64(stats, 2, day_start);
    return attach_stats(c, stats, list, n, err);
}

enum rc sq_campaign_get(struct store *st, int64_t user_id, int64_t id, int64_t day_start,
                        struct arena *a, struct campaign *out, struct err *err)
{
    CONN(st, err);
    Q(q, Q_CAMPAIGN_GET);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, user_id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) campaign_from_row(q, a, out);
    enum rc rc = r == SQLITE_ROW    ? RC_OK
                 : r == SQLITE_DONE ? err_set(err, RC_NOT_FOUND, "campaign %lld not found", (long long)id)
                                    : sq_fail(c, err, "campaign get");
    sq_done(q);
    if (rc != RC_OK) return rc;
    Q(stats, Q_STATS_ONE);
    sqlite3_bind_int64(stats, 1, id);
    sqlite3_bind_int64(stats, 2, day_start);
    Q(accounts, Q_ACCOUNTS_OF);
    sqlite3_bind_int64(accounts, 1, id);
    rc = attach_stats(c, stats, out, 1, err);
    if (rc == RC_OK) rc = read_accounts(c, accounts, a, &out->accounts, &out->accounts_count, err);
    return rc;
}

/* ---- state changes --------------------------------------------------------- */

/* The campaign's status into buf; RC_NOT_FOUND for another user's campaign. */
static enum rc read_state(struct conn *c, int64_t user_id, int64_t id, char *buf, size_t len,
                          struct err *err)
{
    Q(q, Q_STATE);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, user_id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) snprintf(buf, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sq_done(q);
    if (r == SQLITE_ROW) return RC_OK;
    if (r == SQLITE_DONE) return err_set(err, RC_NOT_FOUND, "campaign %lld not found", (long long)id);
    return sq_fail(c, err, "campaign state");
}

/* RC_CONFLICT with the status in current unless the campaign is in status. */
static enum rc expect_state(struct conn *c, int64_t user_id, int64_t id, const char *status,
                            char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = read_state(c, user_id, id, current, STORE_STATUS_LEN, err);
    if (rc != RC_OK) return rc;
    if (strcmp(current, status) != 0)
        return err_set(err, RC_CONFLICT, "campaign %lld is %s, not %s", (long long)id, current,
                       status);
    return RC_OK;
}

static enum rc set_steps_in_tx(struct conn *c, int64_t user_id, int64_t id, const char *if_status,
                               const char *steps, char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = expect_state(c, user_id, id, if_status, current, err);
    if (rc != RC_OK) return rc;
    Q(q, Q_SET_STEPS);
    sqlite3_bind_int64(q, 1, id);
    sq_bind_text(q, 2, if_status);
    sq_bind_text(q, 3, steps);
    return sq_exec(c, q, err, "set steps");
}

enum rc sq_campaign_set_steps(struct store *st, int64_t user_id, int64_t id, const char *if_status,
                              const char *steps, char current[STORE_STATUS_LEN], struct err *err)
{
    CONN(st, err);
    current[0] = '\0';
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, set_steps_in_tx(c, user_id, id, if_status, steps, current, err), err);
}

static enum rc set_status_in_tx(struct conn *c, int64_t user_id, int64_t id,
                                const struct campaign_status_change *change,
                                char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = expect_state(c, user_id, id, change->from, current, err);
    if (rc != RC_OK) return rc;
    Q(q, Q_SET_STATUS);
    sqlite3_bind_int64(q, 1, id);
    sq_bind_text(q, 2, change->from);
    sq_bind_text(q, 3, change->to);
    sq_bind_text(q, 4, change->reason ? change->reason : "");
    sqlite3_bind_int(q, 5, change->populate);
    sqlite3_bind_int64(q, 6, change->now);
    rc = sq_exec(c, q, err, "set status");
    if (rc == RC_OK) snprintf(current, STORE_STATUS_LEN, "%s", change->to);
    return rc;
}

static enum rc recipients_total(struct conn *c, int64_t id, const char *status, int64_t *total,
                                struct err *err);

/* ---- a launch, in batches (docs/ARCHITECTURE.md, "Launching a big campaign") */

/* Takes the campaign from change->from (or from a launch that stopped beating)
 * to 'launching'; RC_CONFLICT with the status in current otherwise. */
static enum rc launch_begin_in_tx(struct conn *c, int64_t user_id, int64_t id,
                                  const struct campaign_status_change *change,
                                  char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = read_state(c, user_id, id, current, STORE_STATUS_LEN, err);
    if (rc != RC_OK) return rc;
    Q(q, Q_LAUNCHING);
    sqlite3_bind_int64(q, 1, id);
    sq_bind_text(q, 2, change->from);
    sqlite3_bind_int64(q, 3, change->now);
    sqlite3_bind_int64(q, 4, change->now - STORE_LAUNCH_STALE);
    rc = sq_exec(c, q, err, "launch begin");
    if (rc == RC_OK && sqlite3_changes(sq_db(c)) == 0)
        return err_set(err, RC_CONFLICT, "campaign %lld is %s, not %s", (long long)id, current,
                       change->from);
    return rc;
}

/* Adds the leads after *lo (one batch) and moves *lo on; *done at the end. */
static enum rc launch_batch_in_tx(struct conn *c, int64_t id, int64_t now, int64_t beat_at,
                                  int64_t *lo, bool *done, struct err *err)
{
    Q(beat, Q_BEAT);
    sqlite3_bind_int64(beat, 1, id);
    sqlite3_bind_int64(beat, 2, beat_at);
    enum rc rc = sq_exec(c, beat, err, "launch beat");
    if (rc == RC_OK && sqlite3_changes(sq_db(c)) == 0)
        return err_set(err, RC_CONFLICT, "campaign %lld: the launch was taken over", (long long)id);
    if (rc != RC_OK) return rc;
    Q(end, Q_BATCH_END);
    sqlite3_bind_int64(end, 1, id);
    sqlite3_bind_int64(end, 2, *lo);
    sqlite3_bind_int64(end, 3, STORE_LAUNCH_BATCH - 1);
    int64_t hi = INT64_MAX;
    rc = sq_step_int(c, end, &hi, err, "launch batch");
    if (rc == RC_NOT_FOUND) hi = INT64_MAX, rc = RC_OK;
    if (rc != RC_OK) return rc;
    Q(q, Q_POPULATE);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, *lo);
    sqlite3_bind_int64(q, 4, hi);
    rc = sq_exec(c, q, err, "populate recipients");
    *lo = hi;
    *done = hi == INT64_MAX;
    return rc;
}

/* 'launching' -> change->to with launched_at, or back to change->from when
 * nobody was added (RC_INVALID); *recipients from the counters. */
static enum rc launch_finish_in_tx(struct conn *c, int64_t user_id, int64_t id,
                                   const struct campaign_status_change *change,
                                   int64_t *recipients, char current[STORE_STATUS_LEN],
                                   struct err *err)
{
    enum rc rc = recipients_total(c, id, NULL, recipients, err);
    if (rc != RC_OK) return rc;
    if (*recipients == 0) {
        Q(back, Q_LAUNCH_BACK);
        sqlite3_bind_int64(back, 1, id);
        sq_bind_text(back, 2, change->from);
        rc = sq_exec(c, back, err, "launch back");
        return rc == RC_OK ? err_set(err, RC_INVALID, "campaign %lld: no eligible leads",
                                     (long long)id)
                           : rc;
    }
    struct campaign_status_change finish = *change;
    finish.from = "launching";
    return set_status_in_tx(c, user_id, id, &finish, current, err);
}

/* The launch: each step its own short transaction, so other writers wait
 * for one batch at most, never for the whole population. */
static enum rc launch(struct conn *c, int64_t user_id, int64_t id,
                      const struct campaign_status_change *change, int64_t *recipients,
                      char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    rc = sq_end(c, launch_begin_in_tx(c, user_id, id, change, current, err), err);
    if (rc != RC_OK) return rc;
    int64_t lo = 0, started = (int64_t)time(NULL);
    for (bool done = false; rc == RC_OK && !done;) {
        int64_t beat = change->now + (int64_t)time(NULL) - started; /* on the caller's clock */
        rc = sq_begin(c, err);
        if (rc == RC_OK)
            rc = sq_end(c, launch_batch_in_tx(c, id, change->now, beat, &lo, &done, err), err);
        if (!done) sqlite3_sleep(STORE_LAUNCH_PAUSE_MS); /* a waiting writer's turn */
    }
    if (rc == RC_OK) rc = sq_begin(c, err);
    if (rc == RC_OK)
        rc = sq_end(c, launch_finish_in_tx(c, user_id, id, change, recipients, current, err), err);
    /* a conflict (another launch took it over) is not ours to undo */
    if (rc != RC_OK && rc != RC_INVALID && rc != RC_CONFLICT) {
        /* best effort: a draft again (what was added stays; a new launch adds the rest) */
        Q(back, Q_LAUNCH_BACK);
        sqlite3_bind_int64(back, 1, id);
        sq_bind_text(back, 2, change->from);
        sq_exec(c, back, NULL, "launch back");
        snprintf(current, STORE_STATUS_LEN, "%s", change->from);
    }
    return rc;
}

enum rc sq_campaign_set_status(struct store *st, int64_t user_id, int64_t id,
                               const struct campaign_status_change *change, int64_t *recipients,
                               char current[STORE_STATUS_LEN], struct err *err)
{
    CONN(st, err);
    *recipients = 0;
    current[0] = '\0';
    enum rc rc = RC_OK;
    if (change->populate) {
        rc = launch(c, user_id, id, change, recipients, current, err);
    } else {
        rc = sq_begin(c, err);
        if (rc == RC_OK) rc = sq_end(c, set_status_in_tx(c, user_id, id, change, current, err), err);
    }
    if (rc != RC_OK) *recipients = 0;
    return rc;
}

/* How many recipients of status (NULL: all) the campaign has, from its counters. */
static enum rc recipients_total(struct conn *c, int64_t id, const char *status, int64_t *total,
                                struct err *err)
{
    Q(q, Q_COUNTS);
    sqlite3_bind_int64(q, 1, id);
    int r = sqlite3_step(q);
    struct recipient_stats stats = {0};
    if (r == SQLITE_ROW)
        for (int i = 0; i < NSTATUS; i++)
            store_stats_add(&stats, statuses[i], sqlite3_column_int64(q, i));
    sq_done(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return sq_fail(c, err, "campaign counts");
    *total = store_stats_of(&stats, status);
    return RC_OK;
}

static enum rc read_recipients(struct conn *c, sqlite3_stmt *q, struct arena *a,
                               struct recipient **out, size_t *count, struct err *err)
{
    size_t n = 0, cap = 0;
    struct recipient *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct recipient){
            .lead_id = sqlite3_column_int64(q, 0),
            .email = sq_col_text(q, 1, a),
            .status = sq_col_text(q, 2, a),
            .current_step = sqlite3_column_int64(q, 3),
            .last_sent_at = sqlite3_column_int64(q, 4),
            .next_send_at = sqlite3_column_int64(q, 5),
            .attempts = sqlite3_column_int64(q, 6),
            .reason = sq_col_text(q, 7, a),
        };
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "recipients");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

/* A page by offset (after_id < 0) or by lead_id (keyset). */
static enum rc recipients_page(struct store *st, int64_t user_id, int64_t id, const char *status,
                               int64_t after_id, int64_t limit, int64_t offset, struct arena *a,
                               struct recipient **out, size_t *count, int64_t *total,
                               struct err *err)
{
    CONN(st, err);
    *out = NULL;
    *count = 0;
    char state[32];
    enum rc rc = read_state(c, user_id, id, state, sizeof state, err);
    if (rc == RC_OK) rc = recipients_total(c, id, status, total, err);
    if (rc != RC_OK) return rc;
    int which = after_id < 0 ? (status ? Q_RECIPIENTS_OF_STATUS : Q_RECIPIENTS)
                             : (status ? Q_RECIPIENTS_AFTER_OF_STATUS : Q_RECIPIENTS_AFTER);
    Q(q, which);
    sqlite3_bind_int64(q, 1, id);
    if (status) sq_bind_text(q, 2, status);
    if (after_id < 0) {
        sqlite3_bind_int64(q, 3, limit);
        sqlite3_bind_int64(q, 4, offset);
    } else {
        sqlite3_bind_int64(q, 3, after_id);
        sqlite3_bind_int64(q, 4, limit);
    }
    return read_recipients(c, q, a, out, count, err);
}

enum rc sq_campaign_recipients(struct store *st, int64_t user_id, int64_t id, const char *status,
                               int64_t limit, int64_t offset, struct arena *a,
                               struct recipient **out, size_t *count, int64_t *total,
                               struct err *err)
{
    return recipients_page(st, user_id, id, status, -1, limit, offset, a, out, count, total, err);
}

enum rc sq_campaign_recipients_after(struct store *st, int64_t user_id, int64_t id,
                                     const char *status, int64_t after_id, int64_t limit,
                                     struct arena *a, struct recipient **out, size_t *count,
                                     int64_t *total, struct err *err)
{
    return recipients_page(st, user_id, id, status, after_id < 0 ? 0 : after_id, limit, 0, a, out,
                           count, total, err);
}
