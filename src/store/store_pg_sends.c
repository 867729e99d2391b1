/* PostgreSQL backend: what the campaign sender needs (due campaigns and
 * recipients, accounts with their day's claims, claim, record, reconcile;
 * threads, reply matching and inbox cursors).
 * Any number of workers in any number of processes may claim at once: a
 * claim locks, in this order, the campaign, the recipient, the account and
 * the owner's balance, so the daily counts it checks cannot move under it,
 * and the sends_once index refuses a second live send of one step. A lease
 * locks and moves out a batch of due recipients in one statement, skipping
 * rows other leases and claims hold, so concurrent workers take disjoint
 * batches. */
#include "store/store_pg_int.h"
#include "store/store_int.h"

#include <string.h>

enum sendq {
    Q_DUE,
    Q_DUE_RECIPIENTS,
    Q_LEASE,
    Q_RELEASE,
    Q_ACCOUNTS,
    Q_CAMPAIGN_LOCK,
    Q_RECIPIENT_LOCK,
    Q_ACCOUNT_LOCK,
    Q_CLAIMS_CAMPAIGN,
    Q_CLAIMS_ACCOUNT,
    Q_CHARGE,
    Q_LEDGER_CHARGED,
    Q_SEND_INSERT,
    Q_RECIPIENT_CLAIMED,
    Q_SEND_LOCK,
    Q_SEND_FINISH,
    Q_RECIPIENT_RECORD,
    Q_REFUND,
    Q_UNFINISHED,
    Q_STOP,
    Q_UNSUBSCRIBE,
    Q_SUPPRESSED,
    Q_THREAD,
    Q_MATCH_ID,
    Q_MATCH_FROM,
    Q_BY_LEAD,
    Q_POLLED,
    Q_SEALED_ONE,
    Q_ACCOUNT_STATE,
    Q_ACCOUNT_CURSOR,
    Q_ACCOUNT_RECONNECT,
    Q_ACCOUNT_SECRET,
    Q_COUNT
};

_Static_assert(PG_SENDS_BASE + Q_COUNT <= PG_MISC_BASE, "sender statements overflow their slots");

