/* Unit tests for the store operations the sender's inbox and pacing use
 * (src/store/store.h): threads, reply matching, unsubscribe links, polled
 * accounts and their state and cursor, suppressed recipients. Stores come
 * from test_store_fresh, so these run on whichever backend
 * LEADGEN_TEST_STORE names. */
#include "test.h"

#include "campaign/campaign.h"
#include "core/keys.h"
#include "store/store.h"

enum { DAY = 86400, T0 = 20000 * DAY + 3600 }; /* 01:00 UTC on some day */

static const char STEPS2[] = "[{\"subject\":\"Hi\",\"body\":\"<p>Hi</p>\",\"delay_days\":0},"
                             "{\"subject\":\"Re: Hi\",\"body\":\"<p>Again</p>\",\"delay_days\":3}]";

struct fixture {
    struct store *st;
    struct arena a;
    int64_t user, project, inbox, plain, campaign;
};

static int64_t add_account(struct fixture *f, const struct account *in)
{
    int64_t id = 0;
    struct err err = {0};
    if (f->st->ops->account_add(f->st, f->user, in, &id, &err) != RC_OK)
        fprintf(stderr, "    account_add: %s\n", err.msg);
    return id;
}

static int64_t add_smtp(struct fixture *f, const char *address, const char *imap_host)
{
    struct account in = {.type = "smtp",
                         .address = address,
                         .smtp_host = "smtp.x.com",
                         .smtp_port = 587,
                         .imap_host = imap_host,
                         .imap_port = 993,
                         .daily_limit = 50,
                         .secret = "sealed",
                         .min_gap = 10,
                         .max_extra = 20};
    return add_account(f, &in);
}

/* A draft campaign over the fixture's project sending through accounts. */
static int64_t add_campaign(struct fixture *f, const struct campaign_account_ref *refs, size_t n)
{
    struct campaign_new c = {.name = "C",
                             .project_id = f->project,
                             .accounts = refs,
                             .accounts_count = n,
                             .steps = STEPS2,
                             .daily_limit = 50,
                             .batch_size = 5};
    int64_t id = 0;
    struct err err = {0};
    if (f->st->ops->campaign_create(f->st, f->user, &c, T0, &id, &err) != RC_OK)
        fprintf(stderr, "    campaign_create: %s\n", err.msg);
    return id;
}

static bool launch(struct fixture *f, int64_t campaign)
{
    int64_t n = 0;
    struct err err = {0};
    enum rc rc = campaign_launch(f->st, f->user, campaign, T0, &n, &err);
    if (rc != RC_OK) fprintf(stderr, "    launch: %s\n", err.msg);
    return rc == RC_OK;
}

/* A user with credits, a project with two leads (lead0@y.com, lead1@y.com),
 * an account with an inbox and one without, and a launched campaign using both. */
static bool fixture_init(struct fixture *f)
{
    *f = (struct fixture){.st = test_store_fresh("sender_store")};
    arena_init(&f->a);
    if (!f->st) return false;
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    struct err err = {0};
    struct store *st = f->st;
    if (st->ops->user_create(st, "owner@x.com", 10, hash, &f->user, &err) != RC_OK ||
        st->ops->project_create(st, f->user, "P", T0, &f->project, &err) != RC_OK)
        return false;
    struct lead leads[2] = {{.email = "lead0@y.com"}, {.email = "lead1@y.com"}};
    struct leads_added added;
    if (st->ops->leads_add(st, f->user, f->project, leads, 2, T0, &added, &err) != RC_OK)
        return false;
    f->inbox = add_smtp(f, "in@x.com", "imap.x.com");
    f->plain = add_smtp(f, "out@x.com", "");
    struct campaign_account_ref refs[2] = {{"smtp", f->inbox}, {"smtp", f->plain}};
    f->campaign = add_campaign(f, refs, 2);
    return f->inbox && f->plain && f->campaign && launch(f, f->campaign);
}

static void fixture_close(struct fixture *f)
{
    arena_cleanup(&f->a);
    store_close(f->st);
}

/* The due recipient of campaign at address email (NULL when not due). */
static const struct send_recipient *due_at(struct fixture *f, int64_t campaign, const char *email,
                                           int64_t now)
{
    struct send_recipient *list;
    size_t n = 0;
    if (f->st->ops->send_recipients(f->st, campaign, now, 10, &f->a, &list, &n, NULL) != RC_OK)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].email, email) == 0) return &list[i];
    return NULL;
}

