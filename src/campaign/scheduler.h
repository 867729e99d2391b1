/* The scheduler: a thread that runs the sender (campaign/sender.h) every
 * interval seconds, inside `serve` or alone in `leadgen worker`. Stopping
 * wakes it at once; a run in progress finishes its current SMTP exchange. */
#ifndef LEADGEN_CAMPAIGN_SCHEDULER_H
#define LEADGEN_CAMPAIGN_SCHEDULER_H

#include "campaign/sender.h"

struct scheduler;

/* o is copied (its strings must outlive the scheduler). The first run starts at once. */
struct scheduler *scheduler_start(struct store *st, const struct sender_options *o,
                                  int64_t interval, struct err *err);
void scheduler_stop(struct scheduler *s);

#endif
