/* A small in-process cache for the hottest read answers (routes flagged
 * hot_cache, such as GET projects.php; the router fills and reads it), so
 * serving them touches neither the disk nor SQLite. An entry is valid
 * while the store's write generation is unchanged (any write in this process
 * bumps it) and for at most HOTCACHE_MAX_AGE_MS, which bounds how long a
 * write by another process (the CLI, a worker) can go unseen. */
#ifndef LEADGEN_CORE_HOTCACHE_H
#define LEADGEN_CORE_HOTCACHE_H

#include "base/mem.h"

#include <stdbool.h>
#include <stdint.h>

enum { HOTCACHE_MAX_AGE_MS = 1000 };

/* Copies the cached text for (user, key) into the arena; false on a miss. */
bool hotcache_get(int64_t user_id, const char *key, uint64_t generation, struct arena *a,
                  const char **text);
void hotcache_put(int64_t user_id, const char *key, uint64_t generation, const char *text);

#endif
