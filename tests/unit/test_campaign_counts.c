/* Unit tests for the per-campaign counters (issue 21, scale): after each of a
 * mixed sequence of the operations that add, move or delete recipients and
 * sends (launch, claim, record, reply, unsubscribe, erasure), what
 * campaign_get and campaign_list report equals a real COUNT over the rows,
 * read through a connection of the test's own; and the recipients' changed_at
 * and the daily chart's rows built on it. Runs on whichever backend
 * LEADGEN_TEST_STORE names. */
#include "test.h"

#include "campaign/campaign.h"
#include "core/keys.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

enum { DAY = 86400, T0 = 20000 * DAY + 3600, LEADS = 8 };

static const char STEPS2[] = "[{\"subject\":\"Hi\",\"body\":\"<p>Hi</p>\",\"delay_days\":0},"
                             "{\"subject\":\"Re: Hi\",\"body\":\"<p>Again</p>\",\"delay_days\":3}]";

static const char *const STATUSES[] = {"pending", "in_progress", "completed", "replied",
                                       "bounced", "unsubscribed", "failed"};
enum { NSTATUS = sizeof STATUSES / sizeof STATUSES[0] };

struct fixture {
    char url[512];
    struct store *st;
    struct arena a;
    int64_t user, project, account, campaign, other;
    int64_t lead[LEADS];
};

/* ---- the real counts, read around the store ---------------------------------- */

/* counts[0..NSTATUS-1] per status, counts[NSTATUS] sends handed to a server. */
static bool real_counts_sqlite(const char *path, int64_t campaign, int64_t counts[NSTATUS + 1])
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return false;
    sqlite3_stmt *q;
    bool ok = true;
    for (int i = 0; ok && i <= NSTATUS; i++) {
        const char *sql = i < NSTATUS ? "SELECT COUNT(*) FROM recipients WHERE campaign_id = ?1 "
                                        "AND status = ?2"
                                      : "SELECT COUNT(*) FROM sends WHERE campaign_id = ?1 "
                                        "AND state IN ('sending', 'sent') AND ?2 IS NOT NULL";
        ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK;
        if (!ok) break;
        sqlite3_bind_int64(q, 1, campaign);
        sqlite3_bind_text(q, 2, i < NSTATUS ? STATUSES[i] : "x", -1, SQLITE_STATIC);
        ok = sqlite3_step(q) == SQLITE_ROW;
        if (ok) counts[i] = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return ok;
}

static bool real_counts_pg(const char *url, int64_t campaign, int64_t counts[NSTATUS + 1])
{
    PGconn *pg = PQconnectdb(url);
    bool ok = PQstatus(pg) == CONNECTION_OK;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)campaign);
    for (int i = 0; ok && i <= NSTATUS; i++) {
        const char *sql = i < NSTATUS ? "SELECT COUNT(*) FROM recipients WHERE campaign_id = $1 "
                                        "AND status = $2"
                                      : "SELECT COUNT(*) FROM sends WHERE campaign_id = $1 "
                                        "AND state IN ('sending', 'sent') AND $2::text IS NOT NULL";
        const char *args[2] = {id, i < NSTATUS ? STATUSES[i] : "x"};
        PGresult *r = PQexecParams(pg, sql, 2, NULL, args, NULL, NULL, 0);
        ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        if (ok) counts[i] = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        if (!ok) fprintf(stderr, "    %s", PQerrorMessage(pg));
        PQclear(r);
    }
    PQfinish(pg);
    return ok;
}

static const int64_t *stat_field(const struct recipient_stats *s, int i)
{
    const int64_t *fields[NSTATUS] = {&s->pending, &s->in_progress,  &s->completed, &s->replied,
                                      &s->bounced, &s->unsubscribed, &s->failed};
    return fields[i];
}

