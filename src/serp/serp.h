/* Search-engine result pages (SERPs): parsers for Google's and Bing's HTML
 * that return organic results and ads, detection of pages that are not
 * results (JavaScript wall, captcha, consent, "no results"), and the search
 * providers that fetch result pages (direct, ScraperAPI, SerpApi, SearXNG,
 * a headless browser) behind one struct of function pointers, tried in the
 * configured order until one answers. Lead Search (search.php) reads the organic
 * results; Ad Spy (ads.php) reads the ads of the same pages. Nothing here
 * builds an HTTP response. Everything returned lives in the caller's arena;
 * all strings are valid UTF-8 and never NULL ("" when absent). */
#ifndef LEADGEN_SERP_SERP_H
#define LEADGEN_SERP_SERP_H

#include "base/mem.h"
#include "base/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum serp_engine { SERP_GOOGLE, SERP_BING };

/* "google" / "bing". */
const char *serp_engine_name(enum serp_engine e);
/* False when name is neither "google" nor "bing". */
bool serp_engine_from_name(const char *name, enum serp_engine *out);

/* What a fetched page turned out to be. Only RESULTS and EMPTY are answers;
 * the rest make a search fail (502 search_error, nothing charged). */
enum serp_page_kind {
    SERP_RESULTS, /* organic results or ads were found */
    SERP_EMPTY,   /* a result page that has no results (a real answer: 0 results) */
    SERP_JS_WALL, /* Google's "turn on JavaScript to keep searching" page (2025-) */
    SERP_CAPTCHA, /* an unusual-traffic / captcha / bot-challenge page */
    SERP_CONSENT, /* a cookie-consent interstitial instead of results */
    SERP_BLOCKED, /* refused otherwise: HTTP 403/429/503 without results */
    SERP_UNKNOWN, /* neither results nor a page recognised as "no results" */
};
/* "results", "empty", "javascript wall", "captcha page", "consent page", ... */
const char *serp_page_kind_name(enum serp_page_kind k);

struct serp_result {
    int64_t position; /* 1-based rank (serp_search: over the whole query) */
    const char *title;
    const char *url; /* the destination: Google /url?q= and Bing /ck/a?u=a1 unwrapped */
    const char *display_url; /* as the page shows it ("https://www.example.com › about") */
    const char *snippet;
    /* Filled by serp_find_contacts from title and snippet. */
    const char **emails;
    size_t emails_count;
    const char **phones; /* display forms, deduplicated on the normalised number */
    const char **phones_normalized; /* parallel: "+17185550190" or national digits */
    size_t phones_count;
};

enum serp_ad_block { SERP_AD_TOP, SERP_AD_BOTTOM };

/* A text ad. Ad Spy stores these (identity: landing domain + title). */
struct serp_ad {
    int64_t position; /* 1-based order among the page's ads, top block first */
    enum serp_ad_block block;
    const char *title;
    const char *url;    /* landing page: Google aclk/adurl and Bing aclick?u= unwrapped */
    const char *domain; /* host of url, lower-case ("www.example.com") */
    const char *display_url;  /* as shown, may be "" */
    const char *text;         /* the ad's description, may be "" */
    const char *tracking_url; /* the engine's click URL (aclk/aclick), may be "" */
    /* Filled by serp_find_contacts from title and text. */
    const char **emails;
    size_t emails_count;
    const char **phones;
    const char **phones_normalized;
    size_t phones_count;
};

struct serp_page {
    enum serp_page_kind kind;
    struct serp_result *results;
    size_t results_count;
    struct serp_ad *ads;
    size_t ads_count;
};

/* ---- parsers (pure: bytes in, page out; any input is safe) ----------------- */

/* Input past this is ignored. */
#define SERP_MAX_INPUT ((size_t)8 << 20)

/* Parses one result page (any charset; converted to UTF-8 first). Never
 * fails: out->kind says what the page is, results and ads are in page order. */
void serp_parse_google(const char *html, size_t len, struct arena *a, struct serp_page *out);
void serp_parse_bing(const char *html, size_t len, struct arena *a, struct serp_page *out);
void serp_parse_html(enum serp_engine e, const char *html, size_t len, struct arena *a,
                     struct serp_page *out);

/* Maps a SerpApi-compatible JSON answer (organic_results[], ads[]; an "error"
 * saying the engine returned no results is EMPTY). RC_UPSTREAM with SerpApi's
 * message for any other error or a body that is not a JSON object. */
enum rc serp_serpapi_map(enum serp_engine e, const char *body, size_t len, struct arena *a,
                         struct serp_page *out, struct err *err);

/* Emails (plain and spelled-out) and phones (extract_phones_from_text rules,
 * country from the result's ccTLD) of every result's title + snippet and every
 * ad's title + text, through the extraction engine. */
void serp_find_contacts(struct serp_page *page, struct arena *a);

/* ---- URLs ------------------------------------------------------------------ */

/* The destination of an engine's redirect link: Google "/url?q=" (or url=),
 * Google "aclk?...&adurl=", Bing "/ck/a?...&u=a1<base64url>", Bing
 * "aclick?...&u=<base64 of the %-encoded URL>"; NULL when href is none of
 * these or does not decode to an http(s) URL. href is entity-decoded. */
const char *serp_unwrap_url(const char *href, struct arena *a);

/* Percent-encodes s for a query-string value (space as '+', RFC 3986
 * unreserved characters kept). */
char *serp_query_encode(const char *s, struct arena *a);

/* The engine's own result-page URL at base (LEADGEN_GOOGLE_SEARCH_URL /
 * LEADGEN_BING_SEARCH_URL): Google "?q=Q&start=OFFSET&hl=en", Bing
 * "?q=Q&first=OFFSET+1&count=COUNT". */
