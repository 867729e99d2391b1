/* SQLite backend: what the campaign sender needs (due campaigns and
 * recipients, accounts with their day's claims, claim, record, reconcile).
 * A claim checks, charges, counts and marks in one BEGIN IMMEDIATE transaction. */
#include "store/store_sqlite_int.h"
#include "store/store_int.h"

#include <string.h>

enum sendq {
    Q_DUE,
    Q_DUE_RECIPIENTS,
    Q_LEASE,
    Q_RELEASE,
    Q_ACCOUNTS,
    Q_CAMPAIGN,
    Q_RECIPIENT,
    Q_ACCOUNT_LINKED,
    Q_CLAIMS_CAMPAIGN,
    Q_CLAIMS_ACCOUNT,
    Q_CHARGE,
    Q_LEDGER_CHARGED,
    Q_SEND_INSERT,
    Q_RECIPIENT_CLAIMED,
    Q_SEND_GET,
    Q_SEND_FINISH,
    Q_RECIPIENT_RECORD,
    Q_REFUND,
    Q_LEDGER_RELEASE,
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

static const char *const sendq_sql[Q_COUNT] = {
    /* the earliest due time: one probe of recipients_due per campaign (as on PostgreSQL) */
    [Q_DUE] = "SELECT c.id, c.user_id, c.steps, c.daily_limit, c.batch_size, "
              "(SELECT COUNT(*) FROM sends s WHERE s.campaign_id = c.id AND s.claimed_at >= ?3) "
              "FROM campaigns c WHERE c.status = ?1 AND (SELECT MIN(r.next_send_at) "
              "FROM recipients r WHERE r.campaign_id = c.id AND r.next_send_at IS NOT NULL) <= ?2 "
              "ORDER BY c.id LIMIT ?4",
    [Q_DUE_RECIPIENTS] = "SELECT r.id, r.lead_id, r.current_step, r.attempts, r.email, "
                         "l.firstname, l.lastname, l.company, l.website, l.phones, l.description, "
                         SQ_SUPPRESSED("c.user_id", "l") ", r.next_send_at FROM recipients r "
                         "JOIN leads l ON l.id = r.lead_id "
                         "JOIN campaigns c ON c.id = r.campaign_id "
                         "WHERE r.campaign_id = ?1 AND r.next_send_at <= ?2 "
                         "ORDER BY r.next_send_at, r.id LIMIT ?3",
    [Q_LEASE] = "UPDATE recipients SET next_send_at = ?2 WHERE id = ?1",
    [Q_RELEASE] = "UPDATE recipients SET next_send_at = ?2 WHERE id = ?1 AND next_send_at = ?3",
    [Q_ACCOUNTS] = "SELECT " SQ_ACCOUNT_COLUMNS ", a.secret, (SELECT COUNT(*) FROM sends s "
                   "WHERE s.account_id = a.id AND s.claimed_at >= ?2), (SELECT "
                   "COALESCE(MAX(s.claimed_at), 0) FROM sends s WHERE s.account_id = a.id) "
                   "FROM campaign_accounts ca JOIN accounts a ON a.id = ca.account_id "
                   "WHERE ca.campaign_id = ?1 ORDER BY ca.position",
    [Q_CAMPAIGN] = "SELECT user_id, status FROM campaigns WHERE id = ?1",
    [Q_RECIPIENT] = "SELECT current_step, next_send_at FROM recipients "
                    "WHERE id = ?1 AND campaign_id = ?2",
    [Q_ACCOUNT_LINKED] = "SELECT account_id FROM campaign_accounts "
                         "WHERE campaign_id = ?1 AND account_id = ?2",
    [Q_CLAIMS_CAMPAIGN] = "SELECT COUNT(*) FROM sends WHERE campaign_id = ?1 AND claimed_at >= ?2",
    [Q_CLAIMS_ACCOUNT] = "SELECT COUNT(*) FROM sends WHERE account_id = ?1 AND claimed_at >= ?2",
    [Q_CHARGE] = "UPDATE users SET credits = credits - ?2 WHERE id = ?1 AND credits >= ?2 "
                 "RETURNING credits",
    [Q_LEDGER_CHARGED] = "INSERT INTO credit_ledger (user_id, endpoint, amount, reserved, state, "
                         "request_id, created_at) VALUES (?1, ?2, -?3, 0, 'charged', ?4, ?5) "
                         "RETURNING id",
    [Q_SEND_INSERT] = "INSERT INTO sends (campaign_id, recipient_id, account_id, step, message_id, "
                      "state, ledger_id, claimed_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, 'sending', ?6, ?7) RETURNING id",
    /* changed_at moves only with the status (the right side reads the old row) */
    [Q_RECIPIENT_CLAIMED] = "UPDATE recipients SET status = ?2, next_send_at = NULL, "
                            "changed_at = CASE WHEN status = ?2 THEN changed_at ELSE ?3 END "
                            "WHERE id = ?1",
    [Q_SEND_GET] = "SELECT recipient_id, state, COALESCE(ledger_id, 0) FROM sends WHERE id = ?1",
    [Q_SEND_FINISH] = "UPDATE sends SET state = ?2, smtp_code = ?3, reason = ?4, finished_at = ?5 "
                      "WHERE id = ?1",
    [Q_RECIPIENT_RECORD] = "UPDATE recipients SET status = ?2, current_step = ?3, attempts = ?4, "
                           "reason = ?5, next_send_at = NULLIF(?6, 0), "
                           "last_sent_at = CASE WHEN ?7 > 0 THEN ?7 ELSE last_sent_at END, "
                           "changed_at = CASE WHEN status = ?2 THEN changed_at ELSE ?8 END "
                           "WHERE id = ?1",
    [Q_REFUND] = "UPDATE users SET credits = credits - l.amount FROM credit_ledger l "
                 "WHERE l.id = ?1 AND l.state = 'charged' AND users.id = l.user_id",
    [Q_LEDGER_RELEASE] = "UPDATE credit_ledger SET state = 'released', amount = 0 "
                         "WHERE id = ?1 AND state = 'charged'",
    [Q_UNFINISHED] = "SELECT s.id, s.campaign_id, s.recipient_id, s.step, s.account_id, "
                     "s.claimed_at, s.message_id, c.user_id, r.attempts, c.steps FROM sends s "
                     "JOIN campaigns c ON c.id = s.campaign_id "
                     "JOIN recipients r ON r.id = s.recipient_id "
                     "WHERE s.state = 'sending' ORDER BY s.id LIMIT ?1",
    [Q_STOP] = "UPDATE recipients SET status = ?2, reason = ?3, next_send_at = NULL, "
               "changed_at = CASE WHEN status = ?2 THEN changed_at ELSE ?4 END WHERE id = ?1",
    [Q_UNSUBSCRIBE] = "INSERT INTO suppressions (user_id, value, reason, created_at) "
                      "SELECT c.user_id, l.email_key, 'unsubscribe', ?2 FROM recipients r "
                      "JOIN campaigns c ON c.id = r.campaign_id JOIN leads l ON l.id = r.lead_id "
                      "WHERE r.id = ?1 ON CONFLICT (user_id, value) DO NOTHING",
    [Q_SUPPRESSED] = "SELECT " SQ_SUPPRESSED("c.user_id", "l") " FROM recipients r "
                     "JOIN campaigns c ON c.id = r.campaign_id "
                     "JOIN leads l ON l.id = r.lead_id WHERE r.id = ?1",
    [Q_THREAD] = "SELECT message_id FROM sends WHERE recipient_id = ?1 AND state = 'sent' "
                 "ORDER BY step, id",
    [Q_MATCH_ID] = "SELECT r.id, r.campaign_id, c.user_id, r.status, r.email FROM sends s "
                   "JOIN recipients r ON r.id = s.recipient_id "
                   "JOIN campaigns c ON c.id = r.campaign_id "
                   "WHERE s.message_id = ?1 AND s.account_id = ?2",
    [Q_MATCH_FROM] = "SELECT r.id, r.campaign_id, c.user_id, r.status, r.email FROM recipients r "
                     "JOIN campaigns c ON c.id = r.campaign_id WHERE r.email = ?1 "
                     "AND EXISTS (SELECT 1 FROM sends s WHERE s.recipient_id = r.id "
                     "AND s.account_id = ?2 AND s.state = 'sent') ORDER BY r.id DESC LIMIT 1",
    [Q_BY_LEAD] = "SELECT r.id, r.campaign_id, c.user_id, r.status, r.email FROM recipients r "
                  "JOIN campaigns c ON c.id = r.campaign_id "
                  "WHERE r.campaign_id = ?1 AND r.lead_id = ?2",
    [Q_POLLED] = "SELECT " SQ_ACCOUNT_COLUMNS ", a.secret FROM accounts a WHERE a.state = 'ok' "
                 "AND (a.type = 'gmail' OR a.imap_host <> '') AND EXISTS (SELECT 1 FROM "
                 "campaign_accounts ca JOIN campaigns c ON c.id = ca.campaign_id "
                 "WHERE ca.account_id = a.id AND c.status IN ('active', 'paused')) ORDER BY a.id",
    [Q_SEALED_ONE] = "SELECT " SQ_ACCOUNT_COLUMNS ", a.secret FROM accounts a "
                     "WHERE a.secret IS NOT NULL AND a.secret <> '' ORDER BY a.id LIMIT 1",
    [Q_ACCOUNT_STATE] = "UPDATE accounts SET state = ?2, state_reason = ?3 WHERE id = ?1",
    [Q_ACCOUNT_CURSOR] = "UPDATE accounts SET imap_uidvalidity = ?2, imap_last_uid = ?3 "
                         "WHERE id = ?1",
    [Q_ACCOUNT_RECONNECT] = "UPDATE accounts SET secret = ?3, state = 'ok', state_reason = '' "
                            "WHERE id = ?1 AND user_id = ?2",
    [Q_ACCOUNT_SECRET] = "SELECT secret FROM accounts WHERE id = ?1 AND user_id = ?2",
};

_Static_assert(SQ_SENDS_BASE + Q_COUNT <= SQ_AUTO_BASE, "sender statements overflow their slots");

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_SENDS_BASE + (id_), sendq_sql[id_], err);                   \
    if (!var_) return RC_DB

