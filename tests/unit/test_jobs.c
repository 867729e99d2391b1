/* Unit tests for the job pool: every job runs once, a job submitted while
 * stopping runs inline, class and owner caps refuse, a cancelled job never
 * runs, and owners take turns within a class. Jobs that must stay busy wait
 * on a gate the test opens, so nothing depends on timing. */
#include "test.h"

#include "core/jobs.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static atomic_int ran;
static _Thread_local int on_this_thread;

static void count_job(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
    on_this_thread++;
}

/* Jobs that block until the test opens the gate; started counts them in. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool open;
    int started;
};

static void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->changed, NULL);
    g->open = false;
    g->started = 0;
}

static void gate_job(void *arg)
{
    struct gate *g = arg;
    pthread_mutex_lock(&g->lock);
    g->started++;
    pthread_cond_broadcast(&g->changed);
    while (!g->open) pthread_cond_wait(&g->changed, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static void gate_wait_started(struct gate *g, int n)
{
    pthread_mutex_lock(&g->lock);
    while (g->started < n) pthread_cond_wait(&g->changed, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static int gate_started(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    int n = g->started;
    pthread_mutex_unlock(&g->lock);
    return n;
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = true;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}

static void gate_cleanup(struct gate *g)
{
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->changed);
}

static struct job job_of(enum job_class cls, uint64_t owner, void (*run)(void *), void *arg)
{
    return (struct job){.cls = cls, .owner = owner, .run = run, .arg = arg};
}

TEST(jobs_run_every_job_once)
{
    atomic_store(&ran, 0);
    struct jobs *j = jobs_new(&(struct jobs_limits){.threads = 4, .queued = {[JOB_VERIFY] = 200}});
    struct job job = job_of(JOB_VERIFY, 0, count_job, NULL);
    for (int i = 0; i < 200; i++) CHECK_INT(jobs_submit(j, &job, NULL), JOBS_ADMITTED);
    jobs_stop(j);
    CHECK_INT(atomic_load(&ran), 200);
    jobs_free(j);
}

TEST(jobs_submitted_while_stopping_run_inline)
{
    atomic_store(&ran, 0);
    on_this_thread = 0;
    struct jobs *j = jobs_new(&(struct jobs_limits){.threads = 2});
    jobs_stop(j);
    struct job job = job_of(JOB_UPSTREAM, 7, count_job, NULL);
    CHECK_INT(jobs_submit(j, &job, NULL), JOBS_ADMITTED);
    CHECK_INT(atomic_load(&ran), 1);
    CHECK_INT(on_this_thread, 1); /* in the caller's thread */
    jobs_free(j);
}

TEST(jobs_full_class_refuses_while_other_classes_run)
{
    atomic_store(&ran, 0);
    struct gate g;
    gate_init(&g);
    struct jobs_limits limits = {.threads = 4, .running = {[JOB_UPSTREAM] = 1},
                                 .queued = {[JOB_UPSTREAM] = 2, [JOB_VERIFY] = 1}};
    struct jobs *j = jobs_new(&limits);
    struct job slow = job_of(JOB_UPSTREAM, 1, gate_job, &g);
    CHECK_INT(jobs_submit(j, &slow, NULL), JOBS_ADMITTED); /* runs */
    gate_wait_started(&g, 1);
    CHECK_INT(jobs_submit(j, &slow, NULL), JOBS_ADMITTED); /* waits */
    CHECK_INT(jobs_submit(j, &slow, NULL), JOBS_ADMITTED); /* waits */
    CHECK_INT(jobs_submit(j, &slow, NULL), JOBS_CLASS_FULL);
    struct job quick = job_of(JOB_VERIFY, 1, count_job, NULL);
    CHECK_INT(jobs_submit(j, &quick, NULL), JOBS_ADMITTED);
    while (atomic_load(&ran) < 1) sched_yield(); /* runs although upstream is full */
    CHECK_INT(gate_started(&g), 1);              /* the waiting upstream jobs still wait */
    gate_open(&g);
    jobs_stop(j);
    CHECK_INT(gate_started(&g), 3);
    jobs_free(j);
    gate_cleanup(&g);
}

