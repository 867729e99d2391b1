/* Unit tests for the sender's batch lease (send_lease, send_release and the
 * claim under a lease, src/store/store.h): a leased batch is not handed to a
 * second caller, an expired lease makes its recipients due again, what a run
 * did not claim goes back, the daily limit holds across callers, and
 * concurrent workers claim nothing twice. Stores come from test_store_fresh,
 * so these run on whichever backend LEADGEN_TEST_STORE names. */
#include "test.h"

#include "campaign/campaign.h"
#include "core/keys.h"
#include "store/store.h"

#include <pthread.h>

enum { DAY = 86400, T0 = 20000 * DAY + 3600, MAX_LEADS = 40 }; /* 01:00 UTC on some day */

static const char STEPS1[] = "[{\"subject\":\"Hi\",\"body\":\"<p>Hi</p>\",\"delay_days\":0}]";

struct fixture {
    struct store *st;
    struct arena a;
    int64_t user, account;
    struct send_campaign c;
    struct send_account sa;
};

static int64_t credits_of(struct fixture *f)
{
    int64_t b = -1;
    f->st->ops->credits_balance(f->st, f->user, &b, NULL);
    return b;
}

/* A user with 1,000 credits, `leads` leads, one account and a launched
 * one-step campaign with daily_limit. */
static bool fixture_init(struct fixture *f, size_t leads, int64_t daily_limit)
{
    *f = (struct fixture){.st = test_store_fresh("send_lease")};
    arena_init(&f->a);
    if (!f->st) return false;
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    struct err err = {0};
    struct store *st = f->st;
    int64_t project = 0, campaign = 0, n = 0;
    if (st->ops->user_create(st, "owner@x.com", 1000, hash, &f->user, &err) != RC_OK ||
        st->ops->project_create(st, f->user, "P", T0, &project, &err) != RC_OK)
        return false;
    struct lead list[MAX_LEADS];
    for (size_t i = 0; i < leads && i < MAX_LEADS; i++)
        list[i] = (struct lead){.email = arena_sprintf(&f->a, "lead%02zu@y.com", i)};
    struct leads_added added;
    struct account acc = {.type = "smtp",
                          .address = "a@x.com",
                          .smtp_host = "smtp.x.com",
                          .smtp_port = 587,
                          .daily_limit = 1000,
                          .secret = "sealed"};
    if (st->ops->leads_add(st, f->user, project, list, leads, T0, &added, &err) != RC_OK ||
        st->ops->account_add(st, f->user, &acc, &f->account, &err) != RC_OK)
        return false;
    struct campaign_account_ref ref = {"smtp", f->account};
    struct campaign_new c = {.name = "C",
                             .project_id = project,
                             .accounts = &ref,
                             .accounts_count = 1,
                             .steps = STEPS1,
                             .daily_limit = daily_limit,
                             .batch_size = 5};
    if (st->ops->campaign_create(st, f->user, &c, T0, &campaign, &err) != RC_OK ||
        campaign_launch(st, f->user, campaign, T0, &n, &err) != RC_OK) {
        fprintf(stderr, "    campaign: %s\n", err.msg);
        return false;
    }
    f->c = (struct send_campaign){.id = campaign,
                                  .user_id = f->user,
                                  .steps = STEPS1,
                                  .daily_limit = daily_limit,
                                  .batch_size = 5};
    f->sa = (struct send_account){.account = {.id = f->account, .daily_limit = 1000}};
    return true;
}

static void fixture_close(struct fixture *f)
{
    arena_cleanup(&f->a);
    store_close(f->st);
}

/* Leases up to limit recipients at now until `until`; the count (-1 on failure). */
static long lease(struct fixture *f, int64_t now, int64_t limit, int64_t until,
                  struct send_recipient **out)
{
    size_t n = 0;
    struct err err = {0};
    if (f->st->ops->send_lease(f->st, f->c.id, now, limit, until, &f->a, out, &n, &err) != RC_OK) {
        fprintf(stderr, "    send_lease: %s\n", err.msg);
        return -1;
    }
    return (long)n;
}

static long due_count(struct fixture *f, int64_t now)
{
    struct send_recipient *list;
    size_t n = 0;
    if (f->st->ops->send_recipients(f->st, f->c.id, now, 100, &f->a, &list, &n, NULL) != RC_OK)
        return -1;
    return (long)n;
}