/* The store's figures for campaign (get and list) against the real counts. */
static bool counts_agree(struct fixture *f, int64_t campaign, const char *when)
{
    int64_t real[NSTATUS + 1] = {0};
    bool read = store_is_postgres(f->url) ? real_counts_pg(f->url, campaign, real)
                                          : real_counts_sqlite(f->url, campaign, real);
    if (!read) return false;
    struct campaign got, *list;
    size_t n = 0;
    struct err err = {0};
    if (f->st->ops->campaign_get(f->st, f->user, campaign, campaign_day_start(T0), &f->a, &got,
                                 &err) != RC_OK ||
        f->st->ops->campaign_list(f->st, f->user, campaign_day_start(T0), &f->a, &list, &n,
                                  &err) != RC_OK)
        return false;
    const struct campaign *listed = NULL;
    for (size_t i = 0; i < n; i++)
        if (list[i].id == campaign) listed = &list[i];
    bool ok = listed && got.sent_total == real[NSTATUS] && listed->sent_total == real[NSTATUS];
    for (int i = 0; i < NSTATUS; i++) {
        bool same = *stat_field(&got.stats, i) == real[i] &&
                    *stat_field(&listed->stats, i) == real[i];
        if (!same)
            fprintf(stderr, "    %s: %s is %lld, counted %lld\n", when, STATUSES[i],
                    (long long)*stat_field(&got.stats, i), (long long)real[i]);
        ok = ok && same;
    }
    if (got.sent_total != real[NSTATUS])
        fprintf(stderr, "    %s: sends %lld, counted %lld\n", when, (long long)got.sent_total,
                (long long)real[NSTATUS]);
    return ok;
}

/* ---- the operations ------------------------------------------------------------- */

static int64_t add_campaign(struct fixture *f)
{
    struct campaign_account_ref ref = {"smtp", f->account};
    struct campaign_new c = {.name = "C", .project_id = f->project, .accounts = &ref,
                             .accounts_count = 1, .steps = STEPS2, .daily_limit = 50,
                             .batch_size = 50};
    int64_t id = 0;
    struct err err = {0};
    if (f->st->ops->campaign_create(f->st, f->user, &c, T0, &id, &err) != RC_OK) return 0;
    int64_t n = 0;
    return campaign_launch(f->st, f->user, id, T0, &n, &err) == RC_OK ? id : 0;
}

/* A user with credits, a project of LEADS leads (lead0..7@y.com, lead7
 * invalid), one account, and two launched campaigns over the project. */
static bool fixture_init(struct fixture *f)
{
    *f = (struct fixture){0};
    arena_init(&f->a);
    test_store_url("counts", f->url, sizeof f->url);
    struct err err = {0};
    f->st = store_open(f->url, &err);
    if (!f->st) return false;
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    struct store *st = f->st;
    if (st->ops->user_create(st, "owner@x.com", 100, hash, &f->user, &err) != RC_OK ||
        st->ops->project_create(st, f->user, "P", T0, &f->project, &err) != RC_OK)
        return false;
    struct lead leads[LEADS];
    char emails[LEADS][32];
    for (int i = 0; i < LEADS; i++) {
        snprintf(emails[i], sizeof emails[i], "lead%d@y.com", i);
        leads[i] = (struct lead){.email = emails[i]};
    }
    struct leads_added added;
    struct lead *listed;
    size_t n = 0;
    int64_t total = 0;
    if (st->ops->leads_add(st, f->user, f->project, leads, LEADS, T0, &added, &err) != RC_OK ||
        st->ops->leads_list(st, f->user, f->project, LEADS, 0, &f->a, &listed, &n, &total,
                            &err) != RC_OK ||
        n != LEADS)
        return false;
    for (int i = 0; i < LEADS; i++) f->lead[i] = listed[i].id;
    int invalid = -1;
    if (st->ops->leads_set_verified(st, f->user, &f->lead[LEADS - 1], &invalid, 1, &err) != RC_OK)
        return false;
    struct account acc = {.type = "smtp", .address = "out@x.com", .smtp_host = "smtp.x.com",
                          .smtp_port = 587, .daily_limit = 50, .secret = "sealed"};
    if (st->ops->account_add(st, f->user, &acc, &f->account, &err) != RC_OK) return false;
    f->campaign = add_campaign(f);
    f->other = add_campaign(f);
    return f->campaign && f->other;
}

static void fixture_close(struct fixture *f)
{
    arena_cleanup(&f->a);
    store_close(f->st);
}

