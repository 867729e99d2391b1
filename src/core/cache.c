/* Response cache on top of the store's key/value operations. */
#include "core/cache.h"

#include "base/clock.h"

#include <stdlib.h>
#include <string.h>

const char *cache_key(struct arena *a, const char *endpoint, int nparts, const char *const *parts)
{
    size_t len = strlen(endpoint) + 1;
    for (int i = 0; i < nparts; i++) len += (parts[i] ? strlen(parts[i]) : 0) + 1;
    char *key = arena_alloc(a, len), *o = key;
    o = stpcpy(o, endpoint);
    for (int i = 0; i < nparts; i++) {
        *o++ = '\x1f'; /* unit separator: cannot occur in a validated parameter */
        if (parts[i]) o = stpcpy(o, parts[i]);
    }
    *o = '\0';
    return key;
}

enum rc cache_get_text(struct store *st, const char *key, struct arena *a, char **text,
                       struct err *err)
{
    return st->ops->cache_get(st, key, clock_now(), a, text, err);
}

enum rc cache_get(struct store *st, const char *key, json_t **data, struct err *err)
{
    struct arena a;
    arena_init(&a);
    char *text = NULL;
    enum rc rc = cache_get_text(st, key, &a, &text, err);
    if (rc == RC_OK) {
        *data = json_loads(text, 0, NULL);
        if (!*data) rc = RC_NOT_FOUND; /* a corrupt entry is a miss, and gets overwritten */
    }
    arena_cleanup(&a);
    return rc;
}

enum rc cache_put_text(struct store *st, const char *key, const char *endpoint, const char *text,
                       int64_t ttl_seconds, struct err *err)
{
    return st->ops->cache_put(st, key, endpoint, text, clock_now() + ttl_seconds, err);
}

enum rc cache_put(struct store *st, const char *key, const char *endpoint, const json_t *data,
                  int64_t ttl_seconds, struct err *err)
{
    char *text = json_dumps(data, JSON_COMPACT);
    if (!text) return err_set(err, RC_INVALID, "cache: cannot serialise data");
    enum rc rc = cache_put_text(st, key, endpoint, text, ttl_seconds, err);
    free(text);
    return rc;
}