/* ---- reading --------------------------------------------------------------- */

enum rc sq_send_due(struct store *st, const char *status, int64_t now, int64_t day_start,
                    int64_t limit, struct arena *a, struct send_campaign **out, size_t *count,
                    struct err *err)
{
    CONN(st, err);
    Q(q, Q_DUE);
    sq_bind_text(q, 1, status);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, day_start);
    sqlite3_bind_int64(q, 4, limit);
    size_t n = 0, cap = 0;
    struct send_campaign *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct send_campaign){
            .id = sqlite3_column_int64(q, 0),
            .user_id = sqlite3_column_int64(q, 1),
            .steps = sq_col_text(q, 2, a),
            .daily_limit = sqlite3_column_int64(q, 3),
            .batch_size = sqlite3_column_int64(q, 4),
            .claimed_today = sqlite3_column_int64(q, 5),
        };
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "due campaigns");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

/* Reads the due recipients of Q_DUE_RECIPIENTS (bound) into *out. */
static enum rc read_due(struct conn *c, sqlite3_stmt *q, struct arena *a,
                        struct send_recipient **out, size_t *count, struct err *err)
{
    size_t n = 0, cap = 0;
    struct send_recipient *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct send_recipient){
            .id = sqlite3_column_int64(q, 0),
            .lead_id = sqlite3_column_int64(q, 1),
            .step = sqlite3_column_int64(q, 2),
            .attempts = sqlite3_column_int64(q, 3),
            .email = sq_col_text(q, 4, a),
            .firstname = sq_col_text(q, 5, a),
            .lastname = sq_col_text(q, 6, a),
            .company = sq_col_text(q, 7, a),
            .website = sq_col_text(q, 8, a),
            .phones = sq_col_text(q, 9, a),
            .description = sq_col_text(q, 10, a),
            .suppressed = sqlite3_column_int64(q, 11) != 0,
            .due_at = sqlite3_column_int64(q, 12),
        };
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "due recipients");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_send_recipients(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                           struct arena *a, struct send_recipient **out, size_t *count,
                           struct err *err)
{
    CONN(st, err);
    Q(q, Q_DUE_RECIPIENTS);
    sqlite3_bind_int64(q, 1, campaign_id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, limit);
    return read_due(c, q, a, out, count, err);
}

