/* Bing result pages. Bing's markers have been stable for a decade:
 *   - an organic result is an element with class b_algo; its link is the
 *     <a> in its <h2> (a /ck/a?...&u=a1<base64url> redirect on current pages),
 *     the display URL its <cite>, the snippet the <p> of its b_caption (or
 *     the first <p> outside its deep links);
 *   - ads sit in elements with class b_ad (b_adBottom: the bottom block), one
 *     ad per <h2> link (an aclick?...&u=<base64> redirect), with the display
 *     URL in b_adurl's <cite> and the text in the b_caption's <p>, less the
 *     "Ad" label (b_adSlug). */
#include "serp/internal.h"

#include <stdlib.h>
#include <string.h>

struct bpage {
    struct arena *a;
    struct html_doc doc;
    struct serp_list list;
    const struct html_node *first_result;
};

static bool has_class_ctx(const struct html_node *n, const void *ctx)
{
    return html_has_class(n, ctx);
}

static bool has_href(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    size_t len = 0;
    return html_attr(n, "href", &len) && len > 0;
}

/* The destination of a result or ad link: the unwrapped redirect, else the href. */
static const char *link_url(const struct html_node *link, struct arena *a)
{
    const char *href = serp_attr_text(link, "href", a);
    if (!href) return NULL;
    const char *unwrapped = serp_unwrap_url(href, a);
    if (unwrapped) return unwrapped;
    if (strstr(href, "bing.com/ck/a?") || strstr(href, "bing.com/aclick?")) return NULL;
    return serp_clean_url(href, strlen(href), a);
}

/* The title link of a block: the <a href> in its first <h2>. */
static const struct html_node *title_link(const struct html_node *block,
                                          const struct html_node **h2)
{
    *h2 = serp_find(block, "h2", NULL, NULL);
    return *h2 ? serp_find(*h2, "a", has_href, NULL) : NULL;
}

static bool not_snippet(const struct html_node *n, const void *ctx)
{
    (void)ctx;
    return html_is(n, "h2") || html_is(n, "h3") || html_is(n, "cite") || html_is(n, "ul") ||
           html_has_class(n, "b_attribution") || html_has_class(n, "b_adSlug") ||
           html_has_class(n, "algoSlug_icon") || html_has_class(n, "b_deep") ||
           html_has_class(n, "b_vlist2col") || html_has_class(n, "b_adurl") ||
           html_has_class(n, "b_tpcn") || html_has_class(n, "b_suffix") ||
           html_attr_is(n, "role", "button");
}

/* True when n or an ancestor below block is not description text. */
static bool excluded(const struct html_node *n, const struct html_node *block)
{
    for (; n && n != block; n = n->parent)
        if (not_snippet(n, NULL)) return true;
    return false;
}

/* The block's description: the <p> of its caption, else its first <p>
 * outside deep links, else its longest line of text. */
static const char *description(const struct html_node *block, struct arena *a)
{
    const struct html_node *caption = serp_find(block, NULL, has_class_ctx, "b_caption");
    const struct html_node *p = caption ? serp_find(caption, "p", NULL, NULL) : NULL;
    for (const struct html_node *n = block->first; !p && n; n = html_next_node(n, block))
        if (html_is(n, "p") && !excluded(n, block)) p = n;
    const char *text = p ? serp_text(p, not_snippet, NULL, a) : "";
    return *text ? text : serp_longest_line(block, not_snippet, NULL, a);
}

static const char *cite_text(const struct html_node *block, struct arena *a)
{
    const struct html_node *cite = serp_find(block, "cite", NULL, NULL);
    return cite ? serp_text(cite, NULL, NULL, a) : "";
}

static void add_result(struct bpage *b, const struct html_node *block)
{
    const struct html_node *h2, *link = title_link(block, &h2);
    const char *url = link ? link_url(link, b->a) : NULL;
    if (!url || serp_list_has_url(&b->list, url)) return;
    struct serp_result *r = serp_list_result(&b->list);
    if (!r) return;
    if (!b->first_result) b->first_result = block;
    r->title = serp_text(h2, NULL, NULL, b->a);
    r->url = url;
    r->display_url = cite_text(block, b->a);
    r->snippet = description(block, b->a);
}