/* Claims r at now as the sender would (its lease, if any, goes with it). */
static enum rc claim(struct fixture *f, const struct send_recipient *r, int64_t now,
                     int64_t *send_id, struct err *err)
{
    static _Atomic long seq;
    char message_id[64];
    snprintf(message_id, sizeof message_id, "<%ld.%lld@x.com>", ++seq, (long long)r->id);
    struct send_claim in;
    campaign_claim_prepare(&f->c, &f->sa, r, message_id, now, &in);
    return f->st->ops->send_claim(f->st, &in, send_id, err);
}

static bool disjoint(const struct send_recipient *a, long na, const struct send_recipient *b,
                     long nb)
{
    for (long i = 0; i < na; i++)
        for (long j = 0; j < nb; j++)
            if (a[i].id == b[j].id) return false;
    return true;
}

TEST(send_lease_hands_a_batch_to_one_caller_only)
{
    struct fixture f;
    CHECK(fixture_init(&f, 5, 50));
    struct send_recipient *first, *second, *third;
    CHECK_INT(lease(&f, T0, 3, T0 + 100, &first), 3);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(first[i].lease_until, T0 + 100);
        CHECK_INT(first[i].due_at, T0);
        CHECK_INT(first[i].step, 0);
    }
    CHECK_INT(lease(&f, T0 + 1, 3, T0 + 101, &second), 2); /* the other two only */
    CHECK(disjoint(first, 3, second, 2));
    CHECK_INT(lease(&f, T0 + 2, 3, T0 + 102, &third), 0);
    CHECK_INT(due_count(&f, T0 + 2), 0);
    /* nothing due: the campaign is not listed for a run either */
    struct send_campaign *due;
    size_t n = 9;
    CHECK_INT(f.st->ops->send_due(f.st, "active", T0 + 2, T0 - 3600, 10, &f.a, &due, &n, NULL),
              RC_OK);
    CHECK_INT(n, 0);
    fixture_close(&f);
}

TEST(send_lease_that_ran_out_makes_its_recipients_due_again)
{
    struct fixture f;
    CHECK(fixture_init(&f, 3, 50));
    struct send_recipient *a_batch, *b_batch, *none;
    CHECK_INT(lease(&f, T0, 3, T0 + 100, &a_batch), 3);
    CHECK_INT(lease(&f, T0 + 99, 3, T0 + 199, &none), 0);
    CHECK_INT(due_count(&f, T0 + 100), 3);
    /* worker A stalled past its lease: B takes the batch */
    CHECK_INT(lease(&f, T0 + 100, 3, T0 + 200, &b_batch), 3);
    struct err err = {0};
    int64_t id = 0;
    CHECK_INT(claim(&f, &a_batch[0], T0 + 101, &id, &err), RC_CONFLICT); /* A's lease is gone */
    CHECK_INT(id, 0);
    CHECK_INT(claim(&f, &b_batch[0], T0 + 101, &id, &err), RC_OK);
    CHECK(id > 0);
    /* a lease that ran out with nobody taking the row over: the row is simply due */
    CHECK_INT(claim(&f, &b_batch[1], T0 + 250, &id, &err), RC_OK);
    CHECK_INT(credits_of(&f), 1000 - 2);
    fixture_close(&f);
}

TEST(send_claim_takes_a_leased_recipient_only_under_its_lease)
{
    struct fixture f;
    CHECK(fixture_init(&f, 2, 50));
    struct send_recipient *batch;
    CHECK_INT(lease(&f, T0, 2, T0 + 100, &batch), 2);
    struct err err = {0};
    int64_t id = 0;
    struct send_recipient other = batch[0];
    other.lease_until = 0; /* a caller holding no lease */
    CHECK_INT(claim(&f, &other, T0 + 1, &id, &err), RC_CONFLICT);
    other.lease_until = T0 + 99; /* or another lease */
    CHECK_INT(claim(&f, &other, T0 + 1, &id, &err), RC_CONFLICT);
    CHECK_INT(credits_of(&f), 1000);
    CHECK_INT(claim(&f, &batch[0], T0 + 1, &id, &err), RC_OK);
    CHECK(id > 0);
    CHECK_INT(claim(&f, &batch[0], T0 + 2, &id, &err), RC_CONFLICT); /* claimed once */
    CHECK_INT(credits_of(&f), 1000 - 1);
    fixture_close(&f);
}

