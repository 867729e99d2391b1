/* What a page without results is. Only pages where the parsers found nothing
 * are classified, so a word like "captcha" in a real result cannot turn it
 * into a block. The order matters: a "no results" notice wins over the
 * noscript JavaScript fallback that rendered Google pages also carry; a bot
 * check's own markers win over the "enable JavaScript" line it may carry. */
#include "serp/internal.h"

#include <string.h>

static const char *const no_results_markers[] = {
    "did not match any documents", /* Google: "Your search - x - did not match any documents." */
    "no results found for",
    "there are no results for", /* Bing: <li class="b_no"> */
    "class=\"b_no\"",
    NULL,
};

/* Pages that can only be a bot check. */
static const char *const captcha_markers[] = {
    "/sorry/index", /* Google's unusual-traffic page */
    "unusual traffic from your computer",
    "captcha-form",
    "g-recaptcha",
    "/turing/captcha", /* Bing */
    NULL,
};

static const char *const js_wall_markers[] = {
    "/httpservice/retry/enablejs", /* Google's noscript redirect (2025-) */
    "turn on javascript to keep searching",
    "has javascript turned off",
    NULL,
};

static const char *const consent_markers[] = {
    "consent.google.com",
    "before you continue to google",
    "consent.bing.com",
    NULL,
};

/* Weaker words of bot checks, tried last. */
static const char *const challenge_markers[] = {
    "captcha",
    "solve the challenge",
    "are you a robot",
    "verify you are a human",
    NULL,
};

bool serp_contains_ci(const char *s, size_t n, const char *lit)
{
    size_t ln = strlen(lit);
    if (!ln || n < ln) return false;
    char first = lit[0], upper = (first >= 'a' && first <= 'z') ? (char)(first - 32) : first;
    for (size_t i = 0; i + ln <= n; i++) {
        if (s[i] != first && s[i] != upper) continue;
        size_t k = 1;
        while (k < ln) {
            char ch = s[i + k];
            if (ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
            if (ch != lit[k]) break;
            k++;
        }
        if (k == ln) return true;
    }
    return false;
}

static bool any_marker(const char *s, size_t n, const char *const *markers)
{
    for (; *markers; markers++)
        if (serp_contains_ci(s, n, *markers)) return true;
    return false;
}

static bool has_id(const struct html_node *n, const void *ctx)
{
    return html_attr_is(n, "id", ctx);
}

/* The engine's result container is there: an answer without results. */
static bool results_frame(enum serp_engine e, const struct html_doc *doc)
{
    static const char *const google[] = {"rso", "search", "res", NULL};
    static const char *const bing[] = {"b_results", NULL};
    for (const char *const *id = e == SERP_BING ? bing : google; *id; id++)
        if (html_find(doc->root, NULL, has_id, *id)) return true;
    return false;
}

enum serp_page_kind serp_classify(enum serp_engine e, const char *html, size_t len,
                                  const struct html_doc *doc)
{
    if (any_marker(html, len, no_results_markers)) return SERP_EMPTY;
    if (any_marker(html, len, captcha_markers)) return SERP_CAPTCHA;
    if (any_marker(html, len, js_wall_markers)) return SERP_JS_WALL;
    if (any_marker(html, len, consent_markers)) return SERP_CONSENT;
    if (any_marker(html, len, challenge_markers)) return SERP_CAPTCHA;
    return results_frame(e, doc) ? SERP_EMPTY : SERP_UNKNOWN;
}

const char *serp_page_kind_name(enum serp_page_kind k)
{
    switch (k) {
    case SERP_RESULTS: return "results";
    case SERP_EMPTY: return "no results";
    case SERP_JS_WALL: return "JavaScript wall";
    case SERP_CAPTCHA: return "captcha page";
    case SERP_CONSENT: return "consent page";
    case SERP_BLOCKED: return "refusal";
    case SERP_UNKNOWN: break;
    }
    return "unrecognised page";
}

const char *serp_kind_message(enum serp_engine e, enum serp_page_kind k, struct arena *a)
{
    const char *engine = e == SERP_BING ? "Bing" : "Google";
    switch (k) {
    case SERP_JS_WALL:
        /* kept under 240 bytes: error messages are capped at 256 */
        return arena_sprintf(a,
                             "%s answered with a JavaScript wall (since 2025 it serves results "
                             "only to browsers that run JavaScript): use "
                             "LEADGEN_SEARCH_PROVIDER=scraperapi with LEADGEN_SCRAPERAPI_RENDER=1 "
                             "(render=true), or serpapi",
                             engine);
    case SERP_CAPTCHA:
    case SERP_CONSENT:
    case SERP_BLOCKED:
        return arena_sprintf(a,
                             "blocked by the search engine (%s answered a %s); retry later, or "
                             "use the scraperapi or serpapi provider",
                             engine, serp_page_kind_name(k));
    case SERP_UNKNOWN:
        return arena_sprintf(a,
                             "%s answered a page that holds neither results nor a no-results "
                             "notice",
                             engine);
    case SERP_RESULTS:
    case SERP_EMPTY: break;
    }
    return "";
}