/* Reads the batch first, then moves it out: updating next_send_at while
 * stepping through the index on it could meet a row twice. */
static enum rc lease_in_tx(struct conn *c, int64_t campaign_id, int64_t now, int64_t limit,
                           int64_t lease_until, struct arena *a, struct send_recipient **out,
                           size_t *count, struct err *err)
{
    Q(q, Q_DUE_RECIPIENTS);
    sqlite3_bind_int64(q, 1, campaign_id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, limit);
    enum rc rc = read_due(c, q, a, out, count, err);
    for (size_t i = 0; rc == RC_OK && i < *count; i++) {
        Q(lease, Q_LEASE);
        sqlite3_bind_int64(lease, 1, (*out)[i].id);
        sqlite3_bind_int64(lease, 2, lease_until);
        rc = sq_exec(c, lease, err, "lease");
        (*out)[i].lease_until = lease_until;
    }
    return rc;
}

enum rc sq_send_lease(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                      int64_t lease_until, struct arena *a, struct send_recipient **out,
                      size_t *count, struct err *err)
{
    CONN(st, err);
    *out = NULL;
    *count = 0;
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    rc = sq_end(c, lease_in_tx(c, campaign_id, now, limit, lease_until, a, out, count, err), err);
    if (rc != RC_OK) *count = 0;
    return rc;
}

