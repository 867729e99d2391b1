/* Scheduler-run benchmark (`make bench-sender-run`): how long a sender run
 * spends in the store before its first claim when campaigns hold 1,000,000
 * pending recipients. It builds a store through the store's own operations
 * (leads_add in transactions of 10,000, campaign_create, campaign_launch, then
 * a day's history of claimed and recorded sends), and times what
 * sender_run does before it claims: send_unfinished (reconciliation),
 * accounts_polled (inboxes), send_due, and for the first due campaign
 * send_accounts and send_recipients for one batch. Prints the first (cold)
 * run and the median and worst of the rest, per operation; target: the
 * median total under 50 ms. Single thread; run it on an idle machine.
 *
 *   build/bench_sender_run [--leads N] [--campaigns K] [--history H] [--runs R]
 *                          [--batch B] [STORE_URL]
 *
 * STORE_URL: a PostgreSQL URL (e.g. from scripts/pg-cluster.sh start DIR), or a
 * SQLite file; by default a new SQLite file in a temporary directory. On a busy
 * machine the launch's one INSERT of 1,000,000 recipients can outlast the
 * store's 30 s statement_timeout: give the URL its own, e.g.
 * `?options=-cstatement_timeout%3D0`. */
#include "base/clock.h"
#include "campaign/campaign.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { LEADS_PER_TX = 10000, TARGET_US = 50000, CAMPAIGNS_PER_RUN = 1000 };

enum op { OP_UNFINISHED, OP_POLLED, OP_DUE, OP_ACCOUNTS, OP_RECIPIENTS, OP_TOTAL, OP_COUNT };
static const char *const op_names[OP_COUNT] = {
    "send_unfinished", "accounts_polled", "send_due", "send_accounts", "send_recipients",
    "total before the first claim"};

struct options {
    long leads, campaigns, history, runs, batch;
    const char *url;
};

static const char STEPS[] = "[{\"subject\":\"{Quick question|Idea} for {{company|you}}\","
                            "\"body\":\"<p>Hi {{firstname|there}}</p>\",\"delay_days\":0},"
                            "{\"subject\":\"\",\"body\":\"<p>Following up</p>\","
                            "\"delay_days\":3}]";

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int die(const char *what, const struct err *err)
{
    fprintf(stderr, "bench_sender_run: %s: %s\n", what, err->msg);
    exit(1);
}

/* ---- populating -------------------------------------------------------------- */

static void add_leads(struct store *st, int64_t user, int64_t project, long first, long count)
{
    struct lead *batch = calloc(LEADS_PER_TX, sizeof *batch);
    char *text = malloc((size_t)LEADS_PER_TX * 96);
    for (long done = 0; done < count;) {
        long n = count - done < LEADS_PER_TX ? count - done : LEADS_PER_TX;
        for (long i = 0; i < n; i++) {
            long k = first + done + i;
            char *email = text + i * 96, *name = email + 48, *company = email + 72;
            snprintf(email, 48, "lead%ld@company%ld.lgtest", k, k % 5003);
            snprintf(name, 24, "Lee%ld", k);
            snprintf(company, 24, "Company %ld", k % 5003);
            batch[i] = (struct lead){.email = email, .firstname = name, .company = company};
        }
        struct leads_added added;
        struct err err = {0};
        if (st->ops->leads_add(st, user, project, batch, (size_t)n, clock_now(), &added, &err) !=
            RC_OK)
            die("leads_add", &err);
        done += n;
    }
    free(text);
    free(batch);
}

/* A day's sending so far: history claims made and recorded (sent) through the
 * account, so the day's counts and the account's last claim have rows to read. */
