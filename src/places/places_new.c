/* Google Places API (New): POST /v1/places:searchText asking only for ids
 * (field mask places.id,nextPageToken) and GET /v1/places/{id} with a field
 * mask of just the fields leadgen returns. Errors arrive as non-2xx answers
 * with {"error": {"code", "message", "status"}}. */
#include "places/places.h"

#include "base/json.h"
#include "net/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { PLACES_MAX_BYTES = 4 << 20 };

static const char listing_mask[] =
    "id,displayName,formattedAddress,nationalPhoneNumber,internationalPhoneNumber,websiteUri,"
    "rating,userRatingCount,types,location,businessStatus,googleMapsUri,"
    "regularOpeningHours.weekdayDescriptions";
static const char reviews_mask[] = "id,reviews";

bool places_id_valid(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!isalnum((unsigned char)id[n]) && id[n] != '_' && id[n] != '-') return false;
    return n > 0 && n <= 512;
}

int64_t places_parse_time(const char *s)
{
    struct tm tm = {0};
    int used = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6)
        return -1;
    const char *p = s + used;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++) continue;
    int64_t offset = 0;
    if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return -1;
        offset = (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    } else if (*p != 'Z' && *p != 'z') {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) - offset;
}

/* ---- requests -------------------------------------------------------------- */

struct places_headers {
    char key[600], mask[600];
    const char *list[4];
};

static void headers_init(struct places_headers *h, const char *key, const char *mask)
{
    snprintf(h->key, sizeof h->key, "X-Goog-Api-Key: %s", key ? key : "");
    snprintf(h->mask, sizeof h->mask, "X-Goog-FieldMask: %s", mask);
    h->list[0] = h->key;
    h->list[1] = h->mask;
    h->list[2] = "Content-Type: application/json";
    h->list[3] = NULL;
}

/* Turns a finished exchange into a parsed body or Google's error message. */
static json_t *answer_json(enum rc rc, const struct http_response *resp, struct err *err)
{
    if (rc != RC_OK) return NULL; /* err already says why */
    json_t *doc = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
    if (resp->status >= 200 && resp->status < 300) {
        if (json_is_object(doc)) return doc;
        json_decref(doc);
        err_set(err, RC_UPSTREAM, "Google Places API answered HTTP %ld with a body that is not JSON",
                resp->status);
        return NULL;
    }
    json_t *e = json_object_get(doc, "error");
    const char *message = json_string_value(json_object_get(e, "message"));
    const char *status = json_string_value(json_object_get(e, "status"));
    err_set(err, RC_UPSTREAM, "Google Places API error %ld%s%s: %s", resp->status,
            status ? " " : "", status ? status : "", message ? message : "no message");
    json_decref(doc);
    return NULL;
}

static char *search_body(const struct places_query *q, struct arena *a)
{
    json_t *body = json_pack("{s:s, s:i}", "textQuery", q->query, "pageSize", 20);
    if (q->language) json_object_set_new(body, "languageCode", json_string(q->language));
    if (q->page_token) json_object_set_new(body, "pageToken", json_string(q->page_token));
    if (q->has_location)
        json_object_set_new(body, "locationBias",
                            json_pack("{s:{s:{s:f, s:f}, s:f}}", "circle", "center", "latitude",
                                      q->lat, "longitude", q->lng, "radius", (double)q->radius));
    char *text = arena_json_dumps(a, body, JSON_COMPACT);
    json_decref(body);
    return text;
}

static enum rc new_search(const struct places_options *o, const struct places_query *q,
                          struct arena *a, struct places_page *out, struct err *err)
{
    char url[1024];
    snprintf(url, sizeof url, "%s/v1/places:searchText", o->url);
    struct places_headers h;
    headers_init(&h, o->key, "places.id,nextPageToken");
    char *body = search_body(q, a);
    if (!body) return err_set(err, RC_INVALID, "Places search: cannot serialise the query");
    struct http_request req = {.method = "POST", .url = url, .headers = h.list, .body = body,
                               .body_len = strlen(body), .timeout_ms = o->timeout_ms,
                               .max_bytes = PLACES_MAX_BYTES};
    struct http_response resp;
    json_t *doc = answer_json(http_fetch(&req, &resp, err), &resp, err);
    http_response_free(&resp);
    if (!doc) return RC_UPSTREAM;
    json_t *places = json_object_get(doc, "places"); /* absent: no results, not an error */
    out->ids = arena_alloc(a, (json_array_size(places) + 1) * sizeof *out->ids);
    out->count = 0;
    size_t i;
    json_t *p;
    json_array_foreach(places, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        if (id && places_id_valid(id)) out->ids[out->count++] = arena_strdup(a, id);
    }
    const char *next = json_string_value(json_object_get(doc, "nextPageToken"));
    out->next_page_token = next && *next ? arena_strdup(a, next) : NULL;
    json_decref(doc);
    return RC_OK;
}

/* ---- mapping --------------------------------------------------------------- */

static json_t *string_or_empty(json_t *v)
{
    return json_string(json_is_string(v) ? json_string_value(v) : "");
}

static json_t *copy_or_null(json_t *v)
{
    return v ? json_deep_copy(v) : json_null();
}

