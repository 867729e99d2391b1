/* The ScraperAPI provider: the engine's own result-page URL fetched through
 * ScraperAPI's proxy endpoint, LEADGEN_SCRAPERAPI_URL?api_key=KEY&url=ENCODED
 * (+ render=true with LEADGEN_SCRAPERAPI_RENDER=1, which Google's JavaScript
 * wall needs, + country_code=LEADGEN_SCRAPERAPI_COUNTRY). ScraperAPI retries
 * for up to 70 s and bills only 200 and 404 answers; every non-200 answer is a
 * failed search here, so nothing is billed on our side either. */
#include "serp/internal.h"

#include <string.h>

static int scraperapi_page_size(enum serp_engine e)
{
    return e == SERP_BING ? 50 : 10;
}

/* ScraperAPI's documented status codes. */
static const char *status_message(long status)
{
    switch (status) {
    case 400: return "ScraperAPI refused the request as malformed";
    case 401: return "the ScraperAPI key (LEADGEN_SCRAPERAPI_KEY) is invalid";
    case 403: return "the ScraperAPI account is out of credits or the key is not allowed";
    case 404: return "the search engine answered 404 through ScraperAPI";
    case 410: return "the search engine answered 410 through ScraperAPI";
    case 429: return "ScraperAPI's concurrency limit was exceeded; retry in a few seconds";
    case 500: return "ScraperAPI could not get a successful answer after retrying (not billed)";
    default: return NULL;
    }
}

static const char *proxy_url(const struct serp_fetch *f, bool keyed, struct arena *a)
{
    const struct serp_options *o = f->opt;
    const char *base = f->engine == SERP_BING ? o->bing_url : o->google_url;
    const char *target = serp_engine_url(f->engine, base, f->query, f->offset, f->count, a);
    const char *api = o->scraperapi_url, *key = o->scraperapi_key;
    const char *country = o->scraperapi_country;
    bool render = o->scraperapi_render;
    return arena_sprintf(a, "%s%sapi_key=%s&url=%s%s%s%s", api, strchr(api, '?') ? "&" : "?",
                         keyed ? serp_query_encode(key ? key : "", a) : "[redacted]",
                         serp_query_encode(target, a), render ? "&render=true" : "",
                         country && *country ? "&country_code=" : "",
                         country && *country ? serp_query_encode(country, a) : "");
}

static void scraperapi_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                             struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    const char **urls = arena_alloc(a, (n + 1) * sizeof *urls);
    const char **logs = arena_alloc(a, (n + 1) * sizeof *logs);
    for (size_t i = 0; i < n; i++) {
        urls[i] = proxy_url(&f[i], true, a);
        logs[i] = proxy_url(&f[i], false, a);
    }
    struct serp_html_fetch h = {.urls = urls, .log_urls = logs, .who = "ScraperAPI",
                                .status_message = status_message};
    serp_fetch_html(&h, f, n, a, pages, errs, rcs);
}

const struct serp_provider serp_scraperapi = {
    .name = "scraperapi",
    .key_var = "LEADGEN_SCRAPERAPI_KEY",
    .page_size = scraperapi_page_size,
    .fetch = scraperapi_fetch,
};
