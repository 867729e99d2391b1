/* The response cache shared by all users (it holds public web data): a JSON
 * `data` object per key, with a time to live. Keys are built with cache_key
 * from the endpoint and its normalised parameters. */
#ifndef LEADGEN_CORE_CACHE_H
#define LEADGEN_CORE_CACHE_H

#include "base/mem.h"
#include "base/rc.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

/* "endpoint\x1fpart\x1fpart..." in the arena; parts may be NULL (stored empty). */
const char *cache_key(struct arena *a, const char *endpoint, int nparts, const char *const *parts);
/* RC_OK with *data (a new reference) on a hit, RC_NOT_FOUND on a miss or expiry. */
enum rc cache_get(struct store *st, const char *key, json_t **data, struct err *err);
/* Same, returning the stored JSON text (in the arena) without parsing it. */
enum rc cache_get_text(struct store *st, const char *key, struct arena *a, char **text,
                       struct err *err);
enum rc cache_put(struct store *st, const char *key, const char *endpoint, const json_t *data,
                  int64_t ttl_seconds, struct err *err);
enum rc cache_put_text(struct store *st, const char *key, const char *endpoint, const char *text,
                       int64_t ttl_seconds, struct err *err);

#endif
