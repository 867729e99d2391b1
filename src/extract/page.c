/* extract_page: one pass of the streaming HTML tokenizer (src/html/tokenizer.h:
 * text, tags with attributes, comments, raw-text elements such as script and
 * style, following the WHATWG tokenizer where it matters for extraction) over
 * the page; character references are decoded here, in text and attribute values.
 * Visible text goes to one text stream (tags that break lines add '\n', inline
 * formatting tags add nothing) that the email, phone and social scanners read
 * at the end; attributes, scripts and JSON-LD are handled as they come. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "extract/internal.h"
#include "html/tokenizer.h"
#include "net/url.h"

enum { STACK_MAX = 256, RTL_MAX = 1024, RTL_CLASSES = 16, END_SEARCH = 64 };
enum { F_ROT13 = 1, F_RTL = 2, F_SVG = 4, F_PHONE = 8 };

struct elem {
    char name[HTML_NAME_MAX + 1];
    unsigned own, flags; /* own flags; flags include the ancestors' */
    size_t text_start;
    size_t tel_idx; /* a phone added by this <a href="tel:">, or (size_t)-1 */
};

/* An absolute http(s) URL split for RFC 3986 reference resolution. */
struct base_url {
    const char *str; /* normalised, no fragment (arena); NULL when there is none */
    size_t origin;   /* length of "scheme://authority" */
    size_t dir;      /* length up to and including the path's last '/' */
    size_t path_end; /* length up to the query */
};

struct page {
    struct ex_ctx c;
    struct ex_buf text, jsonld, dec;
    struct ex_spots spots; /* addresses' places in the text, for names near them */
    struct elem stack[STACK_MAX];
    size_t depth;
    struct ex_range *ranges;
    size_t nranges, cap_ranges;
    char rtl_classes[RTL_CLASSES][48];
    size_t nrtl;
    struct base_url base; /* <base href> or the page URL, for relative links */
    struct base_url page; /* the page URL, for og:image */
    bool base_tag_seen;
    const char *title, *description, *keywords, *image, *og_title, *og_description;
};

/* ---- text stream ---- */

static unsigned top_flags(const struct page *pg) {
    return pg->depth ? pg->stack[pg->depth - 1].flags : 0;
}

static void text_break(struct page *pg) {
    if (pg->text.len && pg->text.data[pg->text.len - 1] != '\n') ex_buf_putc(&pg->text, '\n');
}

static void text_add(struct page *pg, const char *s, size_t n) {
    size_t start = pg->text.len;
    ex_entity_decode(s, n, &pg->text, false);
    if (top_flags(pg) & F_ROT13) ex_rot13(pg->text.data + start, pg->text.len - start);
}

/* ---- element stack ---- */

static void add_range(struct page *pg, size_t start, size_t end) {
    if (end <= start) return;
    if (pg->nranges == pg->cap_ranges) {
        pg->cap_ranges = pg->cap_ranges ? pg->cap_ranges * 2 : 8;
        pg->ranges = xrealloc(pg->ranges, pg->cap_ranges * sizeof *pg->ranges);
    }
    pg->ranges[pg->nranges++] = (struct ex_range){start, end};
}

static void close_elem(struct page *pg, struct elem *e) {
    size_t end = pg->text.len;
    /* an obfuscated address is short; longer spans are left alone (and so nested
     * ones cannot make the reversal quadratic) */
    if ((e->own & F_RTL) && end - e->text_start <= RTL_MAX)
        ex_reverse_utf8(pg->text.data + e->text_start, end - e->text_start);
    if (e->own & F_PHONE) add_range(pg, e->text_start, end);
    if (e->tel_idx != (size_t)-1)
        ex_phone_link_text(&pg->c, e->tel_idx, pg->text.data + e->text_start, end - e->text_start);
}

static void push(struct page *pg, const char *name, unsigned own, size_t tel_idx) {
    if (pg->depth == STACK_MAX) return;
    struct elem *e = &pg->stack[pg->depth];
    size_t nl = strlen(name);
    memcpy(e->name, name, nl + 1);
    e->own = own;
    e->flags = own | top_flags(pg);
    e->text_start = pg->text.len;
    e->tel_idx = tel_idx;
    pg->depth++;
}

