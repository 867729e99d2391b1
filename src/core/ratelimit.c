/* Fixed-window request counters per (user, family) in a table of slots under
 * striped locks; a slot whose window is over is free for any other pair. */
#include "core/ratelimit.h"

#include "base/clock.h"
#include "base/str.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct family {
    const char *name;
    unsigned limit;
    unsigned period_s;
};

/* The families and their defaults; configure overrides the numbers. */
static struct family families[] = {
    {"search", 60, 60}, {"crawl", 120, 60}, {"find", 120, 60},
    {"places", 60, 60}, {"verify", 60, 60}, {"ai", 60, 60},
};
enum { FAMILY_COUNT = sizeof families / sizeof families[0] };
const char ratelimit_defaults[] =
    "search=60/min,crawl=120/min,find=120/min,places=60/min,verify=60/min,ai=60/min";

static const struct {
    const char *endpoint, *family;
} endpoint_family[] = {
    {"search", "search"}, {"ads", "search"},       {"crawl", "crawl"},
    {"find", "find"},     {"places_search", "places"}, {"places_reviews", "places"},
    {"verify", "verify"}, {"generate", "ai"},
};

static const struct {
    const char *word;
    unsigned seconds;
    const char *period;
} units[] = {
    {"s", 1, "second"},      {"sec", 1, "second"},      {"second", 1, "second"},
    {"m", 60, "minute"},     {"min", 60, "minute"},     {"minute", 60, "minute"},
    {"h", 3600, "hour"},     {"hour", 3600, "hour"},    {"d", 86400, "day"},
    {"day", 86400, "day"},
};

static const char *period_name(unsigned seconds)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (units[i].seconds == seconds) return units[i].period;
    return "period";
}

/* ---- configuration ------------------------------------------------------- */

static struct family *family_named(const char *name, size_t n)
{
    for (size_t i = 0; i < FAMILY_COUNT; i++)
        if (strlen(families[i].name) == n && strncmp(families[i].name, name, n) == 0)
            return &families[i];
    return NULL;
}

static enum rc parse_item(const char *item, size_t n, struct err *err)
{
    char text[64];
    if (n >= sizeof text) return err_set(err, RC_INVALID, "'%.*s' is too long", (int)n, item);
    memcpy(text, item, n);
    text[n] = '\0';
    char *s = str_trim(text), *eq = strchr(s, '='), *slash = eq ? strchr(eq, '/') : NULL;
    if (!eq || !slash)
        return err_set(err, RC_INVALID, "'%s': expected family=N/unit, e.g. search=60/min", s);
    *eq = *slash = '\0';
    char *name = str_trim(s), *count = str_trim(eq + 1), *unit = str_trim(slash + 1);
    struct family *f = family_named(name, strlen(name));
    if (!f)
        return err_set(err, RC_INVALID,
                       "unknown family '%s' (search, crawl, find, places, verify, ai)", name);
    int64_t limit;
    if (!str_parse_int64(count, &limit) || limit < 0 || limit > 1000000000)
        return err_set(err, RC_INVALID, "'%s=%s': the count must be 0 to 1000000000", name, count);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(units[i].word, unit) == 0) {
            f->limit = (unsigned)limit;
            f->period_s = units[i].seconds;
            return RC_OK;
        }
    return err_set(err, RC_INVALID, "'%s': unknown unit '%s' (s, min, hour, day)", name, unit);
}

static enum rc parse_spec(const char *spec, struct err *err)
{
    for (const char *p = spec; p && *p;) {
        size_t n = strcspn(p, ",");
        enum rc rc = parse_item(p, n, err);
        if (rc != RC_OK) return rc;
        p += n + (p[n] == ',');
    }
    return RC_OK;
}

enum rc ratelimit_configure(const char *spec, struct err *err)
{
    enum rc rc = parse_spec(ratelimit_defaults, err);
    return rc == RC_OK ? parse_spec(spec, err) : rc;
}

/* ---- counting ------------------------------------------------------------ */

enum { SLOTS = 16384, STRIPES = 64, PROBES = 8 };

struct slot {
    int64_t user_id;
    const struct family *family;
    double window_end_ms;
    unsigned count;
};
static struct slot slots[SLOTS];
static pthread_mutex_t locks[STRIPES];
static pthread_once_t locks_once = PTHREAD_ONCE_INIT;

static void locks_init(void)
{
    for (size_t i = 0; i < STRIPES; i++) pthread_mutex_init(&locks[i], NULL);
}

static const struct family *family_of(const char *endpoint)
{
    for (size_t i = 0; endpoint && i < sizeof endpoint_family / sizeof endpoint_family[0]; i++)
        if (strcmp(endpoint_family[i].endpoint, endpoint) == 0)
            return family_named(endpoint_family[i].family, strlen(endpoint_family[i].family));
    return NULL;
}

/* The pair's slot, or a free one (window over) among the probed; NULL when all are busy. */
static struct slot *slot_for(size_t base, int64_t user_id, const struct family *f, double now)
{
    struct slot *free_slot = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct slot *s = &slots[base + i];
        if (s->family == f && s->user_id == user_id) return s;
        if (!free_slot && s->window_end_ms <= now) free_slot = s;
    }
    if (free_slot) *free_slot = (struct slot){.user_id = user_id, .family = f};
    return free_slot;
}

bool ratelimit_take(int64_t user_id, const char *endpoint, struct rate_state *state)
{
    const struct family *f = family_of(endpoint);
    *state = (struct rate_state){0};
    if (!f || !f->limit) return true;
    pthread_once(&locks_once, locks_init);
    double now = clock_mono_ms();
    uint64_t h = ((uint64_t)user_id * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)(f - families);
    size_t base = (size_t)(h % SLOTS);
    base -= base % PROBES; /* a probed run never crosses into another lock's slots */
    pthread_mutex_t *lock = &locks[(base / PROBES) % STRIPES];
    pthread_mutex_lock(lock);
    struct slot *s = slot_for(base, user_id, f, now);
    bool ok = true;
    if (s) {
        if (s->window_end_ms <= now) {
            s->window_end_ms = now + f->period_s * 1000.0;
            s->count = 0;
        }
        ok = s->count < f->limit;
        if (ok) s->count++;
        state->remaining = f->limit - s->count;
        double left = (s->window_end_ms - now) / 1000.0;
        state->reset_s = (unsigned)left + (left > (unsigned)left);
    } else { /* every probed slot is busy: let it through rather than refuse at random */
        state->remaining = f->limit - 1;
        state->reset_s = f->period_s;
    }
    pthread_mutex_unlock(lock);
    state->limit = f->limit;
    state->family = f->name;
    state->period = period_name(f->period_s);
    return ok;
}

void ratelimit_reset(void)
{
    pthread_once(&locks_once, locks_init);
    for (size_t i = 0; i < STRIPES; i++) pthread_mutex_lock(&locks[i]);
    memset(slots, 0, sizeof slots);
    for (size_t i = 0; i < STRIPES; i++) pthread_mutex_unlock(&locks[i]);
}
