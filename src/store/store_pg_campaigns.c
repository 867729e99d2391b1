/* PostgreSQL backend: sending accounts and campaigns (create, list, steps,
 * status compare-and-set, recipients). Storage only: which change is allowed
 * is decided in src/campaign/. A compare-and-set locks the campaign row first,
 * so the compare and the write it guards cannot interleave with another
 * process's. */
#include "store/store_int.h"
#include "store/store_pg_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum cq {
    Q_ACCOUNT_INSERT,
    Q_ACCOUNT_LIST,
    Q_ACCOUNT_TYPE,
    Q_ACCOUNT_LOCK,
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
    Q_STATE_LOCK,
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

_Static_assert(PG_CAMPAIGN_BASE + Q_COUNT <= PG_SENDS_BASE, "campaign statements overflow their slots");

/* a launch still populating reads as the draft it was until it is answered */
#define CAMPAIGN_COLUMNS                                                                           \
    "id, project_id, name, CASE status WHEN 'launching' THEN 'draft' ELSE status END, "          \
    "steps, daily_limit, batch_size, created_at, "                                                 \
    "COALESCE(launched_at, 0), status_reason"

/* The counters (migration 009) and what indexes answer in a few steps: the
 * earliest due recipient, sends claimed since day_start ($2), the latest
 * delivered or in-flight send. Never a scan of the campaign's rows. */
#define COUNTS_COLUMNS(id_, day_)                                                                  \
    id_ ", cc.pending, cc.in_progress, cc.completed, cc.replied, cc.bounced, cc.unsubscribed, "   \
        "cc.failed, cc.sends, (SELECT MIN(r.next_send_at) FROM recipients r "                     \
        "WHERE r.campaign_id = " id_ " AND r.next_send_at IS NOT NULL), "                         \
        "(SELECT COUNT(*) FROM sends s WHERE s.campaign_id = " id_ " AND s.claimed_at >= " day_  \
        "::bigint AND s.state IN ('sending', 'sent')), "                                          \
        "GREATEST(COALESCE((SELECT MAX(s.finished_at) FROM sends s WHERE s.campaign_id = " id_   \
        " AND s.state = 'sent'), 0), COALESCE((SELECT MAX(s.claimed_at) FROM sends s "            \
        "WHERE s.campaign_id = " id_ " AND s.state = 'sending'), 0))"

#define RECIPIENT_COLUMNS                                                                          \
    "lead_id, email, status, current_step, COALESCE(last_sent_at, 0), "                           \
    "COALESCE(next_send_at, 0), attempts, reason"