/* The ad around an h2 link: the nearest li (or sb_add) below the b_ad block. */
static const struct html_node *ad_of(const struct html_node *h2, const struct html_node *region)
{
    const struct html_node *best = h2;
    int level = 0;
    for (const struct html_node *n = h2->parent; n && n != region && level < SERP_CLIMB_MAX;
         n = n->parent, level++)
        if (html_is(n, "li") || html_has_class(n, "sb_add")) best = n;
    return best;
}

/* One ad from its h2; returns its block (NULL when the link is unusable). */
static const struct html_node *add_ad(struct bpage *b, const struct html_node *h2,
                                      const struct html_node *region)
{
    const struct html_node *link = serp_find(h2, "a", has_href, NULL);
    const char *url = link ? link_url(link, b->a) : NULL;
    struct serp_ad *ad = url ? serp_list_ad(&b->list) : NULL;
    if (!ad) return NULL;
    const struct html_node *block = ad_of(h2, region);
    ad->block = html_has_class(region, "b_adBottom") ? SERP_AD_BOTTOM : SERP_AD_TOP;
    ad->title = serp_text(h2, NULL, NULL, b->a);
    ad->url = url;
    ad->domain = serp_host(url, b->a);
    const struct html_node *shown = serp_find(block, NULL, has_class_ctx, "b_adurl");
    ad->display_url = cite_text(shown ? shown : block, b->a);
    ad->text = description(block, b->a);
    const char *href = serp_attr_text(link, "href", b->a);
    const char *clean =
        href && strstr(href, "aclick?") ? serp_clean_url(href, strlen(href), b->a) : NULL;
    ad->tracking_url = clean ? clean : "";
    return block;
}

/* Every ad of a b_ad region: one per h2 link (sitelinks are h3). */
static void add_ads(struct bpage *b, const struct html_node *region)
{
    const struct html_node *done = NULL;
    for (const struct html_node *n = region->first; n && b->list.nads < SERP_MAX_ITEMS;
         n = html_next_node(n, region)) {
        if (!html_is(n, "h2") || (done && html_within(n, done))) continue;
        const struct html_node *block = add_ad(b, n, region);
        if (block) done = block;
    }
}

static void collect(struct bpage *b)
{
    const struct html_node *root = b->doc.root;
    for (const struct html_node *n = root->first; n;) {
        bool full = b->list.nresults >= SERP_MAX_ITEMS && b->list.nads >= SERP_MAX_ITEMS;
        if (full) break; /* the rest of a (hostile) page is not looked at */
        if (n->name && html_has_class(n, "b_algo")) {
            add_result(b, n);
            n = html_skip_subtree(n, root);
        } else if (n->name && html_has_class(n, "b_ad")) {
            add_ads(b, n);
            n = html_skip_subtree(n, root);
        } else {
            n = html_next_node(n, root);
        }
    }
}

/* Top ads first, then bottom ads, numbered in that order. */
static void order_ads(struct serp_list *l)
{
    size_t k = 0;
    struct serp_ad tmp;
    for (size_t i = 0; i < l->nads; i++) {
        if (l->ads[i].block != SERP_AD_TOP) continue;
        tmp = l->ads[i];
        memmove(&l->ads[k + 1], &l->ads[k], (i - k) * sizeof tmp);
        l->ads[k++] = tmp;
    }
    for (size_t i = 0; i < l->nads; i++) l->ads[i].position = (int64_t)i + 1;
}

void serp_parse_bing(const char *html, size_t len, struct arena *a, struct serp_page *out)
{
    memset(out, 0, sizeof *out);
    const char *doc;
    size_t dlen;
    serp_input(html, len, a, &doc, &dlen);
    struct bpage *b = xcalloc(1, sizeof *b);
    b->a = a;
    html_parse(doc, dlen, a, &b->doc);
    collect(b);
    order_ads(&b->list);
    serp_list_finish(&b->list, a, out);
    out->kind = out->results_count || out->ads_count ? SERP_RESULTS
                                                     : serp_classify(SERP_BING, doc, dlen, &b->doc);
    free(b);
}

void serp_parse_html(enum serp_engine e, const char *html, size_t len, struct arena *a,
                     struct serp_page *out)
{
    if (e == SERP_BING)
        serp_parse_bing(html, len, a, out);
    else
        serp_parse_google(html, len, a, out);
}
