/* Scale benchmark (issue 21): builds a project of N leads (default
 * 1,000,000) through the store's own operations, launches a campaign to all
 * of them while another thread keeps writing for another user (its longest
 * wait is what a launch costs other users), then times the reads the API
 * serves: leads first page, deep offset and deep keyset pages, campaign
 * status, the campaign list, recipients first, deep offset and deep keyset.
 * Usage: scale_bench STORE_URL [LEADS]  (a fresh SQLite path, or a
 * postgres:// URL naming an empty database or schema). docs/BENCHMARKS.md. */
#include "campaign/campaign.h"
#include "core/keys.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BATCH = 5000, PAGE = 100, REPEAT = 20, T0 = 1800000000 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const struct err *err)
{
    fprintf(stderr, "scale_bench: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static int64_t make_user(struct store *st, const char *email)
{
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    int64_t id = 0;
    struct err err = {0};
    if (st->ops->user_create(st, email, 1000, hash, &id, &err) != RC_OK) die("user", &err);
    return id;
}

static void add_leads(struct store *st, int64_t user, int64_t project, long total)
{
    struct lead *leads = calloc(BATCH, sizeof *leads);
    char(*emails)[64] = calloc(BATCH, sizeof *emails);
    double t = now_ms();
    for (long done = 0; done < total;) {
        long n = total - done < BATCH ? total - done : BATCH;
        for (long i = 0; i < n; i++) {
            snprintf(emails[i], sizeof emails[i], "lead%ld@bench%ld.example", done + i,
                     (done + i) % 997);
            leads[i] = (struct lead){.email = emails[i], .firstname = "A", .lastname = "B"};
        }
        struct leads_added added;
        struct err err = {0};
        if (st->ops->leads_add(st, user, project, leads, (size_t)n, T0, &added, &err) != RC_OK)
            die("leads_add", &err);
        done += n;
    }
    printf("built %ld leads in %.1f s\n", total, (now_ms() - t) / 1e3);
    free(leads);
    free(emails);
}

/* ---- another user's writes during the launch ---------------------------------- */

struct writer {
    struct store *st;
    int64_t user, project;
    atomic_bool stop;
    double worst_ms, total_ms;
    long writes;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    for (long i = 0; !atomic_load(&w->stop); i++) {
        char email[64];
        snprintf(email, sizeof email, "other%ld.%ld@writer.example", w->writes, i);
        struct lead l = {.email = email};
        struct leads_added added;
        struct err err = {0};
        double t = now_ms();
        if (w->st->ops->leads_add(w->st, w->user, w->project, &l, 1, T0, &added, &err) != RC_OK)
            die("other user's write", &err);
        double ms = now_ms() - t;
        if (ms > w->worst_ms) w->worst_ms = ms;
        w->total_ms += ms;
        w->writes++;
        struct timespec gap = {0, 2000000}; /* a write every ~2 ms */
        nanosleep(&gap, NULL);
    }
    return NULL;
}

static int64_t launch_with_writer(struct store *st, int64_t user, int64_t project)
{
    struct err err = {0};
    struct account acc = {.type = "smtp", .address = "out@bench.example",
                          .smtp_host = "smtp.bench.example", .smtp_port = 587,
                          .daily_limit = 50, .secret = "sealed"};
    int64_t account = 0, campaign = 0;
    if (st->ops->account_add(st, user, &acc, &account, &err) != RC_OK) die("account", &err);
    struct campaign_account_ref ref = {"smtp", account};
    static const char steps[] = "[{\"subject\":\"Hi\",\"body\":\"<p>Hi</p>\",\"delay_days\":0}]";
    struct campaign_new c = {.name = "Everyone", .project_id = project, .accounts = &ref,
                             .accounts_count = 1, .steps = steps,
                             .daily_limit = 50, .batch_size = 5};
    if (st->ops->campaign_create(st, user, &c, T0, &campaign, &err) != RC_OK) die("campaign", &err);

    struct writer w = {.st = st, .user = make_user(st, "other@writer.example")};
    if (st->ops->project_create(st, w.user, "Other", T0, &w.project, &err) != RC_OK)
        die("project", &err);
    /* the baseline: the same writes for a second with no launch running */
    pthread_t thread;
    pthread_create(&thread, NULL, write_loop, &w);
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    atomic_store(&w.stop, true);
    pthread_join(thread, NULL);
    printf("other user's writes, no launch: %ld, mean %.2f ms, worst %.1f ms\n", w.writes,
           w.writes ? w.total_ms / (double)w.writes : 0.0, w.worst_ms);
    w.worst_ms = w.total_ms = 0;
    w.writes = 0;
    atomic_store(&w.stop, false);
    pthread_create(&thread, NULL, write_loop, &w);
    struct timespec settle = {0, 50000000};
    nanosleep(&settle, NULL);
    int64_t recipients = 0;
    double t = now_ms();
    if (campaign_launch(st, user, campaign, T0, &recipients, &err) != RC_OK) die("launch", &err);
    double launch_ms = now_ms() - t;
    atomic_store(&w.stop, true);
    pthread_join(thread, NULL);
    printf("launch: %lld recipients in %.0f ms\n", (long long)recipients, launch_ms);
    printf("other user's writes during the launch: %ld, mean %.2f ms, worst %.1f ms\n", w.writes,
           w.writes ? w.total_ms / (double)w.writes : 0.0, w.worst_ms);
    return campaign;
}

/* ---- reads -------------------------------------------------------------------- */

struct ctx {
    struct store *st;
    int64_t user, project, campaign, last_lead, deep_after;
};

typedef bool (*read_fn)(const struct ctx *c, struct arena *a);

static bool leads_first(const struct ctx *c, struct arena *a)
{
    struct lead *l;
    size_t n;
    int64_t total;
    return c->st->ops->leads_list(c->st, c->user, c->project, PAGE, 0, a, &l, &n, &total, NULL) ==
           RC_OK;
}

static bool leads_deep_offset(const struct ctx *c, struct arena *a)
{
    struct lead *l;
    size_t n;
    int64_t total, off = 0;
    struct project p;
    if (c->st->ops->project_get(c->st, c->user, c->project, a, &p, NULL) != RC_OK) return false;
    off = p.leads_count > PAGE ? p.leads_count - PAGE : 0;
    return c->st->ops->leads_list(c->st, c->user, c->project, PAGE, off, a, &l, &n, &total,
                                  NULL) == RC_OK;
}

static bool leads_deep_keyset(const struct ctx *c, struct arena *a)
{
    struct lead *l;
    size_t n;
    struct project p; /* leads.php reads the total too */
    return c->st->ops->project_get(c->st, c->user, c->project, a, &p, NULL) == RC_OK &&
           c->st->ops->leads_after(c->st, c->user, c->project, c->deep_after, PAGE + 1, a, &l, &n,
                                   NULL) == RC_OK;
}

static bool campaign_status(const struct ctx *c, struct arena *a)
{
    struct campaign out;
    return c->st->ops->campaign_get(c->st, c->user, c->campaign, campaign_day_start(T0), a, &out,
                                    NULL) == RC_OK;
}

static bool campaign_list(const struct ctx *c, struct arena *a)
{
    struct campaign *list;
    size_t n;
    return c->st->ops->campaign_list(c->st, c->user, campaign_day_start(T0), a, &list, &n, NULL) ==
           RC_OK;
}

static bool recipients_first(const struct ctx *c, struct arena *a)
{
    struct recipient *r;
    size_t n;
    int64_t total;
    return c->st->ops->campaign_recipients(c->st, c->user, c->campaign, NULL, PAGE, 0, a, &r, &n,
                                           &total, NULL) == RC_OK;
}

static bool recipients_deep_offset(const struct ctx *c, struct arena *a)
{
    struct recipient *r;
    size_t n;
    int64_t total;
    struct campaign out;
    if (c->st->ops->campaign_get(c->st, c->user, c->campaign, 0, a, &out, NULL) != RC_OK)
        return false;
    int64_t off = out.stats.pending > PAGE ? out.stats.pending - PAGE : 0;
    return c->st->ops->campaign_recipients(c->st, c->user, c->campaign, NULL, PAGE, off, a, &r, &n,
                                           &total, NULL) == RC_OK;
}

static bool recipients_deep_keyset(const struct ctx *c, struct arena *a)
{
    struct recipient *r;
    size_t n;
    int64_t total;
    return c->st->ops->campaign_recipients_after(c->st, c->user, c->campaign, NULL, c->deep_after,
                                                 PAGE + 1, a, &r, &n, &total, NULL) == RC_OK;
}

static bool recipients_status_keyset(const struct ctx *c, struct arena *a)
{
    struct recipient *r;
    size_t n;
    int64_t total;
    return c->st->ops->campaign_recipients_after(c->st, c->user, c->campaign, "pending",
                                                 c->deep_after, PAGE + 1, a, &r, &n, &total,
                                                 NULL) == RC_OK;
}

static void time_read(const struct ctx *c, const char *name, read_fn fn, bool deep_offset)
{
    double best = 1e9, sum = 0;
    int repeat = deep_offset ? 5 : REPEAT;
    for (int i = 0; i < repeat; i++) {
        struct arena a;
        arena_init(&a);
        double t = now_ms();
        bool ok = fn(c, &a);
        double ms = now_ms() - t;
        arena_cleanup(&a);
        if (!ok) die(name, NULL);
        sum += ms;
        if (ms < best) best = ms;
    }
    printf("  %-38s median-ish mean %7.2f ms, best %7.2f ms%s\n", name, sum / repeat, best,
           deep_offset ? "  (offset: grows with depth)" : "");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: scale_bench STORE_URL [LEADS]\n");
        return 2;
    }
    long total = argc > 2 ? atol(argv[2]) : 1000000;
    struct err err = {0};
    struct store *st = store_open(argv[1], &err);
    if (!st) die("open", &err);
    struct ctx c = {.st = st, .user = make_user(st, "owner@bench.example")};
    if (st->ops->project_create(st, c.user, "Big", T0, &c.project, &err) != RC_OK)
        die("project", &err);
    add_leads(st, c.user, c.project, total);
    c.campaign = launch_with_writer(st, c.user, c.project);

    struct arena a;
    arena_init(&a);
    struct lead *l;
    size_t n;
    int64_t t;
    if (st->ops->leads_list(st, c.user, c.project, 1, total - PAGE - 1, &a, &l, &n, &t, &err) !=
            RC_OK ||
        n != 1)
        die("deep lead", &err);
    c.deep_after = l[0].id;
    arena_cleanup(&a);

    printf("reads (page of %d, %s):\n", PAGE, st->ops->name);
    time_read(&c, "leads.php first page", leads_first, false);
    time_read(&c, "leads.php offset at the end", leads_deep_offset, true);
    time_read(&c, "leads.php after_id at the end", leads_deep_keyset, false);
    time_read(&c, "campaigns/status.php", campaign_status, false);
    time_read(&c, "campaigns.php list", campaign_list, false);
    time_read(&c, "recipients.php first page", recipients_first, false);
    time_read(&c, "recipients.php offset at the end", recipients_deep_offset, true);
    time_read(&c, "recipients.php after_id at the end", recipients_deep_keyset, false);
    time_read(&c, "recipients.php status+after_id at end", recipients_status_keyset, false);
    store_close(st);
    return 0;
}
