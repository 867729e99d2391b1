/* Async jobs: a dispatcher thread claims stored jobs while the pool has room
 * and runs each as the request it was, then records the answer and queues
 * the webhook. */
#include "api/async.h"

#include "api/api.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "core/jobs.h"
#include "core/webhooks.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* No job runs for an hour: one still running after that belongs to a dead process. */
enum { STALE_S = 3600, SWEEP_EVERY_S = 60 };

struct async_runner {
    struct store *st;
    struct route_table routes;
    struct jobs *pool;
    unsigned threads, busy; /* claimed jobs not yet finished */
    char runner[300];       /* "host:pid" */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, woken;
};

static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static struct async_runner *active;

/* One claimed job on its way through the pool. */
struct claimed {
    struct async_runner *r;
    struct arena arena;
    struct async_job job;
};

/* ---- replaying a stored request -------------------------------------------------- */

static const char *method_name(int m)
{
    return m == M_POST ? "POST" : m == M_PUT ? "PUT" : m == M_DELETE ? "DELETE" : "GET";
}

/* The request the job stored, as the router will see it. */
static void request_from_job(struct request *req, struct store *st, const struct async_job *job)
{
    arena_init(&req->arena);
    req->store = st;
    req->method = (enum http_method)job->method;
    req->method_name = method_name(job->method);
    req->url = arena_sprintf(&req->arena, "/api/v1/%s", job->file);
    req->user_id = job->user_id;
    req->preauthenticated = true;
    str_fast_random_hex(8, req->request_id);
    json_t *args = json_loads(job->args, 0, NULL);
    json_t *query = json_object_get(args, "query"), *body = json_object_get(args, "body"), *pair;
    size_t i;
    req->args = arena_alloc(&req->arena, (json_array_size(query) + 1) * sizeof *req->args);
    json_array_foreach(query, i, pair)
        req->args[req->nargs++] = (struct query_arg){
            arena_strdup(&req->arena, json_string_value(json_array_get(pair, 0))),
            arena_strdup(&req->arena, json_string_value(json_array_get(pair, 1)))};
    req->args_cap = req->nargs;
    if (json_is_object(body)) {
        req->body = arena_json_dumps(&req->arena, body, JSON_COMPACT);
        req->body_len = req->body ? strlen(req->body) : 0;
    }
    json_decref(args);
}

/* Queues the signed POST of the finished job (the jobs.php data object). */
static void queue_webhook(struct store *st, struct async_job *job)
{
    json_t *doc = api_job_json(job, true);
    char *body = json_dumps(doc, JSON_COMPACT);
    struct err err = {0};
    if (webhooks_enqueue(st, job->user_id, job->webhook_url, "job.finished", body, &err) != RC_OK)
        log_warn("job %s: queueing its webhook: %s", job->id, err.msg);
    free(body);
    json_decref(doc);
}

static void finish_claim(struct claimed *c)
{
    struct async_runner *r = c->r;
    arena_cleanup(&c->arena);
    free(c);
    pthread_mutex_lock(&r->lock);
    r->busy--;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

static void run_claimed(void *arg)
{
    struct claimed *c = arg;
    struct async_job *job = &c->job;
    struct request req = {0};
    request_from_job(&req, c->r->st, job);
    if (router_begin(&c->r->routes, &req) == ROUTER_ASYNC) router_finish(&req);
    int status = 0;
    size_t len = 0;
    char *body = router_response(&req, &status, &len);
    job->result = arena_strndup(&c->arena, body, len);
    job->status = status >= 200 && status < 300 ? "done" : "failed";
    job->finished_at = clock_now();
    struct err err = {0};
    if (c->r->st->ops->job_finish(c->r->st, job->id, job->status, job->result, job->finished_at,
                                  &err) != RC_OK)
        log_error("job %s: recording its answer: %s", job->id, err.msg);
    else if (job->webhook_url)
        queue_webhook(c->r->st, job);
    free(body);
    json_decref(req.json);
    json_decref(req.data);
    arena_cleanup(&req.arena);
    finish_claim(c);
}

/* ---- claiming ----------------------------------------------------------------------- */

static bool route_class(const struct route_table *t, const struct async_job *job,
                        enum job_class *cls)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->rows[i].file, job->file) == 0 && (int)t->rows[i].method == job->method) {
            *cls = t->rows[i].job;
            return true;
        }
    return false;
}