/* Claims the due recipient at email through account with message_id; *send_id. */
static enum rc claim(struct fixture *f, int64_t campaign, const char *email, int64_t account,
                     const char *message_id, int64_t now, int64_t *send_id, struct err *err)
{
    int64_t day = campaign_day_start(now);
    struct send_campaign *due;
    struct send_account *accounts;
    size_t nd = 0, na = 0;
    enum rc rc = f->st->ops->send_due(f->st, "active", now, day, 10, &f->a, &due, &nd, err);
    if (rc != RC_OK) return rc;
    const struct send_campaign *c = NULL;
    for (size_t i = 0; i < nd; i++)
        if (due[i].id == campaign) c = &due[i];
    const struct send_recipient *r = due_at(f, campaign, email, now);
    if (!c || !r) return err_set(err, RC_NOT_FOUND, "%s is not due", email);
    rc = f->st->ops->send_accounts(f->st, campaign, day, &f->a, &accounts, &na, err);
    if (rc != RC_OK) return rc;
    for (size_t i = 0; i < na; i++) {
        if (accounts[i].account.id != account) continue;
        struct send_claim in;
        campaign_claim_prepare(c, &accounts[i], r, message_id, now, &in);
        return f->st->ops->send_claim(f->st, &in, send_id, err);
    }
    return err_set(err, RC_NOT_FOUND, "account %lld does not send", (long long)account);
}

/* Records the outcome of send_id, claimed at step of a two-step campaign. */
static enum rc record(struct fixture *f, int64_t send_id, int64_t step, enum send_outcome outcome,
                      int64_t now)
{
    struct send_progress p = {
        .send_id = send_id, .step = step, .steps_count = 2, .next_delay_days = 3};
    struct send_result r;
    campaign_outcome(&p, outcome, outcome == SEND_OUTCOME_SENT ? 250 : 421, "", now, &r);
    return f->st->ops->send_record(f->st, &r, NULL);
}

/* Claims and records in one go; RC_OK when both worked. */
static enum rc send_one(struct fixture *f, int64_t campaign, const char *email, int64_t account,
                        const char *message_id, int64_t step, enum send_outcome outcome,
                        int64_t now)
{
    int64_t id = 0;
    struct err err = {0};
    enum rc rc = claim(f, campaign, email, account, message_id, now, &id, &err);
    if (rc != RC_OK) {
        fprintf(stderr, "    claim: %s\n", err.msg);
        return rc;
    }
    return record(f, id, step, outcome, now + 1);
}

