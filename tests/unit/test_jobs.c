/* Unit tests for the job pool: every job runs once, threads start on demand
 * up to the limit, and a job submitted while stopping runs inline. */
#include "test.h"

#include "http/jobs.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_int ran;
static _Thread_local int on_this_thread;

static void count_job(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
    on_this_thread++;
}

TEST(jobs_run_every_job_once)
{
    atomic_store(&ran, 0);
    struct jobs *j = jobs_new(4);
    for (int i = 0; i < 200; i++) jobs_submit(j, count_job, NULL);
    jobs_stop(j);
    CHECK_INT(atomic_load(&ran), 200);
    jobs_free(j);
}

TEST(jobs_submitted_while_stopping_run_inline)
{
    atomic_store(&ran, 0);
    on_this_thread = 0;
    struct jobs *j = jobs_new(2);
    jobs_stop(j);
    jobs_submit(j, count_job, NULL);
    CHECK_INT(atomic_load(&ran), 1);
    CHECK_INT(on_this_thread, 1); /* in the caller's thread */
    jobs_free(j);
}
