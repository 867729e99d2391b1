/* Unit tests for the campaign rules (src/campaign/campaign.h) and the store
 * operations under them: the state machine as a table (every action from
 * every state), compare-and-set launches racing, and the sender's claim,
 * record and reconciliation. Stores come from test_store_fresh, so these run
 * against whatever backend LEADGEN_TEST_STORE names (see test_store.c). */
#include "test.h"

#include "campaign/campaign.h"
#include "core/keys.h"
#include "store/store.h"

#include <pthread.h>

enum { DAY = 86400, T0 = 20000 * DAY + 3600 }; /* 01:00 UTC on some day */

static const char STEPS2[] = "[{\"subject\":\"Hi\",\"body\":\"<p>Hi</p>\",\"delay_days\":0},"
                             "{\"subject\":\"Re: Hi\",\"body\":\"<p>Again</p>\",\"delay_days\":3}]";

/* ---- the table, without a store ------------------------------------------ */

/* Expected result of each action from each state: the new state, or the refusal. */
static const struct {
    enum campaign_action action;
    const char *from, *to_or_message;
} table[] = {
    {CAMPAIGN_LAUNCH, "draft", "active"},
    {CAMPAIGN_LAUNCH, "active", "Campaign 3 is active; only a draft campaign can be launched."},
    {CAMPAIGN_LAUNCH, "paused", "Campaign 3 is paused; only a draft campaign can be launched."},
    {CAMPAIGN_LAUNCH, "cancelled",
     "Campaign 3 is cancelled; only a draft campaign can be launched."},
    {CAMPAIGN_LAUNCH, "completed",
     "Campaign 3 is completed; only a draft campaign can be launched."},
    {CAMPAIGN_PAUSE, "draft", "Cannot pause campaign 3: it is draft."},
    {CAMPAIGN_PAUSE, "active", "paused"},
    {CAMPAIGN_PAUSE, "paused", "Cannot pause campaign 3: it is paused."},
    {CAMPAIGN_PAUSE, "cancelled", "Cannot pause campaign 3: it is cancelled."},
    {CAMPAIGN_PAUSE, "completed", "Cannot pause campaign 3: it is completed."},
    {CAMPAIGN_RESUME, "draft", "Cannot resume campaign 3: it is draft."},
    {CAMPAIGN_RESUME, "active", "Cannot resume campaign 3: it is active."},
    {CAMPAIGN_RESUME, "paused", "active"},
    {CAMPAIGN_RESUME, "cancelled", "Cannot resume campaign 3: it is cancelled."},
    {CAMPAIGN_RESUME, "completed", "Cannot resume campaign 3: it is completed."},
    {CAMPAIGN_CANCEL, "draft", "Cannot cancel campaign 3: it is draft."},
    {CAMPAIGN_CANCEL, "active", "cancelled"},
    {CAMPAIGN_CANCEL, "paused", "cancelled"},
    {CAMPAIGN_CANCEL, "cancelled", "Cannot cancel campaign 3: it is cancelled."},
    {CAMPAIGN_CANCEL, "completed", "Cannot cancel campaign 3: it is completed."},
    {CAMPAIGN_COMPLETE, "draft", "Cannot complete campaign 3: it is draft."},
    {CAMPAIGN_COMPLETE, "active", "completed"},
    {CAMPAIGN_COMPLETE, "paused", "Cannot complete campaign 3: it is paused."},
    {CAMPAIGN_COMPLETE, "cancelled", "Cannot complete campaign 3: it is cancelled."},
    {CAMPAIGN_COMPLETE, "completed", "Cannot complete campaign 3: it is completed."},
};

TEST(campaign_every_action_from_every_state)
{
    CHECK_INT(sizeof table / sizeof table[0], CAMPAIGN_ACTION_COUNT * CAMPAIGN_STATE_COUNT);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        enum campaign_state from, to;
        CHECK(campaign_state_parse(table[i].from, &from));
        char why[200] = "";
        if (campaign_transition(table[i].action, 3, from, &to, why, sizeof why))
            CHECK_STR(campaign_state_name(to), table[i].to_or_message);
        else
            CHECK_STR(why, table[i].to_or_message);
    }
}