static const char *const sql[Q_COUNT] = {
    [Q_ACCOUNT_INSERT] = "INSERT INTO accounts (user_id, type, address, display_name, smtp_host, "
                         "smtp_port, tls_mode, username, imap_host, imap_port, daily_limit, secret, "
                         "created_at, send_window, timezone, min_gap, max_extra) VALUES ($1, $2, "
                         "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
                         "RETURNING id",
    [Q_ACCOUNT_LIST] = "SELECT " PG_ACCOUNT_COLUMNS " FROM accounts a WHERE a.user_id = $1 "
                       "AND ($2::text IS NULL OR a.type = $2) ORDER BY a.id",
    [Q_ACCOUNT_TYPE] = "SELECT type FROM accounts WHERE id = $1 AND user_id = $2",
    [Q_ACCOUNT_LOCK] = "SELECT type FROM accounts WHERE id = $1 AND user_id = $2 FOR UPDATE",
    [Q_ACCOUNT_USED] = "SELECT COUNT(*) FROM campaign_accounts WHERE account_id = $1",
    [Q_ACCOUNT_DELETE] = "DELETE FROM accounts WHERE id = $1 AND user_id = $2",
    [Q_PROJECT_OWNED] = "SELECT id FROM projects WHERE id = $1 AND user_id = $2",
    [Q_CAMPAIGN_INSERT] = "INSERT INTO campaigns (user_id, project_id, name, status, created_at, "
                          "steps, daily_limit, batch_size) VALUES ($1, $2, $3, 'draft', $4, $5, $6, "
                          "$7) RETURNING id",
    [Q_CAMPAIGN_LINK] = "INSERT INTO campaign_accounts (campaign_id, account_id, position) "
                        "VALUES ($1, $2, $3)",
    [Q_CAMPAIGN_LIST] = "SELECT " CAMPAIGN_COLUMNS " FROM campaigns WHERE user_id = $1 "
                        "ORDER BY id DESC",
    [Q_CAMPAIGN_GET] = "SELECT " CAMPAIGN_COLUMNS " FROM campaigns WHERE id = $1 AND user_id = $2",
    [Q_STATS_USER] = "SELECT " COUNTS_COLUMNS("cc.campaign_id", "$2") " FROM campaign_counts cc "
                     "JOIN campaigns c ON c.id = cc.campaign_id WHERE c.user_id = $1",
    [Q_STATS_ONE] = "SELECT " COUNTS_COLUMNS("cc.campaign_id", "$2") " FROM campaign_counts cc "
                    "WHERE cc.campaign_id = $1",
    [Q_ACCOUNTS_OF] = "SELECT " PG_ACCOUNT_COLUMNS " FROM campaign_accounts ca "
                      "JOIN accounts a ON a.id = ca.account_id WHERE ca.campaign_id = $1 "
                      "ORDER BY ca.position",
    [Q_STATE] = "SELECT status FROM campaigns WHERE id = $1 AND user_id = $2",
    [Q_STATE_LOCK] = "SELECT status FROM campaigns WHERE id = $1 AND user_id = $2 "
                     "FOR NO KEY UPDATE",
    [Q_SET_STEPS] = "UPDATE campaigns SET steps = $3 WHERE id = $1 AND status = $2",
    [Q_SET_STATUS] = "UPDATE campaigns SET status = $3, status_reason = $4, "
                     "launched_at = CASE WHEN $5::int <> 0 THEN $6::bigint ELSE launched_at END "
                     "WHERE id = $1 AND status = $2",
    /* one batch of a launch: the project's leads with lo < id <= hi (a lead
     * already a recipient is skipped: a resumed launch adds only the rest) */
    [Q_POPULATE] = "INSERT INTO recipients (campaign_id, lead_id, email, status, current_step, "
                   "next_send_at, changed_at) SELECT c.id, l.id, l.email, 'pending', 0, "
                   "$2::bigint, $2::bigint FROM campaigns c "
                   "JOIN leads l ON l.project_id = c.project_id WHERE c.id = $1 "
                   "AND l.id > $3 AND l.id <= $4 AND l.verified <> -1 AND NOT "
                   PG_SUPPRESSED("c.user_id", "l") " ORDER BY l.id "
                   "ON CONFLICT (campaign_id, lead_id) DO NOTHING",
    /* the id of the last lead of the batch after lo; none: the batch runs to the end */
    [Q_BATCH_END] = "SELECT l.id FROM campaigns c JOIN leads l ON l.project_id = c.project_id "
                    "WHERE c.id = $1 AND l.id > $2 ORDER BY l.id LIMIT 1 OFFSET $3",
    [Q_LAUNCHING] = "UPDATE campaigns SET status = 'launching', launch_beat = $3 WHERE id = $1 "
                    "AND (status = $2 OR (status = 'launching' AND launch_beat < $4))",
    [Q_BEAT] = "UPDATE campaigns SET launch_beat = $2 WHERE id = $1 AND status = 'launching'",
    [Q_LAUNCH_BACK] = "UPDATE campaigns SET status = $2 WHERE id = $1 AND status = 'launching'",
    /* one statement per shape, so each plans onto its index (a generic plan
     * of "$2 IS NULL OR" would not) */
    [Q_RECIPIENTS] = "SELECT " RECIPIENT_COLUMNS " FROM recipients WHERE campaign_id = $1 "
                     "ORDER BY lead_id LIMIT $2 OFFSET $3",
    [Q_RECIPIENTS_OF_STATUS] = "SELECT " RECIPIENT_COLUMNS " FROM recipients "
                               "WHERE campaign_id = $1 AND status = $2 ORDER BY lead_id "
                               "LIMIT $3 OFFSET $4",
    [Q_RECIPIENTS_AFTER] = "SELECT " RECIPIENT_COLUMNS " FROM recipients WHERE campaign_id = $1 "
                           "AND lead_id > $2 ORDER BY lead_id LIMIT $3",
    [Q_RECIPIENTS_AFTER_OF_STATUS] = "SELECT " RECIPIENT_COLUMNS " FROM recipients "
                                     "WHERE campaign_id = $1 AND status = $2 AND lead_id > $3 "
                                     "ORDER BY lead_id LIMIT $4",
    [Q_COUNTS] = "SELECT pending, in_progress, completed, replied, bounced, unsubscribed, failed "
                 "FROM campaign_counts WHERE campaign_id = $1",
};

