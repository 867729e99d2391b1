/* Growable thread pool with one queue per class of work. A class's queue is
 * a ring of lanes, one per owner with waiting jobs, served one job per turn,
 * so an owner's backlog delays only that owner. */
#include "core/jobs.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdlib.h>

/* A class's default share of the threads: upstream work may take most of
 * them, but never all, so licence checks and the other classes always find a
 * thread while crawls pile up. */
static const struct {
    const char *name;
    unsigned share_pct;
} class_table[JOB_CLASS_COUNT] = {
    [JOB_UPSTREAM] = {"upstream", 75}, [JOB_VERIFY] = {"verify", 50}, [JOB_AI] = {"ai", 50},
    [JOB_LICENCE] = {"licence", 25},   [JOB_SEND] = {"send", 50},
};

struct waiting_job {
    struct job job;
    uint64_t ticket;
    struct waiting_job *next;
};

/* One owner's waiting jobs in one class. */
struct lane {
    uint64_t owner;
    struct waiting_job *head, *tail;
    struct lane *next;
};

struct job_queue {
    struct lane *head, *tail; /* the lane at head gives the next job */
    unsigned waiting, running, max_running, max_waiting;
};

struct owner_load {
    uint64_t owner;
    unsigned load; /* queued or running */
    struct owner_load *next;
};

struct jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job_queue queues[JOB_CLASS_COUNT];
    struct owner_load *owners;
    unsigned per_owner, max_threads, threads, idle, waiting, next_class;
    uint64_t next_ticket;
    pthread_t *tids;
    bool stopping;
};

const char *jobs_class_name(enum job_class cls)
{
    return class_table[cls].name;
}

/* ---- owners --------------------------------------------------------------- */

static struct owner_load *owner_find(struct jobs *j, uint64_t owner)
{
    for (struct owner_load *o = j->owners; o; o = o->next)
        if (o->owner == owner) return o;
    return NULL;
}

static void owner_take(struct jobs *j, uint64_t owner)
{
    if (!owner) return;
    struct owner_load *o = owner_find(j, owner);
    if (!o) {
        o = xcalloc(1, sizeof *o);
        o->owner = owner;
        o->next = j->owners;
        j->owners = o;
    }
    o->load++;
}

static void owner_release(struct jobs *j, uint64_t owner)
{
    if (!owner) return;
    for (struct owner_load **p = &j->owners; *p; p = &(*p)->next)
        if ((*p)->owner == owner) {
            struct owner_load *o = *p;
            if (--o->load == 0) {
                *p = o->next;
                free(o);
            }
            return;
        }
}

/* ---- queues --------------------------------------------------------------- */

static void lane_append(struct job_queue *q, struct lane *lane)
{
    lane->next = NULL;
    if (q->tail) q->tail->next = lane;
    else q->head = lane;
    q->tail = lane;
}

static void enqueue(struct job_queue *q, struct waiting_job *w)
{
    struct lane *lane = q->head;
    while (lane && lane->owner != w->job.owner) lane = lane->next;
    if (!lane) {
        lane = xcalloc(1, sizeof *lane);
        lane->owner = w->job.owner;
        lane_append(q, lane);
    }
    if (lane->tail) lane->tail->next = w;
    else lane->head = w;
    lane->tail = w;
    q->waiting++;
}

/* The head lane's first job; the lane then goes to the back of the ring. */
static struct waiting_job *dequeue(struct job_queue *q)
{
    struct lane *lane = q->head;
    struct waiting_job *w = lane->head;
    lane->head = w->next;
    if (!lane->head) lane->tail = NULL;
    q->head = lane->next;
    if (!q->head) q->tail = NULL;
    if (lane->head) lane_append(q, lane);
    else free(lane);
    q->waiting--;
    return w;
}

/* Unlinks the waiting job with this ticket; NULL when there is none. */
static struct waiting_job *unlink_ticket(struct job_queue *q, uint64_t ticket)
{
    for (struct lane **lp = &q->head, *prev_lane = NULL; *lp; prev_lane = *lp, lp = &(*lp)->next) {
        struct lane *lane = *lp;
        struct waiting_job *prev = NULL;
        for (struct waiting_job *w = lane->head; w; prev = w, w = w->next) {
            if (w->ticket != ticket) continue;
            if (prev) prev->next = w->next;
            else lane->head = w->next;
            if (lane->tail == w) lane->tail = prev;
            if (!lane->head) {
                *lp = lane->next;
                if (q->tail == lane) q->tail = prev_lane;
                free(lane);
            }
            q->waiting--;
            return w;
        }
    }
    return NULL;
}