static void add_history(struct store *st, long history)
{
    struct arena a;
    arena_init(&a);
    int64_t now = clock_now(), day = campaign_day_start(now);
    struct send_campaign *due;
    size_t n_due;
    struct err err = {0};
    if (st->ops->send_due(st, "active", now, day, 1, &a, &due, &n_due, &err) != RC_OK)
        die("send_due", &err);
    struct send_account *acc;
    struct send_recipient *rcpt;
    size_t n_acc, n_rcpt;
    if (n_due == 0 ||
        st->ops->send_accounts(st, due[0].id, day, &a, &acc, &n_acc, &err) != RC_OK ||
        st->ops->send_recipients(st, due[0].id, now, history, &a, &rcpt, &n_rcpt, &err) != RC_OK)
        die("history", &err);
    for (size_t i = 0; i < n_rcpt; i++) {
        char message_id[64];
        snprintf(message_id, sizeof message_id, "<bench%zu.%lld@send.lgtest>", i, (long long)now);
        struct send_claim claim;
        campaign_claim_prepare(&due[0], &acc[0], &rcpt[i], message_id, now, &claim);
        claim.campaign_limit = claim.account_limit = INT64_MAX; /* history, not today's limit */
        int64_t send_id = 0;
        if (st->ops->send_claim(st, &claim, &send_id, &err) != RC_OK) die("send_claim", &err);
        struct send_progress p = {.send_id = send_id, .steps_count = 2, .next_delay_days = 3};
        struct send_result res;
        campaign_outcome(&p, SEND_OUTCOME_SENT, 250, "ok", now, &res);
        if (st->ops->send_record(st, &res, &err) != RC_OK) die("send_record", &err);
    }
    arena_cleanup(&a);
}

static void populate(struct store *st, const struct options *o)
{
    struct err err = {0};
    int64_t user = 0, account = 0;
    char hash[65];
    memset(hash, 'a', 64);
    hash[64] = '\0';
    if (st->ops->user_create(st, "bench@localhost.localdomain", o->leads * 4, hash, &user, &err) !=
        RC_OK)
        die("user_create", &err);
    struct account acc = {.type = "smtp",
                          .address = "sam@send.lgtest",
                          .display_name = "Sam",
                          .smtp_host = "127.0.0.1",
                          .smtp_port = 2525,
                          .tls_mode = "none",
                          .username = "sam",
                          .imap_host = "",
                          .daily_limit = 10000,
                          .secret = "sealed",
                          .send_window = "",
                          .timezone = "UTC"};
    if (st->ops->account_add(st, user, &acc, &account, &err) != RC_OK) die("account_add", &err);
    struct campaign_account_ref ref = {"smtp", account};
    long per = (o->leads + o->campaigns - 1) / o->campaigns;
    for (long c = 0; c < o->campaigns; c++) {
        char name[32];
        snprintf(name, sizeof name, "Bench %ld", c);
        int64_t project = 0, campaign = 0, recipients = 0;
        if (st->ops->project_create(st, user, name, clock_now(), &project, &err) != RC_OK)
            die("project_create", &err);
        long first = c * per, count = o->leads - first < per ? o->leads - first : per;
        double t = now_us();
        add_leads(st, user, project, first, count);
        struct campaign_new cn = {.name = name,
                                  .project_id = project,
                                  .accounts = &ref,
                                  .accounts_count = 1,
                                  .steps = STEPS,
                                  .daily_limit = 10000,
                                  .batch_size = o->batch};
        if (st->ops->campaign_create(st, user, &cn, clock_now(), &campaign, &err) != RC_OK)
            die("campaign_create", &err);
        if (campaign_launch(st, user, campaign, clock_now(), &recipients, &err) != RC_OK)
            die("campaign_launch", &err);
        printf("  campaign %lld: %lld recipients (%.1f s)\n", (long long)campaign,
               (long long)recipients, (now_us() - t) / 1e6);
        fflush(stdout);
    }
    double t = now_us();
    add_history(st, o->history);
    printf("  history: %ld sends claimed and recorded (%.1f s)\n", o->history,
           (now_us() - t) / 1e6);
}

/* ---- timing ---------------------------------------------------------------------- */