static const char *const sql[Q_COUNT] = {
    /* The earliest due time is one probe of the due index per campaign; an EXISTS here may
     * be planned as a semi-join that reads every due recipient (a million after a launch). */
    [Q_DUE] = "SELECT c.id, c.user_id, c.steps, c.daily_limit, c.batch_size, "
              "(SELECT COUNT(*) FROM sends s WHERE s.campaign_id = c.id AND s.claimed_at >= $3) "
              "FROM campaigns c WHERE c.status = $1 AND (SELECT MIN(r.next_send_at) "
              "FROM recipients r WHERE r.campaign_id = c.id AND r.next_send_at IS NOT NULL) <= $2 "
              "ORDER BY c.id LIMIT $4",
    [Q_DUE_RECIPIENTS] = "SELECT r.id, r.lead_id, r.current_step, r.attempts, r.email, "
                         "l.firstname, l.lastname, l.company, l.website, l.phones, l.description, "
                         PG_SUPPRESSED("c.user_id", "l") ", r.next_send_at FROM recipients r "
                         "JOIN leads l ON l.id = r.lead_id "
                         "JOIN campaigns c ON c.id = r.campaign_id "
                         "WHERE r.campaign_id = $1 AND r.next_send_at <= $2 "
                         "ORDER BY r.next_send_at, r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED",
    /* one statement: the batch is locked (skipping rows other leases and
     * claims hold), moved out to $4 and read with the due time it had */
    [Q_LEASE] = "WITH due AS (SELECT id, next_send_at FROM recipients "
                "WHERE campaign_id = $1 AND next_send_at <= $2 "
                "ORDER BY next_send_at, id LIMIT $3 FOR UPDATE SKIP LOCKED), "
                "leased AS (UPDATE recipients r SET next_send_at = $4 FROM due "
                "WHERE r.id = due.id RETURNING r.id, r.lead_id, r.current_step, r.attempts, "
                "r.email, due.next_send_at AS due_at) "
                "SELECT s.id, s.lead_id, s.current_step, s.attempts, s.email, l.firstname, "
                "l.lastname, l.company, l.website, l.phones, l.description, "
                PG_SUPPRESSED("c.user_id", "l") ", s.due_at FROM leased s "
                "JOIN leads l ON l.id = s.lead_id JOIN campaigns c ON c.id = $1 "
                "ORDER BY s.due_at, s.id",
    [Q_RELEASE] = "UPDATE recipients SET next_send_at = $2 WHERE id = $1 AND next_send_at = $3",
    [Q_ACCOUNTS] = "SELECT " PG_ACCOUNT_COLUMNS ", a.secret, (SELECT COUNT(*) FROM sends s "
                   "WHERE s.account_id = a.id AND s.claimed_at >= $2), (SELECT "
                   "COALESCE(MAX(s.claimed_at), 0) FROM sends s WHERE s.account_id = a.id) "
                   "FROM campaign_accounts ca JOIN accounts a ON a.id = ca.account_id "
                   "WHERE ca.campaign_id = $1 ORDER BY ca.position",
    [Q_CAMPAIGN_LOCK] = "SELECT user_id, status FROM campaigns WHERE id = $1 FOR NO KEY UPDATE",
    [Q_RECIPIENT_LOCK] = "SELECT current_step, next_send_at FROM recipients "
                         "WHERE id = $1 AND campaign_id = $2 FOR NO KEY UPDATE",
    [Q_ACCOUNT_LOCK] = "SELECT a.id FROM campaign_accounts ca JOIN accounts a ON a.id = ca.account_id "
                       "WHERE ca.campaign_id = $1 AND ca.account_id = $2 FOR NO KEY UPDATE OF a",
    [Q_CLAIMS_CAMPAIGN] = "SELECT COUNT(*) FROM sends WHERE campaign_id = $1 AND claimed_at >= $2",
    [Q_CLAIMS_ACCOUNT] = "SELECT COUNT(*) FROM sends WHERE account_id = $1 AND claimed_at >= $2",
    [Q_CHARGE] = "UPDATE users SET credits = credits - $2 WHERE id = $1 AND credits >= $2 "
                 "RETURNING credits",
    [Q_LEDGER_CHARGED] = "INSERT INTO credit_ledger (user_id, endpoint, amount, reserved, state, "
                         "request_id, created_at) VALUES ($1, $2, -$3::bigint, 0, 'charged', $4, $5) "
                         "RETURNING id",
    [Q_SEND_INSERT] = "INSERT INTO sends (campaign_id, recipient_id, account_id, step, message_id, "
                      "state, ledger_id, claimed_at) "
                      "VALUES ($1, $2, $3, $4, $5, 'sending', $6, $7) RETURNING id",
    /* changed_at moves only with the status (the right side reads the old row) */
    [Q_RECIPIENT_CLAIMED] = "UPDATE recipients SET status = $2, next_send_at = NULL, "
                            "changed_at = CASE WHEN status = $2 THEN changed_at "
                            "ELSE $3::bigint END WHERE id = $1",
    [Q_SEND_LOCK] = "SELECT recipient_id, state, COALESCE(ledger_id, 0) FROM sends WHERE id = $1 "
                    "FOR UPDATE",
    [Q_SEND_FINISH] = "UPDATE sends SET state = $2, smtp_code = $3, reason = $4, finished_at = $5 "
                      "WHERE id = $1",
    [Q_RECIPIENT_RECORD] = "UPDATE recipients SET status = $2, current_step = $3, attempts = $4, "
                           "reason = $5, next_send_at = NULLIF($6::bigint, 0), "
                           "last_sent_at = CASE WHEN $7::bigint > 0 THEN $7::bigint "
                           "ELSE last_sent_at END, changed_at = CASE WHEN status = $2 "
                           "THEN changed_at ELSE $8::bigint END WHERE id = $1",
    /* gives back the charge and closes its ledger row, once */
    [Q_REFUND] = "WITH l AS (SELECT id, user_id, amount FROM credit_ledger "
                 "WHERE id = $1 AND state = 'charged' FOR UPDATE), "
                 "r AS (UPDATE credit_ledger c SET state = 'released', amount = 0 FROM l "
                 "WHERE c.id = l.id) "
                 "UPDATE users SET credits = users.credits - l.amount FROM l WHERE users.id = l.user_id",
    [Q_UNFINISHED] = "SELECT s.id, s.campaign_id, s.recipient_id, s.step, s.account_id, "
                     "s.claimed_at, s.message_id, c.user_id, r.attempts, c.steps FROM sends s "
                     "JOIN campaigns c ON c.id = s.campaign_id "
                     "JOIN recipients r ON r.id = s.recipient_id "
                     "WHERE s.state = 'sending' ORDER BY s.id LIMIT $1",
    [Q_STOP] = "UPDATE recipients SET status = $2, reason = $3, next_send_at = NULL, "
               "changed_at = CASE WHEN status = $2 THEN changed_at ELSE $4::bigint END "
               "WHERE id = $1",
    [Q_UNSUBSCRIBE] = "INSERT INTO suppressions (user_id, value, reason, created_at) "
                      "SELECT c.user_id, l.email_key, 'unsubscribe', $2 FROM recipients r "
                      "JOIN campaigns c ON c.id = r.campaign_id JOIN leads l ON l.id = r.lead_id "
                      "WHERE r.id = $1 ON CONFLICT (user_id, value) DO NOTHING",
    [Q_SUPPRESSED] = "SELECT (" PG_SUPPRESSED("c.user_id", "l") ")::int FROM recipients r "
                     "JOIN campaigns c ON c.id = r.campaign_id "
                     "JOIN leads l ON l.id = r.lead_id WHERE r.id = $1",
    [Q_THREAD] = "SELECT message_id FROM sends WHERE recipient_id = $1 AND state = 'sent' "
                 "ORDER BY step, id",
    [Q_MATCH_ID] = "SELECT r.id, r.campaign_id, c.user_id, r.status, r.email FROM sends s "
                   "JOIN recipients r ON r.id = s.recipient_id "
                   "JOIN campaigns c ON c.id = r.campaign_id "
                   "WHERE s.message_id = $1 AND s.account_id = $2",
    [Q_MATCH_FROM] = "SELECT r.id, r.campaign_id, c.user_id, r.status, r.email FROM recipients r "
                     "JOIN campaigns c ON c.id = r.campaign_id WHERE r.email = $1 "
                     "AND EXISTS (SELECT 1 FROM sends s WHERE s.recipient_id = r.id "
                     "AND s.account_id = $2 AND s.state = 'sent') ORDER BY r.id DESC LIMIT 1",
    [Q_BY_LEAD] = "SELECT r.id, r.campaign_id, c.user_id, r.status, r.email FROM recipients r "
                  "JOIN campaigns c ON c.id = r.campaign_id "
                  "WHERE r.campaign_id = $1 AND r.lead_id = $2",
    [Q_POLLED] = "SELECT " PG_ACCOUNT_COLUMNS ", a.secret FROM accounts a WHERE a.state = 'ok' "
                 "AND (a.type = 'gmail' OR a.imap_host <> '') AND EXISTS (SELECT 1 FROM "
                 "campaign_accounts ca JOIN campaigns c ON c.id = ca.campaign_id "
                 "WHERE ca.account_id = a.id AND c.status IN ('active', 'paused')) ORDER BY a.id",
    [Q_SEALED_ONE] = "SELECT " PG_ACCOUNT_COLUMNS ", a.secret FROM accounts a "
                     "WHERE a.secret IS NOT NULL AND a.secret <> '' ORDER BY a.id LIMIT 1",
    [Q_ACCOUNT_STATE] = "UPDATE accounts SET state = $2, state_reason = $3 WHERE id = $1",
    [Q_ACCOUNT_CURSOR] = "UPDATE accounts SET imap_uidvalidity = $2, imap_last_uid = $3 "
                         "WHERE id = $1",
    [Q_ACCOUNT_RECONNECT] = "UPDATE accounts SET secret = $3, state = 'ok', state_reason = '' "
                            "WHERE id = $1 AND user_id = $2",
    [Q_ACCOUNT_SECRET] = "SELECT secret FROM accounts WHERE id = $1 AND user_id = $2",
};