char *serp_engine_url(enum serp_engine e, const char *base, const char *query, int64_t offset,
                      int count, struct arena *a);

/* ---- providers -------------------------------------------------------------- */

/* Where and how providers fetch, filled from the configuration at start-up. */
struct serp_options {
    const char *provider;              /* LEADGEN_SEARCH_PROVIDER: "serpapi,browser,direct" */
    const char *google_url, *bing_url; /* LEADGEN_GOOGLE_SEARCH_URL, LEADGEN_BING_SEARCH_URL */
    const char *scraperapi_url, *scraperapi_key, *scraperapi_country; /* key, country: NULL */
    bool scraperapi_render;
    const char *serpapi_url, *serpapi_key;
    const char *searxng_url; /* LEADGEN_SEARXNG_URL, or NULL */
    const char *chromium;    /* LEADGEN_CHROMIUM, or NULL: "chromium" on PATH */
    int browser_tabs;        /* LEADGEN_BROWSER_TABS */
    long browser_max_mb;     /* LEADGEN_BROWSER_MAX_MB: restart above it (0: never) */
    /* The outbound policy of net/http.h, which the browser applies itself. */
    const char *resolve; /* LEADGEN_RESOLVE */
    bool allow_private;  /* LEADGEN_ALLOW_PRIVATE_TARGETS */
    long timeout_ms; /* LEADGEN_UPSTREAM_TIMEOUT: one upstream request */
};

/* One upstream request: count results from offset (0-based) of query. */
struct serp_fetch {
    const struct serp_options *opt;
    enum serp_engine engine;
    const char *query;
    int64_t offset;
    int count;
};

struct serp_provider {
    const char *name;    /* its LEADGEN_SEARCH_PROVIDER value */
    const char *key_var; /* the variable that must hold its key, or NULL */
    /* Most results one upstream request returns for engine e (Google: 10). */
    int (*page_size)(enum serp_engine e);
    /* Fetches and parses n pages concurrently. rcs[i] is RC_OK with pages[i]
     * RESULTS or EMPTY; otherwise RC_UPSTREAM and errs[i] says why (timeout,
     * HTTP status, the provider's message, or pages[i].kind for a wall,
     * captcha, consent or unknown page). errs must hold n zeroed records.
     * Keys never appear in messages. */
    void (*fetch)(const struct serp_fetch *f, size_t n, struct arena *a, struct serp_page *pages,
                  struct err *errs, enum rc *rcs);
};

extern const struct serp_provider serp_direct, serp_scraperapi, serp_serpapi, serp_searxng,
    serp_browser;

/* The provider called name ("direct", "scraperapi", "serpapi", "searxng",
 * "browser"), or NULL. */
const struct serp_provider *serp_provider_named(const char *name);

/* The providers a search tries, in order. */
enum { SERP_CHAIN_MAX = 8 };
struct serp_chain {
    const struct serp_provider *providers[SERP_CHAIN_MAX];
    size_t n;
};
/* The providers o lists (LEADGEN_SEARCH_PROVIDER, comma-separated) that have
 * what they need (a key, a URL, a Chromium binary); the others are skipped.
 * NULL when none has, with a message in err naming what to set (Lead Search
 * and Ad Spy answer 503 not_configured). */
const struct serp_chain *serp_provider_choose(const struct serp_options *o, struct arena *a,
                                              struct err *err);

/* Maps a SearXNG JSON answer (results[]: url, title, content) to a page:
 * results in order from index skip, at most count (ads: none). An empty
 * results[] with an engine listed in unresponsive_engines (captcha, too many
 * requests) is RC_UPSTREAM naming it; a body that is not a JSON object is
 * RC_UPSTREAM. */
enum rc serp_searxng_map(const char *body, size_t len, size_t skip, size_t count,
                         struct arena *a, struct serp_page *out, struct err *err);

/* The browser provider's Chromium process: stops it (and removes its
 * profile). Idempotent; called once at shutdown. */
void serp_browser_shutdown(void);
/* The process id of the running browser, or 0 (tests and benchmarks). */
long serp_browser_pid(void);

/* ---- one search ----------------------------------------------------------- */

struct serp_query {
    const struct serp_options *opt; /* handed to the provider with every fetch */
    enum serp_engine engine;
    const char *query;
    int64_t page;     /* 0-based; covers results page * per_page onwards */
    int64_t per_page; /* 1..100 */
};

/* The results [page * per_page, (page + 1) * per_page) of the query: the
 * engine pages needed are fetched concurrently and merged in order (a URL
 * seen twice is kept once), positions numbered from page * per_page + 1;
 * the ads of every page fetched follow in page order. Contacts are found.
 * out->kind is RESULTS or EMPTY on RC_OK; RC_UPSTREAM names the failure,
 * with "blocked by the search engine" for captcha, consent and refusal pages
 * and the scraperapi (render=true) and serpapi providers for a JavaScript wall. */
enum rc serp_search(const struct serp_provider *p, const struct serp_query *q, struct arena *a,
                    struct serp_page *out, struct err *err);
/* serp_search over each provider of c in turn until one answers (RC_OK);
 * *served is that provider. A failure (RC_UPSTREAM: walled, blocked, an
 * error) hands over to the next; when all fail, err holds the last one's
 * message (prefixed with its name when c has several). */
enum rc serp_search_chain(const struct serp_chain *c, const struct serp_query *q,
                          struct arena *a, struct serp_page *out,
                          const struct serp_provider **served, struct err *err);

/* The message serp_search gives for a page of kind k from engine e (for callers
 * that fetch pages themselves). */
const char *serp_kind_message(enum serp_engine e, enum serp_page_kind k, struct arena *a);

#endif
