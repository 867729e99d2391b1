/* Campaign-sender claim throughput at the store (bench/multinode_bench.py;
 * docs/BENCHMARKS.md, issue 14). What a `leadgen worker` does per email,
 * without the SMTP conversation: due campaigns, their accounts, a batch of due
 * recipients, then per recipient the claim (one transaction: limits, credits,
 * the ledger row, the send row) and the recorded outcome ("sent"), with the
 * sender's own rules (campaign_claim_prepare, campaign_outcome).
 *
 *   build/bench/claim_bench seed STORE N      one user, account, project, N leads
 *                                             and a draft one-step campaign
 *   build/bench/claim_bench run STORE WORKERS SECONDS [lease|read]
 *                                             launches that campaign (N pending
 *                                             recipients), then WORKERS processes
 *                                             claim and record until SECONDS pass;
 *                                             lease (the default, as the sender
 *                                             does): each batch is leased
 *                                             (send_lease) and what was not claimed
 *                                             given back; read: the batch is read
 *                                             as before the lease (send_recipients)
 *
 * Prints a human summary on stderr and one JSON object on stdout. */
#include "base/clock.h"
#include "campaign/campaign.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char OWNER[] = "bench@claims.lgtest";
static const char STEPS[] = "[{\"subject\":\"Hi\",\"body\":\"<p>Hello</p>\",\"delay_days\":0}]";
enum { SEED_BATCH = 10000, SEND_TIMEOUT = 60 }; /* LEADGEN_SEND_TIMEOUT's default */

static bool leasing = true;

static void die(const char *what, const struct err *err)
{
    fprintf(stderr, "claim_bench: %s: %s\n", what, err->msg);
    exit(1);
}

static double now_s(void)
{
    return clock_mono_ms() / 1000.0;
}

static int seed(const char *url, int64_t n)
{
    struct err err = {0};
    struct store *st = store_open(url, &err);
    if (!st) die("open", &err);
    int64_t user, project, account, campaign;
    double t0 = now_s();
    if (st->ops->user_create(st, OWNER, INT64_C(1000000000), "benchkeyhash", &user, &err) ||
        st->ops->project_create(st, user, "claims", clock_now(), &project, &err))
        die("user and project", &err);
    struct account acc = {.type = "smtp", .address = "sender@claims.lgtest", .display_name = "",
                          .smtp_host = "127.0.0.1", .smtp_port = 2525, .tls_mode = "none",
                          .username = "", .imap_host = "", .daily_limit = INT64_C(1000000000),
                          .secret = "", .send_window = "", .timezone = "UTC"};
    if (st->ops->account_add(st, user, &acc, &account, &err)) die("account", &err);
    struct arena a;
    arena_init(&a);
    struct lead *batch = xcalloc(SEED_BATCH, sizeof *batch);
    for (int64_t done = 0; done < n;) {
        size_t k = 0;
        for (; k < SEED_BATCH && done < n; k++, done++)
            batch[k] = (struct lead){.email = arena_sprintf(&a, "r%" PRId64 "@rcpt.lgtest", done),
                                     .firstname = "", .lastname = "", .company = "",
                                     .website = "", .phones = "", .description = ""};
        struct leads_added added;
        if (st->ops->leads_add(st, user, project, batch, k, clock_now(), &added, &err))
            die("leads", &err);
        arena_cleanup(&a);
    }
    double leads_s = now_s() - t0;
    struct campaign_account_ref ref = {.type = "smtp", .id = account};
    struct campaign_new c = {.name = "claims", .project_id = project, .accounts = &ref,
                             .accounts_count = 1, .steps = STEPS, .daily_limit = 2 * n + 1,
                             .batch_size = 100};
    if (st->ops->campaign_create(st, user, &c, clock_now(), &campaign, &err)) die("campaign", &err);
    fprintf(stderr, "seeded %" PRId64 " leads on %s in %.1f s (%.0f leads/s)\n", n,
            st->ops->name, leads_s, (double)n / leads_s);
    printf("{\"leads\": %" PRId64 ", \"seed_s\": %.3f, \"store\": \"%s\"}\n", n, leads_s,
           st->ops->name);
    free(batch);
    store_close(st);
    return 0;
}

struct tally {
    int64_t claims, conflicts, refused;
};

/* Claims one batch of one campaign; false when nobody was due. */
static bool claim_batch(struct store *st, const struct send_campaign *c, pid_t me, int64_t *seq,
                        struct tally *t, struct arena *a)
{
    struct err err = {0};
    int64_t now = clock_now();
    struct send_account *accs;
    struct send_recipient *rcpts;
    size_t naccs, nrcpts;
    int64_t until = now + campaign_lease(SEND_TIMEOUT);
    if (st->ops->send_accounts(st, c->id, campaign_day_start(now), a, &accs, &naccs, &err) ||
        (leasing ? st->ops->send_lease(st, c->id, now, c->batch_size, until, a, &rcpts, &nrcpts,
                                       &err)
                 : st->ops->send_recipients(st, c->id, now, c->batch_size, a, &rcpts, &nrcpts,
                                            &err)))
        die("batch", &err);
    for (size_t i = 0; i < nrcpts; i++) {
        char message_id[64];
        snprintf(message_id, sizeof message_id, "<%d.%" PRId64 "@claims.lgtest>", (int)me,
                 (*seq)++);
        struct send_claim claim;
        int64_t send_id;
        campaign_claim_prepare(c, &accs[0], &rcpts[i], message_id, now, &claim);
        struct err why = {0};
        enum rc rc = st->ops->send_claim(st, &claim, &send_id, &why);
        if (rc == RC_CONFLICT) t->conflicts++; /* the other worker had it */
        if (rc != RC_OK) {
            if (rc != RC_CONFLICT) t->refused++;
            continue;
        }
        struct send_progress p = {.send_id = send_id, .step = rcpts[i].step,
                                  .attempts = rcpts[i].attempts, .steps_count = 1};
        struct send_result res;
        campaign_outcome(&p, SEND_OUTCOME_SENT, 250, "OK", clock_now(), &res);
        if (st->ops->send_record(st, &res, &err)) die("record", &err);
        rcpts[i].lease_until = 0; /* spent */
        t->claims++;
    }
    if (leasing && st->ops->send_release(st, rcpts, nrcpts, &err)) die("release", &err);
    return nrcpts > 0;
}