#define RUN(id_, args_, what_) pg_run(c, PG_SENDS_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, changed_, what_)                                                          \
    pg_exec(c, PG_SENDS_BASE + (id_), sql[id_], (args_), (changed_), err, (what_))
#define ONE(id_, args_, out_, what_)                                                               \
    pg_one_int(c, PG_SENDS_BASE + (id_), sql[id_], (args_), (out_), err, (what_))

/* ---- reading ---------------------------------------------------------------- */

static void send_campaign_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct send_campaign *it = item;
    *it = (struct send_campaign){
        .id = pg_int(r, i, 0),
        .user_id = pg_int(r, i, 1),
        .steps = pg_text(r, i, 2, a),
        .daily_limit = pg_int(r, i, 3),
        .batch_size = pg_int(r, i, 4),
        .claimed_today = pg_int(r, i, 5),
    };
}

static enum rc due_on(struct pgc *c, const char *status, int64_t now, int64_t day_start,
                      int64_t limit, struct arena *a, struct send_campaign **out, size_t *count,
                      struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, status);
    pg_arg_int(&args, now);
    pg_arg_int(&args, day_start);
    pg_arg_int(&args, limit);
    PGresult *r = RUN(Q_DUE, &args, "due campaigns");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, send_campaign_item, count);
    return RC_OK;
}

