/* Direct-mapped answer cache under striped locks. */
#include "core/hotcache.h"

#include "base/clock.h"
#include "base/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { SLOTS = 1024, STRIPES = 32, KEY_MAX = 256, TEXT_MAX = 64 << 10 };

struct entry {
    int64_t user_id;
    uint64_t generation;
    double stored_ms;
    char key[KEY_MAX];
    char *text; /* malloc'd */
};

static struct entry entries[SLOTS];
static pthread_mutex_t locks[STRIPES];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_locks(void)
{
    for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&locks[i], NULL);
}

static size_t slot_of(int64_t user_id, const char *key)
{
    pthread_once(&once, init_locks);
    uint64_t h = (uint64_t)user_id * 0x9E3779B97F4A7C15ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 0x100000001B3ull;
    return (size_t)(h % SLOTS);
}

bool hotcache_get(int64_t user_id, const char *key, uint64_t generation, struct arena *a,
                  const char **text)
{
    if (strlen(key) >= KEY_MAX) return false;
    size_t i = slot_of(user_id, key);
    struct entry *e = &entries[i];
    pthread_mutex_lock(&locks[i % STRIPES]);
    bool hit = e->text && e->user_id == user_id && e->generation == generation &&
               clock_mono_ms() - e->stored_ms < HOTCACHE_MAX_AGE_MS && strcmp(e->key, key) == 0;
    if (hit) *text = arena_strdup(a, e->text);
    pthread_mutex_unlock(&locks[i % STRIPES]);
    return hit;
}

void hotcache_put(int64_t user_id, const char *key, uint64_t generation, const char *text)
{
    size_t n = strlen(text);
    if (strlen(key) >= KEY_MAX || n > TEXT_MAX) return;
    char *copy = memcpy(xmalloc(n + 1), text, n + 1);
    size_t i = slot_of(user_id, key);
    struct entry *e = &entries[i];
    pthread_mutex_lock(&locks[i % STRIPES]);
    char *old = e->text;
    e->user_id = user_id;
    e->generation = generation;
    e->stored_ms = clock_mono_ms();
    strcpy(e->key, key);
    e->text = copy;
    pthread_mutex_unlock(&locks[i % STRIPES]);
    free(old);
}
