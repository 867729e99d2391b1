/* A pool of threads for blocking work. Threads start on demand up to a limit
 * and then wait for work, so an idle server holds only the threads it has
 * needed. Jobs run in submission order. */
#ifndef LEADGEN_HTTP_JOBS_H
#define LEADGEN_HTTP_JOBS_H

struct jobs;

struct jobs *jobs_new(unsigned max_threads);
/* Queues a job; once jobs_stop has begun, runs it in the caller's thread. */
void jobs_submit(struct jobs *j, void (*fn)(void *arg), void *arg);
/* Finishes queued jobs, then joins every thread; jobs_submit stays usable. */
void jobs_stop(struct jobs *j);
/* Releases the pool (after jobs_stop, once nothing can submit any more). */
void jobs_free(struct jobs *j);

#endif