/* Claims lead i's due recipient in campaign (message id from i); *send_id. */
static bool claim(struct fixture *f, int64_t campaign, int i, int64_t now, int64_t *send_id)
{
    int64_t day = campaign_day_start(now);
    struct send_campaign *due;
    struct send_recipient *rs;
    struct send_account *accounts;
    size_t nd = 0, nr = 0, na = 0;
    struct err err = {0};
    if (f->st->ops->send_due(f->st, "active", now, day, 10, &f->a, &due, &nd, &err) != RC_OK ||
        f->st->ops->send_recipients(f->st, campaign, now, 50, &f->a, &rs, &nr, &err) != RC_OK ||
        f->st->ops->send_accounts(f->st, campaign, day, &f->a, &accounts, &na, &err) != RC_OK ||
        na != 1)
        return false;
    const struct send_campaign *c = NULL;
    const struct send_recipient *r = NULL;
    for (size_t k = 0; k < nd; k++)
        if (due[k].id == campaign) c = &due[k];
    for (size_t k = 0; k < nr; k++)
        if (rs[k].lead_id == f->lead[i]) r = &rs[k];
    if (!c || !r) return false;
    char message_id[64];
    snprintf(message_id, sizeof message_id, "<%lld.%d.%lld@x.com>", (long long)campaign, i,
             (long long)now);
    struct send_claim in;
    campaign_claim_prepare(c, &accounts[0], r, message_id, now, &in);
    return f->st->ops->send_claim(f->st, &in, send_id, &err) == RC_OK;
}

static bool record(struct fixture *f, int64_t send_id, enum send_outcome outcome, int64_t now)
{
    struct send_progress p = {
        .send_id = send_id, .step = 0, .steps_count = 2, .next_delay_days = 3};
    struct send_result r;
    campaign_outcome(&p, outcome, outcome == SEND_OUTCOME_SENT ? 250 : 550, "", now, &r);
    return f->st->ops->send_record(f->st, &r, NULL) == RC_OK;
}

static bool stop_at(struct fixture *f, int64_t campaign, int i, const char *status,
                    bool unsubscribe, int64_t now)
{
    struct send_match m;
    struct err err = {0};
    return f->st->ops->recipient_by_lead(f->st, campaign, f->lead[i], &f->a, &m, &err) == RC_OK &&
           f->st->ops->recipient_stop(f->st, m.recipient_id, status, "", unsubscribe, now,
                                      &err) == RC_OK;
}

static bool stop(struct fixture *f, int64_t campaign, int i, const char *status, bool unsubscribe)
{
    return stop_at(f, campaign, i, status, unsubscribe, T0 + 60);
}