static enum rc release_in_tx(struct conn *c, const struct send_recipient *list, size_t count,
                             struct err *err)
{
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < count; i++) {
        if (!list[i].lease_until) continue;
        Q(release, Q_RELEASE);
        sqlite3_bind_int64(release, 1, list[i].id);
        sqlite3_bind_int64(release, 2, list[i].due_at);
        sqlite3_bind_int64(release, 3, list[i].lease_until);
        rc = sq_exec(c, release, err, "release");
    }
    return rc;
}

enum rc sq_send_release(struct store *st, const struct send_recipient *list, size_t count,
                        struct err *err)
{
    if (!store_any_leased(list, count)) return RC_OK; /* no write lock for nothing */
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, release_in_tx(c, list, count, err), err);
}

enum rc sq_send_accounts(struct store *st, int64_t campaign_id, int64_t day_start,
                         struct arena *a, struct send_account **out, size_t *count,
                         struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNTS);
    sqlite3_bind_int64(q, 1, campaign_id);
    sqlite3_bind_int64(q, 2, day_start);
    size_t n = 0, cap = 0;
    struct send_account *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        struct send_account *sa = &list[n++];
        sq_account_from_row(q, a, &sa->account);
        sa->account.secret = sq_col_text(q, SQ_ACCOUNT_NCOLS, a);
        sa->claimed_today = sqlite3_column_int64(q, SQ_ACCOUNT_NCOLS + 1);
        sa->last_claimed_at = sqlite3_column_int64(q, SQ_ACCOUNT_NCOLS + 2);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "sending accounts");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_send_unfinished(struct store *st, int64_t limit, struct arena *a,
                           struct send_unfinished **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_UNFINISHED);
    sqlite3_bind_int64(q, 1, limit);
    size_t n = 0, cap = 0;
    struct send_unfinished *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct send_unfinished){
            .send_id = sqlite3_column_int64(q, 0),
            .campaign_id = sqlite3_column_int64(q, 1),
            .recipient_id = sqlite3_column_int64(q, 2),
            .step = sqlite3_column_int64(q, 3),
            .account_id = sqlite3_column_int64(q, 4),
            .claimed_at = sqlite3_column_int64(q, 5),
            .message_id = sq_col_text(q, 6, a),
            .user_id = sqlite3_column_int64(q, 7),
            .attempts = sqlite3_column_int64(q, 8),
            .steps = sq_col_text(q, 9, a),
        };
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "unfinished sends");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

