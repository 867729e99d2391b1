/* Google result pages: the full JavaScript page (desktop), the basic-HTML
 * page and pages rendered by a headless browser. Google renames its CSS
 * classes often, so the parser keys on structure first:
 *   - an ad is a link carrying data-pcu (the landing origin), or a link to
 *     /aclk? holding a role=heading title; its block is the element with
 *     data-text-ad (or class uEierd) around it; #tads is the top block,
 *     #bottomads/#tadsb the bottom one (without them: before or after the
 *     first organic result);
 *   - an organic result is a link that holds an <h3>, outside every ad; its
 *     block is the largest ancestor that holds no other result, no ad and no
 *     id'd region; the snippet is Google's snippet element when a known class
 *     marks it, else the longest line of the block besides title and URL. */
#include "serp/internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_LINKS = SERP_MAX_ITEMS };

struct gpage {
    struct arena *a;
    struct html_doc doc;
    struct serp_list list;
    const struct html_node *ad_blocks[MAX_LINKS]; /* every ad block seen */
    size_t nad_blocks;
    const struct html_node *ad_nodes[MAX_LINKS]; /* the block of list.ads[i] */
    const struct html_node *links[MAX_LINKS]; /* organic result links, in order */
    size_t nlinks;
};

static bool has_id(const struct html_node *n, const void *ctx)
{
    return html_attr_is(n, "id", ctx);
}

static bool is_ad_region(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_attr(n, "data-text-ad", NULL) || html_has_class(n, "uEierd") ||
           html_attr_is(n, "id", "tads") || html_attr_is(n, "id", "tadsb") ||
           html_attr_is(n, "id", "bottomads");
}

static bool is_heading(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_attr_is(n, "role", "heading");
}

static bool is_aclk(const char *v, size_t len)
{
    return v && len > 6 && memmem(v, len, "/aclk?", 6);
}

/* The main link of a text ad (not its sitelinks, which lack data-pcu and a heading). */
static bool is_ad_link(const struct html_node *n)
{
    if (!html_is(n, "a")) return false;
    if (html_attr(n, "data-pcu", NULL)) return true;
    size_t hl = 0, rl = 0;
    const char *href = html_attr(n, "href", &hl), *rw = html_attr(n, "data-rw", &rl);
    return (is_aclk(href, hl) || is_aclk(rw, rl)) && serp_find(n, NULL, is_heading, NULL);
}

/* The ad's block: data-text-ad or uEierd around the link, else its parent. */
static const struct html_node *ad_block(const struct html_node *link)
{
    int level = 0;
    for (const struct html_node *n = link->parent; n && n->parent && level < SERP_CLIMB_MAX;
         n = n->parent, level++)
        if (html_attr(n, "data-text-ad", NULL) || html_has_class(n, "uEierd")) return n;
    return link->parent ? link->parent : link;
}

static bool in_ad(const struct gpage *g, const struct html_node *n)
{
    for (size_t i = 0; i < g->nad_blocks; i++)
        if (html_within(n, g->ad_blocks[i])) return true;
    return serp_ancestor(n, is_ad_region, NULL) != NULL;
}

/* ---- ads -------------------------------------------------------------------- */

/* Parts of an ad block that are not its description. */
static bool not_ad_text(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_is(n, "a") || html_is(n, "cite") || html_is(n, "h3") || html_is(n, "g-dialog") ||
           html_attr(n, "data-dtld", NULL) || html_attr_is(n, "role", "heading") ||
           html_attr_is(n, "role", "list") || html_attr_is(n, "role", "listitem") ||
           html_attr_is(n, "role", "button") || html_attr_is(n, "aria-hidden", "true") ||
           html_has_class(n, "U3A9Ac"); /* the "Sponsored" / "Ad·" label */
}

static bool has_dtld(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_attr(n, "data-dtld", NULL) != NULL;
}

/* The landing page: the href itself (desktop), else aclk's adurl= (basic HTML),
 * else the first origin of data-pcu ("https://landing/[,https://tracker/]"). */
static const char *ad_landing(const struct html_node *link, struct arena *a)
{
    const char *href = serp_attr_text(link, "href", a);
    if (href && serp_is_http(href) && !strstr(href, "/aclk?"))
        return serp_clean_url(href, strlen(href), a);
    const char *unwrapped = href ? serp_unwrap_url(href, a) : NULL;
    if (unwrapped) return unwrapped;
    const char *pcu = serp_attr_text(link, "data-pcu", a);
    if (pcu) {
        size_t n = strcspn(pcu, ",");
        const char *first = serp_clean_url(pcu, n, a);
        if (first) return first;
    }
    return href && serp_is_http(href) ? serp_clean_url(href, strlen(href), a) : NULL;
}

