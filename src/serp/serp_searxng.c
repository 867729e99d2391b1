/* The SearXNG provider: a self-hosted metasearch instance's JSON API,
 * LEADGEN_SEARXNG_URL/search?q=Q&format=json&engines=google|bing&pageno=N&language=en.
 * SearXNG pages hold about 10 results, so engine pages of 10 map onto its pages;
 * its results[] (url, title, content) become results in order, and it shows no
 * ads. An instance without `formats: [json]` answers 403 (or HTML): the message
 * says how to enable it. */
#include "serp/internal.h"

#include "base/str.h"
#include "net/http.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { SEARXNG_MAX_BYTES = 8 << 20, SEARXNG_PAGE = 10 };

static int searxng_page_size(enum serp_engine e)
{
    (void)e;
    return SEARXNG_PAGE;
}

static const char *jstr(json_t *o, const char *key, struct arena *a)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? str_trim(arena_strdup(a, s)) : "";
}

/* "google (CAPTCHA)" for the first engine SearXNG reports unresponsive, or NULL. */
static const char *unresponsive(json_t *doc, struct arena *a)
{
    json_t *first = json_array_get(json_object_get(doc, "unresponsive_engines"), 0);
    const char *engine = json_string_value(json_array_get(first, 0));
    const char *why = json_string_value(json_array_get(first, 1));
    if (!engine) return NULL;
    return arena_sprintf(a, "%.40s (%.80s)", engine, why ? why : "no answer");
}

static void map_results(json_t *list, size_t skip, size_t count, struct serp_list *l,
                        struct arena *a)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (i < skip) continue;
        if (l->nresults == count) return;
        const char *url = jstr(item, "url", a);
        url = serp_is_http(url) ? serp_clean_url(url, strlen(url), a) : NULL;
        if (!url || serp_list_has_url(l, url)) continue;
        struct serp_result *r = serp_list_result(l);
        if (!r) return;
        r->url = url;
        r->title = jstr(item, "title", a);
        r->display_url = "";
        r->snippet = jstr(item, "content", a);
    }
}

enum rc serp_searxng_map(const char *body, size_t len, size_t skip, size_t count,
                         struct arena *a, struct serp_page *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    out->kind = SERP_UNKNOWN;
    json_t *doc = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return err_set(err, RC_UPSTREAM, "SearXNG answered with a body that is not a JSON object");
    }
    struct serp_list l = {0};
    map_results(json_object_get(doc, "results"), skip, count, &l, a);
    const char *down = l.nresults ? NULL : unresponsive(doc, a);
    json_decref(doc);
    serp_list_finish(&l, a, out);
    if (down) {
        out->kind = SERP_BLOCKED;
        return err_set(err, RC_UPSTREAM, "SearXNG's engine %s did not answer", down);
    }
    out->kind = out->results_count ? SERP_RESULTS : SERP_EMPTY;
    return RC_OK;
}

static const char *request_url(const struct serp_fetch *f, struct arena *a)
{
    const char *base = f->opt->searxng_url;
    size_t n = strlen(base);
    while (n && base[n - 1] == '/') n--;
    return arena_sprintf(a, "%.*s/search?q=%s&format=json&engines=%s&pageno=%lld&language=en",
                         (int)n, base, serp_query_encode(f->query, a), serp_engine_name(f->engine),
                         (long long)(f->offset / SEARXNG_PAGE + 1));
}

static bool is_json(const struct http_response *resp)
{
    return strstr(resp->content_type, "json") ||
           (resp->body.len && resp->body.data[0] == '{');
}

static void judge(const struct serp_fetch *f, const struct http_response *resp, struct arena *a,
                  struct serp_page *page, struct err *err, enum rc *rc)
{
    bool ok = resp->status >= 200 && resp->status < 300;
    if (resp->status == 403 || (ok && !is_json(resp))) {
        *rc = err_set(err, RC_UPSTREAM,
                      "SearXNG refused JSON output (HTTP %ld): enable it in the instance's "
                      "settings.yml with search: formats: [html, json]",
                      resp->status);
        return;
    }
    if (!ok) {
        *rc = err_set(err, RC_UPSTREAM, "SearXNG answered HTTP %ld", resp->status);
        return;
    }
    size_t skip = (size_t)(f->offset % SEARXNG_PAGE);
    *rc = serp_searxng_map(resp->body.data, resp->body.len, skip, (size_t)f->count, a, page, err);
}

static void searxng_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                          struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    static const char *const headers[] = {"Accept: application/json", NULL};
    struct http_request *reqs = arena_alloc(a, (n ? n : 1) * sizeof *reqs);
    for (size_t i = 0; i < n; i++) {
        const char *url = request_url(&f[i], a);
        reqs[i] = (struct http_request){.url = url, .log_url = url, .headers = headers,
                                        .timeout_ms = f[i].opt->timeout_ms,
                                        .max_bytes = SEARXNG_MAX_BYTES};
    }
    serp_fetch_judged(f, reqs, n, judge, a, pages, errs, rcs);
}

const struct serp_provider serp_searxng = {
    .name = "searxng",
    .key_var = "LEADGEN_SEARXNG_URL",
    .page_size = searxng_page_size,
    .fetch = searxng_fetch,
};
