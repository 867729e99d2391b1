/* A pool of threads for blocking work with admission control. Jobs belong to
 * a class (upstream fetches, verification, AI, licence checks, sends), each
 * with a cap on jobs running and on jobs waiting, and to an owner (a user)
 * with a cap on jobs queued or running, so one owner's backlog never holds
 * up another's: within a class, owners take turns. Threads start on demand
 * up to a limit. Used by the HTTP server and by the campaign scheduler. */
#ifndef LEADGEN_CORE_JOBS_H
#define LEADGEN_CORE_JOBS_H

#include <stdbool.h>
#include <stdint.h>

enum job_class { JOB_UPSTREAM, JOB_VERIFY, JOB_AI, JOB_LICENCE, JOB_SEND, JOB_CLASS_COUNT };

struct jobs_limits {
    unsigned threads;   /* most threads at once (at least 1) */
    unsigned per_owner; /* most jobs one owner may have queued or running; 0: no cap */
    /* most jobs of a class running at once; 0: the class's share of threads */
    unsigned running[JOB_CLASS_COUNT];
    unsigned queued[JOB_CLASS_COUNT]; /* most jobs of a class waiting beyond those running */
};

struct job {
    enum job_class cls;
    uint64_t owner;            /* 0: not counted against any owner */
    void (*run)(void *arg);    /* on a pool thread */
    void (*dropped)(void *arg); /* instead of run after jobs_cancel; may be NULL */
    void *arg;
};

enum jobs_admit { JOBS_ADMITTED, JOBS_OWNER_FULL, JOBS_CLASS_FULL };

struct jobs;

struct jobs *jobs_new(const struct jobs_limits *limits);
/* "upstream", "verify", ... for configuration names and messages. */
const char *jobs_class_name(enum job_class cls);
/* Queues a job unless its owner or class is at its cap; *ticket (may be NULL)
 * names it for jobs_cancel. Once jobs_stop has begun, runs it in the caller's
 * thread and admits it whatever the caps. */
enum jobs_admit jobs_submit(struct jobs *j, const struct job *job, uint64_t *ticket);
/* Takes a job that is still waiting out of the queue and calls its dropped
 * callback in the caller's thread; false when it has started or is unknown. */
bool jobs_cancel(struct jobs *j, uint64_t ticket);
/* Jobs the owner has queued or running. */
unsigned jobs_owner_load(struct jobs *j, uint64_t owner);
/* Finishes queued jobs, then joins every thread; jobs_submit stays usable. */
void jobs_stop(struct jobs *j);
/* Releases the pool (after jobs_stop, once nothing can submit any more). */
void jobs_free(struct jobs *j);

#endif
