/* The async-job runner: requests the router stored (async=1) are claimed
 * from the store one at a time, oldest first, and replayed through the same
 * router pipeline (credits, cache) on a job pool of their own; the answer's
 * envelope is kept with the job, and a webhook_url gets it signed (core/
 * webhooks.h). A claim is a compare-and-set in the store, so a job runs once
 * even with several processes; jobs left running by a process that died are
 * queued again when another starts on the same host, or after an hour. */
#ifndef LEADGEN_API_ASYNC_H
#define LEADGEN_API_ASYNC_H

#include "base/rc.h"
#include "http/router.h"
#include "store/store.h"

struct async_runner;

/* threads: most jobs run at once (at least 1). */
struct async_runner *async_start(struct store *st, const struct route_table *routes,
                                 unsigned threads, struct err *err);
/* Stops claiming, finishes the jobs already claimed, and frees the runner. */
void async_stop(struct async_runner *r);

#endif
