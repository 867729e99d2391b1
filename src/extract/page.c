/* extract_page: one pass of a streaming HTML tokenizer over the page (text,
 * tags with attributes, comments, raw-text elements such as script and style),
 * following the WHATWG tokenizer where it matters for extraction: quoted
 * attribute values run to their closing quote, raw-text elements to their end
 * tag, character references are decoded in text and attribute values.
 * Visible text goes to one text stream (tags that break lines add '\n', inline
 * formatting tags add nothing) that the email, phone and social scanners read
 * at the end; attributes, scripts and JSON-LD are handled as they come. */
#include <curl/curl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "extract/internal.h"

enum {
    STACK_MAX = 256,
    RTL_MAX = 1024,
    ATTR_MAX = 48,
    NAME_MAX_LEN = 23,
    RTL_CLASSES = 16,
    END_SEARCH = 64
};
enum { F_ROT13 = 1, F_RTL = 2, F_SVG = 4, F_PHONE = 8 };

struct elem {
    char name[NAME_MAX_LEN + 1];
    unsigned own, flags; /* own flags; flags include the ancestors' */
    size_t text_start;
    size_t tel_idx; /* a phone added by this <a href="tel:">, or (size_t)-1 */
};

struct attr {
    char name[24]; /* lower-case, truncated */
    const char *val;
    size_t vlen;
};

/* An absolute http(s) URL split for RFC 3986 reference resolution. */
struct base_url {
    CURLU *h;        /* NULL when there is none */
    const char *str; /* normalised, no fragment (arena) */
    size_t origin;   /* length of "scheme://authority" */
    size_t dir;      /* length up to and including the path's last '/' */
    size_t path_end; /* length up to the query */
};

struct page {
    struct ex_ctx c;
    struct ex_buf text, jsonld, dec;
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

enum { T_INLINE = 1, T_VOID = 2, T_RAW = 4 };

/* What the tokenizer needs to know about a tag name: inline formatting tags add
 * no break to the text stream, void tags are never pushed, raw-text tags run to
 * their end tag. Looked up by first letter and length, without strcmp chains. */
static unsigned tag_class(const char *name, size_t len) {
    static const struct {
        const char *name;
        unsigned char len, cls;
    } tags[] = {
        {"a", 1, 0},
        {"abbr", 4, T_INLINE},
        {"area", 4, T_VOID},
        {"b", 1, T_INLINE},
        {"base", 4, T_VOID},
        {"bdi", 3, T_INLINE},
        {"bdo", 3, T_INLINE},
        {"big", 3, T_INLINE},
        {"br", 2, T_VOID},
        {"cite", 4, T_INLINE},
        {"code", 4, T_INLINE},
        {"col", 3, T_VOID},
        {"data", 4, T_INLINE},
        {"del", 3, T_INLINE},
        {"dfn", 3, T_INLINE},
        {"em", 2, T_INLINE},
        {"embed", 5, T_VOID},
        {"font", 4, T_INLINE},
        {"frame", 5, T_VOID},
        {"hr", 2, T_VOID},
        {"i", 1, T_INLINE},
        {"iframe", 6, T_RAW},
        {"img", 3, T_VOID},
        {"input", 5, T_VOID},
        {"ins", 3, T_INLINE},
        {"kbd", 3, T_INLINE},
        {"keygen", 6, T_VOID},
        {"link", 4, T_VOID},
        {"mark", 4, T_INLINE},
        {"meta", 4, T_VOID},
        {"nobr", 4, T_INLINE},
        {"noembed", 7, T_RAW},
        {"noframes", 8, T_RAW},
        {"param", 5, T_VOID},
        {"q", 1, T_INLINE},
        {"s", 1, T_INLINE},
        {"samp", 4, T_INLINE},
        {"script", 6, T_RAW},
        {"small", 5, T_INLINE},
        {"source", 6, T_VOID},
        {"span", 4, T_INLINE},
        {"strong", 6, T_INLINE},
        {"style", 5, T_RAW},
        {"sub", 3, T_INLINE},
        {"sup", 3, T_INLINE},
        {"textarea", 8, T_RAW},
        {"time", 4, T_INLINE},
        {"title", 5, T_RAW},
        {"track", 5, T_VOID},
        {"tt", 2, T_INLINE},
        {"u", 1, T_INLINE},
        {"var", 3, T_INLINE},
        {"wbr", 3, T_VOID | T_INLINE},
        {"xmp", 3, T_RAW},
    };
    enum { NTAGS = sizeof tags / sizeof tags[0] };
    unsigned char first = (unsigned char)name[0];
    if (first < 'a' || first > 'z') return 0;
    /* tags are sorted, so each first letter's entries are one run */
    size_t lo = 0, hi = NTAGS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((unsigned char)tags[mid].name[0] < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < NTAGS && (unsigned char)tags[i].name[0] == first; i++)
        if (tags[i].len == len && memcmp(tags[i].name, name, len) == 0) return tags[i].cls;
    return 0;
}

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

static bool is_http(const char *url) {
    size_t n = strlen(url);
    return ex_istarts(url, n, "http://") || ex_istarts(url, n, "https://");
}

/* Sets b to the absolute http(s) url; false (b unchanged) when it is not one. */
static bool base_set(struct page *pg, struct base_url *b, const char *url) {
    CURLU *h = curl_url();
    char *str = NULL;
    if (!h || curl_url_set(h, CURLUPART_URL, url, CURLU_URLENCODE) != CURLUE_OK ||
        curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_URL, &str, 0) != CURLUE_OK || !is_http(str)) {
        curl_free(str);
        if (h) curl_url_cleanup(h);
        return false;
    }
    const char *auth = strstr(str, "://") + 3;
    size_t origin = (size_t)(auth - str) + strcspn(auth, "/?#");
    size_t path_end = origin + strcspn(str + origin, "?#");
    size_t dir = origin;
    for (size_t i = origin; i < path_end; i++)
        if (str[i] == '/') dir = i + 1;
    if (b->h) curl_url_cleanup(b->h);
    *b = (struct base_url){h, arena_strdup(pg->c.a, str), origin, dir, path_end};
    curl_free(str);
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
    if (!b->h && !absolute) return NULL;
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
    CURLU *h = b->h ? curl_url_dup(b->h) : curl_url();
    if (!h) return NULL;
    const char *result = NULL;
    char *tmp = arena_strndup(pg->c.a, href, m);
    char *url = NULL;
    if (curl_url_set(h, CURLUPART_URL, tmp, CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_URL, &url, 0) == CURLUE_OK && is_http(url))
        result = arena_strdup(pg->c.a, url);
    curl_free(url);
    curl_url_cleanup(h);
    return result;
}