/* The next job a thread may start: classes take turns, and a class at its
 * running cap is skipped. */
static struct waiting_job *take_next(struct jobs *j)
{
    for (unsigned n = 0; n < JOB_CLASS_COUNT; n++) {
        unsigned c = (j->next_class + n) % JOB_CLASS_COUNT;
        struct job_queue *q = &j->queues[c];
        if (!q->head || q->running >= q->max_running) continue;
        j->next_class = (c + 1) % JOB_CLASS_COUNT;
        q->running++;
        j->waiting--;
        return dequeue(q);
    }
    return NULL;
}

/* ---- threads -------------------------------------------------------------- */

static void *worker(void *p)
{
    struct jobs *j = p;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        struct waiting_job *w;
        while (!(w = take_next(j)) && !(j->stopping && !j->waiting)) {
            j->idle++;
            pthread_cond_wait(&j->wake, &j->lock);
            j->idle--;
        }
        if (!w) break; /* stopping and drained */
        pthread_mutex_unlock(&j->lock);
        w->job.run(w->job.arg);
        pthread_mutex_lock(&j->lock);
        j->queues[w->job.cls].running--;
        owner_release(j, w->job.owner);
        free(w);
        /* a job held back by its class cap may start now; when stopping, idle
         * threads must also see the queue run dry */
        if (j->stopping) pthread_cond_broadcast(&j->wake);
        else if (j->waiting) pthread_cond_signal(&j->wake);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

static void start_thread(struct jobs *j)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    if (pthread_create(&j->tids[j->threads], &attr, worker, j) == 0) j->threads++;
    pthread_attr_destroy(&attr);
}

struct jobs *jobs_new(const struct jobs_limits *limits)
{
    struct jobs *j = xcalloc(1, sizeof *j);
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    j->max_threads = limits->threads ? limits->threads : 1;
    j->per_owner = limits->per_owner;
    for (unsigned c = 0; c < JOB_CLASS_COUNT; c++) {
        unsigned share = j->max_threads * class_table[c].share_pct / 100;
        j->queues[c].max_running = limits->running[c] ? limits->running[c] : share ? share : 1;
        j->queues[c].max_waiting = limits->queued[c];
    }
    j->next_ticket = 1;
    j->tids = xcalloc(j->max_threads, sizeof *j->tids);
    return j;
}

enum jobs_admit jobs_submit(struct jobs *j, const struct job *job, uint64_t *ticket)
{
    pthread_mutex_lock(&j->lock);
    if (j->stopping) { /* shutting down: no thread may be left to take it */
        pthread_mutex_unlock(&j->lock);
        if (ticket) *ticket = 0;
        job->run(job->arg);
        return JOBS_ADMITTED;
    }
    struct owner_load *o = job->owner ? owner_find(j, job->owner) : NULL;
    struct job_queue *q = &j->queues[job->cls];
    enum jobs_admit verdict = JOBS_ADMITTED;
    if (j->per_owner && o && o->load >= j->per_owner) verdict = JOBS_OWNER_FULL;
    else if (q->running + q->waiting >= q->max_running + q->max_waiting) verdict = JOBS_CLASS_FULL;
    if (verdict != JOBS_ADMITTED) {
        pthread_mutex_unlock(&j->lock);
        return verdict;
    }
    struct waiting_job *w = xcalloc(1, sizeof *w);
    w->job = *job;
    w->ticket = j->next_ticket++;
    if (ticket) *ticket = w->ticket;
    enqueue(q, w);
    owner_take(j, job->owner);
    j->waiting++;
    /* every waiting job needs an idle thread, else a long job would delay the next */
    if (j->waiting > j->idle && j->threads < j->max_threads) start_thread(j);
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
    return JOBS_ADMITTED;
}

bool jobs_cancel(struct jobs *j, uint64_t ticket)
{
    struct waiting_job *w = NULL;
    pthread_mutex_lock(&j->lock);
    for (unsigned c = 0; ticket && !w && c < JOB_CLASS_COUNT; c++)
        w = unlink_ticket(&j->queues[c], ticket);
    if (w) {
        j->waiting--;
        owner_release(j, w->job.owner);
    }
    pthread_mutex_unlock(&j->lock);
    if (!w) return false;
    if (w->job.dropped) w->job.dropped(w->job.arg);
    free(w);
    return true;
}

unsigned jobs_owner_load(struct jobs *j, uint64_t owner)
{
    pthread_mutex_lock(&j->lock);
    struct owner_load *o = owner_find(j, owner);
    unsigned load = o ? o->load : 0;
    pthread_mutex_unlock(&j->lock);
    return load;
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
