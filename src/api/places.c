/* places/search.php and places/reviews.php. Search bills 10 credits per
 * Details call and caches each place for 30 days (the longest Google's terms
 * allow); reviews bill 5 on a miss and are cached 7 days by the router. */
#include "api/api.h"

#include "base/str.h"
#include "config.h"
#include "core/cache.h"
#include "places/places.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    PLACE_COST = 10,
    REVIEWS_COST = 5,
    PLACE_TTL = 30 * 86400,
    QUERY_MAX = 500,
    TOKEN_MAX = 4096,
};

struct places_params {
    struct places_query q;
    const char *place_id;
};

static const struct places_provider *provider(void)
{
    return &places_new_api;
}

static bool require_key(struct request *req)
{
    const char *key = config_get("LEADGEN_PLACES_KEY");
    if (key && *key) return true;
    return req_fail(req, E_NOT_CONFIGURED,
                    "Google Places is not configured: set LEADGEN_PLACES_KEY.");
}

/* "lat,lng" with both in range. */
static bool parse_location(struct request *req, const char *text, struct places_query *q)
{
    char *end;
    double lat = strtod(text, &end);
    bool ok = end != text && *end == ',';
    double lng = ok ? strtod(end + 1, &end) : 0;
    ok = ok && *end == '\0' && isfinite(lat) && isfinite(lng) && fabs(lat) <= 90 &&
         fabs(lng) <= 180;
    if (!ok)
        return req_fail(req, E_INVALID_PARAM,
                        "Parameter 'location' must be 'lat,lng' with -90<=lat<=90 and "
                        "-180<=lng<=180.");
    q->has_location = true;
    q->lat = lat;
    q->lng = lng;
    return true;
}

/* BCP 47-ish: "en", "pt-BR", "zh-Hant". */
static bool language_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 35 || !isalpha((unsigned char)s[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-') return false;
    return true;
}

static bool token_valid(const char *s)
{
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127) return false;
    return true;
}

bool api_places_search_parse(struct request *req)
{
    struct places_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    struct places_query *q = &p->q;
    const char *location;
    if (!param_string(req, "query", true, QUERY_MAX, &q->query) ||
        !param_string(req, "location", false, 64, &location) ||
        !param_int(req, "radius", false, 5000, 1, 50000, &q->radius) ||
        !param_string(req, "language", false, 35, &q->language) ||
        !param_string(req, "page_token", false, TOKEN_MAX, &q->page_token))
        return false;
    if (location && !parse_location(req, location, q)) return false;
    if (q->language && !language_valid(q->language))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'language' must be a language code like 'en' or 'pt-BR'.");
    if (q->page_token && !token_valid(q->page_token))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'page_token' is not a page token.");
    return require_key(req);
}

/* Places from the 30-day cache, by position; misses stay NULL. */
static size_t from_cache(struct request *req, const struct places_page *page, json_t **places)
{
    size_t hits = 0;
    for (size_t i = 0; i < page->count; i++) {
        const char *parts[] = {page->ids[i]};
        struct err err = {0};
        if (cache_get(req->store, cache_key(&req->arena, "place", 1, parts), &places[i], &err) ==
            RC_OK) {
            json_object_set_new(places[i], "cached", json_true());
            hits++;
        }
    }
    return hits;
}

/* Fetches the misses the reservation can pay for; returns how many were fetched. */
static size_t fetch_misses(struct request *req, const struct places_page *page, json_t **places,
                           size_t *failed, size_t *skipped)
{
    const char **ids = arena_alloc(&req->arena, (page->count + 1) * sizeof *ids);
    size_t *slot = arena_alloc(&req->arena, (page->count + 1) * sizeof *slot);
    size_t n = 0, affordable = (size_t)(req->reserved / PLACE_COST);
    for (size_t i = 0; i < page->count; i++) {
        if (places[i]) continue;
        if (n == affordable) {
            (*skipped)++;
            continue;
        }
        slot[n] = i;
        ids[n++] = page->ids[i];
    }
    json_t **fresh = arena_alloc(&req->arena, (n + 1) * sizeof *fresh);
    struct err *errs = arena_alloc(&req->arena, (n + 1) * sizeof *errs);
    const struct places_params *p = req->params;
    unsigned parallel = (unsigned)config_int("LEADGEN_PLACES_PARALLEL", 20, 1, 100);
    provider()->details(ids, n, PLACES_LISTING, p->q.language, parallel, fresh, errs);
    size_t fetched = 0;
    for (size_t k = 0; k < n; k++) {
        if (!fresh[k]) {
            (*failed)++;
            continue;
        }
        const char *parts[] = {ids[k]};
        struct err err = {0};
        cache_put(req->store, cache_key(&req->arena, "place", 1, parts), "place", fresh[k],
                  PLACE_TTL, &err);
        json_object_set_new(fresh[k], "cached", json_false());
        places[slot[k]] = fresh[k];
        fetched++;
    }
    return fetched;
}

bool api_places_search_run(struct request *req)
{
    const struct places_params *p = req->params;
    struct places_page page;
    struct err err = {0};
    if (provider()->search(&p->q, &req->arena, &page, &err) != RC_OK)
        return req_fail(req, E_API_ERROR, "%s", err.msg);
    json_t **places = arena_alloc(&req->arena, (page.count + 1) * sizeof *places);
    size_t failed = 0, skipped = 0;
    from_cache(req, &page, places);
    size_t fetched = fetch_misses(req, &page, places, &failed, &skipped);
    json_t *list = json_array();
    for (size_t i = 0; i < page.count; i++)
        if (places[i]) json_array_append_new(list, places[i]);
    req->cost = (int64_t)fetched * PLACE_COST;
    req->data = json_pack("{s:s, s:I, s:o, s:o, s:I, s:I}", "query", p->q.query, "places_count",
                          (json_int_t)json_array_size(list), "places", list, "next_page_token",
                          page.next_page_token ? json_string(page.next_page_token) : json_null(),
                          "failed", (json_int_t)failed, "skipped", (json_int_t)skipped);
    return true;
}

bool api_places_reviews_parse(struct request *req)
{
    struct places_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    if (!param_string(req, "place_id", true, 512, &p->place_id)) return false;
    if (!places_id_valid(p->place_id))
        return req_fail(req, E_INVALID_PARAM,
                        "Parameter 'place_id' may hold only letters, digits, '_' and '-'.");
    return require_key(req);
}

const char *api_places_reviews_cache_key(struct request *req)
{
    const struct places_params *p = req->params;
    const char *parts[] = {p->place_id};
    return cache_key(&req->arena, "reviews", 1, parts);
}

bool api_places_reviews_run(struct request *req)
{
    const struct places_params *p = req->params;
    json_t *reviews = NULL;
    struct err err = {0};
    provider()->details(&p->place_id, 1, PLACES_REVIEWS, NULL, 1, &reviews, &err);
    if (!reviews) return req_fail(req, E_API_ERROR, "%s", err.msg);
    json_object_set_new(reviews, "place_id", json_string(p->place_id));
    json_object_set_new(reviews, "cached", json_false());
    req->data = reviews;
    req->cost = REVIEWS_COST;
    return true;
}