/* Lead i's recipient's changed_at in campaign, read around the store; -1 on failure. */
static int64_t changed_at(struct fixture *f, int64_t campaign, int i)
{
    char cid[32], lid[32];
    snprintf(cid, sizeof cid, "%lld", (long long)campaign);
    snprintf(lid, sizeof lid, "%lld", (long long)f->lead[i]);
    int64_t out = -1;
    if (store_is_postgres(f->url)) {
        PGconn *pg = PQconnectdb(f->url);
        const char *args[2] = {cid, lid};
        PGresult *r = PQexecParams(pg,
                                   "SELECT changed_at FROM recipients "
                                   "WHERE campaign_id = $1 AND lead_id = $2",
                                   2, NULL, args, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(pg);
        return out;
    }
    sqlite3 *db;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open_v2(f->url, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT changed_at FROM recipients "
                           "WHERE campaign_id = ?1 AND lead_id = ?2",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, campaign);
        sqlite3_bind_int64(q, 2, f->lead[i]);
        if (sqlite3_step(q) == SQLITE_ROW) out = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
}

TEST(campaign_counts_match_real_counts_through_a_mixed_sequence)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    CHECK(counts_agree(&f, f.campaign, "launched"));
    CHECK(counts_agree(&f, f.other, "launched (other)"));

    int64_t sent = 0, bounced = 0, deferred = 0, open = 0, refused = 0;
    CHECK(claim(&f, f.campaign, 0, T0 + 10, &sent));
    CHECK(counts_agree(&f, f.campaign, "claimed"));
    CHECK(record(&f, sent, SEND_OUTCOME_SENT, T0 + 11));
    CHECK(claim(&f, f.campaign, 1, T0 + 12, &bounced));
    CHECK(record(&f, bounced, SEND_OUTCOME_BOUNCED, T0 + 13));
    CHECK(claim(&f, f.campaign, 2, T0 + 14, &deferred));
    CHECK(record(&f, deferred, SEND_OUTCOME_DEFERRED, T0 + 15));
    CHECK(claim(&f, f.campaign, 3, T0 + 16, &open)); /* left 'sending' */
    CHECK(claim(&f, f.other, 1, T0 + 17, &refused));
    CHECK(record(&f, refused, SEND_OUTCOME_REFUSED, T0 + 18));
    CHECK(counts_agree(&f, f.campaign, "recorded"));
    CHECK(counts_agree(&f, f.other, "recorded (other)"));

    CHECK(stop(&f, f.campaign, 4, "replied", false));
    CHECK(stop(&f, f.campaign, 5, "unsubscribed", true));
    CHECK(stop(&f, f.other, 0, "replied", false));
    CHECK(counts_agree(&f, f.campaign, "stopped"));
    CHECK(counts_agree(&f, f.other, "stopped (other)"));

    /* erasing lead0 takes its recipients and their sends out of both campaigns */
    struct subject_erased erased;
    struct err err = {0};
    CHECK(f.st->ops->subject_erase(f.st, "lead0@y.com", "tomb0", T0 + 70, &erased, &err) ==
          RC_OK);
    CHECK_INT(erased.recipients, 2);
    CHECK(counts_agree(&f, f.campaign, "erased"));
    CHECK(counts_agree(&f, f.other, "erased (other)"));

    struct campaign c;
    CHECK(f.st->ops->campaign_get(f.st, f.user, f.campaign, campaign_day_start(T0), &f.a, &c,
                                  &err) == RC_OK);
    CHECK_INT(c.stats.replied, 1);
    CHECK_INT(c.stats.unsubscribed, 1);
    CHECK_INT(c.stats.bounced, 1);
    CHECK_INT(c.stats.in_progress, 1);
    CHECK_INT(c.stats.pending, 2); /* lead2 (deferred) and lead6; lead7 is invalid */
    CHECK_INT(c.sent_total, 1);    /* lead3's claim; lead0's delivered send was erased */
    fixture_close(&f);
}

TEST(campaign_launch_in_batches_adds_every_eligible_lead_once)
{
    enum { MANY = 1203 }; /* three batches of STORE_LAUNCH_BATCH (500) and a bit */
    struct fixture f;
    CHECK(fixture_init(&f));
    struct lead *leads = arena_alloc(&f.a, MANY * sizeof *leads);
    for (int i = 0; i < MANY; i++) {
        char *email = arena_alloc(&f.a, 32);
        snprintf(email, 32, "many%d@z.com", i);
        leads[i] = (struct lead){.email = email};
    }
    struct leads_added added;
    struct err err = {0};
    int64_t project = 0, campaign = 0, recipients = 0;
    CHECK(f.st->ops->project_create(f.st, f.user, "Many", T0, &project, &err) == RC_OK);
    CHECK(f.st->ops->leads_add(f.st, f.user, project, leads, MANY, T0, &added, &err) == RC_OK);
    const char *gone[] = {"many7@z.com"};
    int64_t suppressed = 0;
    CHECK(f.st->ops->suppression_add(f.st, f.user, gone, 1, "manual", T0, &suppressed, &err) ==
          RC_OK);
    struct campaign_account_ref ref = {"smtp", f.account};
    struct campaign_new c = {.name = "M", .project_id = project, .accounts = &ref,
                             .accounts_count = 1, .steps = STEPS2, .daily_limit = 50,
                             .batch_size = 5};
    CHECK(f.st->ops->campaign_create(f.st, f.user, &c, T0, &campaign, &err) == RC_OK);
    CHECK(campaign_launch(f.st, f.user, campaign, T0, &recipients, &err) == RC_OK);
    CHECK_INT(recipients, MANY - 1);
    CHECK(counts_agree(&f, campaign, "big launch"));
    struct campaign got;
    CHECK(f.st->ops->campaign_get(f.st, f.user, campaign, 0, &f.a, &got, &err) == RC_OK);
    CHECK_STR(got.status, "active");
    CHECK_INT(got.launched_at, T0);
    /* keyset pages walk them all once, in lead order */
    int64_t after = 0, seen = 0, last = 0, total = 0;
    for (;;) {
        struct recipient *page;
        size_t n = 0;
        CHECK(f.st->ops->campaign_recipients_after(f.st, f.user, campaign, NULL, after, 400,
                                                   &f.a, &page, &n, &total, &err) == RC_OK);
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) {
            CHECK(page[i].lead_id > last);
            last = page[i].lead_id;
        }
        seen += (int64_t)n;
        after = page[n - 1].lead_id;
    }
    CHECK_INT(seen, MANY - 1);
    CHECK_INT(total, MANY - 1);
    /* a second launch is refused, and nothing is added twice */
    CHECK(campaign_launch(f.st, f.user, campaign, T0 + 5, &recipients, &err) == RC_INVALID);
    CHECK(counts_agree(&f, campaign, "second launch"));
    fixture_close(&f);
}