TEST(campaign_control_accepts_only_the_api_actions)
{
    enum campaign_action a;
    CHECK(campaign_control_action("pause", &a) && a == CAMPAIGN_PAUSE);
    CHECK(campaign_control_action("resume", &a) && a == CAMPAIGN_RESUME);
    CHECK(campaign_control_action("cancel", &a) && a == CAMPAIGN_CANCEL);
    CHECK(!campaign_control_action("launch", &a));
    CHECK(!campaign_control_action("complete", &a));
    CHECK(!campaign_control_action("stop", &a));
    CHECK_STR(CAMPAIGN_CONTROL_ACTIONS_MSG,
              "Parameter 'action' must be one of: pause, resume, cancel.");
}

TEST(campaign_steps_are_editable_in_draft_and_paused_only)
{
    for (int s = 0; s < CAMPAIGN_STATE_COUNT; s++)
        CHECK_INT(campaign_steps_editable((enum campaign_state)s),
                  s == CAMPAIGN_DRAFT || s == CAMPAIGN_PAUSED);
}

TEST(campaign_outcomes_move_the_recipient)
{
    struct send_result r;
    struct send_progress first = {.send_id = 9, .step = 0, .attempts = 0, .steps_count = 2,
                                  .next_delay_days = 3};
    campaign_outcome(&first, SEND_OUTCOME_SENT, 250, "", T0, &r);
    CHECK_STR(r.state, "sent");
    CHECK_STR(r.recipient_status, "in_progress");
    CHECK_INT(r.recipient_step, 1);
    CHECK_INT(r.next_send_at, T0 + 3 * DAY);
    CHECK_INT(r.last_sent_at, T0);
    CHECK(!r.refund);
    struct send_progress last = {.send_id = 9, .step = 1, .steps_count = 2};
    campaign_outcome(&last, SEND_OUTCOME_SENT, 250, "", T0, &r);
    CHECK_STR(r.recipient_status, "completed");
    CHECK_INT(r.next_send_at, 0);
    campaign_outcome(&first, SEND_OUTCOME_BOUNCED, 550, "550 no such user", T0, &r);
    CHECK_STR(r.state, "bounced");
    CHECK_STR(r.recipient_status, "bounced");
    CHECK_STR(r.reason, "550 no such user");
    CHECK_INT(r.next_send_at, 0);
    CHECK(!r.refund); /* refused after the data: the message was handed over */
    campaign_outcome(&first, SEND_OUTCOME_REFUSED, 550, "550 no such user", T0, &r);
    CHECK_STR(r.state, "bounced");
    CHECK_STR(r.recipient_status, "bounced");
    CHECK(r.refund); /* refused at RCPT: nothing was handed over */
    campaign_outcome(&first, SEND_OUTCOME_DEFERRED, 451, "451 try later", T0, &r);
    CHECK_STR(r.state, "deferred");
    CHECK_STR(r.recipient_status, "pending");
    CHECK_INT(r.attempts, 1);
    CHECK_INT(r.next_send_at, T0 + campaign_backoff(0));
    CHECK(r.refund);
    struct send_progress worn = {.send_id = 9, .step = 1, .attempts = CAMPAIGN_RETRY_MAX - 1,
                                 .steps_count = 2};
    campaign_outcome(&worn, SEND_OUTCOME_DEFERRED, 0, "connection refused", T0, &r);
    CHECK_STR(r.state, "failed");
    CHECK_STR(r.recipient_status, "failed");
    CHECK_STR(r.reason, "connection refused");
    CHECK_INT(r.next_send_at, 0);
    CHECK(r.refund);
    for (int64_t n = 1; n < CAMPAIGN_RETRY_MAX; n++)
        CHECK(campaign_backoff(n) > campaign_backoff(n - 1));
}