static void pop_to(struct page *pg, const char *name) {
    size_t limit = pg->depth > END_SEARCH ? pg->depth - END_SEARCH : 0;
    for (size_t i = pg->depth; i > limit; i--) {
        if (strcmp(pg->stack[i - 1].name, name) != 0) continue;
        while (pg->depth >= i)
            close_elem(pg, &pg->stack[--pg->depth]);
        return;
    }
}

/* ---- URLs ---- */

static char *host_of(struct arena *a, const char *url) {
    if (!url) return NULL;
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = NULL, *e = p;
    while (*e && *e != '/' && *e != '?' && *e != '#') {
        if (*e == '@') at = e;
        e++;
    }
    if (at) p = at + 1;
    const char *colon = memchr(p, ':', (size_t)(e - p));
    if (colon) e = colon;
    return arena_strndup(a, p, (size_t)(e - p));
}

/* A "." or ".." path segment (which a resolver would remove). */
static bool has_dot_segment(const char *s, size_t n) {
    for (const char *p = s, *end = s + n; (p = memchr(p, '/', (size_t)(end - p))) != NULL; p++) {
        const char *q = p + 1;
        if (q < end && *q == '.')
            q++;
        else
            continue;
        if (q < end && *q == '.') q++;
        if (q == end || *q == '/' || *q == '?' || *q == '#') return true;
    }
    return false;
}

/* Finds lit (no repeated first byte needed) in s by memchr on its first byte. */
static const char *find_lit(const char *s, size_t n, const char *lit, size_t ln) {
    for (const char *p = s, *end = s + n; (size_t)(end - p) >= ln; p++) {
        p = memchr(p, lit[0], (size_t)(end - p) - ln + 1);
        if (!p) return NULL;
        if (memcmp(p, lit, ln) == 0) return p;
    }
    return NULL;
}

/* Bytes a URL cannot hold as they are: libcurl percent-encodes those. */
static bool needs_encoding(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= ' ' || ch >= 0x7F || ch == '\\' || ch == '"' || ch == '<' || ch == '>' ||
            ch == '`' || ch == '{' || ch == '}' || ch == '|' || ch == '^')
            return true;
    }
    return false;
}

/* Sets b to the absolute http(s) url; false (b unchanged) when it is not one. */
static bool base_set(struct page *pg, struct base_url *b, const char *url) {
    const char *str = url_resolve(NULL, url, pg->c.a);
    if (!str) return false;
    const char *auth = strstr(str, "://") + 3;
    size_t origin = (size_t)(auth - str) + strcspn(auth, "/?#");
    size_t path_end = origin + strcspn(str + origin, "?#");
    size_t dir = origin;
    for (size_t i = origin; i < path_end; i++)
        if (str[i] == '/') dir = i + 1;
    *b = (struct base_url){str, origin, dir, path_end};
    return true;
}

static char *join(struct arena *a, const char *x, size_t xn, const char *y, size_t yn) {
    char *out = arena_alloc(a, xn + yn + 1);
    memcpy(out, x, xn);
    memcpy(out + xn, y, yn);
    out[xn + yn] = '\0';
    return out;
}

/* Resolves a (decoded) reference against b (RFC 3986 section 5); http(s) only,
 * fragment dropped. Plain references are joined here; anything needing
 * percent-encoding or dot-segment removal goes through libcurl's URL API. */
static const char *resolve(struct page *pg, const struct base_url *b, const char *href, size_t n) {
    while (n && ex_is_space((unsigned char)*href))
        href++, n--;
    while (n && ex_is_space((unsigned char)href[n - 1]))
        n--;
    if (!n || n > 4096 || href[0] == '#') return NULL;
    const char *hash = memchr(href, '#', n);
    size_t m = hash ? (size_t)(hash - href) : n;
    bool absolute = ex_istarts(href, m, "http://") || ex_istarts(href, m, "https://");
    bool plain = !needs_encoding(href, m);
    if (absolute && memcmp(href, "http", 4) == 0 && plain && !has_dot_segment(href, m)) {
        size_t host_start = (href[4] == 's') ? 8 : 7;
        if (m > host_start && href[host_start] != '/') return arena_strndup(pg->c.a, href, m);
    }
    /* a scheme other than http(s): not a page */
    size_t k = 0;
    while (k < m && (ex_is_alnum((unsigned char)href[k]) || href[k] == '+' || href[k] == '-' ||
                     href[k] == '.'))
        k++;
    if (k < m && href[k] == ':' && k > 0 && !absolute) return NULL;
    if (!b->str && !absolute) return NULL;
    if (!absolute && plain && m) {
        char *out;
        if (m >= 2 && href[0] == '/' && href[1] == '/') {
            size_t scheme = (size_t)(strchr(b->str, ':') - b->str) + 1;
            out = join(pg->c.a, b->str, scheme, href, m);
        } else if (href[0] == '/') {
            out = join(pg->c.a, b->str, b->origin, href, m);
        } else if (href[0] == '?') {
            out = join(pg->c.a, b->str, b->path_end, href, m);
        } else {
            out = join(pg->c.a, b->str, b->dir, href, m);
        }
        size_t on = strlen(out);
        const char *path = strstr(out, "://");
        if (path && !has_dot_segment(path + 3, on - (size_t)(path + 3 - out))) return out;
    }
    return url_resolve(b->str, arena_strndup(pg->c.a, href, m), pg->c.a);
}