/* A user who does not own f's campaign gets no days of it. */
static bool stranger_sees_no_days(struct fixture *f)
{
    int64_t stranger = 0;
    struct campaign_day *days;
    size_t n = 1;
    struct err err = {0};
    return f->st->ops->user_create(f->st, "stranger@x.com", 0, "stranger-hash", &stranger,
                                   &err) == RC_OK &&
           f->st->ops->campaign_daily(f->st, stranger, f->campaign, 0, &f->a, &days, &n, &err) ==
               RC_OK &&
           n == 0;
}

/* The dashboard's daily chart (issue 19): sends per UTC day by outcome, for the owner only. */
TEST(campaign_daily_counts_sends_per_day_for_the_owner)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
    CHECK(claim(&f, f.campaign, 0, T0 + 10, &s0));
    CHECK(record(&f, s0, SEND_OUTCOME_SENT, T0 + 11));
    CHECK(claim(&f, f.campaign, 1, T0 + 12, &s1));
    CHECK(record(&f, s1, SEND_OUTCOME_SENT, T0 + 13));
    CHECK(claim(&f, f.campaign, 2, T0 + 14, &s2));
    CHECK(record(&f, s2, SEND_OUTCOME_BOUNCED, T0 + 15));
    CHECK(claim(&f, f.campaign, 3, T0 + 16, &s3)); /* left 'sending': no outcome yet */
    CHECK(claim(&f, f.other, 4, T0 + 17, &s4));    /* another campaign's */
    CHECK(record(&f, s4, SEND_OUTCOME_SENT, T0 + 18));
    /* the next day, a deferral that has used up its retries fails */
    CHECK(claim(&f, f.campaign, 5, T0 + DAY + 10, &s5));
    struct send_progress p = {.send_id = s5, .steps_count = 2, .next_delay_days = 3,
                              .attempts = CAMPAIGN_RETRY_MAX - 1};
    struct send_result r;
    campaign_outcome(&p, SEND_OUTCOME_DEFERRED, 421, "", T0 + DAY + 11, &r);
    CHECK_STR(r.state, "failed");
    CHECK(f.st->ops->send_record(f.st, &r, NULL) == RC_OK);

    struct campaign_day *days;
    size_t n = 0;
    struct err err = {0};
    CHECK(f.st->ops->campaign_daily(f.st, f.user, f.campaign, 0, &f.a, &days, &n, &err) ==
          RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(days[0].day, T0 / DAY);
    CHECK_INT(days[0].sent, 2);
    CHECK_INT(days[0].bounced, 1);
    CHECK_INT(days[0].failed, 0);
    CHECK_INT(days[1].day, T0 / DAY + 1);
    CHECK_INT(days[1].sent, 0);
    CHECK_INT(days[1].failed, 1);
    /* since leaves out the earlier days */
    CHECK(f.st->ops->campaign_daily(f.st, f.user, f.campaign, T0 + DAY, &f.a, &days, &n, &err) ==
          RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(days[0].failed, 1);
    CHECK(stranger_sees_no_days(&f)); /* another user sees nothing of the campaign */
    fixture_close(&f);
}

/* Each recipient status change stamps changed_at with the caller's now (launch, claim,
 * record, stop); a change to the same status keeps the first time. */
TEST(recipient_changed_at_follows_status_changes)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    CHECK_INT(changed_at(&f, f.campaign, 0), T0); /* pending since the launch */
    int64_t s0 = 0, s1 = 0;
    CHECK(claim(&f, f.campaign, 0, T0 + 10, &s0));
    CHECK_INT(changed_at(&f, f.campaign, 0), T0 + 10); /* in_progress */
    CHECK(record(&f, s0, SEND_OUTCOME_SENT, T0 + 11)); /* still in_progress: step 2 waits */
    CHECK_INT(changed_at(&f, f.campaign, 0), T0 + 10);
    CHECK(claim(&f, f.campaign, 1, T0 + 12, &s1));
    CHECK(record(&f, s1, SEND_OUTCOME_BOUNCED, T0 + 13));
    CHECK_INT(changed_at(&f, f.campaign, 1), T0 + 13);
    CHECK(stop_at(&f, f.campaign, 0, "replied", false, T0 + DAY));
    CHECK_INT(changed_at(&f, f.campaign, 0), T0 + DAY);
    CHECK(stop_at(&f, f.campaign, 0, "replied", false, T0 + 2 * DAY)); /* a second reply */
    CHECK_INT(changed_at(&f, f.campaign, 0), T0 + DAY);
    CHECK_INT(changed_at(&f, f.other, 0), T0); /* the other campaign's recipient is untouched */
    fixture_close(&f);
}

