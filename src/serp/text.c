/* Helpers the SERP parsers share: node text, class search, the growing
 * result/ad lists and the input conversion. */
#include "serp/internal.h"

#include "base/buf.h"
#include "extract/extract.h"

#include <stdlib.h>
#include <string.h>

enum { TEXT_MAX = 8 << 10 }; /* a title or snippet is short; a runaway subtree is cut */

void serp_input(const char *html, size_t len, struct arena *a, const char **out, size_t *out_len)
{
    if (!html) len = 0;
    if (len > SERP_MAX_INPUT) len = SERP_MAX_INPUT;
    extract_to_utf8(html ? html : "", len, NULL, a, out, out_len);
}

/* Length of the Unicode space (no-break, en, em, thin, ideographic...) at s, or 0. */
static size_t unicode_space(const unsigned char *s)
{
    if (s[0] == 0xC2 && s[1] == 0xA0) return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xAF)) return 3;
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) return 3;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;
    return 0;
}

/* Unicode spaces become ' ', runs of spaces one, trimmed, in place: snippets
 * use &nbsp; and &ensp; where a reader sees plain spaces. */
static const char *tidy(char *s)
{
    char *o = s;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t sp = *p == ' ' ? 1 : unicode_space(p);
        if (sp) {
            if (o > s && o[-1] != ' ') *o++ = ' ';
            p += sp;
        } else {
            *o++ = (char)*p++;
        }
    }
    if (o > s && o[-1] == ' ') o--;
    *o = '\0';
    return s;
}

const char *serp_text(const struct html_node *n, serp_skip_fn skip, const void *ctx,
                      struct arena *a)
{
    if (!n) return "";
    struct buf b;
    buf_init(&b, TEXT_MAX);
    html_text_raw(n, skip, ctx, &b);
    char *out = (char *)extract_html_text(b.data ? b.data : "", b.len, false, a);
    buf_free(&b);
    return tidy(out);
}

const char *serp_longest_line(const struct html_node *n, serp_skip_fn skip, const void *ctx,
                              struct arena *a)
{
    if (!n) return "";
    struct buf b;
    buf_init(&b, TEXT_MAX);
    html_text_raw(n, skip, ctx, &b);
    const char *best = "";
    size_t best_len = 0;
    for (size_t i = 0; i < b.len;) {
        size_t j = i;
        while (j < b.len && b.data[j] != '\n') j++;
        const char *line = tidy((char *)extract_html_text(b.data + i, j - i, false, a));
        size_t len = strlen(line);
        if (len > best_len) best = line, best_len = len;
        i = j + 1;
    }
    buf_free(&b);
    return best;
}

const char *serp_attr_text(const struct html_node *n, const char *name, struct arena *a)
{
    size_t len;
    const char *v = html_attr(n, name, &len);
    return v ? extract_html_text(v, len, true, a) : NULL;
}

const struct html_node *serp_ancestor(const struct html_node *n,
                                      bool (*pred)(const struct html_node *n, const void *ctx),
                                      const void *ctx)
{
    for (int level = 0; n && level <= SERP_CLIMB_MAX; n = n->parent, level++)
        if (n->name && pred(n, ctx)) return n;
    return NULL;
}

static bool has_any_class(const struct html_node *n, const void *ctx)
{
    for (const char *const *c = ctx; *c; c++)
        if (html_has_class(n, *c)) return true;
    return false;
}

const struct html_node *serp_find(const struct html_node *scope, const char *name,
                                  bool (*pred)(const struct html_node *n, const void *ctx),
                                  const void *ctx)
{
    size_t budget = SERP_SCAN_MAX;
    for (const struct html_node *n = scope ? scope->first : NULL; n && budget--;
         n = html_next_node(n, scope))
        if (n->name && (!name || strcmp(n->name, name) == 0) && (!pred || pred(n, ctx))) return n;
    return NULL;
}

const struct html_node *serp_find_class(const struct html_node *scope,
                                        const char *const *classes,
                                        const struct html_node *except)
{
    const struct html_node *found = NULL;
    size_t budget = SERP_SCAN_MAX;
    for (const struct html_node *n = scope->first; n && budget--;) {
        if (except && n == except) {
            n = html_skip_subtree(n, scope);
            continue;
        }
        if (n->name && has_any_class(n, classes)) {
            found = n;
            scope = n; /* look for a tighter one inside (nested wrappers share a class) */
            n = n->first;
            continue;
        }
        n = html_next_node(n, scope);
    }
    return found;
}

/* ---- lists ---------------------------------------------------------------- */

static void *grow(void *items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap) return items;
    *cap = *cap ? *cap * 2 : 16;
    return xrealloc(items, *cap * size);
}

struct serp_result *serp_list_result(struct serp_list *l)
{
    if (l->nresults >= SERP_MAX_ITEMS) return NULL;
    l->results = grow(l->results, &l->cap_results, l->nresults, sizeof *l->results);
    struct serp_result *r = &l->results[l->nresults++];
    memset(r, 0, sizeof *r);
    r->title = r->url = r->display_url = r->snippet = "";
    r->position = (int64_t)l->nresults;
    return r;
}

struct serp_ad *serp_list_ad(struct serp_list *l)
{
    if (l->nads >= SERP_MAX_ITEMS) return NULL;
    l->ads = grow(l->ads, &l->cap_ads, l->nads, sizeof *l->ads);
    struct serp_ad *ad = &l->ads[l->nads++];
    memset(ad, 0, sizeof *ad);
    ad->title = ad->url = ad->domain = ad->display_url = ad->text = ad->tracking_url = "";
    ad->position = (int64_t)l->nads;
    return ad;
}

bool serp_list_has_url(const struct serp_list *l, const char *url)
{
    for (size_t i = 0; i < l->nresults; i++)
        if (strcmp(l->results[i].url, url) == 0) return true;
    return false;
}

void serp_list_finish(struct serp_list *l, struct arena *a, struct serp_page *out)
{
    out->results = arena_alloc(a, (l->nresults + 1) * sizeof *out->results);
    if (l->nresults) memcpy(out->results, l->results, l->nresults * sizeof *out->results);
    out->results_count = l->nresults;
    out->ads = arena_alloc(a, (l->nads + 1) * sizeof *out->ads);
    if (l->nads) memcpy(out->ads, l->ads, l->nads * sizeof *out->ads);
    out->ads_count = l->nads;
    free(l->results);
    free(l->ads);
    memset(l, 0, sizeof *l);
}
