/* A thread, a condition variable and a flag: runs the sender, sleeps until the
 * next interval or until stopped. The sender's own waits (an account's gap)
 * sleep on the same condition, so a stop never waits for a gap to end. */
#include "campaign/scheduler.h"

#include "base/log.h"
#include "base/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct scheduler {
    struct store *st;
    struct sender_options o;
    int64_t interval;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* Sleeps up to seconds; false when stopping. */
static bool wait_for(void *ctx, int64_t seconds)
{
    struct scheduler *s = ctx;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds > 0 ? seconds : 0;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0) {}
    bool go_on = !s->stopping;
    pthread_mutex_unlock(&s->lock);
    return go_on;
}

static void log_run(const struct sender_stats *t)
{
    if (t->sent + t->bounced + t->deferred + t->failed + t->replies + t->bounce_reports +
            t->reconciled + t->paused + t->completed ==
        0)
        return;
    log_info("sender: sent %lld, bounced %lld, deferred %lld, failed %lld; replies %lld, "
             "bounce reports %lld, automatic replies %lld; reconciled %lld; paused %lld, "
             "completed %lld",
             (long long)t->sent, (long long)t->bounced, (long long)t->deferred,
             (long long)t->failed, (long long)t->replies, (long long)t->bounce_reports,
             (long long)t->auto_replies, (long long)t->reconciled, (long long)t->paused,
             (long long)t->completed);
}

static void *run(void *arg)
{
    struct scheduler *s = arg;
    do {
        struct sender_stats stats;
        struct err err = {0};
        if (sender_run(s->st, &s->o, &stats, &err) != RC_OK)
            log_error("sender: run failed: %s", err.msg);
        log_run(&stats);
    } while (wait_for(s, s->interval));
    return NULL;
}

struct scheduler *scheduler_start(struct store *st, const struct sender_options *o,
                                  int64_t interval, struct err *err)
{
    struct scheduler *s = xcalloc(1, sizeof *s);
    *s = (struct scheduler){.st = st, .o = *o, .interval = interval};
    s->o.wait = wait_for;
    s->o.wait_ctx = s;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        err_set(err, RC_IO, "cannot start the scheduler thread");
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        free(s);
        return NULL;
    }
    return s;
}

void scheduler_stop(struct scheduler *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
