/* Internals shared by the SERP parsers and providers (not a public contract):
 * text of tree nodes, list building, URL pieces and page classification. */
#ifndef LEADGEN_SERP_INTERNAL_H
#define LEADGEN_SERP_INTERNAL_H

#include "html/tree.h"
#include "net/http.h"
#include "serp/serp.h"

/* Most results or ads kept from one page (a real page has about 10 of each). */
enum { SERP_MAX_ITEMS = 200 };

typedef bool (*serp_skip_fn)(const struct html_node *n, const void *ctx);

/* The visible text below n (skip as in html_text_raw), decoded and collapsed. */
const char *serp_text(const struct html_node *n, serp_skip_fn skip, const void *ctx,
                      struct arena *a);
/* The longest line (between line-breaking elements) of the visible text below
 * n, decoded and collapsed: a layout-independent guess at a description. */
const char *serp_longest_line(const struct html_node *n, serp_skip_fn skip, const void *ctx,
                              struct arena *a);
/* An attribute value, entity-decoded and trimmed; NULL when absent. */
const char *serp_attr_text(const struct html_node *n, const char *name, struct arena *a);

/* How far up the parsers look from a link for its block or region: real pages
 * need under 10 levels; the bound keeps hostile nesting linear. */
enum { SERP_CLIMB_MAX = 32 };

/* The nearest ancestor of n (n included, at most SERP_CLIMB_MAX levels up) for
 * which pred holds, or NULL. */
const struct html_node *serp_ancestor(const struct html_node *n,
                                      bool (*pred)(const struct html_node *n, const void *ctx),
                                      const void *ctx);
/* How many nodes a search below one link or block may visit: real blocks hold
 * a few hundred; the bound keeps hostile nesting (blocks inside blocks) linear. */
enum { SERP_SCAN_MAX = 4096 };

/* html_find within SERP_SCAN_MAX nodes. */
const struct html_node *serp_find(const struct html_node *scope, const char *name,
                                  bool (*pred)(const struct html_node *n, const void *ctx),
                                  const void *ctx);
/* The first element below scope whose class holds one of classes (NULL-ended),
 * not inside `except` (may be NULL); descends to the innermost such element.
 * Within SERP_SCAN_MAX nodes. */
const struct html_node *serp_find_class(const struct html_node *scope,
                                        const char *const *classes,
                                        const struct html_node *except);

/* Growing arrays of results and ads, capped at SERP_MAX_ITEMS. */
struct serp_list {
    struct serp_result *results;
    size_t nresults, cap_results;
    struct serp_ad *ads;
    size_t nads, cap_ads;
};
struct serp_result *serp_list_result(struct serp_list *l);
struct serp_ad *serp_list_ad(struct serp_list *l);
/* True when url is already among the list's results. */
bool serp_list_has_url(const struct serp_list *l, const char *url);
/* Moves the list into out (arena-owned arrays; the list's heap memory freed). */
void serp_list_finish(struct serp_list *l, struct arena *a, struct serp_page *out);

/* Lower-case host of an http(s) URL ("" when none). */
const char *serp_host(const char *url, struct arena *a);
/* True for an absolute http:// or https:// URL (case-insensitive scheme). */
bool serp_is_http(const char *url);
/* A usable URL for output: entity-decoded href, http(s), valid UTF-8, no
 * controls; NULL otherwise. */
const char *serp_clean_url(const char *s, size_t n, struct arena *a);
/* The raw value of query parameter name in url, or NULL. */
const char *serp_query_param(const char *url, const char *name, struct arena *a);

/* What a page without any result or ad is (markers, then structure). */
enum serp_page_kind serp_classify(enum serp_engine e, const char *html, size_t len,
                                  const struct html_doc *doc);
/* Case-insensitive search for the lower-case literal lit. */
bool serp_contains_ci(const char *s, size_t n, const char *lit);

/* Converts to UTF-8 and caps the size; what every parser reads. */
void serp_input(const char *html, size_t len, struct arena *a, const char **out, size_t *out_len);

/* A current desktop browser's User-Agent (direct and browser providers). */
#define SERP_DESKTOP_UA                                                                          \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "          \
    "Chrome/131.0.0.0 Safari/537.36"
/* Google's answer to "Reject all" on its consent page (direct and browser providers). */
#define SERP_GOOGLE_COOKIES "SOCS=CAESEwgDEgk0ODE3Nzk3MjQaAmVuIAEaBgiA_LyaBg; CONSENT=PENDING+987"

/* The provider fetch shared by direct and ScraperAPI: HTML pages at urls[i]
 * (log_urls[i] in messages), parsed for engine f[i].engine and classified. */
struct serp_html_fetch {
    const char *const *urls, *const *log_urls;
    const char *const *headers;
    const char *user_agent;
    const char *cookies; /* http_request.cookies */
    const char *who; /* "Google", "ScraperAPI", ... for messages */
    /* Maps a non-2xx status to a message, or NULL for the generic one. */
    const char *(*status_message)(long status);
};
void serp_fetch_html(const struct serp_html_fetch *h, const struct serp_fetch *f, size_t n,
                     struct arena *a, struct serp_page *pages, struct err *errs, enum rc *rcs);

/* The provider fetch shared by the JSON APIs (SerpApi, SearXNG): reqs[i] for
 * f[i], fetched at once, each answer that arrives judged into pages[i]. */
typedef void (*serp_judge_fn)(const struct serp_fetch *f, const struct http_response *resp,
                              struct arena *a, struct serp_page *page, struct err *err,
                              enum rc *rc);
void serp_fetch_judged(const struct serp_fetch *f, const struct http_request *reqs, size_t n,
                       serp_judge_fn judge, struct arena *a, struct serp_page *pages,
                       struct err *errs, enum rc *rcs);

/* A Chromium binary is there: LEADGEN_CHROMIUM, or chromium on PATH. */
bool serp_browser_available(const struct serp_options *o);
/* What the browser provider does with a request its tab makes for url
 * (resource_type as the DevTools protocol names it, may be NULL): images,
 * fonts, media and stylesheets are unwanted; the configured engines' own
 * host:port is left to Chromium (trusted, as for the direct provider); any
 * other http(s) request is relayed: fetched through net/http.c with the
 * private-address guard and LEADGEN_RESOLVE pins, and the answer handed to the
 * tab. Pure: resolves no name. */
enum serp_browser_verdict { SERP_BROWSER_ALLOW, SERP_BROWSER_UNWANTED, SERP_BROWSER_RELAY };
enum serp_browser_verdict serp_browser_verdict(const struct serp_options *o, const char *url,
                                               const char *resource_type);
/* Chromium's --host-resolver-rules argument (heap-owned): the engines' host:port
 * resolve (to their LEADGEN_RESOLVE pin, if any); every other name and address
 * fails, so what the tab cannot relay (WebSockets, WebRTC, prefetches) goes nowhere. */
char *serp_browser_resolver_rules(const struct serp_options *o);

#endif