#define RUN(id_, args_, what_) pg_run(c, PG_CAMPAIGN_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, changed_, e_, what_)                                                      \
    pg_exec(c, PG_CAMPAIGN_BASE + (id_), sql[id_], (args_), (changed_), (e_), (what_))
#define ONE(id_, args_, out_, e_, what_)                                                           \
    pg_one_int(c, PG_CAMPAIGN_BASE + (id_), sql[id_], (args_), (out_), (e_), (what_))

/* ---- accounts --------------------------------------------------------------- */

void pg_account_from_row(const PGresult *r, int row, struct arena *a, void *item)
{
    *(struct account *)item = (struct account){
        .id = pg_int(r, row, 0),
        .type = pg_text(r, row, 1, a),
        .address = pg_text(r, row, 2, a),
        .display_name = pg_text(r, row, 3, a),
        .smtp_host = pg_text(r, row, 4, a),
        .smtp_port = pg_int(r, row, 5),
        .tls_mode = pg_text(r, row, 6, a),
        .username = pg_text(r, row, 7, a),
        .imap_host = pg_text(r, row, 8, a),
        .imap_port = pg_int(r, row, 9),
        .daily_limit = pg_int(r, row, 10),
        .created_at = pg_int(r, row, 11),
        .user_id = pg_int(r, row, 12),
        .send_window = pg_text(r, row, 13, a),
        .timezone = pg_text(r, row, 14, a),
        .min_gap = pg_int(r, row, 15),
        .max_extra = pg_int(r, row, 16),
        .state = pg_text(r, row, 17, a),
        .state_reason = pg_text(r, row, 18, a),
        .imap_uidvalidity = pg_int(r, row, 19),
        .imap_last_uid = pg_int(r, row, 20),
    };
}

static enum rc account_add_on(struct pgc *c, int64_t user_id, const struct account *in,
                              int64_t *id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, in->type);
    pg_arg_text(&args, in->address);
    pg_arg_text(&args, in->display_name ? in->display_name : "");
    pg_arg_text(&args, in->smtp_host ? in->smtp_host : "");
    pg_arg_int(&args, in->smtp_port);
    pg_arg_text(&args, in->tls_mode ? in->tls_mode : "starttls");
    pg_arg_text(&args, in->username ? in->username : "");
    pg_arg_text(&args, in->imap_host ? in->imap_host : "");
    pg_arg_int(&args, in->imap_port);
    pg_arg_int(&args, in->daily_limit);
    pg_arg_text(&args, in->secret ? in->secret : "");
    pg_arg_int(&args, in->created_at);
    pg_arg_text(&args, in->send_window ? in->send_window : "");
    pg_arg_text(&args, in->timezone && *in->timezone ? in->timezone : "UTC");
    pg_arg_int(&args, in->min_gap);
    pg_arg_int(&args, in->max_extra);
    struct err raw = {0};
    enum rc rc = ONE(Q_ACCOUNT_INSERT, &args, id, &raw, "account insert");
    if (rc == RC_CONFLICT)
        return err_set(err, RC_CONFLICT, "an %s account for %s already exists", in->type,
                       in->address);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