TEST(sender_store_thread_lists_sent_messages_in_step_order)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    const struct send_recipient *r0 = due_at(&f, f.campaign, "lead0@y.com", T0);
    const struct send_recipient *r1 = due_at(&f, f.campaign, "lead1@y.com", T0);
    CHECK(r0 && r1);
    int64_t id0 = r0->id, id1 = r1->id;
    CHECK_INT(
        send_one(&f, f.campaign, "lead0@y.com", f.inbox, "<a@x.com>", 0, SEND_OUTCOME_SENT, T0),
        RC_OK);
    /* a deferral and a claim never recorded are not part of the thread */
    CHECK_INT(
        send_one(&f, f.campaign, "lead1@y.com", f.plain, "<b@x.com>", 0, SEND_OUTCOME_DEFERRED, T0),
        RC_OK);
    int64_t later = T0 + 1 + campaign_backoff(0), open = 0;
    struct err err = {0};
    CHECK_INT(claim(&f, f.campaign, "lead1@y.com", f.plain, "<c@x.com>", later, &open, &err),
              RC_OK);
    int64_t step1 = T0 + 1 + 3 * DAY;
    CHECK_INT(
        send_one(&f, f.campaign, "lead0@y.com", f.plain, "<d@x.com>", 1, SEND_OUTCOME_SENT, step1),
        RC_OK);
    const char **ids = NULL;
    size_t n = 9;
    CHECK_INT(f.st->ops->send_thread(f.st, id0, &f.a, &ids, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_STR(ids[0], "<a@x.com>");
    CHECK_STR(ids[1], "<d@x.com>");
    CHECK_INT(f.st->ops->send_thread(f.st, id1, &f.a, &ids, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    CHECK_INT(f.st->ops->send_thread(f.st, 9999, &f.a, &ids, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    /* the campaign's last send is the latest finished one; a claim counts by its time */
    struct campaign c;
    CHECK_INT(f.st->ops->campaign_get(f.st, f.user, f.campaign, campaign_day_start(step1), &f.a, &c,
                                      &err),
              RC_OK);
    CHECK_INT(c.last_sent_at, step1 + 1);
    struct send_unfinished *unfinished;
    CHECK_INT(f.st->ops->send_unfinished(f.st, 10, &f.a, &unfinished, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(unfinished[0].send_id, open);
    CHECK_INT(unfinished[0].user_id, f.user);
    CHECK_INT(unfinished[0].attempts, 1);
    CHECK_STR(unfinished[0].steps, STEPS2);
    fixture_close(&f);
}

TEST(sender_store_match_by_message_id_through_the_account_else_by_address)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    const struct send_recipient *r0 = due_at(&f, f.campaign, "lead0@y.com", T0);
    CHECK(r0);
    int64_t id0 = r0->id;
    CHECK_INT(
        send_one(&f, f.campaign, "lead0@y.com", f.inbox, "<a@x.com>", 0, SEND_OUTCOME_SENT, T0),
        RC_OK);
    struct send_match m = {0};
    struct err err = {0};
    const char *refs[2] = {"<unknown@x.com>", "<a@x.com>"};
    CHECK_INT(f.st->ops->send_match(f.st, f.inbox, refs, 2, NULL, &f.a, &m, &err), RC_OK);
    CHECK_INT(m.recipient_id, id0);
    CHECK_INT(m.campaign_id, f.campaign);
    CHECK_INT(m.user_id, f.user);
    CHECK_STR(m.status, "in_progress");
    CHECK_STR(m.email, "lead0@y.com");
    /* the Message-ID went out through another account: no match there */
    CHECK_INT(f.st->ops->send_match(f.st, f.plain, refs, 2, NULL, &f.a, &m, NULL), RC_NOT_FOUND);
    CHECK_INT(f.st->ops->send_match(f.st, f.plain, refs, 2, "lead0@y.com", &f.a, &m, NULL),
              RC_NOT_FOUND);
    /* by address: only one this account has sent to */
    m = (struct send_match){0};
    CHECK_INT(f.st->ops->send_match(f.st, f.inbox, refs, 1, "lead0@y.com", &f.a, &m, &err), RC_OK);
    CHECK_INT(m.recipient_id, id0);
    CHECK_INT(f.st->ops->send_match(f.st, f.inbox, NULL, 0, "lead1@y.com", &f.a, &m, NULL),
              RC_NOT_FOUND);
    /* the same address in a later campaign: the most recent recipient */
    struct campaign_account_ref refs2[1] = {{"smtp", f.inbox}};
    int64_t again = add_campaign(&f, refs2, 1);
    CHECK(again && launch(&f, again));
    CHECK_INT(
        send_one(&f, again, "lead0@y.com", f.inbox, "<e@x.com>", 0, SEND_OUTCOME_SENT, T0 + 10),
        RC_OK);
    CHECK_INT(f.st->ops->send_match(f.st, f.inbox, NULL, 0, "lead0@y.com", &f.a, &m, &err), RC_OK);
    CHECK_INT(m.campaign_id, again);
    CHECK(m.recipient_id != id0);
    /* and a reference still finds the first */
    CHECK_INT(f.st->ops->send_match(f.st, f.inbox, &refs[1], 1, "lead0@y.com", &f.a, &m, &err),
              RC_OK);
    CHECK_INT(m.recipient_id, id0);
    fixture_close(&f);
}

TEST(sender_store_recipient_by_lead)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    const struct send_recipient *r1 = due_at(&f, f.campaign, "lead1@y.com", T0);
    CHECK(r1);
    int64_t id1 = r1->id, lead1 = r1->lead_id;
    struct send_match m = {0};
    struct err err = {0};
    CHECK_INT(f.st->ops->recipient_by_lead(f.st, f.campaign, lead1, &f.a, &m, &err), RC_OK);
    CHECK_INT(m.recipient_id, id1);
    CHECK_INT(m.campaign_id, f.campaign);
    CHECK_INT(m.user_id, f.user);
    CHECK_STR(m.status, "pending");
    CHECK_STR(m.email, "lead1@y.com");
    CHECK_INT(f.st->ops->recipient_by_lead(f.st, f.campaign, 9999, &f.a, &m, NULL), RC_NOT_FOUND);
    CHECK_INT(f.st->ops->recipient_by_lead(f.st, f.campaign + 1000, lead1, &f.a, &m, NULL),
              RC_NOT_FOUND);
    fixture_close(&f);
}

/* The ids accounts_polled lists, in order, as "1,2,"; "" for none. */
static const char *polled(struct fixture *f, char *buf, size_t len)
{
    struct account *list;
    size_t n = 0;
    buf[0] = '\0';
    if (f->st->ops->accounts_polled(f->st, &f->a, &list, &n, NULL) != RC_OK) return "(error)";
    size_t used = 0;
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%lld,", (long long)list[i].id);
    return buf;
}

TEST(sender_store_polled_accounts_have_an_inbox_a_live_campaign_and_no_trouble)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    struct account gmail = {
        .type = "gmail", .address = "g@gmail.com", .daily_limit = 50, .secret = "sealed-token"};
    int64_t g = add_account(&f, &gmail);
    int64_t idle = add_smtp(&f, "idle@x.com", "imap.x.com");   /* in no campaign */
    int64_t draft = add_smtp(&f, "draft@x.com", "imap.x.com"); /* in a draft only */
    CHECK(g && idle && draft);
    struct campaign_account_ref refs[1] = {{"smtp", draft}};
    CHECK(add_campaign(&f, refs, 1));
    struct campaign_account_ref grefs[1] = {{"gmail", g}};
    int64_t gc = add_campaign(&f, grefs, 1);
    CHECK(gc && launch(&f, gc));
    char want[64], buf[64];
    snprintf(want, sizeof want, "%lld,%lld,", (long long)f.inbox, (long long)g);
    CHECK_STR(polled(&f, buf, sizeof buf), want);
    struct account *list;
    size_t n = 0;
    struct err err = {0};
    CHECK_INT(f.st->ops->accounts_polled(f.st, &f.a, &list, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_STR(list[1].secret, "sealed-token");
    CHECK_INT(list[1].user_id, f.user);
    /* paused still reads replies; a grant to renew stops the polling */
    const char *status;
    CHECK_INT(campaign_apply(f.st, f.user, f.campaign, CAMPAIGN_PAUSE, "", T0, &status, &err),
              RC_OK);
    CHECK_STR(polled(&f, buf, sizeof buf), want);
    CHECK_INT(f.st->ops->account_set_state(f.st, g, "reauth", "grant revoked", &err), RC_OK);
    snprintf(want, sizeof want, "%lld,", (long long)f.inbox);
    CHECK_STR(polled(&f, buf, sizeof buf), want);
    CHECK_INT(campaign_apply(f.st, f.user, f.campaign, CAMPAIGN_CANCEL, "", T0, &status, &err),
              RC_OK);
    CHECK_STR(polled(&f, buf, sizeof buf), "");
    fixture_close(&f);
}

static const struct account *listed(struct fixture *f, int64_t id)
{
    struct account *list;
    size_t n = 0;
    if (f->st->ops->account_list(f->st, f->user, NULL, &f->a, &list, &n, NULL) != RC_OK)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (list[i].id == id) return &list[i];
    return NULL;
}

TEST(sender_store_account_pacing_state_and_cursor_round_trip)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    struct account in = {.type = "smtp",
                         .address = "paced@x.com",
                         .smtp_host = "smtp.x.com",
                         .smtp_port = 587,
                         .daily_limit = 40,
                         .secret = "s",
                         .send_window = "Mon-Fri 08:00-17:30",
                         .timezone = "Europe/Paris",
                         .min_gap = 30,
                         .max_extra = 90};
    int64_t id = add_account(&f, &in);
    CHECK(id);
    const struct account *a = listed(&f, id);
    CHECK(a);
    CHECK_INT(a->user_id, f.user);
    CHECK_STR(a->send_window, "Mon-Fri 08:00-17:30");
    CHECK_STR(a->timezone, "Europe/Paris");
    CHECK_INT(a->min_gap, 30);
    CHECK_INT(a->max_extra, 90);
    CHECK_STR(a->state, "ok");
    CHECK_STR(a->state_reason, "");
    CHECK_INT(a->imap_uidvalidity, 0);
    CHECK_INT(a->imap_last_uid, 0);
    CHECK_STR(listed(&f, f.inbox)->timezone, "UTC"); /* none given */
    struct err err = {0};
    CHECK_INT(f.st->ops->account_set_state(f.st, id, "reauth", "token revoked", &err), RC_OK);
    CHECK_INT(f.st->ops->account_set_cursor(f.st, id, 77, 1234, &err), RC_OK);
    a = listed(&f, id);
    CHECK(a);
    CHECK_STR(a->state, "reauth");
    CHECK_STR(a->state_reason, "token revoked");
    CHECK_INT(a->imap_uidvalidity, 77);
    CHECK_INT(a->imap_last_uid, 1234);
    CHECK_INT(f.st->ops->account_set_state(f.st, id, "ok", NULL, &err), RC_OK);
    a = listed(&f, id);
    CHECK(a);
    CHECK_STR(a->state, "ok");
    CHECK_STR(a->state_reason, "");
    CHECK_INT(a->min_gap, 30); /* untouched */
    /* what the sender reads: every column, the sealed secret and the account's claims */
    CHECK_INT(f.st->ops->account_set_cursor(f.st, f.inbox, 5, 6, &err), RC_OK);
    CHECK_INT(
        send_one(&f, f.campaign, "lead0@y.com", f.inbox, "<a@x.com>", 0, SEND_OUTCOME_SENT, T0),
        RC_OK);
    struct send_account *accounts;
    size_t n = 0;
    CHECK_INT(f.st->ops->send_accounts(f.st, f.campaign, campaign_day_start(T0), &f.a, &accounts,
                                       &n, &err),
              RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(accounts[0].account.id, f.inbox);
    CHECK_STR(accounts[0].account.secret, "sealed");
    CHECK_INT(accounts[0].account.user_id, f.user);
    CHECK_INT(accounts[0].account.imap_uidvalidity, 5);
    CHECK_INT(accounts[0].account.imap_last_uid, 6);
    CHECK_INT(accounts[0].account.min_gap, 10);
    CHECK_INT(accounts[0].account.max_extra, 20);
    CHECK_STR(accounts[0].account.state, "ok");
    CHECK_INT(accounts[0].claimed_today, 1);
    CHECK_INT(accounts[0].last_claimed_at, T0);
    CHECK_INT(accounts[1].claimed_today, 0);
    CHECK_INT(accounts[1].last_claimed_at, 0);
    fixture_close(&f);
}

TEST(sender_store_suppressed_recipients_are_flagged_and_never_claimed)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    struct campaign_account_ref refs[1] = {{"smtp", f.plain}};
    int64_t other = add_campaign(&f, refs, 1);
    CHECK(other && launch(&f, other));
    const struct send_recipient *r = due_at(&f, other, "lead0@y.com", T0);
    CHECK(r && !r->suppressed);
    /* unsubscribed from the first campaign: the owner's list covers the other one too */
    const struct send_recipient *first = due_at(&f, f.campaign, "lead0@y.com", T0);
    CHECK(first);
    struct err err = {0};
    CHECK_INT(f.st->ops->recipient_stop(f.st, first->id, "unsubscribed", "", true, T0, &err),
              RC_OK);
    r = due_at(&f, other, "lead0@y.com", T0);
    CHECK(r && r->suppressed);
    r = due_at(&f, other, "lead1@y.com", T0);
    CHECK(r && !r->suppressed);
    int64_t before = -1, after = -1, id = 0;
    CHECK_INT(f.st->ops->credits_balance(f.st, f.user, &before, &err), RC_OK);
    CHECK_INT(claim(&f, other, "lead0@y.com", f.plain, "<s@x.com>", T0, &id, &err), RC_CONFLICT);
    CHECK_INT(id, 0);
    CHECK_INT(f.st->ops->credits_balance(f.st, f.user, &after, &err), RC_OK);
    CHECK_INT(after, before); /* nothing charged */
    CHECK_INT(claim(&f, other, "lead1@y.com", f.plain, "<t@x.com>", T0, &id, &err), RC_OK);
    CHECK(id > 0);
    fixture_close(&f);
}

TEST(sender_store_domain_suppression_refuses_every_address_at_it)
{
    struct fixture f;
    CHECK(fixture_init(&f));
    const struct send_recipient *r = due_at(&f, f.campaign, "lead0@y.com", T0);
    CHECK(r && !r->suppressed);
    /* suppressed after launch: the due list flags it and the claim refuses it */
    const char *domains[] = {"y.com"};
    int64_t added = 0, id = 0;
    struct err err = {0};
    CHECK_INT(f.st->ops->suppression_add(f.st, f.user, domains, 1, "manual", T0, &added, &err),
              RC_OK);
    CHECK_INT(added, 1);
    r = due_at(&f, f.campaign, "lead0@y.com", T0);
    CHECK(r && r->suppressed);
    CHECK_INT(claim(&f, f.campaign, "lead0@y.com", f.plain, "<d@x.com>", T0, &id, &err),
              RC_CONFLICT);
    int64_t removed = 0;
    CHECK_INT(f.st->ops->suppression_remove(f.st, f.user, domains, 1, &removed, &err), RC_OK);
    CHECK_INT(removed, 1);
    r = due_at(&f, f.campaign, "lead0@y.com", T0);
    CHECK(r && !r->suppressed);
    fixture_close(&f);
}