enum rc pg_send_due(struct store *st, const char *status, int64_t now, int64_t day_start,
                    int64_t limit, struct arena *a, struct send_campaign **out, size_t *count,
                    struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, due_on(c, status, now, day_start, limit, a, out, count, err));
}

static void send_recipient_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct send_recipient *it = item;
    *it = (struct send_recipient){
        .id = pg_int(r, i, 0),
        .lead_id = pg_int(r, i, 1),
        .step = pg_int(r, i, 2),
        .attempts = pg_int(r, i, 3),
        .email = pg_text(r, i, 4, a),
        .firstname = pg_text(r, i, 5, a),
        .lastname = pg_text(r, i, 6, a),
        .company = pg_text(r, i, 7, a),
        .website = pg_text(r, i, 8, a),
        .phones = pg_text(r, i, 9, a),
        .description = pg_text(r, i, 10, a),
        .suppressed = strcmp(PQgetvalue(r, i, 11), "t") == 0,
        .due_at = pg_int(r, i, 12),
    };
}

/* The rows of Q_DUE_RECIPIENTS or Q_LEASE (consumes r). */
static void read_due(PGresult *r, int64_t lease_until, struct arena *a,
                     struct send_recipient **out, size_t *count)
{
    *out = pg_rows(r, a, sizeof **out, send_recipient_item, count);
    for (size_t i = 0; i < *count; i++)
        (*out)[i].lease_until = lease_until;
}

static enum rc recipients_on(struct pgc *c, int64_t campaign_id, int64_t now, int64_t limit,
                             struct arena *a, struct send_recipient **out, size_t *count,
                             struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, campaign_id);
    pg_arg_int(&args, now);
    pg_arg_int(&args, limit);
    PGresult *r = RUN(Q_DUE_RECIPIENTS, &args, "due recipients");
    if (!r) return RC_DB;
    read_due(r, 0, a, out, count);
    return RC_OK;
}

enum rc pg_send_recipients(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                           struct arena *a, struct send_recipient **out, size_t *count,
                           struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, recipients_on(c, campaign_id, now, limit, a, out, count, err));
}

static enum rc lease_on(struct pgc *c, int64_t campaign_id, int64_t now, int64_t limit,
                        int64_t lease_until, struct arena *a, struct send_recipient **out,
                        size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, campaign_id);
    pg_arg_int(&args, now);
    pg_arg_int(&args, limit);
    pg_arg_int(&args, lease_until);
    PGresult *r = RUN(Q_LEASE, &args, "lease");
    if (!r) return RC_DB;
    read_due(r, lease_until, a, out, count);
    return RC_OK;
}

enum rc pg_send_lease(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                      int64_t lease_until, struct arena *a, struct send_recipient **out,
                      size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, lease_on(c, campaign_id, now, limit, lease_until, a, out, count, err));
}

static enum rc release_on(struct pgc *c, const struct send_recipient *list, size_t count,
                          struct err *err)
{
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < count; i++) {
        if (!list[i].lease_until) continue;
        struct pg_args args = {0};
        pg_arg_int(&args, list[i].id);
        pg_arg_int(&args, list[i].due_at);
        pg_arg_int(&args, list[i].lease_until);
        rc = EXEC(Q_RELEASE, &args, NULL, "release");
    }
    return rc;
}

enum rc pg_send_release(struct store *st, const struct send_recipient *list, size_t count,
                        struct err *err)
{
    if (!store_any_leased(list, count)) return RC_OK;
    PG_TX(st, err, release_on(c, list, count, err));
}

static void send_account_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct send_account *sa = item;
    pg_account_from_row(r, i, a, &sa->account);
    sa->account.secret = pg_text(r, i, PG_ACCOUNT_NCOLS, a);
    sa->claimed_today = pg_int(r, i, PG_ACCOUNT_NCOLS + 1);
    sa->last_claimed_at = pg_int(r, i, PG_ACCOUNT_NCOLS + 2);
}

static enum rc accounts_on(struct pgc *c, int64_t campaign_id, int64_t day_start,
                           struct arena *a, struct send_account **out, size_t *count,
                           struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, campaign_id);
    pg_arg_int(&args, day_start);
    PGresult *r = RUN(Q_ACCOUNTS, &args, "sending accounts");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, send_account_item, count);
    return RC_OK;
}