enum rc pg_account_add(struct store *st, int64_t user_id, const struct account *in, int64_t *id,
                       struct err *err)
{
    PG_OP(st, err, account_add_on(c, user_id, in, id, err));
}

static enum rc read_accounts(PGresult *r, struct arena *a, struct account **out, size_t *count)
{
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, pg_account_from_row, count);
    return RC_OK;
}

static enum rc account_list_on(struct pgc *c, int64_t user_id, const char *type, struct arena *a,
                               struct account **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, type);
    return read_accounts(RUN(Q_ACCOUNT_LIST, &args, "accounts"), a, out, count);
}

enum rc pg_account_list(struct store *st, int64_t user_id, const char *type, struct arena *a,
                        struct account **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, account_list_on(c, user_id, type, a, out, count, err));
}

static enum rc account_remove_on(struct pgc *c, int64_t user_id, int64_t id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_ACCOUNT_LOCK, &args, "account");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    PQclear(r);
    if (!found) return err_set(err, RC_NOT_FOUND, "account %lld not found", (long long)id);
    struct pg_args one = {0};
    pg_arg_int(&one, id);
    int64_t campaigns = 0;
    enum rc rc = ONE(Q_ACCOUNT_USED, &one, &campaigns, err, "account use");
    if (rc != RC_OK) return rc;
    if (campaigns > 0)
        return err_set(err, RC_CONFLICT, "account %lld is used by %lld campaign(s)", (long long)id,
                       (long long)campaigns);
    return EXEC(Q_ACCOUNT_DELETE, &args, NULL, err, "account delete");
}

enum rc pg_account_remove(struct store *st, int64_t user_id, int64_t id, struct err *err)
{
    PG_TX(st, err, account_remove_on(c, user_id, id, err));
}

/* ---- create ----------------------------------------------------------------- */

static enum rc check_project(struct pgc *c, int64_t user_id, int64_t project_id, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, project_id);
    pg_arg_int(&args, user_id);
    int64_t found;
    enum rc rc = ONE(Q_PROJECT_OWNED, &args, &found, err, "project");
    if (rc == RC_NOT_FOUND)
        return err_set(err, RC_INVALID, "Parameter 'project_id': project %lld not found.",
                       (long long)project_id);
    return rc;
}

static enum rc link_account(struct pgc *c, int64_t user_id, int64_t campaign_id, size_t position,
                            const struct campaign_account_ref *ref, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, ref->id);
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_ACCOUNT_TYPE, &args, "account");
    if (!r) return RC_DB;
    bool match = PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), ref->type) == 0;
    PQclear(r);
    if (!match)
        return err_set(err, RC_INVALID,
                       "Parameter 'sending_accounts[%zu]': %s account %lld not found.", position,
                       ref->type, (long long)ref->id);
    struct pg_args link = {0};
    pg_arg_int(&link, campaign_id);
    pg_arg_int(&link, ref->id);
    pg_arg_int(&link, (int64_t)position);
    struct err raw = {0};
    enum rc rc = EXEC(Q_CAMPAIGN_LINK, &link, NULL, &raw, "campaign account");
    if (rc == RC_CONFLICT)
        return err_set(err, RC_INVALID,
                       "Parameter 'sending_accounts[%zu]': account %lld is listed twice.",
                       position, (long long)ref->id);
    return rc == RC_OK ? RC_OK : err_copy(err, &raw);
}

