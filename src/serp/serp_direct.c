/* The direct provider: leadgen fetches the engine's result page itself
 * (LEADGEN_GOOGLE_SEARCH_URL, LEADGEN_BING_SEARCH_URL) with a current desktop
 * browser's User-Agent and headers. Google's consent interstitial is skipped
 * with the SOCS cookie a browser gets for "Reject all", and cookies set
 * during redirects are kept for the rest of the chain. Since 2025 Google
 * usually answers such clients with a JavaScript wall (serp_kind_message). */
#include "serp/internal.h"

#include <stdlib.h>


static const char *const headers[] = {
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language: en-US,en;q=0.9",
    NULL,
};

static int direct_page_size(enum serp_engine e)
{
    return e == SERP_BING ? 50 : 10; /* Google ignores num= since 2025; Bing honours count */
}

static void direct_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                         struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    const char **urls = arena_alloc(a, (n + 1) * sizeof *urls);
    for (size_t i = 0; i < n; i++) {
        const char *base = f[i].engine == SERP_BING ? f[i].opt->bing_url : f[i].opt->google_url;
        urls[i] = serp_engine_url(f[i].engine, base, f[i].query, f[i].offset, f[i].count, a);
    }
    /* one engine per call in practice; the headers follow the first */
    bool bing = n && f[0].engine == SERP_BING;
    struct serp_html_fetch h = {.urls = urls, .log_urls = urls, .headers = headers,
                                .user_agent = SERP_DESKTOP_UA,
                                .cookies = bing ? "" : SERP_GOOGLE_COOKIES,
                                .who = bing ? "Bing" : "Google"};
    serp_fetch_html(&h, f, n, a, pages, errs, rcs);
}

const struct serp_provider serp_direct = {
    .name = "direct",
    .key_var = NULL,
    .page_size = direct_page_size,
    .fetch = direct_fetch,
};