enum rc pg_send_accounts(struct store *st, int64_t campaign_id, int64_t day_start,
                         struct arena *a, struct send_account **out, size_t *count,
                         struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, accounts_on(c, campaign_id, day_start, a, out, count, err));
}

static void send_unfinished_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct send_unfinished *it = item;
    *it = (struct send_unfinished){
        .send_id = pg_int(r, i, 0),
        .campaign_id = pg_int(r, i, 1),
        .recipient_id = pg_int(r, i, 2),
        .step = pg_int(r, i, 3),
        .account_id = pg_int(r, i, 4),
        .claimed_at = pg_int(r, i, 5),
        .message_id = pg_text(r, i, 6, a),
        .user_id = pg_int(r, i, 7),
        .attempts = pg_int(r, i, 8),
        .steps = pg_text(r, i, 9, a),
    };
}

static enum rc unfinished_on(struct pgc *c, int64_t limit, struct arena *a,
                             struct send_unfinished **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, limit);
    PGresult *r = RUN(Q_UNFINISHED, &args, "unfinished sends");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, send_unfinished_item, count);
    return RC_OK;
}

enum rc pg_send_unfinished(struct store *st, int64_t limit, struct arena *a,
                           struct send_unfinished **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, unfinished_on(c, limit, a, out, count, err));
}

/* ---- claim ------------------------------------------------------------------ */

/* Locks the campaign: its owner, or RC_CONFLICT unless it is in the claim's status. */
static enum rc claim_campaign(struct pgc *c, const struct send_claim *in, int64_t *owner,
                              struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, in->campaign_id);
    PGresult *r = RUN(Q_CAMPAIGN_LOCK, &args, "claim campaign");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    bool in_status = found && strcmp(PQgetvalue(r, 0, 1), in->campaign_status) == 0;
    if (found) *owner = pg_int(r, 0, 0);
    PQclear(r);
    if (!found)
        return err_set(err, RC_NOT_FOUND, "campaign %lld not found", (long long)in->campaign_id);
    if (!in_status)
        return err_set(err, RC_CONFLICT, "campaign %lld is no longer %s",
                       (long long)in->campaign_id, in->campaign_status);
    return RC_OK;
}

/* Locks the recipient and the account; RC_CONFLICT unless the recipient is
 * due, or held under the claim's lease, at the claimed step (not claimed by
 * another run). */
static enum rc claim_recipient(struct pgc *c, const struct send_claim *in, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, in->recipient_id);
    pg_arg_int(&args, in->campaign_id);
    PGresult *r = RUN(Q_RECIPIENT_LOCK, &args, "claim recipient");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    bool due = found && pg_int(r, 0, 0) == in->step && !pg_null(r, 0, 1) &&
               store_due_or_held(pg_int(r, 0, 1), in);
    PQclear(r);
    if (!found)
        return err_set(err, RC_NOT_FOUND, "recipient %lld is not in campaign %lld",
                       (long long)in->recipient_id, (long long)in->campaign_id);
    if (!due)
        return err_set(err, RC_CONFLICT, "recipient %lld is not due at step %lld",
                       (long long)in->recipient_id, (long long)in->step);
    struct pg_args one = {0};
    pg_arg_int(&one, in->recipient_id);
    int64_t on_list = 0;
    enum rc rc = ONE(Q_SUPPRESSED, &one, &on_list, "suppression");
    if (rc != RC_OK) return rc;
    if (on_list)
        return err_set(err, RC_CONFLICT, "recipient %lld is suppressed",
                       (long long)in->recipient_id);
    struct pg_args linked = {0};
    pg_arg_int(&linked, in->campaign_id);
    pg_arg_int(&linked, in->account_id);
    int64_t found_id;
    rc = ONE(Q_ACCOUNT_LOCK, &linked, &found_id, "claim account");
    if (rc == RC_NOT_FOUND)
        return err_set(err, RC_NOT_FOUND, "account %lld does not send for campaign %lld",
                       (long long)in->account_id, (long long)in->campaign_id);
    return rc;
}

static enum rc below_limit(struct pgc *c, int query, int64_t id, const char *what, int64_t limit,
                           int64_t day_start, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, id);
    pg_arg_int(&args, day_start);
    int64_t claimed = 0;
    enum rc rc = ONE(query, &args, &claimed, "claims today");
    if (rc != RC_OK) return rc;
    if (claimed >= limit)
        return err_set(err, RC_FORBIDDEN, "%s %lld reached its daily limit of %lld", what,
                       (long long)id, (long long)limit);
    return RC_OK;
}