/* ---- attributes ---- */

static const struct html_attr *find_attr(const struct html_attr *attrs, size_t n,
                                         const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(attrs[i].name, name) == 0) return &attrs[i];
    return NULL;
}

/* Decodes an attribute value into pg->dec (valid until the next call). */
static const char *attr_text(struct page *pg, const struct html_attr *at, size_t *len) {
    pg->dec.len = 0;
    ex_entity_decode(at->val, at->vlen, &pg->dec, true);
    ex_buf_putc(&pg->dec, '\0');
    pg->dec.len--;
    *len = pg->dec.len;
    return pg->dec.data;
}

static char *attr_dup(struct page *pg, const struct html_attr *at) {
    size_t n;
    const char *s = attr_text(pg, at, &n);
    return ex_collapse_ws(pg->c.a, s, n);
}

static unsigned class_flags(struct page *pg, const char *s, size_t n) {
    unsigned f = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && ex_is_space((unsigned char)s[i]))
            i++;
        size_t st = i;
        while (i < n && !ex_is_space((unsigned char)s[i]))
            i++;
        size_t len = i - st;
        if (!len) continue;
        if (ex_ieq(s + st, len, "__eae_r13")) f |= F_ROT13;
        for (size_t k = st; k + 5 <= i; k++)
            if (s[k] == 'r' && memcmp(s + k, "rot13", 5) == 0) f |= F_ROT13;
        if (ex_ieq(s + st, len, "__eae_cssd")) f |= F_RTL;
        for (size_t k = 0; k < pg->nrtl; k++)
            if (strlen(pg->rtl_classes[k]) == len && memcmp(pg->rtl_classes[k], s + st, len) == 0)
                f |= F_RTL;
    }
    return f;
}

/* Addresses markup carries (mailto links, Cloudflare's) sit where the element's text starts. */
static void spot_here(struct page *pg) {
    pg->c.spots = &pg->spots;
    pg->c.spot_at = pg->text.len;
}

static void spot_off(struct page *pg) {
    pg->c.spots = NULL;
}

static void handle_href(struct page *pg, const char *tag, const struct html_attr *at, size_t *tel_idx) {
    size_t n;
    const char *v = attr_text(pg, at, &n);
    while (n && ex_is_space((unsigned char)*v))
        v++, n--;
    if (!n) return;
    if (ex_istarts(v, n, "mailto:")) {
        spot_here(pg);
        ex_emails_mailto(&pg->c, v + 7, n - 7);
        spot_off(pg);
        return;
    }
    if (ex_istarts(v, n, "tel:")) {
        if (strcmp(tag, "a") == 0)
            *tel_idx = ex_phone_add_tel(&pg->c, v + 4, n - 4);
        else
            ex_phone_add_tel(&pg->c, v + 4, n - 4);
        return;
    }
    const char *cf = n > 28 ? find_lit(v, n, "/cdn-cgi/l/email-protection#", 28) : NULL;
    if (cf) {
        spot_here(pg);
        ex_emails_cloudflare(&pg->c, cf + 28, n - (size_t)(cf + 28 - v));
        spot_off(pg);
        return;
    }
    if (ex_istarts(v, n, "javascript:")) {
        ex_emails_rot13_href(&pg->c, v, n);
        return;
    }
    ex_social_add(&pg->c, v, n);
    const char *url = resolve(pg, &pg->base, v, n);
    if (url) ex_list_add(&pg->c.links, url, url, NULL);
}

