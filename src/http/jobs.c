/* Growable thread pool with a FIFO queue. */
#include "http/jobs.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct job {
    void (*fn)(void *arg);
    void *arg;
    struct job *next;
};

struct jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job *head, *tail;
    unsigned max_threads, threads, idle, queued;
    pthread_t *tids;
    bool stopping;
};

static void *worker(void *p)
{
    struct jobs *j = p;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        while (!j->head && !j->stopping) {
            j->idle++;
            pthread_cond_wait(&j->wake, &j->lock);
            j->idle--;
        }
        if (!j->head) break; /* stopping and drained */
        struct job *job = j->head;
        j->head = job->next;
        if (!j->head) j->tail = NULL;
        j->queued--;
        pthread_mutex_unlock(&j->lock);
        job->fn(job->arg);
        free(job);
        pthread_mutex_lock(&j->lock);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

struct jobs *jobs_new(unsigned max_threads)
{
    struct jobs *j = xcalloc(1, sizeof *j);
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    j->max_threads = max_threads ? max_threads : 1;
    j->tids = xcalloc(j->max_threads, sizeof *j->tids);
    return j;
}

void jobs_submit(struct jobs *j, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&j->lock);
    if (j->stopping) { /* shutting down: no thread may be left to take it */
        pthread_mutex_unlock(&j->lock);
        fn(arg);
        return;
    }
    struct job *job = xmalloc(sizeof *job);
    *job = (struct job){fn, arg, NULL};
    if (j->tail) j->tail->next = job;
    else j->head = job;
    j->tail = job;
    j->queued++;
    /* every queued job needs a waiting thread, else a long job would delay the next */
    if (j->queued > j->idle && j->threads < j->max_threads) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 1 << 20);
        if (pthread_create(&j->tids[j->threads], &attr, worker, j) == 0) j->threads++;
        pthread_attr_destroy(&attr);
    }
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
}

void jobs_stop(struct jobs *j)
{
    pthread_mutex_lock(&j->lock);
    j->stopping = true;
    pthread_cond_broadcast(&j->wake);
    unsigned n = j->threads;
    pthread_mutex_unlock(&j->lock);
    for (unsigned i = 0; i < n; i++) pthread_join(j->tids[i], NULL);
}

void jobs_free(struct jobs *j)
{
    if (!j) return;
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    free(j->tids);
    free(j);
}