TEST(jobs_owner_cap_counts_queued_and_running_across_classes)
{
    struct gate g;
    gate_init(&g);
    struct jobs_limits limits = {.threads = 8, .per_owner = 2, .queued = {[JOB_UPSTREAM] = 8}};
    struct jobs *j = jobs_new(&limits);
    struct job a_fetch = job_of(JOB_UPSTREAM, 1, gate_job, &g);
    struct job a_verify = job_of(JOB_VERIFY, 1, gate_job, &g);
    struct job b_fetch = job_of(JOB_UPSTREAM, 2, gate_job, &g);
    CHECK_INT(jobs_submit(j, &a_fetch, NULL), JOBS_ADMITTED);
    CHECK_INT(jobs_submit(j, &a_verify, NULL), JOBS_ADMITTED);
    CHECK_INT(jobs_owner_load(j, 1), 2);
    CHECK_INT(jobs_submit(j, &a_fetch, NULL), JOBS_OWNER_FULL);
    CHECK_INT(jobs_submit(j, &b_fetch, NULL), JOBS_ADMITTED); /* another user is not held up */
    gate_wait_started(&g, 3);
    CHECK_INT(jobs_owner_load(j, 2), 1);
    gate_open(&g);
    jobs_stop(j);
    CHECK_INT(jobs_owner_load(j, 1), 0);
    CHECK_INT(jobs_owner_load(j, 2), 0);
    jobs_free(j);
    gate_cleanup(&g);
}

static atomic_int dropped;

static void count_drop(void *arg)
{
    (void)arg;
    atomic_fetch_add(&dropped, 1);
}

TEST(jobs_cancelled_job_never_runs)
{
    atomic_store(&ran, 0);
    atomic_store(&dropped, 0);
    struct gate g;
    gate_init(&g);
    struct jobs_limits limits = {.threads = 2, .per_owner = 4, .running = {[JOB_UPSTREAM] = 1},
                                 .queued = {[JOB_UPSTREAM] = 1}};
    struct jobs *j = jobs_new(&limits);
    struct job slow = job_of(JOB_UPSTREAM, 1, gate_job, &g);
    struct job later = job_of(JOB_UPSTREAM, 1, count_job, NULL);
    later.dropped = count_drop;
    uint64_t running = 0, waiting = 0;
    CHECK_INT(jobs_submit(j, &slow, &running), JOBS_ADMITTED);
    gate_wait_started(&g, 1);
    CHECK_INT(jobs_submit(j, &later, &waiting), JOBS_ADMITTED);
    CHECK(running && waiting && running != waiting);
    CHECK_INT(jobs_owner_load(j, 1), 2);
    CHECK(!jobs_cancel(j, running)); /* started: it finishes */
    CHECK(jobs_cancel(j, waiting));
    CHECK(!jobs_cancel(j, waiting)); /* once */
    CHECK_INT(atomic_load(&dropped), 1);
    CHECK_INT(jobs_owner_load(j, 1), 1);
    CHECK_INT(jobs_submit(j, &later, NULL), JOBS_ADMITTED); /* its queue slot is free again */
    gate_open(&g);
    jobs_stop(j);
    CHECK_INT(atomic_load(&ran), 1); /* only the one submitted after the cancel */
    jobs_free(j);
    gate_cleanup(&g);
}

/* Records the owner of each job in the order they run. */
static uint64_t order[8];
static atomic_int order_len;

static void record_owner(void *arg)
{
    order[atomic_fetch_add(&order_len, 1)] = (uint64_t)(uintptr_t)arg;
}

TEST(jobs_owners_take_turns_within_a_class)
{
    atomic_store(&order_len, 0);
    struct gate g;
    gate_init(&g);
    struct jobs_limits limits = {.threads = 1, .queued = {[JOB_UPSTREAM] = 8}};
    struct jobs *j = jobs_new(&limits);
    struct job blocker = job_of(JOB_UPSTREAM, 1, gate_job, &g);
    CHECK_INT(jobs_submit(j, &blocker, NULL), JOBS_ADMITTED);
    gate_wait_started(&g, 1);
    struct job a = job_of(JOB_UPSTREAM, 1, record_owner, (void *)(uintptr_t)1);
    struct job b = job_of(JOB_UPSTREAM, 2, record_owner, (void *)(uintptr_t)2);
    for (int i = 0; i < 3; i++) CHECK_INT(jobs_submit(j, &a, NULL), JOBS_ADMITTED);
    CHECK_INT(jobs_submit(j, &b, NULL), JOBS_ADMITTED); /* after user 1's backlog */
    gate_open(&g);
    jobs_stop(j);
    CHECK_INT(atomic_load(&order_len), 4);
    CHECK_INT(order[0], 1);
    CHECK_INT(order[1], 2); /* second, not fourth */
    CHECK_INT(order[2], 1);
    CHECK_INT(order[3], 1);
    jobs_free(j);
    gate_cleanup(&g);
}
