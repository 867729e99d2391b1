/* A pool of threads for blocking work. Threads start on demand up to a limit
 * and then wait for work, so an idle server holds only the threads it has
 * needed. Jobs run in submission order. */
#ifndef LEADGEN_HTTP_JOBS_H
#define LEADGEN_HTTP_JOBS_H

struct jobs;

struct jobs *jobs_new(unsigned max_threads);
void jobs_submit(struct jobs *j, void (*fn)(void *arg), void *arg);
/* Finishes queued jobs, then joins every thread. */
void jobs_free(struct jobs *j);

#endif
