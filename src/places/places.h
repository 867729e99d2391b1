/* Google Places: text search for place ids, and place details mapped to the
 * shapes leadgen returns. Providers sit behind one struct of function
 * pointers (today the Places API (New); the legacy API could join it). Mapped
 * JSON objects are new references owned by the caller. */
#ifndef LEADGEN_PLACES_H
#define LEADGEN_PLACES_H

#include "base/mem.h"
#include "base/rc.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where and how the provider calls Google, filled from the configuration at start-up. */
struct places_options {
    const char *url;   /* LEADGEN_PLACES_URL */
    const char *key;   /* LEADGEN_PLACES_KEY: NULL or "" means not configured */
    long timeout_ms;   /* LEADGEN_UPSTREAM_TIMEOUT: one call */
    unsigned parallel; /* LEADGEN_PLACES_PARALLEL: most Details calls in flight */
};

struct places_query {
    const char *query;
    const char *language;   /* NULL: Google's default */
    const char *page_token; /* NULL: first page */
    bool has_location;
    double lat, lng;
    int64_t radius; /* metres, with has_location */
};

struct places_page {
    const char **ids;
    size_t count;
    const char *next_page_token; /* NULL on the last page */
};

enum places_detail {
    PLACES_LISTING, /* the listing fields of places/search.php */
    PLACES_REVIEWS, /* the reviews of places/reviews.php */
};

struct places_provider {
    const char *name;
    /* RC_UPSTREAM with Google's message on an error answer or a timeout. */
    enum rc (*search)(const struct places_options *o, const struct places_query *q,
                      struct arena *a, struct places_page *out, struct err *err);
    /* Fetches n places concurrently (at most o->parallel at once); out[i] is the
     * mapped object, or NULL with errs[i] set. */
    void (*details)(const struct places_options *o, const char *const *ids, size_t n,
                    enum places_detail kind, const char *language, json_t **out,
                    struct err *errs);
};

extern const struct places_provider places_new_api;

/* ---- the endpoints' work ---------------------------------------------------- */

enum {
    PLACES_DETAIL_COST = 10, /* credits per Place Details call a search makes */
    PLACES_REVIEWS_COST = 5, /* credits per reviews answer */
    PLACES_CACHE_TTL = 30 * 86400, /* the longest Google's terms allow */
};

/* places/search.php: the page of place ids for q, each place from the 30-day
 * cache or, while budget (credits reserved) pays PLACES_DETAIL_COST, from
 * Place Details calls made in parallel and then cached. *data is the
 * endpoint's data object (query, places_count, places, next_page_token,
 * failed, skipped; a new reference), *cost the credits to charge. RC_UPSTREAM
 * when the text search fails (err says why). */
enum rc places_search(struct store *st, const struct places_options *o,
                      const struct places_query *q, int64_t budget, struct arena *a,
                      json_t **data, int64_t *cost, struct err *err);
/* places/reviews.php: up to 5 reviews of one place; RC_UPSTREAM when Google fails. */
enum rc places_reviews(const struct places_options *o, const char *place_id, json_t **data,
                       int64_t *cost, struct err *err);

/* Maps one Place Details answer body (Places API (New) JSON) to leadgen's
 * shape; NULL when the body is not a JSON object. */
json_t *places_new_map(const char *body, size_t len, enum places_detail kind);

/* True when a place id uses only Google's id alphabet ([A-Za-z0-9_-]). */
bool places_id_valid(const char *id);
/* RFC 3339 ("2024-01-15T14:50:00.123Z", "+02:00" offsets) to Unix seconds; -1 when malformed. */
int64_t places_parse_time(const char *rfc3339);

#endif