/* Replies and unsubscribes count on the UTC day the recipient's state changed, merged with
 * the days' sends; a day with only an unsubscribe is a row of its own. */
TEST(campaign_daily_counts_replies_and_unsubscribes_by_their_day)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    int64_t s0 = 0;
    CHECK(claim(&f, f.campaign, 0, T0 + 10, &s0));
    CHECK(record(&f, s0, SEND_OUTCOME_SENT, T0 + 11));
    CHECK(stop_at(&f, f.campaign, 0, "replied", false, T0 + 2 * DAY + 5));
    CHECK(stop_at(&f, f.campaign, 1, "unsubscribed", true, T0 + 2 * DAY + 6));
    CHECK(stop_at(&f, f.campaign, 2, "unsubscribed", true, T0 + 3 * DAY));
    CHECK(stop_at(&f, f.campaign, 0, "replied", false, T0 + 4 * DAY)); /* again: no new day */
    CHECK(stop_at(&f, f.other, 3, "replied", false, T0 + 2 * DAY));    /* another campaign */
    CHECK(stop_at(&f, f.campaign, 4, "bounced", false, T0 + 2 * DAY)); /* not a send */

    struct campaign_day *days;
    size_t n = 0;
    struct err err = {0};
    CHECK(f.st->ops->campaign_daily(f.st, f.user, f.campaign, 0, &f.a, &days, &n, &err) ==
          RC_OK);
    CHECK_INT(n, 3);
    CHECK_INT(days[0].day, T0 / DAY);
    CHECK_INT(days[0].sent, 1);
    CHECK_INT(days[0].replied, 0);
    CHECK_INT(days[1].day, T0 / DAY + 2);
    CHECK_INT(days[1].sent, 0);
    CHECK_INT(days[1].bounced, 0);
    CHECK_INT(days[1].replied, 1);
    CHECK_INT(days[1].unsubscribed, 1);
    CHECK_INT(days[2].day, T0 / DAY + 3);
    CHECK_INT(days[2].replied, 0);
    CHECK_INT(days[2].unsubscribed, 1);
    /* since applies to the change days too */
    CHECK(f.st->ops->campaign_daily(f.st, f.user, f.campaign, T0 + 3 * DAY, &f.a, &days, &n,
                                    &err) == RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(days[0].unsubscribed, 1);
    CHECK(stranger_sees_no_days(&f));
    fixture_close(&f);
}