static void handle_meta(struct page *pg, const struct html_attr *attrs, size_t na) {
    const struct html_attr *content = find_attr(attrs, na, "content");
    if (!content) content = find_attr(attrs, na, "value");
    if (!content) return;
    static const char *const key_attrs[] = {"name", "property", "http-equiv", "itemprop"};
    for (size_t k = 0; k < sizeof key_attrs / sizeof key_attrs[0]; k++) {
        const struct html_attr *ka = find_attr(attrs, na, key_attrs[k]);
        if (!ka || ka->vlen == 0 || ka->vlen > 40) continue;
        char key[48];
        for (size_t i = 0; i < ka->vlen; i++)
            key[i] = ex_lower(ka->val[i]);
        key[ka->vlen] = '\0';
        if (strcmp(key, "description") == 0) {
            if (!pg->description || !*pg->description) pg->description = attr_dup(pg, content);
        } else if (strcmp(key, "keywords") == 0) {
            if (!pg->keywords || !*pg->keywords) pg->keywords = attr_dup(pg, content);
        } else if (strcmp(key, "og:title") == 0) {
            if (!pg->og_title || !*pg->og_title) pg->og_title = attr_dup(pg, content);
        } else if (strcmp(key, "og:description") == 0) {
            if (!pg->og_description || !*pg->og_description)
                pg->og_description = attr_dup(pg, content);
        } else if (strcmp(key, "og:image") == 0 || strcmp(key, "og:image:url") == 0 ||
                   strcmp(key, "og:image:secure_url") == 0) {
            if (!pg->image || !*pg->image) {
                char *raw = attr_dup(pg, content);
                const char *url = *raw ? resolve(pg, &pg->page, raw, strlen(raw)) : NULL;
                pg->image = url ? url : raw;
            }
        } else if (strcmp(key, "twitter:site") == 0 || strcmp(key, "twitter:creator") == 0) {
            size_t n;
            const char *v = attr_text(pg, content, &n);
            while (n && ex_is_space((unsigned char)*v))
                v++, n--;
            if (n > 1 && v[0] == '@') {
                char url[64];
                int w = snprintf(url, sizeof url, "https://twitter.com/%.*s", (int)(n - 1), v + 1);
                if (w > 0 && (size_t)w < sizeof url) ex_social_add(&pg->c, url, (size_t)w);
            } else {
                ex_social_add(&pg->c, v, n);
            }
        }
    }
    size_t n;
    const char *v = attr_text(pg, content, &n);
    if (memchr(v, '@', n)) ex_emails_scan(&pg->c, v, n);
}

static void handle_base(struct page *pg, const struct html_attr *href) {
    if (pg->base_tag_seen || !href) return;
    pg->base_tag_seen = true;
    size_t n;
    const char *v = attr_text(pg, href, &n);
    const char *url = resolve(pg, &pg->base, v, n);
    if (url) base_set(pg, &pg->base, url);
}

static void handle_joomla4(struct page *pg, const struct html_attr *attrs, size_t na) {
    const struct html_attr *first = find_attr(attrs, na, "first");
    const struct html_attr *last = find_attr(attrs, na, "last");
    if (!first || !last) return;
    struct ex_buf b = {0};
    if (ex_base64_decode(first->val, first->vlen, &b)) {
        ex_buf_putc(&b, '@');
        if (ex_base64_decode(last->val, last->vlen, &b)) {
            struct ex_buf dec = {0};
            ex_entity_decode(b.data, b.len, &dec, false);
            ex_email_add(&pg->c, dec.data, dec.len);
            ex_buf_free(&dec);
        }
    }
    ex_buf_free(&b);
}

/* ---- raw-text elements ---- */