/* ---- claim ----------------------------------------------------------------- */

/* The campaign's owner, or RC_CONFLICT unless it is in the claim's status. */
static enum rc claim_campaign(struct conn *c, const struct send_claim *in, int64_t *owner,
                              struct err *err)
{
    Q(q, Q_CAMPAIGN);
    sqlite3_bind_int64(q, 1, in->campaign_id);
    int r = sqlite3_step(q);
    bool in_status = r == SQLITE_ROW &&
                     strcmp((const char *)sqlite3_column_text(q, 1), in->campaign_status) == 0;
    if (r == SQLITE_ROW) *owner = sqlite3_column_int64(q, 0);
    sq_done(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return sq_fail(c, err, "claim campaign");
    if (r == SQLITE_DONE)
        return err_set(err, RC_NOT_FOUND, "campaign %lld not found", (long long)in->campaign_id);
    if (!in_status)
        return err_set(err, RC_CONFLICT, "campaign %lld is no longer %s",
                       (long long)in->campaign_id, in->campaign_status);
    return RC_OK;
}

/* RC_CONFLICT unless the recipient is due, or held under the claim's lease, at the claimed
 * step (not claimed by another run). */
static enum rc claim_recipient(struct conn *c, const struct send_claim *in, struct err *err)
{
    Q(q, Q_RECIPIENT);
    sqlite3_bind_int64(q, 1, in->recipient_id);
    sqlite3_bind_int64(q, 2, in->campaign_id);
    int r = sqlite3_step(q);
    bool due = r == SQLITE_ROW && sqlite3_column_int64(q, 0) == in->step &&
               sqlite3_column_type(q, 1) != SQLITE_NULL &&
               store_due_or_held(sqlite3_column_int64(q, 1), in);
    sq_done(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return sq_fail(c, err, "claim recipient");
    if (r == SQLITE_DONE)
        return err_set(err, RC_NOT_FOUND, "recipient %lld is not in campaign %lld",
                       (long long)in->recipient_id, (long long)in->campaign_id);
    if (!due)
        return err_set(err, RC_CONFLICT, "recipient %lld is not due at step %lld",
                       (long long)in->recipient_id, (long long)in->step);
    Q(suppressed, Q_SUPPRESSED);
    sqlite3_bind_int64(suppressed, 1, in->recipient_id);
    int64_t on_list = 0;
    enum rc rc = sq_step_int(c, suppressed, &on_list, err, "suppression");
    if (rc != RC_OK) return rc;
    if (on_list)
        return err_set(err, RC_CONFLICT, "recipient %lld is suppressed",
                       (long long)in->recipient_id);
    Q(linked, Q_ACCOUNT_LINKED);
    sqlite3_bind_int64(linked, 1, in->campaign_id);
    sqlite3_bind_int64(linked, 2, in->account_id);
    int64_t found;
    rc = sq_step_int(c, linked, &found, err, "claim account");
    if (rc == RC_NOT_FOUND)
        return err_set(err, RC_NOT_FOUND, "account %lld does not send for campaign %lld",
                       (long long)in->account_id, (long long)in->campaign_id);
    return rc;
}

static enum rc below_limit(struct conn *c, int query, int64_t id, const char *what,
                           int64_t limit, int64_t day_start, struct err *err)
{
    Q(q, query);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, day_start);
    int64_t claimed = 0;
    enum rc rc = sq_step_int(c, q, &claimed, err, "claims today");
    if (rc != RC_OK) return rc;
    if (claimed >= limit)
        return err_set(err, RC_FORBIDDEN, "%s %lld reached its daily limit of %lld", what,
                       (long long)id, (long long)limit);
    return RC_OK;
}

/* Takes cost from the owner's balance with a 'charged' ledger row; *ledger_id 0 when free. */
static enum rc charge(struct conn *c, const struct send_claim *in, int64_t owner,
                      int64_t *ledger_id, struct err *err)
{
    *ledger_id = 0;
    if (in->cost <= 0) return RC_OK;
    Q(take, Q_CHARGE);
    sqlite3_bind_int64(take, 1, owner);
    sqlite3_bind_int64(take, 2, in->cost);
    int64_t balance;
    enum rc rc = sq_step_int(c, take, &balance, err, "charge");
    if (rc == RC_NOT_FOUND)
        return err_set(err, RC_NO_CREDITS, "user %lld has no credits", (long long)owner);
    if (rc != RC_OK) return rc;
    Q(ledger, Q_LEDGER_CHARGED);
    sqlite3_bind_int64(ledger, 1, owner);
    sq_bind_text(ledger, 2, in->endpoint);
    sqlite3_bind_int64(ledger, 3, in->cost);
    sq_bind_text(ledger, 4, in->message_id);
    sqlite3_bind_int64(ledger, 5, in->now);
    return sq_step_int(c, ledger, ledger_id, err, "ledger charge");
}

static enum rc claim_in_tx(struct conn *c, const struct send_claim *in, int64_t *send_id,
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
    Q(insert, Q_SEND_INSERT);
    sqlite3_bind_int64(insert, 1, in->campaign_id);
    sqlite3_bind_int64(insert, 2, in->recipient_id);
    sqlite3_bind_int64(insert, 3, in->account_id);
    sqlite3_bind_int64(insert, 4, in->step);
    sq_bind_text(insert, 5, in->message_id);
    if (ledger_id) sqlite3_bind_int64(insert, 6, ledger_id);
    sqlite3_bind_int64(insert, 7, in->now);
    rc = sq_step_int(c, insert, send_id, err, "send insert");
    if (rc != RC_OK) return rc;
    Q(mark, Q_RECIPIENT_CLAIMED);
    sqlite3_bind_int64(mark, 1, in->recipient_id);
    sq_bind_text(mark, 2, in->recipient_status);
    sqlite3_bind_int64(mark, 3, in->now);
    return sq_exec(c, mark, err, "recipient claim");
}

enum rc sq_send_claim(struct store *st, const struct send_claim *claim, int64_t *send_id,
                      struct err *err)
{
    CONN(st, err);
    *send_id = 0;
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    rc = sq_end(c, claim_in_tx(c, claim, send_id, err), err);
    if (rc != RC_OK) *send_id = 0;
    return rc;
}

/* ---- record ---------------------------------------------------------------- */

static enum rc refund(struct conn *c, int64_t ledger_id, struct err *err)
{
    if (!ledger_id) return RC_OK;
    Q(back, Q_REFUND);
    sqlite3_bind_int64(back, 1, ledger_id);
    enum rc rc = sq_exec(c, back, err, "refund");
    if (rc != RC_OK) return rc;
    Q(release, Q_LEDGER_RELEASE);
    sqlite3_bind_int64(release, 1, ledger_id);
    return sq_exec(c, release, err, "ledger release");
}

static enum rc record_in_tx(struct conn *c, const struct send_result *in, struct err *err)
{
    Q(get, Q_SEND_GET);
    sqlite3_bind_int64(get, 1, in->send_id);
    int r = sqlite3_step(get);
    int64_t recipient_id = 0, ledger_id = 0;
    bool sending = false;
    if (r == SQLITE_ROW) {
        recipient_id = sqlite3_column_int64(get, 0);
        sending = strcmp((const char *)sqlite3_column_text(get, 1), "sending") == 0;
        ledger_id = sqlite3_column_int64(get, 2);
    }
    sq_done(get);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return sq_fail(c, err, "send get");
    if (r == SQLITE_DONE)
        return err_set(err, RC_NOT_FOUND, "send %lld not found", (long long)in->send_id);
    if (!sending)
        return err_set(err, RC_CONFLICT, "send %lld is already recorded", (long long)in->send_id);
    Q(finish, Q_SEND_FINISH);
    sqlite3_bind_int64(finish, 1, in->send_id);
    sq_bind_text(finish, 2, in->state);
    sqlite3_bind_int64(finish, 3, in->smtp_code);
    sq_bind_text(finish, 4, in->reason ? in->reason : "");
    sqlite3_bind_int64(finish, 5, in->now);
    enum rc rc = sq_exec(c, finish, err, "send finish");
    if (rc != RC_OK) return rc;
    Q(rec, Q_RECIPIENT_RECORD);
    sqlite3_bind_int64(rec, 1, recipient_id);
    sq_bind_text(rec, 2, in->recipient_status);
    sqlite3_bind_int64(rec, 3, in->recipient_step);
    sqlite3_bind_int64(rec, 4, in->attempts);
    sq_bind_text(rec, 5, in->reason ? in->reason : "");
    sqlite3_bind_int64(rec, 6, in->next_send_at);
    sqlite3_bind_int64(rec, 7, in->last_sent_at);
    sqlite3_bind_int64(rec, 8, in->now);
    rc = sq_exec(c, rec, err, "recipient record");
    if (rc == RC_OK && in->refund) rc = refund(c, ledger_id, err);
    return rc;
}

enum rc sq_send_record(struct store *st, const struct send_result *result, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, record_in_tx(c, result, err), err);
}