static bool is_list(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_attr_is(n, "role", "list");
}

static const char *ad_description(const struct html_node *block, const struct html_node *link,
                                  struct arena *a)
{
    static const char *const classes[] = {"yDYNvb", NULL};
    const struct html_node *d = serp_find_class(block, classes, link);
    const struct html_node *list = d ? serp_ancestor(d, is_list, NULL) : NULL;
    if (list && html_within(list, block)) d = NULL; /* a sitelink's line, not the ad's */
    const char *text = d ? serp_text(d, not_ad_text, NULL, a) : "";
    return *text ? text : serp_longest_line(block, not_ad_text, NULL, a);
}

/* Google's click URL: data-rw (desktop) or an aclk href (basic HTML); "" when none. */
static const char *ad_tracking(const struct html_node *link, struct arena *a)
{
    const char *rw = serp_attr_text(link, "data-rw", a);
    const char *href = serp_attr_text(link, "href", a);
    const char *tracking = rw && *rw ? rw : (href && strstr(href, "/aclk?") ? href : NULL);
    const char *clean = tracking ? serp_clean_url(tracking, strlen(tracking), a) : NULL;
    return clean ? clean : "";
}

static void add_ad(struct gpage *g, const struct html_node *link)
{
    const struct html_node *block = ad_block(link);
    for (size_t i = 0; i < g->nad_blocks; i++)
        if (g->ad_blocks[i] == block) return; /* a second main link of the same ad */
    g->ad_blocks[g->nad_blocks++] = block; /* also without a usable URL: its links are no results */
    const char *url = ad_landing(link, g->a);
    struct serp_ad *ad = url ? serp_list_ad(&g->list) : NULL;
    if (!ad) return;
    g->ad_nodes[g->list.nads - 1] = block;
    const struct html_node *heading = serp_find(link, NULL, is_heading, NULL);
    ad->title = serp_text(heading ? heading : link, heading ? NULL : not_ad_text, NULL, g->a);
    ad->url = url;
    ad->domain = serp_host(url, g->a);
    const struct html_node *shown = serp_find(block, NULL, has_dtld, NULL);
    if (!shown) shown = serp_find(block, "cite", NULL, NULL);
    ad->display_url = shown ? serp_text(shown, NULL, NULL, g->a) : "";
    ad->text = ad_description(block, link, g->a);
    ad->tracking_url = ad_tracking(link, g->a);
    bool bottom = serp_ancestor(link, has_id, "bottomads") || serp_ancestor(link, has_id, "tadsb");
    ad->block = bottom ? SERP_AD_BOTTOM : SERP_AD_TOP;
}

/* ---- organic results ----------------------------------------------------------- */

static bool google_internal(const char *url, struct arena *a)
{
    const char *host = serp_host(url, a);
    bool google = strncmp(host, "www.google.", 11) == 0 || strncmp(host, "google.", 7) == 0;
    if (!google) return false;
    const char *path = strstr(url, "://") + 3;
    path += strcspn(path, "/?#");
    static const char *const internal[] = {"/search", "/url", "/aclk", "/imgres", "/sorry",
                                           "/setprefs", "/preferences", "/advanced_search",
                                           "/webhp", "/httpservice", NULL};
    for (const char *const *p = internal; *p; p++)
        if (strncmp(path, *p, strlen(*p)) == 0) return true;
    return false;
}

static bool is_h3(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_is(n, "h3");
}

static const char *result_url(const struct html_node *link, struct arena *a)
{
    const char *href = serp_attr_text(link, "href", a);
    if (!href || !*href) return NULL;
    const char *url = serp_unwrap_url(href, a);
    if (!url) url = serp_clean_url(href, strlen(href), a);
    return url && !google_internal(url, a) ? url : NULL;
}

static bool id_region(const struct html_node *n)
{
    return html_attr(n, "id", NULL) || html_is(n, "body") || html_is(n, "html") ||
           html_is(n, "form") || html_is(n, "#document");
}