static void handle_style(struct page *pg, const char *s, size_t n) {
    const char *p = s, *end = s + n, *sel = s;
    while (p < end) {
        const char *open = memchr(p, '{', (size_t)(end - p));
        if (!open) return;
        const char *close = memchr(open, '}', (size_t)(end - open));
        if (!close) return;
        size_t bl = (size_t)(close - open);
        if (ex_ifind(open, bl, "bidi-override") && ex_ifind(open, bl, "rtl")) {
            for (const char *q = sel; q < open; q++) {
                if (*q != '.') continue;
                const char *e = q + 1;
                while (e < open && (ex_is_alnum((unsigned char)*e) || *e == '_' || *e == '-'))
                    e++;
                size_t len = (size_t)(e - q - 1);
                if (len && len < sizeof pg->rtl_classes[0] && pg->nrtl < RTL_CLASSES) {
                    memcpy(pg->rtl_classes[pg->nrtl], q + 1, len);
                    pg->rtl_classes[pg->nrtl][len] = '\0';
                    pg->nrtl++;
                }
                q = e - 1;
            }
        }
        sel = close + 1;
        p = close + 1;
    }
}

static void handle_script(struct page *pg, const struct html_attr *type, const char *s, size_t n) {
    if (type && ex_ifind(type->val, type->vlen, "ld+json")) {
        ex_people_jsonld(&pg->c, s, n);
        ex_js_unescape(s, n, &pg->jsonld);
        ex_buf_putc(&pg->jsonld, '\n');
        return;
    }
    ex_emails_script(&pg->c, s, n, true);
}

/* ---- tags ---- */

/* Inline JavaScript in an event handler and JSON in a data-* attribute are read like
 * inline scripts: literals that are exactly an address, escapes decoded. */
static void handle_script_attr(struct page *pg, const struct html_attr *at) {
    if (!memchr(at->val, '@', at->vlen) && !memchr(at->val, '\\', at->vlen) &&
        !memchr(at->val, '&', at->vlen))
        return;
    size_t n;
    const char *v = attr_text(pg, at, &n);
    ex_emails_script(&pg->c, v, n, true);
}

static void start_tag(struct page *pg, const struct html_token *tok) {
    const char *name = tok->name;
    const struct html_attr *attrs = tok->attrs;
    size_t na = tok->nattrs;
    unsigned own = 0;
    size_t tel_idx = (size_t)-1;
    bool anchor = strcmp(name, "a") == 0 || strcmp(name, "area") == 0;
    for (size_t i = 0; i < na; i++) {
        const struct html_attr *at = &attrs[i];
        switch (at->name[0]) {
        case 'd':
            if (strcmp(at->name, "data-cfemail") == 0) {
                spot_here(pg);
                ex_emails_cloudflare(&pg->c, at->val, at->vlen);
                spot_off(pg);
            }
            else if (!strncmp(at->name, "data-", 5) && at->vlen > 1 &&
                     (at->val[0] == '{' || at->val[0] == '['))
                handle_script_attr(pg, at); /* JSON props */
            break;
        case 'o':
            if (at->name[1] == 'n' && at->vlen > 3) handle_script_attr(pg, at); /* onclick */
            break;
        case 'c':
            if (strcmp(at->name, "class") == 0) own |= class_flags(pg, at->val, at->vlen);
            break;
        case 's':
            if (strcmp(at->name, "style") == 0 && ex_ifind(at->val, at->vlen, "bidi-override") &&
                ex_ifind(at->val, at->vlen, "rtl"))
                own |= F_RTL;
            break;
        case 'i':
            if (strcmp(at->name, "itemprop") == 0 &&
                (ex_ieq(at->val, at->vlen, "telephone") || ex_ieq(at->val, at->vlen, "faxnumber")))
                own |= F_PHONE;
            break;
        case 'h':
            if (anchor && strcmp(at->name, "href") == 0) handle_href(pg, name, at, &tel_idx);
            break;
        default:
            break;
        }
    }
    switch (name[0]) {
    case 's':
        if (strcmp(name, "svg") == 0) own |= F_SVG;
        break;
    case 'm':
        if (strcmp(name, "meta") == 0) handle_meta(pg, attrs, na);
        break;
    case 'b':
        if (strcmp(name, "base") == 0) handle_base(pg, html_token_attr(tok, "href"));
        break;
    case 'l':
        if (strcmp(name, "link") == 0) {
            const struct html_attr *rel = html_token_attr(tok, "rel");
            const struct html_attr *href = html_token_attr(tok, "href");
            if (rel && href && ex_ieq(rel->val, rel->vlen, "me")) {
                size_t n;
                const char *v = attr_text(pg, href, &n);
                ex_social_add(&pg->c, v, n);
            }
        }
        break;
    case 'j':
        if (strcmp(name, "joomla-hidden-mail") == 0) handle_joomla4(pg, attrs, na);
        break;
    default:
        break;
    }

    if (!(tok->cls & HTML_INLINE)) text_break(pg);
    if (tok->cls & HTML_RAW) {
        const char *p = tok->text;
        size_t n = tok->len;
        if (strcmp(name, "script") == 0) {
            handle_script(pg, html_token_attr(tok, "type"), p, n);
        } else if (strcmp(name, "style") == 0) {
            handle_style(pg, p, n);
        } else if (strcmp(name, "title") == 0) {
            if ((!pg->title || !*pg->title) && !(top_flags(pg) & F_SVG)) {
                pg->dec.len = 0;
                ex_entity_decode(p, n, &pg->dec, false);
                pg->title = ex_collapse_ws(pg->c.a, pg->dec.data ? pg->dec.data : "", pg->dec.len);
            }
        }
        return;
    }
    if (!(tok->cls & HTML_VOID)) push(pg, name, own, tel_idx);
}

