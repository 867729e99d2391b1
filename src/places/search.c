/* The work of places/search.php and places/reviews.php: a text search for ids,
 * each place from the cache or from Place Details calls the reservation can pay
 * for (in parallel), fresh places cached; and one place's reviews. */
#include "places/places.h"

#include "core/cache.h"

static const struct places_provider *provider(void)
{
    return &places_new_api;
}

/* Places from the 30-day cache, by position; misses stay NULL. */
static void from_cache(struct store *st, const struct places_page *page, struct arena *a,
                       json_t **places)
{
    for (size_t i = 0; i < page->count; i++) {
        const char *parts[] = {page->ids[i]};
        struct err err = {0};
        if (cache_get(st, cache_key(a, "place", 1, parts), &places[i], &err) == RC_OK)
            json_object_set_new(places[i], "cached", json_true());
    }
}

/* What fetching the misses came to. */
struct misses {
    size_t fetched, failed, skipped;
};

/* Fetches the misses budget can pay for and caches them. */
static void fetch_misses(struct store *st, const struct places_options *o,
                         const struct places_query *q, const struct places_page *page,
                         int64_t budget, struct arena *a, json_t **places, struct misses *m)
{
    const char **ids = arena_alloc(a, (page->count + 1) * sizeof *ids);
    size_t *slot = arena_alloc(a, (page->count + 1) * sizeof *slot);
    size_t n = 0, affordable = budget > 0 ? (size_t)(budget / PLACES_DETAIL_COST) : 0;
    for (size_t i = 0; i < page->count; i++) {
        if (places[i]) continue;
        if (n == affordable) {
            m->skipped++;
            continue;
        }
        slot[n] = i;
        ids[n++] = page->ids[i];
    }
    json_t **fresh = arena_alloc(a, (n + 1) * sizeof *fresh);
    struct err *errs = arena_alloc(a, (n + 1) * sizeof *errs);
    provider()->details(o, ids, n, PLACES_LISTING, q->language, fresh, errs);
    for (size_t k = 0; k < n; k++) {
        if (!fresh[k]) {
            m->failed++;
            continue;
        }
        const char *parts[] = {ids[k]};
        struct err err = {0};
        cache_put(st, cache_key(a, "place", 1, parts), "place", fresh[k], PLACES_CACHE_TTL, &err);
        json_object_set_new(fresh[k], "cached", json_false());
        places[slot[k]] = fresh[k];
        m->fetched++;
    }
}

enum rc places_search(struct store *st, const struct places_options *o,
                      const struct places_query *q, int64_t budget, struct arena *a,
                      json_t **data, int64_t *cost, struct err *err)
{
    struct places_page page;
    enum rc rc = provider()->search(o, q, a, &page, err);
    if (rc != RC_OK) return rc;
    json_t **places = arena_alloc(a, (page.count + 1) * sizeof *places);
    struct misses m = {0};
    from_cache(st, &page, a, places);
    fetch_misses(st, o, q, &page, budget, a, places, &m);
    json_t *list = json_array();
    for (size_t i = 0; i < page.count; i++)
        if (places[i]) json_array_append_new(list, places[i]);
    *cost = (int64_t)m.fetched * PLACES_DETAIL_COST;
    *data = json_pack("{s:s, s:I, s:o, s:o, s:I, s:I}", "query", q->query, "places_count",
                      (json_int_t)json_array_size(list), "places", list, "next_page_token",
                      page.next_page_token ? json_string(page.next_page_token) : json_null(),
                      "failed", (json_int_t)m.failed, "skipped", (json_int_t)m.skipped);
    return RC_OK;
}

enum rc places_reviews(const struct places_options *o, const char *place_id, json_t **data,
                       int64_t *cost, struct err *err)
{
    json_t *reviews = NULL;
    provider()->details(o, &place_id, 1, PLACES_REVIEWS, NULL, &reviews, err);
    if (!reviews) return RC_UPSTREAM;
    json_object_set_new(reviews, "place_id", json_string(place_id));
    json_object_set_new(reviews, "cached", json_false());
    *data = reviews;
    *cost = PLACES_REVIEWS_COST;
    return RC_OK;
}