/* The largest ancestor of links[i] holding no other result, ad or id'd region. */
static const struct html_node *result_block(const struct gpage *g, size_t i)
{
    const struct html_node *block = g->links[i];
    int level = 0;
    for (const struct html_node *up = block->parent; up && !id_region(up) && level < SERP_CLIMB_MAX;
         up = up->parent, level++) {
        if (i > 0 && html_within(g->links[i - 1], up)) break;
        if (i + 1 < g->nlinks && html_within(g->links[i + 1], up)) break;
        bool has_ad = false;
        for (size_t k = 0; k < g->nad_blocks && !has_ad; k++)
            has_ad = html_within(g->ad_blocks[k], up);
        if (has_ad) break;
        block = up;
    }
    return block;
}

struct snippet_ctx {
    const struct html_node *link;
};

static bool not_snippet(const struct html_node *n, const void *ctx)
{
    const struct snippet_ctx *s = ctx;
    return n == s->link || html_is(n, "cite") || html_is(n, "h3") ||
           html_attr_is(n, "role", "button") || html_attr_is(n, "role", "heading") ||
           html_attr_is(n, "aria-hidden", "true") || html_is(n, "g-accordion") ||
           html_is(n, "g-expandable-container");
}

static const char *snippet_of(const struct html_node *block, const struct html_node *link,
                              struct arena *a)
{
    /* desktop 2023-25, rendered pages, basic HTML */
    static const char *const classes[] = {"VwiC3b", "IsZvec", "lEBKkf", "s3v9rd", NULL};
    struct snippet_ctx ctx = {link};
    const struct html_node *s = serp_find_class(block, classes, link);
    const char *text = s ? serp_text(s, not_snippet, &ctx, a) : "";
    return *text ? text : serp_longest_line(block, not_snippet, &ctx, a);
}

static void add_result(struct gpage *g, size_t i)
{
    const struct html_node *link = g->links[i];
    const char *url = result_url(link, g->a);
    if (!url || serp_list_has_url(&g->list, url)) return;
    struct serp_result *r = serp_list_result(&g->list);
    if (!r) return;
    const struct html_node *block = result_block(g, i);
    r->title = serp_text(serp_find(link, "h3", NULL, NULL), NULL, NULL, g->a);
    r->url = url;
    /* the <cite>, or (basic HTML pages) what the link shows besides its title */
    const struct html_node *cite = serp_find(block, "cite", NULL, NULL);
    r->display_url = serp_text(cite ? cite : link, cite ? NULL : is_h3, NULL, g->a);
    r->snippet = snippet_of(block, link, g->a);
}

/* ---- the page ---------------------------------------------------------------- */

static void collect(struct gpage *g)
{
    const struct html_node *root = g->doc.root;
    /* past the caps the rest of a (hostile) page is not looked at */
    for (const struct html_node *n = root->first; n && g->nad_blocks < MAX_LINKS;
         n = html_next_node(n, root))
        if (is_ad_link(n)) add_ad(g, n);
    for (const struct html_node *n = root->first; n && g->nlinks < MAX_LINKS;
         n = html_next_node(n, root)) {
        if (!html_is(n, "a")) continue;
        if (!serp_find(n, "h3", NULL, NULL) || in_ad(g, n) || !html_attr(n, "href", NULL)) continue;
        g->links[g->nlinks++] = n;
    }
    for (size_t i = 0; i < g->nlinks; i++) add_result(g, i);
}

/* Pages without #tads/#bottomads: ads after the first result are bottom ads. */
static void place_ads(struct gpage *g)
{
    if (!g->nlinks) return;
    uint32_t first = g->links[0]->order;
    for (size_t i = 0; i < g->list.nads; i++)
        if (g->ad_nodes[i]->order > first && !serp_ancestor(g->ad_nodes[i], has_id, "tads"))
            g->list.ads[i].block = SERP_AD_BOTTOM;
}

void serp_parse_google(const char *html, size_t len, struct arena *a, struct serp_page *out)
{
    memset(out, 0, sizeof *out);
    const char *doc;
    size_t dlen;
    serp_input(html, len, a, &doc, &dlen);
    struct gpage *g = xcalloc(1, sizeof *g);
    g->a = a;
    html_parse(doc, dlen, a, &g->doc);
    collect(g);
    place_ads(g);
    serp_list_finish(&g->list, a, out);
    out->kind = out->results_count || out->ads_count
                    ? SERP_RESULTS
                    : serp_classify(SERP_GOOGLE, doc, dlen, &g->doc);
    free(g);
}