TEST(campaign_quota_and_account_rotation)
{
    struct send_campaign c = {.daily_limit = 10, .batch_size = 5, .claimed_today = 7};
    CHECK_INT(campaign_run_quota(&c), 3);
    c.claimed_today = 0;
    CHECK_INT(campaign_run_quota(&c), 5);
    c.claimed_today = 12;
    CHECK_INT(campaign_run_quota(&c), 0);
    struct send_account accounts[3] = {
        {.account = {.id = 1, .daily_limit = 5}, .claimed_today = 0},
        {.account = {.id = 2, .daily_limit = 5}, .claimed_today = 5},
        {.account = {.id = 3, .daily_limit = 5}, .claimed_today = 1},
    };
    size_t cursor = 0;
    int64_t wait = -1;
    CHECK_INT(campaign_next_account(accounts, 3, &cursor, T0, &wait)->account.id, 1);
    CHECK_INT(campaign_next_account(accounts, 3, &cursor, T0, &wait)->account.id, 3); /* 2 is full */
    CHECK_INT(campaign_next_account(accounts, 3, &cursor, T0, &wait)->account.id, 1);
    /* a gap: 1 is not ready until T0 + 30, 3 not this run at all */
    accounts[0].ready_at = T0 + 30;
    accounts[2].ready_at = INT64_MAX;
    CHECK(campaign_next_account(accounts, 3, &cursor, T0, &wait) == NULL);
    CHECK_INT(wait, T0 + 30);
    CHECK_INT(campaign_next_account(accounts, 3, &cursor, T0 + 30, &wait)->account.id, 1);
    accounts[0].ready_at = accounts[2].ready_at = 0;
    accounts[0].claimed_today = accounts[2].claimed_today = 5;
    CHECK(campaign_next_account(accounts, 3, &cursor, T0, &wait) == NULL);
    CHECK_INT(wait, 0);
    CHECK_INT(campaign_day_start(T0), T0 - 3600);
}

/* ---- through a store ------------------------------------------------------- */

struct fixture {
    struct store *st;
    int64_t user, project, account, account2, campaign;
};

static int64_t add_account(struct store *st, int64_t user, const char *address, int64_t limit)
{
    struct account a = {.type = "smtp", .address = address, .smtp_host = "smtp.x.com",
                        .smtp_port = 587, .daily_limit = limit};
    int64_t id = 0;
    struct err err = {0};
    if (st->ops->account_add(st, user, &a, &id, &err) != RC_OK)
        fprintf(stderr, "    account_add: %s\n", err.msg);
    return id;
}

/* A user with credits, a project with `leads` leads, two accounts (daily
 * limits account_limit) and a draft campaign (daily_limit, batch 5) using both. */
static bool fixture_init(struct fixture *f, int64_t credits, size_t leads, int64_t daily_limit,
                         int64_t account_limit)
{
    *f = (struct fixture){.st = test_store_fresh("campaign")};
    if (!f->st) return false;
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    struct err err = {0};
    struct store *st = f->st;
    if (st->ops->user_create(st, "owner@x.com", credits, hash, &f->user, &err) != RC_OK ||
        st->ops->project_create(st, f->user, "P", T0, &f->project, &err) != RC_OK)
        return false;
    struct lead list[8];
    char emails[8][32];
    for (size_t i = 0; i < leads && i < 8; i++) {
        snprintf(emails[i], sizeof emails[i], "lead%zu@y.com", i);
        list[i] = (struct lead){.email = emails[i]};
    }
    struct leads_added added;
    if (st->ops->leads_add(st, f->user, f->project, list, leads, T0, &added, &err) != RC_OK)
        return false;
    f->account = add_account(st, f->user, "a1@x.com", account_limit);
    f->account2 = add_account(st, f->user, "a2@x.com", account_limit);
    struct campaign_account_ref refs[2] = {{"smtp", f->account}, {"smtp", f->account2}};
    struct campaign_new c = {.name = "C", .project_id = f->project, .accounts = refs,
                             .accounts_count = 2, .steps = STEPS2, .daily_limit = daily_limit,
                             .batch_size = 5};
    if (st->ops->campaign_create(st, f->user, &c, T0, &f->campaign, &err) != RC_OK) {
        fprintf(stderr, "    campaign_create: %s\n", err.msg);
        return false;
    }
    return true;
}

static const char *status_of(struct fixture *f, struct arena *a)
{
    struct campaign c;
    if (f->st->ops->campaign_get(f->st, f->user, f->campaign, 0, a, &c, NULL) != RC_OK)
        return "(none)";
    return c.status;
}

/* Forces the campaign into state (a test shortcut through the plain CAS). */
static bool force_state(struct fixture *f, const char *state, struct arena *a)
{
    struct campaign_status_change change = {.from = status_of(f, a), .to = state, .now = T0};
    int64_t n;
    char current[STORE_STATUS_LEN];
    return f->st->ops->campaign_set_status(f->st, f->user, f->campaign, &change, &n, current,
                                           NULL) == RC_OK;
}

