/* Ad Spy: a fresh search for the query's ads, recorded in the permanent
 * history, merged with every ad seen before for the same query and engine,
 * and enriched with contact data crawled from up to 15 landing sites
 * (reused for 7 days). The `data` object is built here because it is the
 * feature's whole result; the handler only validates and bills. */
#ifndef LEADGEN_ADS_H
#define LEADGEN_ADS_H

#include "base/mem.h"
#include "base/rc.h"
#include "serp/serp.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum { ADS_MAX_ENRICHED = 15, ADS_CONTACT_TTL = 7 * 86400 };

struct ads_query {
    const struct serp_options *serp; /* how the provider fetches */
    const char *query;
    enum serp_engine engine;
    int64_t page;
    bool include_history;
};

/* RC_UPSTREAM when the search fails with every provider (err says why). On
 * RC_OK, *data is the endpoint's data object (new reference), *cost its
 * credits and *served the name of the provider that answered. */
enum rc ads_run(struct store *st, const struct serp_chain *providers, const struct ads_query *q,
                struct arena *a, json_t **data, int64_t *cost, const char **served,
                struct err *err);

/* The history key of a query: case-folded, whitespace collapsed and trimmed. */
const char *ads_query_key(const char *query, struct arena *a);
/* Credits for a search: more than 7 fresh ads, 10; else 1 per fresh ad whose
 * contact data holds an email. */
int64_t ads_cost(size_t fresh, size_t fresh_with_email);

#endif