static enum rc create_on(struct pgc *c, int64_t user_id, const struct campaign_new *in,
                         int64_t now, int64_t *id, struct err *err)
{
    enum rc rc = check_project(c, user_id, in->project_id, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    pg_arg_int(&args, in->project_id);
    pg_arg_text(&args, in->name);
    pg_arg_int(&args, now);
    pg_arg_text(&args, in->steps);
    pg_arg_int(&args, in->daily_limit);
    pg_arg_int(&args, in->batch_size);
    rc = ONE(Q_CAMPAIGN_INSERT, &args, id, err, "campaign insert");
    for (size_t i = 0; rc == RC_OK && i < in->accounts_count; i++)
        rc = link_account(c, user_id, *id, i, &in->accounts[i], err);
    return rc;
}

enum rc pg_campaign_create(struct store *st, int64_t user_id, const struct campaign_new *in,
                           int64_t now, int64_t *id, struct err *err)
{
    PG_TX(st, err, create_on(c, user_id, in, now, id, err));
}

/* ---- read ------------------------------------------------------------------- */

static void campaign_from_row(const PGresult *r, int row, struct arena *a, void *item)
{
    *(struct campaign *)item = (struct campaign){
        .id = pg_int(r, row, 0),
        .project_id = pg_int(r, row, 1),
        .name = pg_text(r, row, 2, a),
        .status = pg_text(r, row, 3, a),
        .steps = pg_text(r, row, 4, a),
        .daily_limit = pg_int(r, row, 5),
        .batch_size = pg_int(r, row, 6),
        .created_at = pg_int(r, row, 7),
        .launched_at = pg_int(r, row, 8),
        .status_reason = pg_text(r, row, 9, a),
    };
}

static struct campaign *find(struct campaign *list, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].id == id) return &list[i];
    return NULL;
}

/* campaign_counts' status columns, in their order */
static const char *const statuses[] = {"pending", "in_progress", "completed", "replied",
                                       "bounced", "unsubscribed", "failed"};
enum { NSTATUS = sizeof statuses / sizeof statuses[0] };

/* Rows of COUNTS_COLUMNS into the campaigns' stats and send figures. */
static enum rc attach_stats(PGresult *r, struct campaign *list, size_t n)
{
    if (!r) return RC_DB;
    for (int i = 0; i < PQntuples(r); i++) {
        struct campaign *cp = find(list, n, pg_int(r, i, 0));
        if (!cp) continue;
        for (int k = 0; k < NSTATUS; k++)
            store_stats_add(&cp->stats, statuses[k], pg_int(r, i, 1 + k));
        cp->sent_total = pg_int(r, i, 1 + NSTATUS);
        cp->next_send_at = pg_null(r, i, 2 + NSTATUS) ? 0 : pg_int(r, i, 2 + NSTATUS);
        cp->sent_today = pg_int(r, i, 3 + NSTATUS);
        cp->last_sent_at = pg_int(r, i, 4 + NSTATUS);
    }
    PQclear(r);
    return RC_OK;
}

static enum rc campaign_list_on(struct pgc *c, int64_t user_id, int64_t day_start,
                                struct arena *a, struct campaign **out, size_t *count,
                                struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_CAMPAIGN_LIST, &args, "campaign list");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, campaign_from_row, count);
    if (*count == 0) return RC_OK;
    pg_arg_int(&args, day_start);
    return attach_stats(RUN(Q_STATS_USER, &args, "campaign counts"), *out, *count);
}

enum rc pg_campaign_list(struct store *st, int64_t user_id, int64_t day_start, struct arena *a,
                         struct campaign **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, campaign_list_on(c, user_id, day_start, a, out, count, err));
}

static enum rc campaign_get_on(struct pgc *c, int64_t user_id, int64_t id, int64_t day_start,
                               struct arena *a, struct campaign *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_CAMPAIGN_GET, &args, "campaign get");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    if (found) campaign_from_row(r, 0, a, out);
    PQclear(r);
    if (!found) return err_set(err, RC_NOT_FOUND, "campaign %lld not found", (long long)id);
    struct pg_args one = {0}, sent = {0};
    pg_arg_int(&one, id);
    pg_arg_int(&sent, id);
    pg_arg_int(&sent, day_start);
    enum rc rc = attach_stats(RUN(Q_STATS_ONE, &sent, "campaign counts"), out, 1);
    if (rc == RC_OK)
        rc = read_accounts(RUN(Q_ACCOUNTS_OF, &one, "accounts"), a, &out->accounts,
                           &out->accounts_count);
    return rc;
}