TEST(send_release_gives_back_what_was_not_claimed)
{
    struct fixture f;
    CHECK(fixture_init(&f, 5, 50));
    struct send_recipient *batch, *again;
    CHECK_INT(lease(&f, T0, 3, T0 + 100, &batch), 3);
    struct err err = {0};
    int64_t id = 0;
    CHECK_INT(claim(&f, &batch[0], T0 + 1, &id, &err), RC_OK);
    batch[0].lease_until = 0; /* spent, as the sender marks it */
    CHECK_INT(f.st->ops->send_release(f.st, batch, 3, &err), RC_OK);
    CHECK_INT(due_count(&f, T0), 4); /* due at the time they had, the claimed one not */
    CHECK_INT(lease(&f, T0 + 2, 10, T0 + 102, &again), 4);
    CHECK(disjoint(batch, 1, again, 4));
    /* a release by a holder whose lease was taken over changes nothing */
    CHECK_INT(f.st->ops->send_release(f.st, batch + 1, 2, &err), RC_OK);
    CHECK_INT(due_count(&f, T0 + 3), 0);
    fixture_close(&f);
}

TEST(send_lease_leaves_the_daily_limit_to_the_claim)
{
    struct fixture f;
    CHECK(fixture_init(&f, 5, 3));
    struct send_recipient *a_batch, *b_batch;
    CHECK_INT(lease(&f, T0, 3, T0 + 100, &a_batch), 3);
    CHECK_INT(lease(&f, T0, 3, T0 + 100, &b_batch), 2);
    struct err err = {0};
    int64_t id = 0;
    CHECK_INT(claim(&f, &b_batch[0], T0 + 1, &id, &err), RC_OK);
    CHECK_INT(claim(&f, &a_batch[0], T0 + 1, &id, &err), RC_OK);
    CHECK_INT(claim(&f, &a_batch[1], T0 + 1, &id, &err), RC_OK);
    struct err refused = {0};
    CHECK_INT(claim(&f, &a_batch[2], T0 + 1, &id, &refused), RC_FORBIDDEN);
    CHECK(strstr(refused.msg, "reached its daily limit of 3") != NULL);
    CHECK_INT(claim(&f, &b_batch[1], T0 + 1, &id, &refused), RC_FORBIDDEN);
    CHECK_INT(credits_of(&f), 1000 - 3);
    fixture_close(&f);
}

struct worker {
    struct fixture *f;
    long claims, conflicts, failures;
};

/* Leases batches of 3 until none is left, claiming and recording each. */
static void *work(void *arg)
{
    struct worker *w = arg;
    struct arena a;
    arena_init(&a);
    for (;;) {
        struct send_recipient *batch;
        size_t n = 0;
        struct err err = {0};
        if (w->f->st->ops->send_lease(w->f->st, w->f->c.id, T0, 3, T0 + 1000, &a, &batch, &n,
                                      &err) != RC_OK) {
            w->failures++;
            break;
        }
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) {
            int64_t id = 0;
            enum rc rc = claim(w->f, &batch[i], T0 + 1, &id, &err);
            if (rc == RC_CONFLICT) w->conflicts++;
            if (rc != RC_OK) continue;
            struct send_progress p = {.send_id = id, .steps_count = 1};
            struct send_result res;
            campaign_outcome(&p, SEND_OUTCOME_SENT, 250, "OK", T0 + 1, &res);
            if (w->f->st->ops->send_record(w->f->st, &res, &err) != RC_OK) w->failures++;
            w->claims++;
        }
        arena_cleanup(&a);
    }
    arena_cleanup(&a);
    return NULL;
}

TEST(send_lease_concurrent_workers_take_disjoint_batches_and_claim_nothing_twice)
{
    struct fixture f;
    CHECK(fixture_init(&f, MAX_LEADS, 1000));
    enum { N = 4 };
    struct worker w[N];
    pthread_t tids[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){.f = &f};
        pthread_create(&tids[i], NULL, work, &w[i]);
    }
    long claims = 0, conflicts = 0, failures = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(tids[i], NULL);
        claims += w[i].claims, conflicts += w[i].conflicts, failures += w[i].failures;
    }
    CHECK_INT(claims, MAX_LEADS);
    CHECK_INT(conflicts, 0); /* no worker was handed a recipient another held */
    CHECK_INT(failures, 0);
    CHECK_INT(credits_of(&f), 1000 - MAX_LEADS);
    struct campaign c;
    CHECK_INT(f.st->ops->campaign_get(f.st, f.user, f.c.id, T0 - 3600, &f.a, &c, NULL), RC_OK);
    CHECK_INT(c.stats.completed, MAX_LEADS);
    CHECK_INT(c.stats.pending, 0);
    fixture_close(&f);
}