static json_t *map_listing(json_t *p)
{
    json_t *loc = json_object_get(p, "location"), *location = json_null();
    if (json_is_number(json_object_get(loc, "latitude")))
        location = json_pack("{s:O, s:O}", "lat", json_object_get(loc, "latitude"), "lng",
                             json_object_get(loc, "longitude"));
    json_t *hours = json_object_get(json_object_get(p, "regularOpeningHours"), "weekdayDescriptions");
    json_t *types = json_object_get(p, "types");
    json_t *count = json_object_get(p, "userRatingCount");
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "place_id",
        string_or_empty(json_object_get(p, "id")), "name",
        string_or_empty(json_object_get(json_object_get(p, "displayName"), "text")), "address",
        string_or_empty(json_object_get(p, "formattedAddress")), "phone",
        string_or_empty(json_object_get(p, "nationalPhoneNumber")), "international_phone",
        string_or_empty(json_object_get(p, "internationalPhoneNumber")), "website",
        string_or_empty(json_object_get(p, "websiteUri")), "rating",
        copy_or_null(json_object_get(p, "rating")), "reviews_count",
        (json_int_t)(json_is_integer(count) ? json_integer_value(count) : 0), "types",
        json_is_array(types) ? json_deep_copy(types) : json_array(), "location", location,
        "business_status", string_or_empty(json_object_get(p, "businessStatus")),
        "google_maps_url", string_or_empty(json_object_get(p, "googleMapsUri")), "opening_hours",
        json_is_array(hours) ? json_deep_copy(hours) : json_array());
}

/* A review's star rating, 1-5; anything else (absent, absurd) is 0. Checked
 * before the cast, which is undefined for values out of range. */
static json_int_t stars(json_t *rating)
{
    double v = json_is_number(rating) ? json_number_value(rating) : 0;
    return v >= 1 && v <= 5 ? (json_int_t)(v + 0.5) : 0;
}

static json_t *map_review(json_t *r)
{
    json_t *author = json_object_get(r, "authorAttribution");
    json_t *text = json_object_get(r, "text");
    if (!text) text = json_object_get(r, "originalText");
    json_t *rating = json_object_get(r, "rating");
    int64_t when = places_parse_time(json_string_value(json_object_get(r, "publishTime")));
    return json_pack("{s:o, s:o, s:o, s:I, s:o, s:I, s:o, s:o}", "author_name",
                     string_or_empty(json_object_get(author, "displayName")), "author_url",
                     string_or_empty(json_object_get(author, "uri")), "language",
                     string_or_empty(json_object_get(text, "languageCode")), "rating",
                     stars(rating), "text",
                     string_or_empty(json_object_get(text, "text")), "time",
                     (json_int_t)(when > 0 ? when : 0), "relative_time_description",
                     string_or_empty(json_object_get(r, "relativePublishTimeDescription")),
                     "profile_photo_url", string_or_empty(json_object_get(author, "photoUri")));
}

static json_t *map_reviews(json_t *p)
{
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(p, "reviews"), i, r)
    {
        if (i == 5) break; /* the reference promises up to 5 */
        json_array_append_new(out, map_review(r));
    }
    return json_pack("{s:o, s:o}", "place_id", string_or_empty(json_object_get(p, "id")),
                     "reviews", out);
}

json_t *places_new_map(const char *body, size_t len, enum places_detail kind)
{
    json_t *doc = json_loadb(body, len, 0, NULL);
    json_t *mapped = NULL;
    if (json_is_object(doc)) mapped = kind == PLACES_REVIEWS ? map_reviews(doc) : map_listing(doc);
    json_decref(doc);
    return mapped;
}

static void new_details(const struct places_options *o, const char *const *ids, size_t n,
                        enum places_detail kind, const char *language, json_t **out,
                        struct err *errs)
{
    struct places_headers h;
    headers_init(&h, o->key, kind == PLACES_REVIEWS ? reviews_mask : listing_mask);
    struct http_request *reqs = xcalloc(n ? n : 1, sizeof *reqs);
    struct http_response *resps = xcalloc(n ? n : 1, sizeof *resps);
    enum rc *rcs = xcalloc(n ? n : 1, sizeof *rcs);
    char (*urls)[1200] = xcalloc(n ? n : 1, sizeof *urls);
    const char *base = o->url;
    for (size_t i = 0; i < n; i++) {
        snprintf(urls[i], sizeof urls[i], "%s/v1/places/%s%s%s", base, ids[i],
                 language ? "?languageCode=" : "", language ? language : "");
        reqs[i] = (struct http_request){.url = urls[i], .headers = h.list,
                                        .timeout_ms = o->timeout_ms,
                                        .max_bytes = PLACES_MAX_BYTES};
    }
    http_fetch_all(reqs, n, o->parallel, resps, errs, rcs);
    for (size_t i = 0; i < n; i++) {
        json_t *doc = answer_json(rcs[i], &resps[i], &errs[i]);
        out[i] = doc ? (kind == PLACES_REVIEWS ? map_reviews(doc) : map_listing(doc)) : NULL;
        json_decref(doc);
        http_response_free(&resps[i]);
    }
    free(urls);
    free(rcs);
    free(resps);
    free(reqs);
}

const struct places_provider places_new_api = {
    .name = "places-new",
    .search = new_search,
    .details = new_details,
};
