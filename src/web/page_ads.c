/* Ad history: for a query, a timeline of every ad seen for it (first_seen to last_seen as
 * bars, drawn here as inline SVG) read from the stored history (free); "Search now" runs a
 * fresh ads.php search (its credits, its history records) and shows the timeline after. */
#include "web/web_int.h"

#include "ads/ads.h"
#include "base/clock.h"
#include "serp/serp.h"

#include <string.h>

enum { TIMELINE_MAX = 100, ROW = 20, LABEL_W = 220, BAR_W = 360, DAY_SECONDS = 86400 };

/* The first n characters of s (bytes, not cutting a UTF-8 sequence), with "…" when cut. */
static const char *shortened(struct web *w, const char *s, size_t n)
{
    if (!s || strlen(s) <= n) return s ? s : "";
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return arena_sprintf(w->a, "%.*s…", (int)n, s);
}

static void timeline(struct web *w, struct html *h, const struct ad *ads, size_t n)
{
    if (n > TIMELINE_MAX) n = TIMELINE_MAX;
    int64_t t0 = ads[0].first_seen, t1 = ads[0].last_seen;
    for (size_t i = 1; i < n; i++) {
        if (ads[i].first_seen < t0) t0 = ads[i].first_seen;
        if (ads[i].last_seen > t1) t1 = ads[i].last_seen;
    }
    if (t1 - t0 < DAY_SECONDS) t1 = t0 + DAY_SECONDS; /* a first search: one day wide */
    html_printf(h,
                "<svg class=\"chart\" id=\"ads-timeline\" viewBox=\"0 0 %d %zu\" role=\"img\" "
                "aria-label=\"Ads seen, first to last\">",
                LABEL_W + BAR_W + 10, n * ROW + 24);
    for (size_t i = 0; i < n; i++) {
        const struct ad *ad = &ads[i];
        long long x = LABEL_W + (ad->first_seen - t0) * BAR_W / (t1 - t0);
        long long width = (ad->last_seen - ad->first_seen) * BAR_W / (t1 - t0);
        html_printf(h,
                    "<text x=\"0\" y=\"%zu\">%s</text><rect class=\"bar span\" x=\"%lld\" "
                    "y=\"%zu\" width=\"%lld\" height=\"14\" data-ad=\"%lld\"><title>%s: %s to %s"
                    "</title></rect>",
                    i * ROW + 14, html_esc(w->a, shortened(w, ad->title, 38)), x, i * ROW + 3,
                    width < 3 ? 3 : width, (long long)ad->id, html_esc(w->a, ad->title),
                    html_time(w->a, ad->first_seen), html_time(w->a, ad->last_seen));
    }
    html_printf(h,
                "<text x=\"%d\" y=\"%zu\">%s</text><text x=\"%d\" y=\"%zu\" "
                "text-anchor=\"end\">%s</text></svg>",
                LABEL_W, n * ROW + 18, html_time(w->a, t0), LABEL_W + BAR_W, n * ROW + 18,
                html_time(w->a, t1));
}

static void ads_table(struct web *w, struct html *h, const struct ad *ads, size_t n)
{
    html_raw(h, "<div class=\"scroll\"><table id=\"ads\"><thead><tr><th>Ad</th><th>Domain</th>"
                "<th>First seen</th><th>Last seen</th></tr></thead><tbody>");
    for (size_t i = 0; i < n && i < TIMELINE_MAX; i++)
        html_printf(h, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                    html_esc(w->a, ads[i].title), html_esc(w->a, ads[i].domain),
                    html_time(w->a, ads[i].first_seen), html_time(w->a, ads[i].last_seen));
    html_raw(h, "</tbody></table></div>");
}

static bool ads_page(struct web *w, int status, const char *query, const char *se, const char *ok,
                     const char *error)
{
    enum serp_engine engine = SERP_GOOGLE;
    if (se && !serp_engine_from_name(se, &engine)) se = NULL;
    struct ad *ads = NULL;
    size_t n = 0;
    struct err err = {0};
    struct store *st = w->req->store;
    if (query &&
        st->ops->ads_history(st, ads_query_key(query, w->a), serp_engine_name(engine), w->a, &ads,
                             &n, &err) != RC_OK &&
        !error)
        error = err.msg;
    bool bing = engine == SERP_BING;
    struct html h;
    html_init(&h, w->a);
    html_printf(&h,
                "<h1>Ad history</h1>%s<section class=\"card\"><form method=\"post\" "
                "action=\"/app/ads\"><label>Query <input type=\"search\" name=\"query\" "
                "value=\"%s\" required maxlength=\"200\"></label><label>Search engine <select "
                "name=\"se\"><option value=\"google\">Google</option><option value=\"bing\"%s>"
                "Bing</option></select></label><button type=\"submit\" name=\"action\" "
                "value=\"history\" id=\"show-history\">Show history</button> <button "
                "type=\"submit\" name=\"action\" value=\"search\" id=\"search-now\">Search "
                "now (up to 10 credits)</button>%s</form></section>",
                html_message(w->a, ok, error), html_esc(w->a, query), bing ? " selected" : "",
                web_csrf_input(w));
    if (query) {
        html_printf(&h, "<section class=\"card\"><h2>Ads seen for “%s” on %s (%zu)</h2>",
                    html_esc(w->a, query), bing ? "Bing" : "Google", n);
        if (n) {
            timeline(w, &h, ads, n);
            ads_table(w, &h, ads, n);
        } else {
            html_raw(&h, "<p class=\"muted\" id=\"no-ads\">No ads seen for this query yet: "
                         "search now to start its history.</p>");
        }
        html_raw(&h, "</section>");
    }
    return web_page(w, status, "Ad history", h.data);
}

bool page_ads(struct web *w)
{
    return ads_page(w, 200, req_query(w->req, "query"), req_query(w->req, "se"), NULL, NULL);
}

bool page_ads_post(struct web *w)
{
    const char *query = form_get(&w->form, "query"), *se = form_get(&w->form, "se"), *err = NULL;
    const char *action = form_get(&w->form, "action");
    /* the history alone is a GET (a link to keep); the form posts so that its CSRF token
     * never goes into an address */
    if (query && (!action || strcmp(action, "search") != 0))
        return web_redirect(w,
                            arena_sprintf(w->a, "/app/ads?query=%s&se=%s", url_escape(w->a, query),
                                          url_escape(w->a, se ? se : "google")));
    json_t *args = json_object();
    if (query) json_object_set_new(args, "query", json_string(query));
    if (se) json_object_set_new(args, "se", json_string(se));
    json_t *r = web_api(w, M_GET, "ads.php", args, &err);
    if (!r) return ads_page(w, 400, query, se, NULL, err);
    return ads_page(
        w, 200, query, se,
        arena_sprintf(w->a, "%lld ads showing now, %lld seen before.",
                      (long long)json_integer_value(json_object_get(r, "fresh_count")),
                      (long long)json_integer_value(json_object_get(r, "historical_count"))),
        NULL);
}