/* One pass of the shared tokenizer (src/html/tokenizer.h). */
static void parse(struct page *pg, const char *html, size_t len) {
    struct html_tokenizer t;
    struct html_token token, *tok = &token;
    html_tokenizer_init(&t, html, len);
    while (html_next(&t, tok)) {
        switch (tok->kind) {
        case HTML_TEXT:
            text_add(pg, tok->text, tok->len);
            break;
        case HTML_COMMENT:
            if (memmem(tok->text, tok->len, "addy", 4))
                ex_emails_script(&pg->c, tok->text, tok->len, false);
            break;
        case HTML_END:
            if (!(tok->cls & HTML_INLINE)) text_break(pg);
            pop_to(pg, tok->name);
            break;
        case HTML_START:
            start_tag(pg, tok);
            break;
        }
    }
}

static int range_cmp(const void *x, const void *y) {
    const struct ex_range *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* The pairings whose address made the emails list (a JSON-LD Person's address is
 * added by the JSON-LD scan, after the pairing was read). */
static void export_people(const struct ex_ctx *c, struct extract_result *out) {
    struct extract_person *list = arena_alloc(c->a, (c->people.count + 1) * sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < c->people.count; i++)
        if (ex_list_find(&c->emails, c->people.keys[i]) != (size_t)-1)
            list[n++] = (struct extract_person){c->people.items[i], c->people.keys[i]};
    out->people = list;
    out->people_count = n;
}

void extract_result_init(struct extract_result *r) {
    memset(r, 0, sizeof *r);
    r->title = r->description = r->keywords = r->image = "";
}

enum rc extract_page(const char *html, size_t len, const char *page_url, struct arena *a,
                     struct extract_result *out) {
    extract_result_init(out);
    if (!html && len) return RC_INVALID;
    if (len > EXTRACT_MAX_INPUT) len = EXTRACT_MAX_INPUT;
    const char *doc;
    size_t dlen;
    extract_to_utf8(html, len, NULL, a, &doc, &dlen);

    struct page *pg = xcalloc(1, sizeof *pg);
    pg->c.a = a;
    char *host = host_of(a, page_url);
    pg->c.default_cc = extract_country_code_for_host(host);
    if (page_url && base_set(pg, &pg->page, page_url)) base_set(pg, &pg->base, page_url);
    ex_buf_grow(&pg->text, dlen / 3 + 64);

    parse(pg, doc, dlen);
    while (pg->depth)
        close_elem(pg, &pg->stack[--pg->depth]);

    /* the visible text */
    const char *t = pg->text.data ? pg->text.data : "";
    if (pg->nranges > 1) qsort(pg->ranges, pg->nranges, sizeof *pg->ranges, range_cmp);
    pg->c.spots = &pg->spots;
    pg->c.spot_text = t;
    pg->c.spot_len = pg->text.len;
    ex_emails_scan(&pg->c, t, pg->text.len);
    pg->c.spots = NULL;
    ex_people_near(&pg->c, t, pg->text.len, &pg->spots);
    ex_emails_scan_spelled(&pg->c, t, pg->text.len);
    ex_phones_scan(&pg->c, t, pg->text.len, pg->ranges, pg->nranges);
    ex_social_scan_text(&pg->c, t, pg->text.len);
    /* JSON-LD, decoded */
    if (pg->jsonld.len) {
        ex_emails_scan(&pg->c, pg->jsonld.data, pg->jsonld.len);
        ex_phones_scan(&pg->c, pg->jsonld.data, pg->jsonld.len, NULL, 0);
        ex_social_scan_text(&pg->c, pg->jsonld.data, pg->jsonld.len);
    }

    out->emails = ex_list_export(&pg->c.emails, a, NULL);
    out->emails_count = pg->c.emails.count;
    out->phones = ex_list_export(&pg->c.phones, a, &out->phones_normalized);
    out->phones_count = ex_phones_fold(out->phones, out->phones_normalized, pg->c.phones.count);
    out->social = ex_list_export(&pg->c.social, a, NULL);
    out->social_count = pg->c.social.count;
    out->links = ex_list_export(&pg->c.links, a, NULL);
    out->links_count = pg->c.links.count;
    export_people(&pg->c, out);
    out->title = pg->title && *pg->title ? pg->title : pg->og_title ? pg->og_title : "";
    out->description = pg->description && *pg->description ? pg->description
                       : pg->og_description                ? pg->og_description
                                                           : "";
    out->keywords = pg->keywords ? pg->keywords : "";
    out->image = pg->image ? pg->image : "";

    ex_list_free(&pg->c.emails);
    ex_list_free(&pg->c.phones);
    ex_list_free(&pg->c.social);
    ex_list_free(&pg->c.links);
    ex_list_free(&pg->c.people);
    free(pg->spots.items);
    ex_buf_free(&pg->text);
    ex_buf_free(&pg->jsonld);
    ex_buf_free(&pg->dec);
    free(pg->ranges);
    free(pg);
    return RC_OK;
}

/* ---- merging ---- */

static void merge_list(const char **a_items, size_t a_n, const char **b_items, size_t b_n,
                       const char *(*key)(struct arena *, const char *), struct arena *a,
                       const char ***out, size_t *out_n) {
    struct ex_list l = {0};
    for (size_t i = 0; i < a_n; i++)
        ex_list_add(&l, a_items[i], key ? key(a, a_items[i]) : a_items[i], NULL);
    for (size_t i = 0; i < b_n; i++)
        ex_list_add(&l, b_items[i], key ? key(a, b_items[i]) : b_items[i], NULL);
    *out = ex_list_export(&l, a, NULL);
    *out_n = l.count;
    ex_list_free(&l);
}

/* People keyed by address, the first name met kept. */
static void merge_people(struct extract_result *into, const struct extract_result *from,
                         struct arena *a) {
    if (!from->people_count) return;
    struct extract_person *list =
        arena_alloc(a, (into->people_count + from->people_count) * sizeof *list);
    size_t n = 0;
    const struct extract_result *both[2] = {into, from};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < both[k]->people_count; i++) {
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(list[j].email, both[k]->people[i].email) == 0;
            if (!seen) list[n++] = both[k]->people[i];
        }
    into->people = list;
    into->people_count = n;
}

