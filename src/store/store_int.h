/* Helpers shared by the store's backends (SQL text both dialects accept).
 * Not for use outside src/store/. */
#ifndef LEADGEN_STORE_INT_H
#define LEADGEN_STORE_INT_H

#include "store/store.h"

/* "%@domain%" with LIKE's wildcards in domain escaped (for LIKE ... ESCAPE '\'). */
const char *store_like_mention(struct arena *a, const char *domain);

/* "%text%" with LIKE's wildcards in text escaped (for LIKE ... ESCAPE '\'). */
const char *store_like_contains(struct arena *a, const char *text);

/* A launch populates its recipients STORE_LAUNCH_BATCH leads per transaction
 * while the campaign is 'launching' (which the sender never sends); a launch
 * that has not committed a batch for STORE_LAUNCH_STALE seconds is taken
 * to have died, and a new launch may take the campaign over. */
enum { STORE_LAUNCH_BATCH = 500, STORE_LAUNCH_STALE = 300, STORE_LAUNCH_PAUSE_MS = 2 };

/* Adds n recipients of status (a recipients.status value) to the counters. */
void store_stats_add(struct recipient_stats *s, const char *status, int64_t n);
/* The counter of status, or the sum of all for NULL. */
int64_t store_stats_of(const struct recipient_stats *s, const char *status);

/* The plan for a store holding applied[] against the binary's known[] (both ascending). */
void store_plan_fill(struct store_plan *p, const int *known, size_t nknown, const int *applied,
                     size_t napplied);

#endif
