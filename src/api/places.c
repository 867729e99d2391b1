/* places/search.php and places/reviews.php: parameters in, places/ does the
 * work. Search bills 10 credits per Details call within the reservation and
 * caches each place for 30 days; reviews bill 5 on a miss and are cached 7
 * days by the router. */
#include "api/api.h"

#include "base/str.h"
#include "core/cache.h"
#include "places/places.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { QUERY_MAX = 500, TOKEN_MAX = 4096 };

struct places_params {
    struct places_query q;
    const char *place_id;
};

static bool require_key(struct request *req)
{
    const char *key = api_options()->places.key;
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

bool api_places_search_run(struct request *req)
{
    const struct places_params *p = req->params;
    struct err err = {0};
    if (places_search(req->store, &api_options()->places, &p->q, req->reserved, &req->arena,
                      &req->data, &req->cost, &err) != RC_OK)
        return req_fail(req, E_API_ERROR, "%s", err.msg);
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
    struct err err = {0};
    if (places_reviews(&api_options()->places, p->place_id, &req->data, &req->cost, &err) != RC_OK)
        return req_fail(req, E_API_ERROR, "%s", err.msg);
    return true;
}