/* What sender_run asks the store before its first claim. */
static void one_run(struct store *st, long batch, double us[OP_COUNT], size_t *due_count)
{
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    int64_t now = clock_now(), day = campaign_day_start(now);
    double t0 = now_us(), t = t0;
    struct send_unfinished *unfinished;
    struct account *polled;
    struct send_campaign *due;
    struct send_account *acc;
    struct send_recipient *rcpt;
    size_t n_unfinished, n_polled, n_due = 0, n_acc, n_rcpt = 0;
    if (st->ops->send_unfinished(st, 1000, &a, &unfinished, &n_unfinished, &err) != RC_OK)
        die("send_unfinished", &err);
    us[OP_UNFINISHED] = now_us() - t, t = now_us();
    if (st->ops->accounts_polled(st, &a, &polled, &n_polled, &err) != RC_OK)
        die("accounts_polled", &err);
    us[OP_POLLED] = now_us() - t, t = now_us();
    if (st->ops->send_due(st, "active", now, day, CAMPAIGNS_PER_RUN, &a, &due, &n_due, &err) !=
        RC_OK)
        die("send_due", &err);
    us[OP_DUE] = now_us() - t, t = now_us();
    if (n_due == 0) die("send_due", &(struct err){.msg = "no campaign is due"});
    if (st->ops->send_accounts(st, due[0].id, day, &a, &acc, &n_acc, &err) != RC_OK)
        die("send_accounts", &err);
    us[OP_ACCOUNTS] = now_us() - t, t = now_us();
    int64_t quota = campaign_run_quota(&due[0]);
    if (st->ops->send_recipients(st, due[0].id, now, quota < batch ? quota : batch, &a, &rcpt,
                                 &n_rcpt, &err) != RC_OK)
        die("send_recipients", &err);
    us[OP_RECIPIENTS] = now_us() - t;
    us[OP_TOTAL] = now_us() - t0;
    if ((long)n_rcpt != batch) die("send_recipients", &(struct err){.msg = "short batch"});
    *due_count = n_due;
    arena_cleanup(&a);
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static bool parse(int argc, char **argv, struct options *o)
{
    *o = (struct options){.leads = 1000000, .campaigns = 1, .history = 1000, .runs = 20,
                          .batch = 500};
    for (int i = 1; i < argc; i++) {
        long *slot = !strcmp(argv[i], "--leads")       ? &o->leads
                     : !strcmp(argv[i], "--campaigns") ? &o->campaigns
                     : !strcmp(argv[i], "--history")   ? &o->history
                     : !strcmp(argv[i], "--runs")      ? &o->runs
                     : !strcmp(argv[i], "--batch")     ? &o->batch
                                                       : NULL;
        if (slot && i + 1 < argc) *slot = atol(argv[++i]);
        else if (argv[i][0] != '-') o->url = argv[i];
        else return false;
    }
    return o->leads > 0 && o->campaigns > 0 && o->runs > 1 && o->batch > 0 &&
           o->batch <= 500 && o->history >= 0 && o->history < o->leads / o->campaigns;
}

int main(int argc, char **argv)
{
    struct options o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr, "usage: bench_sender_run [--leads N] [--campaigns K] [--history H] "
                        "[--runs R>1] [--batch B<=500] [STORE_URL]\n");
        return 2;
    }
    char dir[] = "/tmp/leadgen-bench-XXXXXX", path[64];
    if (!o.url) {
        if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
        snprintf(path, sizeof path, "%s/leadgen.db", dir);
        o.url = path;
    }
    struct err err = {0};
    struct store *st = store_open(o.url, &err);
    if (!st) die("store_open", &err);
    printf("sender run: %ld leads in %ld campaign(s), batch %ld, %ld sends today; store %s\n",
           o.leads, o.campaigns, o.batch, o.history, store_is_postgres(o.url) ? "PostgreSQL" : "SQLite");
    populate(st, &o);

    double *samples[OP_COUNT];
    for (int k = 0; k < OP_COUNT; k++) samples[k] = calloc((size_t)o.runs, sizeof(double));
    size_t due_count = 0;
    for (long r = 0; r < o.runs; r++) {
        double us[OP_COUNT];
        one_run(st, o.batch, us, &due_count);
        for (int k = 0; k < OP_COUNT; k++) samples[k][r] = us[k];
    }
    printf("%ld runs, %zu campaign(s) due, %ld recipients pending\n", o.runs, due_count,
           o.leads - o.history);
    printf("  %-30s %10s %10s %10s\n", "operation", "first ms", "median ms", "max ms");
    for (int k = 0; k < OP_COUNT; k++) {
        double first = samples[k][0];
        qsort(samples[k] + 1, (size_t)o.runs - 1, sizeof(double), by_value);
        printf("  %-30s %10.2f %10.2f %10.2f\n", op_names[k], first / 1e3,
               samples[k][1 + (o.runs - 1) / 2] / 1e3, samples[k][o.runs - 1] / 1e3);
    }
    double median = samples[OP_TOTAL][1 + (o.runs - 1) / 2];
    printf("median before the first claim: %.2f ms (target < %d ms): %s\n", median / 1e3,
           TARGET_US / 1000, median < TARGET_US ? "ok" : "MISSED");
    for (int k = 0; k < OP_COUNT; k++) free(samples[k]);
    store_close(st);
    if (o.url == path) {
        char wal[80];
        unlink(path);
        snprintf(wal, sizeof wal, "%s-wal", path), unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path), unlink(wal);
        rmdir(dir);
    }
    return median < TARGET_US ? 0 : 1;
}