/* Takes cost from the owner's balance with a 'charged' ledger row; *ledger_id 0 when free. */
static enum rc charge(struct pgc *c, const struct send_claim *in, int64_t owner,
                      int64_t *ledger_id, struct err *err)
{
    *ledger_id = 0;
    if (in->cost <= 0) return RC_OK;
    struct pg_args args = {0};
    pg_arg_int(&args, owner);
    pg_arg_int(&args, in->cost);
    int64_t balance;
    enum rc rc = ONE(Q_CHARGE, &args, &balance, "charge");
    if (rc == RC_NOT_FOUND)
        return err_set(err, RC_NO_CREDITS, "user %lld has no credits", (long long)owner);
    if (rc != RC_OK) return rc;
    struct pg_args ledger = {0};
    pg_arg_int(&ledger, owner);
    pg_arg_text(&ledger, in->endpoint);
    pg_arg_int(&ledger, in->cost);
    pg_arg_text(&ledger, in->message_id);
    pg_arg_int(&ledger, in->now);
    return ONE(Q_LEDGER_CHARGED, &ledger, ledger_id, "ledger charge");
}

static enum rc claim_on(struct pgc *c, const struct send_claim *in, int64_t *send_id,
                        struct err *err)
{
    int64_t owner = 0, ledger_id = 0;
    enum rc rc = claim_campaign(c, in, &owner, err);
    if (rc == RC_OK) rc = claim_recipient(c, in, err);
    if (rc == RC_OK)
        rc = below_limit(c, Q_CLAIMS_CAMPAIGN, in->campaign_id, "campaign", in->campaign_limit,
                         in->day_start, err);
    if (rc == RC_OK)
        rc = below_limit(c, Q_CLAIMS_ACCOUNT, in->account_id, "account", in->account_limit,
                         in->day_start, err);
    if (rc == RC_OK) rc = charge(c, in, owner, &ledger_id, err);
    if (rc != RC_OK) return rc;
    struct pg_args args = {0};
    pg_arg_int(&args, in->campaign_id);
    pg_arg_int(&args, in->recipient_id);
    pg_arg_int(&args, in->account_id);
    pg_arg_int(&args, in->step);
    pg_arg_text(&args, in->message_id);
    if (ledger_id) pg_arg_int(&args, ledger_id);
    else pg_arg_text(&args, NULL);
    pg_arg_int(&args, in->now);
    rc = ONE(Q_SEND_INSERT, &args, send_id, "send insert");
    if (rc != RC_OK) return rc;
    struct pg_args mark = {0};
    pg_arg_int(&mark, in->recipient_id);
    pg_arg_text(&mark, in->recipient_status);
    pg_arg_int(&mark, in->now);
    return EXEC(Q_RECIPIENT_CLAIMED, &mark, NULL, "recipient claim");
}

static enum rc claim_tx(struct store *st, const struct send_claim *claim, int64_t *send_id,
                        struct err *err)
{
    PG_TX(st, err, claim_on(c, claim, send_id, err));
}

enum rc pg_send_claim(struct store *st, const struct send_claim *claim, int64_t *send_id,
                      struct err *err)
{
    *send_id = 0;
    enum rc rc = claim_tx(st, claim, send_id, err);
    if (rc != RC_OK) *send_id = 0;
    return rc;
}

/* ---- record ----------------------------------------------------------------- */

static enum rc record_on(struct pgc *c, const struct send_result *in, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, in->send_id);
    PGresult *r = RUN(Q_SEND_LOCK, &args, "send get");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    int64_t recipient_id = found ? pg_int(r, 0, 0) : 0, ledger_id = found ? pg_int(r, 0, 2) : 0;
    bool sending = found && strcmp(PQgetvalue(r, 0, 1), "sending") == 0;
    PQclear(r);
    if (!found) return err_set(err, RC_NOT_FOUND, "send %lld not found", (long long)in->send_id);
    if (!sending)
        return err_set(err, RC_CONFLICT, "send %lld is already recorded", (long long)in->send_id);
    struct pg_args finish = {0};
    pg_arg_int(&finish, in->send_id);
    pg_arg_text(&finish, in->state);
    pg_arg_int(&finish, in->smtp_code);
    pg_arg_text(&finish, in->reason ? in->reason : "");
    pg_arg_int(&finish, in->now);
    enum rc rc = EXEC(Q_SEND_FINISH, &finish, NULL, "send finish");
    if (rc != RC_OK) return rc;
    struct pg_args rec = {0};
    pg_arg_int(&rec, recipient_id);
    pg_arg_text(&rec, in->recipient_status);
    pg_arg_int(&rec, in->recipient_step);
    pg_arg_int(&rec, in->attempts);
    pg_arg_text(&rec, in->reason ? in->reason : "");
    pg_arg_int(&rec, in->next_send_at);
    pg_arg_int(&rec, in->last_sent_at);
    pg_arg_int(&rec, in->now);
    rc = EXEC(Q_RECIPIENT_RECORD, &rec, NULL, "recipient record");
    if (rc != RC_OK || !in->refund || !ledger_id) return rc;
    struct pg_args back = {0};
    pg_arg_int(&back, ledger_id);
    return EXEC(Q_REFUND, &back, NULL, "refund");
}