TEST(campaign_every_action_through_the_store)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct fixture f;
        CHECK(fixture_init(&f, 10, 2, 50, 50));
        struct arena a;
        arena_init(&a);
        bool forced = strcmp(table[i].from, "draft") == 0 || force_state(&f, table[i].from, &a);
        struct err err = {0};
        const char *status = NULL;
        enum rc rc;
        int64_t recipients = 0;
        if (table[i].action == CAMPAIGN_LAUNCH) {
            rc = campaign_launch(f.st, f.user, f.campaign, T0, &recipients, &err);
            status = "active";
        } else {
            rc = campaign_apply(f.st, f.user, f.campaign, table[i].action, "", T0, &status, &err);
        }
        char now_in[STORE_STATUS_LEN];
        snprintf(now_in, sizeof now_in, "%s", status_of(&f, &a));
        store_close(f.st);
        arena_cleanup(&a);
        CHECK(forced);
        char want[200];
        snprintf(want, sizeof want, "%s", table[i].to_or_message);
        char *three = strstr(want, "3");
        if (three) {
            *three = '1'; /* the fixture's campaign is id 1 */
            CHECK_INT(rc, RC_INVALID);
            CHECK_STR(err.msg, want);
            CHECK_STR(now_in, table[i].from);
        } else {
            CHECK_INT(rc, RC_OK);
            CHECK_STR(status, table[i].to_or_message);
            CHECK_STR(now_in, table[i].to_or_message);
        }
    }
}

