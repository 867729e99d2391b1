/* Per-user request limits per endpoint family (LEADGEN_RATE_LIMIT), so a user
 * with a balance of 1 cannot make unlimited free upstream calls (searches and
 * crawls that find nothing cost 0, but the operator pays the provider). Each
 * family has a fixed window: at most `limit` requests per `period_s` seconds
 * per user, counted in this process. Families are named in a table here
 * (search covers search.php and ads.php; places both Places routes; ai the
 * generator); routes of no family are not limited. */
#ifndef LEADGEN_CORE_RATELIMIT_H
#define LEADGEN_CORE_RATELIMIT_H

#include "base/rc.h"

#include <stdbool.h>
#include <stdint.h>

/* What a request is told in X-RateLimit-Limit/-Remaining/-Reset. */
struct rate_state {
    unsigned limit;     /* 0: the endpoint's family is not limited */
    unsigned remaining; /* requests left in this window, after this one */
    unsigned reset_s;   /* seconds until the window starts over */
    const char *family;
    const char *period; /* "second", "minute", "hour" or "day" */
};

/* Reads "family=N/unit[,...]" (unit s, sec, second, m, min, minute, h, hour, d, day;
 * N 0 turns the family off) over the defaults; NULL or "" keeps the defaults.
 * RC_INVALID names the item it cannot read. Call once at start-up. */
enum rc ratelimit_configure(const char *spec, struct err *err);
/* The defaults, as text for the help and README. */
extern const char ratelimit_defaults[];

/* Counts one request of user to endpoint (a route's ledger name) and fills
 * *state; false when the limit is reached (the request is not counted, and
 * state->reset_s says when to retry). True with limit 0 when not limited. */
bool ratelimit_take(int64_t user_id, const char *endpoint, struct rate_state *state);

/* Forgets every count (tests). */
void ratelimit_reset(void);

#endif