static enum rc stop_in_tx(struct conn *c, int64_t recipient_id, const char *status,
                          const char *reason, bool unsubscribe, int64_t now, struct err *err)
{
    Q(stop, Q_STOP);
    sqlite3_bind_int64(stop, 1, recipient_id);
    sq_bind_text(stop, 2, status);
    sq_bind_text(stop, 3, reason ? reason : "");
    sqlite3_bind_int64(stop, 4, now);
    enum rc rc = sq_exec(c, stop, err, "recipient stop");
    if (rc != RC_OK) return rc;
    if (sqlite3_changes(sq_db(c)) == 0)
        return err_set(err, RC_NOT_FOUND, "recipient %lld not found", (long long)recipient_id);
    if (!unsubscribe) return RC_OK;
    Q(unsub, Q_UNSUBSCRIBE);
    sqlite3_bind_int64(unsub, 1, recipient_id);
    sqlite3_bind_int64(unsub, 2, now);
    return sq_exec(c, unsub, err, "unsubscribe");
}

enum rc sq_recipient_stop(struct store *st, int64_t recipient_id, const char *status,
                          const char *reason, bool unsubscribe, int64_t now, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, stop_in_tx(c, recipient_id, status, reason, unsubscribe, now, err), err);
}

/* ---- replies, unsubscribes and accounts ------------------------------------ */