static const char *meta_pick(const char *mine, const char *theirs) {
    if (mine && *mine) return mine;
    return theirs ? theirs : "";
}

void extract_merge(struct extract_result *into, const struct extract_result *from,
                   struct arena *a) {
    if (!from) return;
    merge_list(into->emails, into->emails_count, from->emails, from->emails_count, NULL, a,
               &into->emails, &into->emails_count);
    merge_list(into->social, into->social_count, from->social, from->social_count, ex_social_key, a,
               &into->social, &into->social_count);
    merge_list(into->links, into->links_count, from->links, from->links_count, NULL, a,
               &into->links, &into->links_count);
    /* phones: keyed by their normalised form */
    struct ex_list l = {0};
    for (size_t i = 0; i < into->phones_count; i++)
        ex_list_add(&l, into->phones[i], into->phones_normalized[i], NULL);
    for (size_t i = 0; i < from->phones_count; i++)
        ex_list_add(&l, from->phones[i], from->phones_normalized[i], NULL);
    into->phones = ex_list_export(&l, a, &into->phones_normalized);
    into->phones_count = ex_phones_fold(into->phones, into->phones_normalized, l.count);
    ex_list_free(&l);
    merge_people(into, from, a);
    into->title = meta_pick(into->title, from->title);
    into->description = meta_pick(into->description, from->description);
    into->keywords = meta_pick(into->keywords, from->keywords);
    into->image = meta_pick(into->image, from->image);
}