TEST(campaign_launch_refuses_an_empty_project_and_changes_nothing)
{
    struct fixture f;
    CHECK(fixture_init(&f, 10, 0, 50, 50));
    struct arena a;
    arena_init(&a);
    int64_t recipients = -1;
    struct err err = {0};
    CHECK_INT(campaign_launch(f.st, f.user, f.campaign, T0, &recipients, &err), RC_INVALID);
    CHECK_STR(err.msg, "Campaign 1: the project has no eligible leads (none, or all invalid or "
                       "unsubscribed).");
    CHECK_INT(recipients, 0);
    CHECK_STR(status_of(&f, &a), "draft");
    struct err other = {0};
    CHECK_INT(campaign_launch(f.st, f.user + 1, f.campaign, T0, &recipients, &other), RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(campaign_steps_follow_the_state)
{
    struct fixture f;
    CHECK(fixture_init(&f, 10, 1, 50, 50));
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    const char *one = "[{\"subject\":\"S\",\"body\":\"B\",\"delay_days\":0}]";
    CHECK_INT(campaign_replace_steps(f.st, f.user, f.campaign, one, &err), RC_OK);
    CHECK(force_state(&f, "paused", &a));
    CHECK_INT(campaign_replace_steps(f.st, f.user, f.campaign, STEPS2, &err), RC_OK);
    CHECK(force_state(&f, "active", &a));
    CHECK_INT(campaign_replace_steps(f.st, f.user, f.campaign, one, &err), RC_INVALID);
    CHECK_STR(err.msg,
              "Campaign 1 is active; steps can be replaced only while it is draft or paused.");
    struct campaign c;
    CHECK_INT(f.st->ops->campaign_get(f.st, f.user, f.campaign, 0, &a, &c, NULL), RC_OK);
    CHECK_STR(c.steps, STEPS2);
    arena_cleanup(&a);
    store_close(f.st);
}

struct launcher {
    struct fixture *f;
    enum rc rc;
    int64_t recipients;
};

static void *launch_once(void *arg)
{
    struct launcher *l = arg;
    struct err err = {0};
    l->rc = campaign_launch(l->f->st, l->f->user, l->f->campaign, T0, &l->recipients, &err);
    return NULL;
}

TEST(campaign_concurrent_launches_one_wins_and_populates_once)
{
    struct fixture f;
    CHECK(fixture_init(&f, 10, 5, 50, 50));
    enum { N = 8 };
    struct launcher l[N];
    pthread_t tids[N];
    for (int i = 0; i < N; i++) {
        l[i] = (struct launcher){&f, RC_DB, 0};
        pthread_create(&tids[i], NULL, launch_once, &l[i]);
    }
    int won = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(tids[i], NULL);
        if (l[i].rc == RC_OK) {
            won++;
            CHECK_INT(l[i].recipients, 5);
        } else if (l[i].rc == RC_INVALID) {
            refused++;
        }
    }
    CHECK_INT(won, 1);
    CHECK_INT(refused, N - 1);
    struct arena a;
    arena_init(&a);
    struct recipient *list;
    size_t n;
    int64_t total = 0;
    CHECK_INT(f.st->ops->campaign_recipients(f.st, f.user, f.campaign, NULL, 100, 0, &a, &list, &n,
                                             &total, NULL),
              RC_OK);
    CHECK_INT(total, 5);
    CHECK_STR(status_of(&f, &a), "active");
    arena_cleanup(&a);
    store_close(f.st);
}

/* ---- the sender's store operations ----------------------------------------- */

static bool launched(struct fixture *f, int64_t credits, size_t leads, int64_t daily_limit,
                     int64_t account_limit)
{
    int64_t n;
    struct err err = {0};
    return fixture_init(f, credits, leads, daily_limit, account_limit) &&
           campaign_launch(f->st, f->user, f->campaign, T0, &n, &err) == RC_OK;
}

static int64_t balance(struct fixture *f)
{
    int64_t b = -1;
    f->st->ops->credits_balance(f->st, f->user, &b, NULL);
    return b;
}

/* Claims the i-th due recipient through account; the Message-ID names i and now. */
static enum rc claim(struct fixture *f, size_t i, int64_t account, int64_t now, int64_t *send_id,
                     struct err *err)
{
    struct arena a;
    arena_init(&a);
    struct send_campaign *due;
    struct send_recipient *r;
    struct send_account *accounts;
    size_t nd = 0, nr = 0, na = 0;
    enum rc rc = f->st->ops->send_due(f->st, "active", now, campaign_day_start(now), 10, &a, &due,
                                      &nd, err);
    if (rc == RC_OK && nd == 0) rc = err_set(err, RC_NOT_FOUND, "nothing due");
    if (rc == RC_OK)
        rc = f->st->ops->send_recipients(f->st, due[0].id, now, 100, &a, &r, &nr, err);
    if (rc == RC_OK && i >= nr) rc = err_set(err, RC_NOT_FOUND, "recipient %zu not due", i);
    if (rc == RC_OK)
        rc = f->st->ops->send_accounts(f->st, due[0].id, campaign_day_start(now), &a, &accounts,
                                       &na, err);
    if (rc == RC_OK) {
        const struct send_account *use = accounts[0].account.id == account ? &accounts[0]
                                                                            : &accounts[1];
        char message_id[64];
        snprintf(message_id, sizeof message_id, "<%lld.%zu@x.com>", (long long)now, i);
        struct send_claim c;
        campaign_claim_prepare(&due[0], use, &r[i], message_id, now, &c);
        rc = f->st->ops->send_claim(f->st, &c, send_id, err);
    }
    arena_cleanup(&a);
    return rc;
}

TEST(send_claims_hold_the_campaign_daily_limit)
{
    struct fixture f;
    CHECK(launched(&f, 10, 3, 2, 50));
    struct err err = {0};
    int64_t s1, s2, s3;
    CHECK_INT(claim(&f, 0, f.account, T0, &s1, &err), RC_OK);
    CHECK_INT(claim(&f, 0, f.account2, T0 + 1, &s2, &err), RC_OK);
    struct err refused = {0};
    CHECK_INT(claim(&f, 0, f.account, T0 + 2, &s3, &refused), RC_FORBIDDEN);
    CHECK(strstr(refused.msg, "campaign 1 reached its daily limit of 2") != NULL);
    CHECK_INT(s3, 0);
    CHECK_INT(balance(&f), 8);
    /* the next UTC day has room again */
    CHECK_INT(claim(&f, 0, f.account, T0 + DAY, &s3, &err), RC_OK);
    CHECK_INT(balance(&f), 7);
    store_close(f.st);
}

TEST(send_claims_hold_the_account_daily_limit)
{
    struct fixture f;
    CHECK(launched(&f, 10, 3, 50, 1));
    struct err err = {0};
    int64_t s1, s2;
    CHECK_INT(claim(&f, 0, f.account, T0, &s1, &err), RC_OK);
    struct err refused = {0};
    CHECK_INT(claim(&f, 0, f.account, T0 + 1, &s2, &refused), RC_FORBIDDEN);
    CHECK(strstr(refused.msg, "account") != NULL);
    CHECK_INT(claim(&f, 0, f.account2, T0 + 1, &s2, &err), RC_OK);
    /* the rotation sees both accounts full */
    struct arena a;
    arena_init(&a);
    struct send_account *accounts;
    size_t n = 0, cursor = 0;
    CHECK_INT(f.st->ops->send_accounts(f.st, f.campaign, T0 - 3600, &a, &accounts, &n, &err),
              RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(accounts[0].claimed_today, 1);
    CHECK(accounts[0].account.secret != NULL);
    int64_t wait = -1;
    CHECK(campaign_next_account(accounts, n, &cursor, T0, &wait) == NULL);
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(send_claim_charges_once_and_only_while_due)
{
    struct fixture f;
    CHECK(launched(&f, 10, 1, 50, 50));
    struct arena a;
    arena_init(&a);
    struct send_recipient *r;
    size_t n = 0;
    struct err err = {0};
    CHECK_INT(f.st->ops->send_recipients(f.st, f.campaign, T0, 10, &a, &r, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_STR(r[0].email, "lead0@y.com");
    struct send_campaign camp = {.id = f.campaign, .daily_limit = 50, .batch_size = 5};
    struct send_account acc = {.account = {.id = f.account, .daily_limit = 50}};
    struct send_claim c;
    campaign_claim_prepare(&camp, &acc, &r[0], "<once@x.com>", T0, &c);
    int64_t send_id = 0, again = 0;
    CHECK_INT(f.st->ops->send_claim(f.st, &c, &send_id, &err), RC_OK);
    CHECK(send_id > 0);
    CHECK_INT(balance(&f), 9);
    /* the same recipient and step again: no longer due, nothing charged */
    c.message_id = "<twice@x.com>";
    struct err conflict = {0};
    CHECK_INT(f.st->ops->send_claim(f.st, &c, &again, &conflict), RC_CONFLICT);
    CHECK_INT(again, 0);
    CHECK_INT(balance(&f), 9);
    /* nothing is due while it is being sent */
    struct send_campaign *due;
    CHECK_INT(f.st->ops->send_due(f.st, "active", T0 + 1, T0 - 3600, 10, &a, &due, &n, &err),
              RC_OK);
    CHECK_INT(n, 0);
    struct recipient *list;
    int64_t total;
    CHECK_INT(f.st->ops->campaign_recipients(f.st, f.user, f.campaign, NULL, 10, 0, &a, &list, &n,
                                             &total, &err),
              RC_OK);
    CHECK_STR(list[0].status, "in_progress");
    CHECK_INT(list[0].next_send_at, 0);
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(send_claim_at_zero_balance_claims_nothing)
{
    struct fixture f;
    CHECK(launched(&f, 0, 2, 50, 50));
    struct err err = {0};
    int64_t send_id = -1;
    CHECK_INT(claim(&f, 0, f.account, T0, &send_id, &err), RC_NO_CREDITS);
    CHECK_INT(send_id, 0);
    CHECK_INT(balance(&f), 0);
    struct arena a;
    arena_init(&a);
    struct send_unfinished *open;
    struct send_recipient *r;
    size_t n = 9;
    CHECK_INT(f.st->ops->send_unfinished(f.st, 10, &a, &open, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    CHECK_INT(f.st->ops->send_recipients(f.st, f.campaign, T0, 10, &a, &r, &n, &err), RC_OK);
    CHECK_INT(n, 2); /* both still due */
    /* the sender then pauses the campaign with the reason */
    const char *status;
    CHECK_INT(campaign_apply(f.st, f.user, f.campaign, CAMPAIGN_PAUSE, CAMPAIGN_NO_CREDITS_REASON,
                             T0, &status, &err),
              RC_OK);
    struct campaign c;
    CHECK_INT(f.st->ops->campaign_get(f.st, f.user, f.campaign, 0, &a, &c, &err), RC_OK);
    CHECK_STR(c.status, "paused");
    CHECK_STR(c.status_reason, CAMPAIGN_NO_CREDITS_REASON);
    /* and a paused campaign claims nothing */
    CHECK_INT(claim(&f, 0, f.account, T0, &send_id, &err), RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(send_unfinished_lists_claims_never_recorded)
{
    struct fixture f;
    CHECK(launched(&f, 10, 2, 50, 50));
    struct err err = {0};
    int64_t s1, s2;
    CHECK_INT(claim(&f, 0, f.account, T0, &s1, &err), RC_OK);
    CHECK_INT(claim(&f, 0, f.account2, T0 + 5, &s2, &err), RC_OK);
    struct arena a;
    arena_init(&a);
    struct send_unfinished *open;
    size_t n = 0;
    CHECK_INT(f.st->ops->send_unfinished(f.st, 10, &a, &open, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(open[0].send_id, s1);
    char want[64];
    snprintf(want, sizeof want, "<%lld.0@x.com>", (long long)T0);
    CHECK_STR(open[0].message_id, want);
    CHECK_INT(open[1].account_id, f.account2);
    CHECK_INT(open[1].claimed_at, T0 + 5);
    /* reconciled: recorded as sent, it leaves the list */
    struct send_progress p = {.send_id = s1, .step = 0, .steps_count = 2, .next_delay_days = 3};
    struct send_result r;
    campaign_outcome(&p, SEND_OUTCOME_SENT, 250, "", T0 + 60, &r);
    CHECK_INT(f.st->ops->send_record(f.st, &r, &err), RC_OK);
    CHECK_INT(f.st->ops->send_unfinished(f.st, 10, &a, &open, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(open[0].send_id, s2);
    arena_cleanup(&a);
    store_close(f.st);
}

static const struct recipient *recipient_at(struct fixture *f, struct arena *a, size_t i)
{
    struct recipient *list;
    size_t n = 0;
    int64_t total;
    if (f->st->ops->campaign_recipients(f->st, f->user, f->campaign, NULL, 10, 0, a, &list, &n,
                                        &total, NULL) != RC_OK ||
        i >= n)
        return NULL;
    return &list[i];
}

TEST(send_record_moves_the_recipient_and_refunds_deferrals)
{
    struct fixture f;
    CHECK(launched(&f, 10, 2, 50, 50));
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    int64_t s;
    /* step 0 sent: in progress, due again after the next step's delay */
    CHECK_INT(claim(&f, 0, f.account, T0, &s, &err), RC_OK);
    struct send_progress p = {.send_id = s, .step = 0, .steps_count = 2, .next_delay_days = 3};
    struct send_result r;
    campaign_outcome(&p, SEND_OUTCOME_SENT, 250, "", T0 + 1, &r);
    CHECK_INT(f.st->ops->send_record(f.st, &r, &err), RC_OK);
    struct err twice = {0};
    CHECK_INT(f.st->ops->send_record(f.st, &r, &twice), RC_CONFLICT);
    const struct recipient *rec = recipient_at(&f, &a, 0);
    CHECK(rec);
    CHECK_STR(rec->status, "in_progress");
    CHECK_INT(rec->current_step, 1);
    CHECK_INT(rec->last_sent_at, T0 + 1);
    CHECK_INT(rec->next_send_at, T0 + 1 + 3 * DAY);
    CHECK_INT(balance(&f), 9);
    /* the other recipient: deferred (refunded, back off), then sent */
    CHECK_INT(claim(&f, 0, f.account, T0 + 2, &s, &err), RC_OK);
    CHECK_INT(balance(&f), 8);
    p = (struct send_progress){.send_id = s, .step = 0, .steps_count = 2, .next_delay_days = 3};
    campaign_outcome(&p, SEND_OUTCOME_DEFERRED, 421, "421 busy", T0 + 3, &r);
    CHECK_INT(f.st->ops->send_record(f.st, &r, &err), RC_OK);
    CHECK_INT(balance(&f), 9);
    rec = recipient_at(&f, &a, 1);
    CHECK(rec);
    CHECK_STR(rec->status, "pending");
    CHECK_INT(rec->next_send_at, T0 + 3 + campaign_backoff(0));
    /* not due before the back-off ends */
    struct send_recipient *due;
    size_t n = 9;
    CHECK_INT(f.st->ops->send_recipients(f.st, f.campaign, T0 + 4, 10, &a, &due, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    int64_t later = T0 + 3 + campaign_backoff(0);
    CHECK_INT(f.st->ops->send_recipients(f.st, f.campaign, later, 10, &a, &due, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(due[0].attempts, 1);
    CHECK_INT(claim(&f, 0, f.account, later, &s, &err), RC_OK);
    p = (struct send_progress){.send_id = s, .step = 0, .attempts = 1, .steps_count = 2,
                               .next_delay_days = 3};
    campaign_outcome(&p, SEND_OUTCOME_BOUNCED, 550, "550 no such user", later + 1, &r);
    CHECK_INT(f.st->ops->send_record(f.st, &r, &err), RC_OK);
    CHECK_INT(balance(&f), 8);
    rec = recipient_at(&f, &a, 1);
    CHECK(rec);
    CHECK_STR(rec->status, "bounced");
    CHECK_INT(rec->next_send_at, 0);
    /* step 1 of the first recipient: its last step, so it completes, and so does the campaign */
    int64_t step1 = T0 + 1 + 3 * DAY;
    CHECK_INT(claim(&f, 0, f.account, step1, &s, &err), RC_OK);
    bool completed = true;
    CHECK_INT(campaign_complete_if_done(f.st, f.user, f.campaign, step1, &completed, &err), RC_OK);
    CHECK(!completed); /* one recipient is still in progress */
    p = (struct send_progress){.send_id = s, .step = 1, .steps_count = 2};
    campaign_outcome(&p, SEND_OUTCOME_SENT, 250, "", step1 + 1, &r);
    CHECK_INT(f.st->ops->send_record(f.st, &r, &err), RC_OK);
    rec = recipient_at(&f, &a, 0);
    CHECK(rec);
    CHECK_STR(rec->status, "completed");
    CHECK_INT(campaign_complete_if_done(f.st, f.user, f.campaign, step1 + 2, &completed, &err),
              RC_OK);
    CHECK(completed);
    CHECK_STR(status_of(&f, &a), "completed");
    struct campaign c;
    CHECK_INT(f.st->ops->campaign_get(f.st, f.user, f.campaign, campaign_day_start(step1), &a, &c,
                                      &err),
              RC_OK);
    CHECK_INT(c.sent_total, 2);
    CHECK_INT(c.stats.completed, 1);
    CHECK_INT(c.stats.bounced, 1);
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(send_deferrals_end_in_failure_with_the_reason)
{
    struct fixture f;
    CHECK(launched(&f, 10, 1, 50, 50));
    struct err err = {0};
    int64_t now = T0, s;
    struct send_result r;
    for (int64_t attempt = 0; attempt < CAMPAIGN_RETRY_MAX; attempt++) {
        CHECK_INT(claim(&f, 0, f.account, now, &s, &err), RC_OK);
        struct send_progress p = {.send_id = s, .step = 0, .attempts = attempt, .steps_count = 2};
        campaign_outcome(&p, SEND_OUTCOME_DEFERRED, 0, "connection refused", now, &r);
        CHECK_INT(f.st->ops->send_record(f.st, &r, &err), RC_OK);
        now += campaign_backoff(attempt);
    }
    CHECK_STR(r.state, "failed");
    CHECK_INT(balance(&f), 10); /* nothing was delivered */
    struct arena a;
    arena_init(&a);
    const struct recipient *rec = recipient_at(&f, &a, 0);
    CHECK(rec);
    CHECK_STR(rec->status, "failed");
    CHECK_INT(rec->next_send_at, 0);
    CHECK_INT(claim(&f, 0, f.account, now + DAY, &s, &err), RC_NOT_FOUND); /* never due again */
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(recipient_stop_records_replies_and_unsubscribes)
{
    struct fixture f;
    CHECK(launched(&f, 10, 2, 50, 50));
    struct arena a;
    arena_init(&a);
    struct send_recipient *due;
    size_t n = 0;
    struct err err = {0};
    CHECK_INT(f.st->ops->send_recipients(f.st, f.campaign, T0, 10, &a, &due, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(f.st->ops->recipient_stop(f.st, due[0].id, "replied", "", false, T0, &err), RC_OK);
    CHECK_INT(f.st->ops->recipient_stop(f.st, due[1].id, "unsubscribed", "", true, T0, &err), RC_OK);
    CHECK_INT(f.st->ops->recipient_stop(f.st, 999, "replied", "", false, T0, NULL), RC_NOT_FOUND);
    CHECK_INT(f.st->ops->send_recipients(f.st, f.campaign, T0, 10, &a, &due, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    CHECK_STR(recipient_at(&f, &a, 0)->status, "replied");
    CHECK_STR(recipient_at(&f, &a, 1)->status, "unsubscribed");
    /* the unsubscribed address is left out of the next launch */
    struct campaign_account_ref refs[1] = {{"smtp", f.account}};
    struct campaign_new c = {.name = "Again", .project_id = f.project, .accounts = refs,
                             .accounts_count = 1, .steps = STEPS2, .daily_limit = 5,
                             .batch_size = 5};
    int64_t id, recipients = 0;
    CHECK_INT(f.st->ops->campaign_create(f.st, f.user, &c, T0, &id, &err), RC_OK);
    CHECK_INT(campaign_launch(f.st, f.user, id, T0, &recipients, &err), RC_OK);
    CHECK_INT(recipients, 1);
    arena_cleanup(&a);
    store_close(f.st);
}
