/* The SerpApi provider: a SerpApi-compatible JSON search API at
 * LEADGEN_SERPAPI_URL (default https://serpapi.com/search.json) with
 * LEADGEN_SERPAPI_KEY: engine=google&q=Q&start=N&num=10&hl=en or
 * engine=bing&q=Q&first=N+1&count=C, and api_key. Its organic_results[]
 * (position, title, link, displayed_link, snippet) and ads[] (position,
 * block_position, title, link, displayed_link, tracking_link, description)
 * map to the same pages the HTML parsers give. Errors come as {"error": "..."}
 * (with a non-2xx status, or 200 for "hasn't returned any results"). */
#include "serp/internal.h"

#include "base/str.h"
#include "net/http.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { SERPAPI_MAX_BYTES = 8 << 20 };

static int serpapi_page_size(enum serp_engine e)
{
    return e == SERP_BING ? 50 : 10;
}

/* A JSON string as valid, trimmed UTF-8 ("" for anything else). */
static const char *jstr(json_t *o, const char *key, struct arena *a)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s) return "";
    char *copy = arena_strdup(a, s);
    return str_trim(copy);
}

static const char *jurl(json_t *o, const char *key, struct arena *a)
{
    const char *s = jstr(o, key, a);
    return serp_is_http(s) ? serp_clean_url(s, strlen(s), a) : NULL;
}

static void map_results(json_t *list, struct serp_list *l, struct arena *a)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *url = jurl(item, "link", a);
        if (!url || serp_list_has_url(l, url)) continue;
        struct serp_result *r = serp_list_result(l);
        if (!r) return;
        r->url = url;
        r->title = jstr(item, "title", a);
        r->display_url = jstr(item, "displayed_link", a);
        r->snippet = jstr(item, "snippet", a);
    }
}

static void map_ads(json_t *list, struct serp_list *l, struct arena *a)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *url = jurl(item, "link", a);
        struct serp_ad *ad = url ? serp_list_ad(l) : NULL;
        if (!ad) continue;
        ad->url = url;
        ad->domain = serp_host(url, a);
        ad->title = jstr(item, "title", a);
        ad->display_url = jstr(item, "displayed_link", a);
        ad->text = jstr(item, "description", a);
        if (!*ad->text) ad->text = jstr(item, "snippet", a);
        const char *tracking = jurl(item, "tracking_link", a);
        ad->tracking_url = tracking ? tracking : "";
        ad->block = strcmp(jstr(item, "block_position", a), "bottom") == 0 ? SERP_AD_BOTTOM
                                                                          : SERP_AD_TOP;
    }
}

/* SerpApi reports an empty result page as an error ("Google hasn't returned
 * any results for this query."): that is an answer, not a failure. */
static bool no_results_error(const char *msg)
{
    return serp_contains_ci(msg, strlen(msg), "returned any results") ||
           serp_contains_ci(msg, strlen(msg), "no results");
}

static void map_page(json_t *doc, struct arena *a, struct serp_page *out)
{
    struct serp_list l = {0};
    map_results(json_object_get(doc, "organic_results"), &l, a);
    map_ads(json_object_get(doc, "ads"), &l, a);
    serp_list_finish(&l, a, out);
    out->kind = out->results_count || out->ads_count ? SERP_RESULTS : SERP_EMPTY;
}

enum rc serp_serpapi_map(enum serp_engine e, const char *body, size_t len, struct arena *a,
                         struct serp_page *out, struct err *err)
{
    (void)e;
    memset(out, 0, sizeof *out);
    out->kind = SERP_UNKNOWN;
    json_t *doc = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
    const char *error = json_string_value(json_object_get(doc, "error"));
    enum rc rc = RC_OK;
    if (!json_is_object(doc))
        rc = err_set(err, RC_UPSTREAM, "SerpApi answered with a body that is not a JSON object");
    else if (error && !no_results_error(error))
        rc = err_set(err, RC_UPSTREAM, "SerpApi error: %.200s", error);
    else
        map_page(doc, a, out);
    json_decref(doc);
    return rc;
}

static const char *request_url(const struct serp_fetch *f, bool keyed, struct arena *a)
{
    const char *base = f->opt->serpapi_url, *key = f->opt->serpapi_key;
    const char *sep = strchr(base, '?') ? "&" : "?";
    const char *q = serp_query_encode(f->query, a);
    const char *k = keyed ? serp_query_encode(key ? key : "", a) : "[redacted]";
    if (f->engine == SERP_BING)
        return arena_sprintf(a, "%s%sengine=bing&q=%s&first=%lld&count=%d&api_key=%s", base, sep,
                             q, (long long)f->offset + 1, f->count, k);
    return arena_sprintf(a, "%s%sengine=google&q=%s&start=%lld&num=%d&hl=en&api_key=%s", base,
                         sep, q, (long long)f->offset, f->count, k);
}

/* The "error" text of a SerpApi answer, or NULL. */
static const char *error_text(const struct http_response *resp, struct arena *a)
{
    json_t *doc = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
    const char *msg = json_string_value(json_object_get(doc, "error"));
    const char *out = msg ? arena_strndup(a, msg, strnlen(msg, 200)) : NULL;
    json_decref(doc);
    return out;
}

static void judge(const struct serp_fetch *f, const struct http_response *resp, struct arena *a,
                  struct serp_page *page, struct err *err, enum rc *rc)
{
    if (resp->status >= 200 && resp->status < 300) {
        *rc = serp_serpapi_map(f->engine, resp->body.data, resp->body.len, a, page, err);
        return;
    }
    /* SerpApi explains its refusals (bad key, no searches left) in "error" */
    const char *why = error_text(resp, a);
    *rc = err_set(err, RC_UPSTREAM, "SerpApi answered HTTP %ld%s%s", resp->status,
                  why ? ": " : "", why ? why : "");
}

static void serpapi_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                          struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    struct http_request *reqs = arena_alloc(a, (n ? n : 1) * sizeof *reqs);
    for (size_t i = 0; i < n; i++)
        reqs[i] = (struct http_request){.url = request_url(&f[i], true, a),
                                        .log_url = request_url(&f[i], false, a),
                                        .timeout_ms = f[i].opt->timeout_ms,
                                        .max_bytes = SERPAPI_MAX_BYTES};
    serp_fetch_judged(f, reqs, n, judge, a, pages, errs, rcs);
}

const struct serp_provider serp_serpapi = {
    .name = "serpapi",
    .key_var = "LEADGEN_SERPAPI_KEY",
    .page_size = serpapi_page_size,
    .fetch = serpapi_fetch,
};