/* Claims one queued job and hands it to the pool; false when none was queued. */
static bool claim_one(struct async_runner *r)
{
    struct claimed *c = xcalloc(1, sizeof *c);
    c->r = r;
    arena_init(&c->arena);
    struct err err = {0};
    enum rc rc = r->st->ops->job_claim(r->st, r->runner, clock_now(), &c->arena, &c->job, &err);
    if (rc != RC_OK) {
        if (rc != RC_NOT_FOUND) log_warn("async jobs: %s", err.msg);
        arena_cleanup(&c->arena);
        free(c);
        return false;
    }
    enum job_class cls = JOB_UPSTREAM;
    if (!route_class(&r->routes, &c->job, &cls))
        log_warn("job %s: no route %s any more; it fails", c->job.id, c->job.file);
    pthread_mutex_lock(&r->lock);
    r->busy++;
    pthread_mutex_unlock(&r->lock);
    /* the dispatcher never holds more claims than threads, so the pool admits it */
    struct job work = {.cls = cls, .run = run_claimed, .arg = c};
    jobs_submit(r->pool, &work, NULL);
    return true;
}

/* Jobs left running by processes that are gone: ours on this host by pid, any after STALE_S. */
static void requeue_orphans(struct async_runner *r, bool at_start)
{
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    int64_t n = 0, total = 0;
    const char **runners = NULL;
    size_t count = 0;
    size_t host_len = (size_t)(strrchr(r->runner, ':') - r->runner) + 1;
    if (at_start && r->st->ops->job_runners(r->st, &a, &runners, &count, &err) == RC_OK)
        for (size_t i = 0; i < count; i++) {
            long pid = 0;
            if (strncmp(runners[i], r->runner, host_len) != 0 ||
                sscanf(runners[i] + host_len, "%ld", &pid) != 1)
                continue;
            if (pid == (long)getpid() || (kill((pid_t)pid, 0) == -1 && errno == ESRCH))
                if (r->st->ops->job_requeue(r->st, runners[i], INT64_MAX, &n, &err) == RC_OK)
                    total += n;
        }
    if (r->st->ops->job_requeue(r->st, NULL, clock_now() - STALE_S, &n, &err) == RC_OK) total += n;
    if (total) log_warn("queued %lld interrupted async jobs again", (long long)total);
    arena_cleanup(&a);
}

static void *dispatch_loop(void *arg)
{
    struct async_runner *r = arg;
    int64_t last_sweep = clock_now();
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        r->woken = false;
        bool room = r->busy < r->threads;
        pthread_mutex_unlock(&r->lock);
        bool claimed = room && claim_one(r);
        if (clock_now() - last_sweep >= SWEEP_EVERY_S) {
            requeue_orphans(r, false);
            last_sweep = clock_now();
        }
        pthread_mutex_lock(&r->lock);
        if (claimed || r->stopping || r->woken) continue;
        /* other processes queue jobs too: look again each second */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&r->wake, &r->lock, &until);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void wake_active(void)
{
    pthread_mutex_lock(&active_lock);
    if (active) {
        pthread_mutex_lock(&active->lock);
        active->woken = true;
        pthread_cond_signal(&active->wake);
        pthread_mutex_unlock(&active->lock);
    }
    pthread_mutex_unlock(&active_lock);
}

struct async_runner *async_start(struct store *st, const struct route_table *routes,
                                 unsigned threads, struct err *err)
{
    struct async_runner *r = xcalloc(1, sizeof *r);
    r->st = st;
    r->routes = *routes;
    r->threads = threads ? threads : 1;
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(r->runner, sizeof r->runner, "%s:%ld", host, (long)getpid());
    struct jobs_limits limits = {.threads = r->threads};
    for (int c = 0; c < JOB_CLASS_COUNT; c++) {
        limits.running[c] = r->threads;
        limits.queued[c] = r->threads;
    }
    r->pool = jobs_new(&limits);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    requeue_orphans(r, true);
    if (pthread_create(&r->thread, NULL, dispatch_loop, r) != 0) {
        jobs_stop(r->pool);
        jobs_free(r->pool);
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        free(r);
        err_set(err, RC_IO, "cannot start the async-job runner");
        return NULL;
    }
    pthread_mutex_lock(&active_lock);
    active = r;
    pthread_mutex_unlock(&active_lock);
    router_on_job_queued(wake_active);
    return r;
}

void async_stop(struct async_runner *r)
{
    if (!r) return;
    pthread_mutex_lock(&active_lock);
    if (active == r) active = NULL;
    pthread_mutex_unlock(&active_lock);
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    jobs_stop(r->pool); /* the claimed jobs finish and record their answers */
    jobs_free(r->pool);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