/* ---- attributes ---- */

static const struct attr *find_attr(const struct attr *attrs, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(attrs[i].name, name) == 0) return &attrs[i];
    return NULL;
}

/* Decodes an attribute value into pg->dec (valid until the next call). */
static const char *attr_text(struct page *pg, const struct attr *at, size_t *len) {
    pg->dec.len = 0;
    ex_entity_decode(at->val, at->vlen, &pg->dec, true);
    ex_buf_putc(&pg->dec, '\0');
    pg->dec.len--;
    *len = pg->dec.len;
    return pg->dec.data;
}

static char *attr_dup(struct page *pg, const struct attr *at) {
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

static void handle_href(struct page *pg, const char *tag, const struct attr *at, size_t *tel_idx) {
    size_t n;
    const char *v = attr_text(pg, at, &n);
    while (n && ex_is_space((unsigned char)*v))
        v++, n--;
    if (!n) return;
    if (ex_istarts(v, n, "mailto:")) {
        ex_emails_mailto(&pg->c, v + 7, n - 7);
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
        ex_emails_cloudflare(&pg->c, cf + 28, n - (size_t)(cf + 28 - v));
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

static void handle_meta(struct page *pg, const struct attr *attrs, size_t na) {
    const struct attr *content = find_attr(attrs, na, "content");
    if (!content) content = find_attr(attrs, na, "value");
    if (!content) return;
    static const char *const key_attrs[] = {"name", "property", "http-equiv", "itemprop"};
    for (size_t k = 0; k < sizeof key_attrs / sizeof key_attrs[0]; k++) {
        const struct attr *ka = find_attr(attrs, na, key_attrs[k]);
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
                int w = snprintf(url, sizeof url, "https://x.com/%.*s", (int)(n - 1), v + 1);
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

static void handle_base(struct page *pg, const struct attr *href) {
    if (pg->base_tag_seen || !href) return;
    pg->base_tag_seen = true;
    size_t n;
    const char *v = attr_text(pg, href, &n);
    const char *url = resolve(pg, &pg->base, v, n);
    if (url) base_set(pg, &pg->base, url);
}

static void handle_joomla4(struct page *pg, const struct attr *attrs, size_t na) {
    const struct attr *first = find_attr(attrs, na, "first");
    const struct attr *last = find_attr(attrs, na, "last");
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

static void handle_script(struct page *pg, const struct attr *type, const char *s, size_t n) {
    if (type && ex_ifind(type->val, type->vlen, "ld+json")) {
        ex_js_unescape(s, n, &pg->jsonld);
        ex_buf_putc(&pg->jsonld, '\n');
        return;
    }
    ex_emails_script(&pg->c, s, n, true);
}

/* Finds "</name" (case-insensitive) followed by a delimiter; returns its start or NULL. */
static const char *find_end_tag(const char *p, const char *end, const char *name) {
    size_t nl = strlen(name);
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) return NULL;
        if ((size_t)(end - lt) >= nl + 2 && lt[1] == '/' && ex_istarts(lt + 2, nl, name)) {
            const char *d = lt + 2 + nl;
            if (d >= end || ex_is_space((unsigned char)*d) || *d == '>' || *d == '/') return lt;
        }
        p = lt + 1;
    }
    return NULL;
}

/* ---- tags ---- */

static const char *parse_name(const char *p, const char *end, char *name, size_t cap) {
    size_t n = 0;
    while (p < end && !ex_is_space((unsigned char)*p) && *p != '/' && *p != '>') {
        if (n + 1 < cap) name[n++] = ex_lower(*p);
        p++;
    }
    name[n] = '\0';
    return p;
}

/* Parses attributes after the tag name; returns the position after '>'. */
static const char *parse_attrs(const char *p, const char *end, struct attr *attrs, size_t *na) {
    *na = 0;
    while (p < end) {
        while (p < end && (ex_is_space((unsigned char)*p) || *p == '/'))
            p++;
        if (p >= end) return end;
        if (*p == '>') return p + 1;
        const char *ns = p;
        p++; /* the first character may be '=' */
        while (p < end && !ex_is_space((unsigned char)*p) && *p != '/' && *p != '>' && *p != '=')
            p++;
        size_t nlen = (size_t)(p - ns);
        while (p < end && ex_is_space((unsigned char)*p))
            p++;
        const char *val = "";
        size_t vlen = 0;
        if (p < end && *p == '=') {
            p++;
            while (p < end && ex_is_space((unsigned char)*p))
                p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
                val = p + 1;
                vlen = close ? (size_t)(close - val) : (size_t)(end - val);
                p = close ? close + 1 : end;
            } else {
                val = p;
                while (p < end && !ex_is_space((unsigned char)*p) && *p != '>')
                    p++;
                vlen = (size_t)(p - val);
            }
        }
        if (*na < ATTR_MAX) {
            struct attr *a = &attrs[(*na)++];
            size_t k = nlen < sizeof a->name - 1 ? nlen : sizeof a->name - 1;
            for (size_t i = 0; i < k; i++)
                a->name[i] = ex_lower(ns[i]);
            a->name[k] = '\0';
            a->val = val;
            a->vlen = vlen;
        }
    }
    return end;
}

static const char *start_tag(struct page *pg, const char *p, const char *end) {
    char name[NAME_MAX_LEN + 1];
    struct attr attrs[ATTR_MAX];
    size_t na;
    p = parse_name(p, end, name, sizeof name);
    size_t nlen = strlen(name);
    p = parse_attrs(p, end, attrs, &na);

    unsigned own = 0;
    size_t tel_idx = (size_t)-1;
    bool anchor = strcmp(name, "a") == 0 || strcmp(name, "area") == 0;
    for (size_t i = 0; i < na; i++) {
        const struct attr *at = &attrs[i];
        switch (at->name[0]) {
        case 'd':
            if (strcmp(at->name, "data-cfemail") == 0)
                ex_emails_cloudflare(&pg->c, at->val, at->vlen);
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
    unsigned cls = tag_class(name, nlen);
    switch (name[0]) {
    case 's':
        if (strcmp(name, "svg") == 0) own |= F_SVG;
        break;
    case 'm':
        if (strcmp(name, "meta") == 0) handle_meta(pg, attrs, na);
        break;
    case 'b':
        if (strcmp(name, "base") == 0) handle_base(pg, find_attr(attrs, na, "href"));
        break;
    case 'l':
        if (strcmp(name, "link") == 0) {
            const struct attr *rel = find_attr(attrs, na, "rel");
            const struct attr *href = find_attr(attrs, na, "href");
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

    if (!(cls & T_INLINE)) text_break(pg);
    if (cls & T_RAW) {
        const char *close = find_end_tag(p, end, name);
        const char *cend = close ? close : end;
        size_t n = (size_t)(cend - p);
        if (strcmp(name, "script") == 0) {
            handle_script(pg, find_attr(attrs, na, "type"), p, n);
        } else if (strcmp(name, "style") == 0) {
            handle_style(pg, p, n);
        } else if (strcmp(name, "title") == 0) {
            if ((!pg->title || !*pg->title) && !(top_flags(pg) & F_SVG)) {
                pg->dec.len = 0;
                ex_entity_decode(p, n, &pg->dec, false);
                pg->title = ex_collapse_ws(pg->c.a, pg->dec.data ? pg->dec.data : "", pg->dec.len);
            }
        }
        if (!close) return end;
        const char *gt = memchr(close, '>', (size_t)(end - close));
        return gt ? gt + 1 : end;
    }
    if (!(cls & T_VOID)) push(pg, name, own, tel_idx);
    return p;
}

static void parse(struct page *pg, const char *html, size_t len) {
    const char *p = html, *end = html + len;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) {
            text_add(pg, p, (size_t)(end - p));
            return;
        }
        if (lt > p) text_add(pg, p, (size_t)(lt - p));
        p = lt;
        if (end - p < 2) {
            text_add(pg, p, (size_t)(end - p));
            return;
        }
        char n1 = p[1];
        if (n1 == '!') {
            if (end - p >= 4 && p[2] == '-' && p[3] == '-') {
                const char *body = p + 4;
                if (body < end && *body == '>') {
                    p = body + 1;
                    continue;
                }
                if (end - body >= 2 && body[0] == '-' && body[1] == '>') {
                    p = body + 2;
                    continue;
                }
                const char *ce = memmem(body, (size_t)(end - body), "-->", 3);
                const char *cend = ce ? ce : end;
                if (memmem(body, (size_t)(cend - body), "addy", 4))
                    ex_emails_script(&pg->c, body, (size_t)(cend - body), false);
                p = ce ? ce + 3 : end;
            } else {
                const char *gt = memchr(p, '>', (size_t)(end - p));
                p = gt ? gt + 1 : end;
            }
        } else if (n1 == '/') {
            if (end - p >= 3 && ex_is_alpha((unsigned char)p[2])) {
                char name[NAME_MAX_LEN + 1];
                parse_name(p + 2, end, name, sizeof name);
                if (!(tag_class(name, strlen(name)) & T_INLINE)) text_break(pg);
                pop_to(pg, name);
            }
            const char *gt = memchr(p, '>', (size_t)(end - p));
            p = gt ? gt + 1 : end;
        } else if (ex_is_alpha((unsigned char)n1)) {
            p = start_tag(pg, p + 1, end);
        } else if (n1 == '?') {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            p = gt ? gt + 1 : end;
        } else {
            text_add(pg, p, 1);
            p++;
        }
    }
}

static int range_cmp(const void *x, const void *y) {
    const struct ex_range *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
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
    ex_emails_scan(&pg->c, t, pg->text.len);
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
    ex_buf_free(&pg->text);
    ex_buf_free(&pg->jsonld);
    ex_buf_free(&pg->dec);
    free(pg->ranges);
    if (pg->base.h) curl_url_cleanup(pg->base.h);
    if (pg->page.h) curl_url_cleanup(pg->page.h);
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
    into->title = meta_pick(into->title, from->title);
    into->description = meta_pick(into->description, from->description);
    into->keywords = meta_pick(into->keywords, from->keywords);
    into->image = meta_pick(into->image, from->image);
}