enum rc sq_send_thread(struct store *st, int64_t recipient_id, struct arena *a, const char ***ids,
                       size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_THREAD);
    sqlite3_bind_int64(q, 1, recipient_id);
    return sq_step_texts(c, q, a, ids, count, err, "send thread");
}

/* One row of (recipient id, campaign id, user id, status, email) into out. */
static enum rc read_match(struct conn *c, sqlite3_stmt *q, struct arena *a, struct send_match *out,
                          struct err *err)
{
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW)
        *out = (struct send_match){.recipient_id = sqlite3_column_int64(q, 0),
                                   .campaign_id = sqlite3_column_int64(q, 1),
                                   .user_id = sqlite3_column_int64(q, 2),
                                   .status = sq_col_text(q, 3, a),
                                   .email = sq_col_text(q, 4, a)};
    enum rc rc = r == SQLITE_ROW    ? RC_OK
                 : r == SQLITE_DONE ? err_set(err, RC_NOT_FOUND, "no recipient matches")
                                    : sq_fail(c, err, "recipient match");
    sq_done(q);
    return rc;
}

enum rc sq_send_match(struct store *st, int64_t account_id, const char *const *refs, size_t nrefs,
                      const char *from, struct arena *a, struct send_match *out, struct err *err)
{
    CONN(st, err);
    for (size_t i = 0; i < nrefs; i++) {
        Q(q, Q_MATCH_ID);
        sq_bind_text(q, 1, refs[i]);
        sqlite3_bind_int64(q, 2, account_id);
        struct err miss = {0};
        enum rc rc = read_match(c, q, a, out, &miss);
        if (rc != RC_NOT_FOUND) return rc == RC_OK ? RC_OK : err_copy(err, &miss);
    }
    if (!from) return err_set(err, RC_NOT_FOUND, "no recipient matches");
    Q(q, Q_MATCH_FROM);
    sq_bind_text(q, 1, from);
    sqlite3_bind_int64(q, 2, account_id);
    return read_match(c, q, a, out, err);
}

