/* The HTML fetch shared by the direct and ScraperAPI providers: every page
 * at once through net/http.h, then parsed and classified, so a captcha, a
 * consent page or a JavaScript wall fails the fetch with the engine's page
 * kind instead of passing for "no results". */
#include "serp/internal.h"

#include "net/http.h"

#include <stdlib.h>
#include <string.h>

enum { PAGE_MAX_BYTES = 4 << 20 };

static bool refused_status(long status)
{
    return status == 403 || status == 429 || status == 503;
}

/* Where a redirect ended tells what the page is before its bytes do. */
static enum serp_page_kind kind_from_url(const char *final_url)
{
    if (strstr(final_url, "://consent.")) return SERP_CONSENT;
    if (strstr(final_url, "/sorry/")) return SERP_CAPTCHA;
    return SERP_RESULTS;
}

static bool block_page(enum serp_page_kind k)
{
    return k == SERP_JS_WALL || k == SERP_CAPTCHA || k == SERP_CONSENT;
}

/* A non-2xx answer that is no block page: the provider's explanation of its
 * status, a refusal (403, 429, 503: blocked), or just the status. */
static enum rc status_error(const struct serp_html_fetch *h, long status, struct serp_page *page,
                            struct err *err)
{
    const char *why = h->status_message ? h->status_message(status) : NULL;
    if (!why && refused_status(status)) {
        page->kind = SERP_BLOCKED;
        return err_set(err, RC_UPSTREAM,
                       "blocked by the search engine (%s answered HTTP %ld); retry later, or use "
                       "the scraperapi or serpapi provider",
                       h->who, status);
    }
    return err_set(err, RC_UPSTREAM, "%s answered HTTP %ld%s%s", h->who, status, why ? ": " : "",
                   why ? why : "");
}

static void judge(const struct serp_html_fetch *h, const struct serp_fetch *f,
                  const struct http_response *resp, struct arena *a, struct serp_page *page,
                  struct err *err, enum rc *rc)
{
    serp_parse_html(f->engine, resp->body.data, resp->body.len, a, page);
    enum serp_page_kind by_url = kind_from_url(resp->final_url);
    if (by_url != SERP_RESULTS && page->kind != SERP_RESULTS) page->kind = by_url;
    bool ok = resp->status >= 200 && resp->status < 300;
    if (ok && (page->kind == SERP_RESULTS || page->kind == SERP_EMPTY)) return;
    if (!ok && !block_page(page->kind))
        *rc = status_error(h, resp->status, page, err);
    else
        *rc = err_set(err, RC_UPSTREAM, "%s", serp_kind_message(f->engine, page->kind, a));
}

void serp_fetch_html(const struct serp_html_fetch *h, const struct serp_fetch *f, size_t n,
                     struct arena *a, struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    struct http_request *reqs = xcalloc(n ? n : 1, sizeof *reqs);
    struct http_response *resps = xcalloc(n ? n : 1, sizeof *resps);
    for (size_t i = 0; i < n; i++)
        reqs[i] = (struct http_request){.url = h->urls[i], .log_url = h->log_urls[i],
                                        .headers = h->headers, .user_agent = h->user_agent,
                                        .timeout_ms = f[i].opt->timeout_ms,
                                        .max_bytes = PAGE_MAX_BYTES, .truncate = true,
                                        .max_redirects = 5, .cookies = h->cookies};
    http_fetch_all(reqs, n, (unsigned)n, resps, errs, rcs);
    for (size_t i = 0; i < n; i++) {
        memset(&pages[i], 0, sizeof pages[i]);
        pages[i].kind = SERP_UNKNOWN;
        if (rcs[i] == RC_OK) judge(h, &f[i], &resps[i], a, &pages[i], &errs[i], &rcs[i]);
        else rcs[i] = RC_UPSTREAM; /* errs[i] says why (the URL shown is log_url) */
        http_response_free(&resps[i]);
    }
    free(resps);
    free(reqs);
}

void serp_fetch_judged(const struct serp_fetch *f, const struct http_request *reqs, size_t n,
                       serp_judge_fn judge_answer, struct arena *a, struct serp_page *pages,
                       struct err *errs, enum rc *rcs)
{
    struct http_response *resps = xcalloc(n ? n : 1, sizeof *resps);
    http_fetch_all(reqs, n, (unsigned)n, resps, errs, rcs);
    for (size_t i = 0; i < n; i++) {
        memset(&pages[i], 0, sizeof pages[i]);
        pages[i].kind = SERP_UNKNOWN;
        if (rcs[i] == RC_OK) judge_answer(&f[i], &resps[i], a, &pages[i], &errs[i], &rcs[i]);
        else rcs[i] = RC_UPSTREAM;
        http_response_free(&resps[i]);
    }
    free(resps);
}