enum rc pg_send_record(struct store *st, const struct send_result *result, struct err *err)
{
    PG_TX(st, err, record_on(c, result, err));
}

static enum rc stop_on(struct pgc *c, int64_t recipient_id, const char *status,
                       const char *reason, bool unsubscribe, int64_t now, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, recipient_id);
    pg_arg_text(&args, status);
    pg_arg_text(&args, reason ? reason : "");
    pg_arg_int(&args, now);
    int64_t changed = 0;
    enum rc rc = EXEC(Q_STOP, &args, &changed, "recipient stop");
    if (rc != RC_OK) return rc;
    if (changed == 0)
        return err_set(err, RC_NOT_FOUND, "recipient %lld not found", (long long)recipient_id);
    if (!unsubscribe) return RC_OK;
    struct pg_args unsub = {0};
    pg_arg_int(&unsub, recipient_id);
    pg_arg_int(&unsub, now);
    return EXEC(Q_UNSUBSCRIBE, &unsub, NULL, "unsubscribe");
}

enum rc pg_recipient_stop(struct store *st, int64_t recipient_id, const char *status,
                          const char *reason, bool unsubscribe, int64_t now, struct err *err)
{
    PG_TX(st, err, stop_on(c, recipient_id, status, reason, unsubscribe, now, err));
}

/* ---- replies, unsubscribes and accounts ------------------------------------ */

static enum rc thread_on(struct pgc *c, int64_t recipient_id, struct arena *a, const char ***ids,
                         size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, recipient_id);
    PGresult *r = RUN(Q_THREAD, &args, "send thread");
    if (!r) return RC_DB;
    *ids = pg_rows(r, a, sizeof **ids, pg_text_item, count);
    return RC_OK;
}

enum rc pg_send_thread(struct store *st, int64_t recipient_id, struct arena *a, const char ***ids,
                       size_t *count, struct err *err)
{
    *ids = NULL;
    *count = 0;
    PG_OP(st, err, thread_on(c, recipient_id, a, ids, count, err));
}

/* The first row of (recipient id, campaign id, user id, status, email) into
 * out; RC_NOT_FOUND when there is none. */
static enum rc read_match(PGresult *r, struct arena *a, struct send_match *out, struct err *err)
{
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    if (found)
        *out = (struct send_match){.recipient_id = pg_int(r, 0, 0),
                                   .campaign_id = pg_int(r, 0, 1),
                                   .user_id = pg_int(r, 0, 2),
                                   .status = pg_text(r, 0, 3, a),
                                   .email = pg_text(r, 0, 4, a)};
    PQclear(r);
    return found ? RC_OK : err_set(err, RC_NOT_FOUND, "no recipient matches");
}

static enum rc match_on(struct pgc *c, int64_t account_id, const char *const *refs, size_t nrefs,
                        const char *from, struct arena *a, struct send_match *out,
                        struct err *err)
{
    for (size_t i = 0; i < nrefs; i++) {
        struct pg_args args = {0};
        pg_arg_text(&args, refs[i]);
        pg_arg_int(&args, account_id);
        struct err miss = {0};
        enum rc rc = read_match(RUN(Q_MATCH_ID, &args, "recipient match"), a, out, &miss);
        if (rc != RC_NOT_FOUND) return rc;
    }
    if (!from) return err_set(err, RC_NOT_FOUND, "no recipient matches");
    struct pg_args args = {0};
    pg_arg_text(&args, from);
    pg_arg_int(&args, account_id);
    return read_match(RUN(Q_MATCH_FROM, &args, "recipient match"), a, out, err);
}

enum rc pg_send_match(struct store *st, int64_t account_id, const char *const *refs, size_t nrefs,
                      const char *from, struct arena *a, struct send_match *out, struct err *err)
{
    PG_OP(st, err, match_on(c, account_id, refs, nrefs, from, a, out, err));
}