enum rc sq_recipient_by_lead(struct store *st, int64_t campaign_id, int64_t lead_id,
                             struct arena *a, struct send_match *out, struct err *err)
{
    CONN(st, err);
    Q(q, Q_BY_LEAD);
    sqlite3_bind_int64(q, 1, campaign_id);
    sqlite3_bind_int64(q, 2, lead_id);
    return read_match(c, q, a, out, err);
}

enum rc sq_accounts_polled(struct store *st, struct arena *a, struct account **out, size_t *count,
                           struct err *err)
{
    CONN(st, err);
    Q(q, Q_POLLED);
    size_t n = 0, cap = 0;
    struct account *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        sq_account_from_row(q, a, &list[n]);
        list[n++].secret = sq_col_text(q, SQ_ACCOUNT_NCOLS, a);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "polled accounts");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_account_sealed_one(struct store *st, struct arena *a, struct account *out,
                              struct err *err)
{
    CONN(st, err);
    Q(q, Q_SEALED_ONE);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW) {
        sq_account_from_row(q, a, out);
        out->secret = sq_col_text(q, SQ_ACCOUNT_NCOLS, a);
    } else if (r == SQLITE_DONE) {
        rc = RC_NOT_FOUND;
    } else {
        rc = sq_fail(c, err, "sealed account");
    }
    sq_done(q);
    return rc;
}

enum rc sq_account_set_state(struct store *st, int64_t account_id, const char *state,
                             const char *reason, struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNT_STATE);
    sqlite3_bind_int64(q, 1, account_id);
    sq_bind_text(q, 2, state);
    sq_bind_text(q, 3, reason ? reason : "");
    return sq_exec(c, q, err, "account state");
}

enum rc sq_account_set_cursor(struct store *st, int64_t account_id, int64_t uidvalidity,
                              int64_t last_uid, struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNT_CURSOR);
    sqlite3_bind_int64(q, 1, account_id);
    sqlite3_bind_int64(q, 2, uidvalidity);
    sqlite3_bind_int64(q, 3, last_uid);
    return sq_exec(c, q, err, "account cursor");
}

enum rc sq_account_reconnect(struct store *st, int64_t user_id, int64_t account_id,
                             const char *secret, struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNT_RECONNECT);
    sqlite3_bind_int64(q, 1, account_id);
    sqlite3_bind_int64(q, 2, user_id);
    sq_bind_text(q, 3, secret);
    return sq_exec(c, q, err, "account reconnect");
}

enum rc sq_account_secret(struct store *st, int64_t user_id, int64_t account_id,
                          struct arena *a, const char **secret, struct err *err)
{
    CONN(st, err);
    Q(q, Q_ACCOUNT_SECRET);
    sqlite3_bind_int64(q, 1, account_id);
    sqlite3_bind_int64(q, 2, user_id);
    int r = sqlite3_step(q);
    enum rc rc = r == SQLITE_ROW    ? RC_OK
                 : r == SQLITE_DONE ? err_set(err, RC_NOT_FOUND, "Account not found.")
                                    : sq_fail(c, err, "account secret");
    *secret = rc == RC_OK ? sq_col_text(q, 0, a) : NULL;
    sq_done(q);
    return rc;
}