static struct tally work(const char *url, double deadline)
{
    struct err err = {0};
    struct store *st = store_open_with(url, &(struct store_options){.pool = 1}, &err);
    if (!st) die("open", &err);
    struct tally t = {0};
    int64_t seq = 0;
    pid_t me = getpid();
    struct arena a;
    arena_init(&a);
    while (now_s() < deadline) {
        int64_t now = clock_now();
        struct send_campaign *cs;
        size_t n;
        if (st->ops->send_due(st, "active", now, campaign_day_start(now), 10, &a, &cs, &n, &err))
            die("due", &err);
        bool any = false;
        for (size_t i = 0; i < n && now_s() < deadline; i++)
            any |= claim_batch(st, &cs[i], me, &seq, &t, &a);
        arena_cleanup(&a);
        if (!any) break;
    }
    store_close(st);
    return t;
}

static int64_t launch(const char *url, double *seconds)
{
    struct err err = {0};
    struct store *st = store_open(url, &err);
    if (!st) die("open", &err);
    struct arena a;
    arena_init(&a);
    struct user u;
    struct campaign *cs;
    size_t n;
    if (st->ops->user_by_email(st, OWNER, &a, &u, &err) ||
        st->ops->campaign_list(st, u.id, 0, &a, &cs, &n, &err) || n == 0)
        die("finding the campaign (seed first)", &err);
    int64_t recipients = cs[0].stats.pending;
    double t0 = now_s();
    if (strcmp(cs[0].status, "draft") == 0) {
        char current[STORE_STATUS_LEN];
        struct campaign_status_change ch = {.from = "draft", .to = "active", .reason = "",
                                            .now = clock_now(), .populate = true};
        if (st->ops->campaign_set_status(st, u.id, cs[0].id, &ch, &recipients, current, &err))
            die("launch", &err);
    }
    *seconds = now_s() - t0;
    arena_cleanup(&a);
    store_close(st);
    return recipients;
}

static int run(const char *url, int workers, double seconds)
{
    double launch_s = 0;
    int64_t pending = launch(url, &launch_s);
    fprintf(stderr, "launched: %" PRId64 " recipients pending (populate %.1f s)\n", pending,
            launch_s);
    int fds[2];
    if (pipe(fds) != 0) return 1;
    fflush(stdout);
    double start = now_s(), deadline = start + seconds;
    for (int w = 0; w < workers; w++) {
        if (fork() == 0) {
            close(fds[0]);
            struct tally t = work(url, deadline);
            if (write(fds[1], &t, sizeof t) != (ssize_t)sizeof t) _exit(1);
            _exit(0);
        }
    }
    close(fds[1]);
    struct tally sum = {0}, t;
    int got = 0;
    while (read(fds[0], &t, sizeof t) == (ssize_t)sizeof t) {
        sum.claims += t.claims, sum.conflicts += t.conflicts, sum.refused += t.refused;
        fprintf(stderr, "  worker %d: %" PRId64 " claims, %" PRId64 " conflicts\n", got++,
                t.claims, t.conflicts);
    }
    double took = now_s() - start;
    while (wait(NULL) > 0) {}
    fprintf(stderr, "%s, %d workers: %" PRId64 " claims+records in %.1f s = %.0f/s (%" PRId64
                    " lost races, %" PRId64 " refused)\n",
            leasing ? "lease" : "read", workers, sum.claims, took, (double)sum.claims / took,
            sum.conflicts, sum.refused);
    printf("{\"workers\": %d, \"pending\": %" PRId64 ", \"launch_s\": %.3f, \"claims\": %" PRId64
           ", \"seconds\": %.3f, \"per_s\": %.1f, \"conflicts\": %" PRId64 ", \"refused\": %" PRId64
           "}\n",
           workers, pending, launch_s, sum.claims, took, (double)sum.claims / took, sum.conflicts,
           sum.refused);
    return got == workers ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "seed") == 0) return seed(argv[2], atoll(argv[3]));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "run") == 0) {
        leasing = argc == 5 || strcmp(argv[5], "read") != 0;
        return run(argv[2], atoi(argv[3]), atof(argv[4]));
    }
    fprintf(stderr, "usage: claim_bench seed STORE N | run STORE WORKERS SECONDS [lease|read]\n");
    return 2;
}