enum rc pg_campaign_get(struct store *st, int64_t user_id, int64_t id, int64_t day_start,
                        struct arena *a, struct campaign *out, struct err *err)
{
    PG_OP(st, err, campaign_get_on(c, user_id, id, day_start, a, out, err));
}

/* ---- state changes ---------------------------------------------------------- */

/* The campaign's status into buf (query Q_STATE, or Q_STATE_LOCK in a
 * transaction); RC_NOT_FOUND for another user's campaign. */
static enum rc read_state(struct pgc *c, int query, int64_t user_id, int64_t id, char *buf,
                          size_t len, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(query, &args, "campaign state");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    if (found) snprintf(buf, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return found ? RC_OK : err_set(err, RC_NOT_FOUND, "campaign %lld not found", (long long)id);
}

/* Locks the campaign; RC_CONFLICT with the status in current unless it is in status. */
static enum rc expect_state(struct pgc *c, int64_t user_id, int64_t id, const char *status,
                            char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = read_state(c, Q_STATE_LOCK, user_id, id, current, STORE_STATUS_LEN, err);
    if (rc != RC_OK) return rc;
    if (strcmp(current, status) != 0)
        return err_set(err, RC_CONFLICT, "campaign %lld is %s, not %s", (long long)id, current,
                       status);
    return RC_OK;
}

static enum rc set_steps_on(struct pgc *c, int64_t user_id, int64_t id, const char *if_status,
                            const char *steps, char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = expect_state(c, user_id, id, if_status, current, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_text(&args, if_status);
    pg_arg_text(&args, steps);
    return EXEC(Q_SET_STEPS, &args, NULL, err, "set steps");
}

enum rc pg_campaign_set_steps(struct store *st, int64_t user_id, int64_t id, const char *if_status,
                              const char *steps, char current[STORE_STATUS_LEN], struct err *err)
{
    current[0] = '\0';
    PG_TX(st, err, set_steps_on(c, user_id, id, if_status, steps, current, err));
}

/* Until autovacuum notices this many new rows the planner takes them for a few and
 * sorts every due recipient instead of reading the due index in order. */
enum { POPULATE_ANALYZE_ROWS = 10000 };

static enum rc set_status_on(struct pgc *c, int64_t user_id, int64_t id,
                             const struct campaign_status_change *change,
                             char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = expect_state(c, user_id, id, change->from, current, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_text(&args, change->from);
    pg_arg_text(&args, change->to);
    pg_arg_text(&args, change->reason ? change->reason : "");
    pg_arg_int(&args, change->populate);
    pg_arg_int(&args, change->now);
    rc = EXEC(Q_SET_STATUS, &args, NULL, err, "set status");
    if (rc == RC_OK) snprintf(current, STORE_STATUS_LEN, "%s", change->to);
    return rc;
}

/* ---- a launch, in batches (docs/ARCHITECTURE.md, "Launching a big campaign") */

static enum rc recipients_total(struct pgc *c, int64_t id, const char *status, int64_t *total,
                                struct err *err);

/* Takes the campaign from change->from (or from a launch that stopped beating)
 * to 'launching'; RC_CONFLICT with the status in current otherwise. */
static enum rc launch_begin_on(struct pgc *c, int64_t user_id, int64_t id,
                               const struct campaign_status_change *change,
                               char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = read_state(c, Q_STATE_LOCK, user_id, id, current, STORE_STATUS_LEN, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_text(&args, change->from);
    pg_arg_int(&args, change->now);
    pg_arg_int(&args, change->now - STORE_LAUNCH_STALE);
    int64_t changed = 0;
    rc = EXEC(Q_LAUNCHING, &args, &changed, err, "launch begin");
    if (rc == RC_OK && changed == 0)
        return err_set(err, RC_CONFLICT, "campaign %lld is %s, not %s", (long long)id, current,
                       change->from);
    return rc;
}

/* Adds the leads after *lo (one batch) and moves *lo on; *done at the end. */
static enum rc launch_batch_on(struct pgc *c, int64_t id, int64_t now, int64_t beat_at,
                               int64_t *lo, bool *done, struct err *err)
{
    struct pg_args beat = {0}, end = {0}, add = {0};
    pg_arg_int(&beat, id);
    pg_arg_int(&beat, beat_at);
    int64_t changed = 0;
    enum rc rc = EXEC(Q_BEAT, &beat, &changed, err, "launch beat");
    if (rc == RC_OK && changed == 0)
        return err_set(err, RC_CONFLICT, "campaign %lld: the launch was taken over", (long long)id);
    if (rc != RC_OK) return rc;
    pg_arg_int(&end, id);
    pg_arg_int(&end, *lo);
    pg_arg_int(&end, STORE_LAUNCH_BATCH - 1);
    int64_t hi = INT64_MAX;
    rc = ONE(Q_BATCH_END, &end, &hi, err, "launch batch");
    if (rc == RC_NOT_FOUND) hi = INT64_MAX, rc = RC_OK;
    if (rc != RC_OK) return rc;
    pg_arg_int(&add, id);
    pg_arg_int(&add, now);
    pg_arg_int(&add, *lo);
    pg_arg_int(&add, hi);
    rc = EXEC(Q_POPULATE, &add, NULL, err, "populate recipients");
    *lo = hi;
    *done = hi == INT64_MAX;
    return rc;
}

static enum rc launch_back(struct pgc *c, int64_t id, const char *to, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_text(&args, to);
    return EXEC(Q_LAUNCH_BACK, &args, NULL, err, "launch back");
}

/* 'launching' -> change->to with launched_at, or back to change->from when
 * nobody was added (RC_INVALID); *recipients from the counters. */
static enum rc launch_finish_on(struct pgc *c, int64_t user_id, int64_t id,
                                const struct campaign_status_change *change, int64_t *recipients,
                                char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = recipients_total(c, id, NULL, recipients, err);
    if (rc != RC_OK) return rc;
    if (*recipients == 0) {
        rc = launch_back(c, id, change->from, err);
        return rc == RC_OK ? err_set(err, RC_INVALID, "campaign %lld: no eligible leads",
                                     (long long)id)
                           : rc;
    }
    struct campaign_status_change finish = *change;
    finish.from = "launching";
    return set_status_on(c, user_id, id, &finish, current, err);
}

/* The launch: each step its own short transaction, so other writers wait
 * for one batch at most, never for the whole population. */
static enum rc launch_on(struct pgc *c, int64_t user_id, int64_t id,
                         const struct campaign_status_change *change, int64_t *recipients,
                         char current[STORE_STATUS_LEN], struct err *err)
{
    enum rc rc = pg_begin(c, err);
    if (rc == RC_OK) rc = pg_end(c, launch_begin_on(c, user_id, id, change, current, err), err);
    if (rc != RC_OK) return rc;
    int64_t lo = 0, started = (int64_t)time(NULL);
    for (bool done = false; rc == RC_OK && !done;) {
        int64_t beat = change->now + (int64_t)time(NULL) - started; /* on the caller's clock */
        rc = pg_begin(c, err);
        if (rc == RC_OK)
            rc = pg_end(c, launch_batch_on(c, id, change->now, beat, &lo, &done, err), err);
    }
    if (rc == RC_OK) rc = pg_begin(c, err);
    if (rc == RC_OK)
        rc = pg_end(c, launch_finish_on(c, user_id, id, change, recipients, current, err), err);
    if (rc == RC_OK && *recipients >= POPULATE_ANALYZE_ROWS)
        rc = pg_command(c, "ANALYZE recipients", err);
    /* a conflict (another launch took it over) is not ours to undo */
    if (rc != RC_OK && rc != RC_INVALID && rc != RC_CONFLICT) {
        /* best effort: a draft again (what was added stays; a new launch adds the rest) */
        launch_back(c, id, change->from, NULL);
        snprintf(current, STORE_STATUS_LEN, "%s", change->from);
    }
    return rc;
}

static enum rc set_status_tx(struct store *st, int64_t user_id, int64_t id,
                             const struct campaign_status_change *change, int64_t *recipients,
                             char current[STORE_STATUS_LEN], struct err *err)
{
    if (change->populate)
        PG_OP(st, err, launch_on(c, user_id, id, change, recipients, current, err));
    PG_TX(st, err, set_status_on(c, user_id, id, change, current, err));
}

enum rc pg_campaign_set_status(struct store *st, int64_t user_id, int64_t id,
                               const struct campaign_status_change *change, int64_t *recipients,
                               char current[STORE_STATUS_LEN], struct err *err)
{
    *recipients = 0;
    current[0] = '\0';
    enum rc rc = set_status_tx(st, user_id, id, change, recipients, current, err);
    if (rc != RC_OK) *recipients = 0; /* rolled back */
    return rc;
}

/* How many recipients of status (NULL: all) the campaign has, from its counters. */
static enum rc recipients_total(struct pgc *c, int64_t id, const char *status, int64_t *total,
                                struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    PGresult *r = RUN(Q_COUNTS, &args, "campaign counts");
    if (!r) return RC_DB;
    struct recipient_stats stats = {0};
    for (int i = 0; PQntuples(r) > 0 && i < NSTATUS; i++)
        store_stats_add(&stats, statuses[i], pg_int(r, 0, i));
    PQclear(r);
    *total = store_stats_of(&stats, status);
    return RC_OK;
}

static void recipient_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct recipient *it = item;
    *it = (struct recipient){
        .lead_id = pg_int(r, i, 0),
        .email = pg_text(r, i, 1, a),
        .status = pg_text(r, i, 2, a),
        .current_step = pg_int(r, i, 3),
        .last_sent_at = pg_int(r, i, 4),
        .next_send_at = pg_int(r, i, 5),
        .attempts = pg_int(r, i, 6),
        .reason = pg_text(r, i, 7, a),
    };
}

/* A page by offset (after_id < 0) or by lead_id (keyset). */
static enum rc recipients_on(struct pgc *c, int64_t user_id, int64_t id, const char *status,
                             int64_t after_id, int64_t limit, int64_t offset, struct arena *a,
                             struct recipient **out, size_t *count, int64_t *total,
                             struct err *err)
{
    char state[STORE_STATUS_LEN];
    enum rc rc = read_state(c, Q_STATE, user_id, id, state, sizeof state, err);
    if (rc == RC_OK) rc = recipients_total(c, id, status, total, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    if (status) pg_arg_text(&args, status);
    if (after_id >= 0) pg_arg_int(&args, after_id);
    pg_arg_int(&args, limit);
    if (after_id < 0) pg_arg_int(&args, offset);
    int which = after_id < 0 ? (status ? Q_RECIPIENTS_OF_STATUS : Q_RECIPIENTS)
                             : (status ? Q_RECIPIENTS_AFTER_OF_STATUS : Q_RECIPIENTS_AFTER);
    PGresult *r = RUN(which, &args, "recipients");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, recipient_item, count);
    return RC_OK;
}

enum rc pg_campaign_recipients(struct store *st, int64_t user_id, int64_t id, const char *status,
                               int64_t limit, int64_t offset, struct arena *a,
                               struct recipient **out, size_t *count, int64_t *total,
                               struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err,
          recipients_on(c, user_id, id, status, -1, limit, offset, a, out, count, total, err));
}

enum rc pg_campaign_recipients_after(struct store *st, int64_t user_id, int64_t id,
                                     const char *status, int64_t after_id, int64_t limit,
                                     struct arena *a, struct recipient **out, size_t *count,
                                     int64_t *total, struct err *err)
{
    *out = NULL;
    *count = 0;
    if (after_id < 0) after_id = 0;
    PG_OP(st, err,
          recipients_on(c, user_id, id, status, after_id, limit, 0, a, out, count, total, err));
}
