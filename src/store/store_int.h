/* Helpers shared by the store's backends (SQL text both dialects accept).
 * Not for use outside src/store/. */
#ifndef LEADGEN_STORE_INT_H
#define LEADGEN_STORE_INT_H

#include "store/store.h"

/* "%@domain%" with LIKE's wildcards in domain escaped (for LIKE ... ESCAPE '\'). */
const char *store_like_mention(struct arena *a, const char *domain);

/* "%text%" with LIKE's wildcards in text escaped (for LIKE ... ESCAPE '\'). */
const char *store_like_contains(struct arena *a, const char *text);

/* Adds n recipients of status (a recipients.status value) to the counters. */
void store_stats_add(struct recipient_stats *s, const char *status, int64_t n);

/* Whether a recipient whose next_send_at is set may be claimed: it is due, or
 * it is held under the claim's lease and the lease has not run out. A lease
 * is taken only on a due row, so while one lasts nobody else takes the row,
 * and the next one ends later: a lease that has not run out names its holder. */
bool store_due_or_held(int64_t next_send_at, const struct send_claim *claim);

/* Whether any recipient of list still holds a lease (send_release has work). */
bool store_any_leased(const struct send_recipient *list, size_t count);

/* The plan for a store holding applied[] against the binary's known[] (both ascending). */
void store_plan_fill(struct store_plan *p, const int *known, size_t nknown, const int *applied,
                     size_t napplied);

#endif