static enum rc by_lead_on(struct pgc *c, int64_t campaign_id, int64_t lead_id, struct arena *a,
                          struct send_match *out, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, campaign_id);
    pg_arg_int(&args, lead_id);
    return read_match(RUN(Q_BY_LEAD, &args, "recipient by lead"), a, out, err);
}

enum rc pg_recipient_by_lead(struct store *st, int64_t campaign_id, int64_t lead_id,
                             struct arena *a, struct send_match *out, struct err *err)
{
    PG_OP(st, err, by_lead_on(c, campaign_id, lead_id, a, out, err));
}

static void account_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct account *it = item;
    pg_account_from_row(r, i, a, it);
    it->secret = pg_text(r, i, PG_ACCOUNT_NCOLS, a);
}

static enum rc polled_on(struct pgc *c, struct arena *a, struct account **out, size_t *count,
                         struct err *err)
{
    PGresult *r = RUN(Q_POLLED, NULL, "polled accounts");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, account_item, count);
    return RC_OK;
}

enum rc pg_accounts_polled(struct store *st, struct arena *a, struct account **out, size_t *count,
                           struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, polled_on(c, a, out, count, err));
}

static enum rc sealed_one_on(struct pgc *c, struct arena *a, struct account *out,
                             struct err *err)
{
    PGresult *r = RUN(Q_SEALED_ONE, NULL, "sealed account");
    if (!r) return RC_DB;
    enum rc rc = PQntuples(r) ? RC_OK : RC_NOT_FOUND;
    if (rc == RC_OK) {
        pg_account_from_row(r, 0, a, out);
        out->secret = pg_text(r, 0, PG_ACCOUNT_NCOLS, a);
    }
    PQclear(r);
    return rc;
}

enum rc pg_account_sealed_one(struct store *st, struct arena *a, struct account *out,
                              struct err *err)
{
    PG_OP(st, err, sealed_one_on(c, a, out, err));
}

static enum rc set_state_on(struct pgc *c, int64_t account_id, const char *state,
                            const char *reason, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, account_id);
    pg_arg_text(&args, state);
    pg_arg_text(&args, reason ? reason : "");
    return EXEC(Q_ACCOUNT_STATE, &args, NULL, "account state");
}

enum rc pg_account_set_state(struct store *st, int64_t account_id, const char *state,
                             const char *reason, struct err *err)
{
    PG_OP(st, err, set_state_on(c, account_id, state, reason, err));
}

static enum rc set_cursor_on(struct pgc *c, int64_t account_id, int64_t uidvalidity,
                             int64_t last_uid, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, account_id);
    pg_arg_int(&args, uidvalidity);
    pg_arg_int(&args, last_uid);
    return EXEC(Q_ACCOUNT_CURSOR, &args, NULL, "account cursor");
}

enum rc pg_account_set_cursor(struct store *st, int64_t account_id, int64_t uidvalidity,
                              int64_t last_uid, struct err *err)
{
    PG_OP(st, err, set_cursor_on(c, account_id, uidvalidity, last_uid, err));
}

static enum rc reconnect_on(struct pgc *c, int64_t user_id, int64_t account_id,
                            const char *secret, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, account_id);
    pg_arg_int(&args, user_id);
    pg_arg_text(&args, secret);
    return EXEC(Q_ACCOUNT_RECONNECT, &args, NULL, "account reconnect");
}

enum rc pg_account_reconnect(struct store *st, int64_t user_id, int64_t account_id,
                             const char *secret, struct err *err)
{
    PG_OP(st, err, reconnect_on(c, user_id, account_id, secret, err));
}

static enum rc secret_on(struct pgc *c, int64_t user_id, int64_t account_id, struct arena *a,
                         const char **secret, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, account_id);
    pg_arg_int(&args, user_id);
    PGresult *r = RUN(Q_ACCOUNT_SECRET, &args, "account secret");
    if (!r) return RC_DB;
    enum rc rc = PQntuples(r) ? RC_OK : err_set(err, RC_NOT_FOUND, "Account not found.");
    *secret = rc == RC_OK ? pg_text(r, 0, 0, a) : NULL;
    PQclear(r);
    return rc;
}

enum rc pg_account_secret(struct store *st, int64_t user_id, int64_t account_id,
                          struct arena *a, const char **secret, struct err *err)
{
    PG_OP(st, err, secret_on(c, user_id, account_id, a, secret, err));
}
