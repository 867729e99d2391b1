/* The HTML tokenizer: memchr to the next '<', then one small decision per
 * markup construct, so text, scripts and long attribute values (inline
 * images) cost little more than a scan for one byte. */
#include "html/tokenizer.h"

#include <string.h>

static inline char lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}

static inline bool is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static inline bool is_alpha(unsigned char ch)
{
    return (ch | 32) >= 'a' && (ch | 32) <= 'z';
}

/* Looked up by first letter and length, without strcmp chains. */
unsigned html_tag_class(const char *name, size_t len)
{
    static const struct {
        const char *name;
        unsigned char len, cls;
    } tags[] = {
        {"a", 1, 0},
        {"abbr", 4, HTML_INLINE},
        {"area", 4, HTML_VOID},
        {"b", 1, HTML_INLINE},
        {"base", 4, HTML_VOID},
        {"bdi", 3, HTML_INLINE},
        {"bdo", 3, HTML_INLINE},
        {"big", 3, HTML_INLINE},
        {"br", 2, HTML_VOID},
        {"cite", 4, HTML_INLINE},
        {"code", 4, HTML_INLINE},
        {"col", 3, HTML_VOID},
        {"data", 4, HTML_INLINE},
        {"del", 3, HTML_INLINE},
        {"dfn", 3, HTML_INLINE},
        {"em", 2, HTML_INLINE},
        {"embed", 5, HTML_VOID},
        {"font", 4, HTML_INLINE},
        {"frame", 5, HTML_VOID},
        {"hr", 2, HTML_VOID},
        {"i", 1, HTML_INLINE},
        {"iframe", 6, HTML_RAW},
        {"img", 3, HTML_VOID},
        {"input", 5, HTML_VOID},
        {"ins", 3, HTML_INLINE},
        {"kbd", 3, HTML_INLINE},
        {"keygen", 6, HTML_VOID},
        {"link", 4, HTML_VOID},
        {"mark", 4, HTML_INLINE},
        {"meta", 4, HTML_VOID},
        {"nobr", 4, HTML_INLINE},
        {"noembed", 7, HTML_RAW},
        {"noframes", 8, HTML_RAW},
        {"param", 5, HTML_VOID},
        {"q", 1, HTML_INLINE},
        {"s", 1, HTML_INLINE},
        {"samp", 4, HTML_INLINE},
        {"script", 6, HTML_RAW},
        {"small", 5, HTML_INLINE},
        {"source", 6, HTML_VOID},
        {"span", 4, HTML_INLINE},
        {"strong", 6, HTML_INLINE},
        {"style", 5, HTML_RAW},
        {"sub", 3, HTML_INLINE},
        {"sup", 3, HTML_INLINE},
        {"textarea", 8, HTML_RAW},
        {"time", 4, HTML_INLINE},
        {"title", 5, HTML_RAW},
        {"track", 5, HTML_VOID},
        {"tt", 2, HTML_INLINE},
        {"u", 1, HTML_INLINE},
        {"var", 3, HTML_INLINE},
        {"wbr", 3, HTML_VOID | HTML_INLINE},
        {"xmp", 3, HTML_RAW},
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

const struct html_attr *html_token_attr(const struct html_token *tok, const char *name)
{
    for (size_t i = 0; i < tok->nattrs; i++)
        if (strcmp(tok->attrs[i].name, name) == 0) return &tok->attrs[i];
    return NULL;
}

void html_tokenizer_init(struct html_tokenizer *t, const char *s, size_t n)
{
    t->p = s;
    t->end = s ? s + n : s;
}

static bool starts_ci(const char *s, size_t n, const char *lit)
{
    for (size_t i = 0; lit[i]; i++)
        if (i >= n || lower(s[i]) != lit[i]) return false;
    return true;
}

/* Finds "</name" (case-insensitive) followed by a delimiter; returns its start or NULL. */
static const char *find_end_tag(const char *p, const char *end, const char *name, size_t nl)
{
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) return NULL;
        if ((size_t)(end - lt) >= nl + 2 && lt[1] == '/' && starts_ci(lt + 2, nl, name)) {
            const char *d = lt + 2 + nl;
            if (d >= end || is_space((unsigned char)*d) || *d == '>' || *d == '/') return lt;
        }
        p = lt + 1;
    }
    return NULL;
}

static const char *parse_name(const char *p, const char *end, struct html_token *tok)
{
    size_t n = 0;
    while (p < end && !is_space((unsigned char)*p) && *p != '/' && *p != '>') {
        if (n < HTML_NAME_MAX) tok->name[n++] = lower(*p);
        p++;
    }
    tok->name[n] = '\0';
    tok->name_len = n;
    return p;
}

static void add_attr(struct html_token *tok, const char *name, size_t nlen, const char *val,
                     size_t vlen)
{
    if (tok->nattrs == HTML_ATTR_MAX) return;
    struct html_attr *a = &tok->attrs[tok->nattrs++];
    size_t k = nlen < sizeof a->name - 1 ? nlen : sizeof a->name - 1;
    for (size_t i = 0; i < k; i++) a->name[i] = lower(name[i]);
    a->name[k] = '\0';
    a->val = val;
    a->vlen = vlen;
}

/* Parses attributes after the tag name; returns the position after '>'. */
static const char *parse_attrs(const char *p, const char *end, struct html_token *tok)
{
    tok->nattrs = 0;
    tok->self_closing = false;
    while (p < end) {
        bool slash = false; /* "/>" closes; the '/' of an unquoted value does not */
        while (p < end && (is_space((unsigned char)*p) || *p == '/')) slash = *p++ == '/';
        if (p >= end) return end;
        if (*p == '>') {
            tok->self_closing = slash;
            return p + 1;
        }
        const char *ns = p;
        p++; /* the first character may be '=' */
        while (p < end && !is_space((unsigned char)*p) && *p != '/' && *p != '>' && *p != '=') p++;
        size_t nlen = (size_t)(p - ns);
        while (p < end && is_space((unsigned char)*p)) p++;
        const char *val = "";
        size_t vlen = 0;
        if (p < end && *p == '=') {
            p++;
            while (p < end && is_space((unsigned char)*p)) p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
                val = p + 1;
                vlen = close ? (size_t)(close - val) : (size_t)(end - val);
                p = close ? close + 1 : end;
            } else {
                val = p;
                while (p < end && !is_space((unsigned char)*p) && *p != '>') p++;
                vlen = (size_t)(p - val);
            }
        }
        add_attr(tok, ns, nlen, val, vlen);
    }
    return end;
}

static const char *skip_past_gt(const char *p, const char *end)
{
    const char *gt = memchr(p, '>', (size_t)(end - p));
    return gt ? gt + 1 : end;
}

/* A start tag at p ("<" + letter): name, attributes, and for raw-text
 * elements the content up to the end tag. */
static const char *start_tag(const char *p, const char *end, struct html_token *tok)
{
    tok->kind = HTML_START;
    p = parse_attrs(parse_name(p + 1, end, tok), end, tok);
    tok->cls = html_tag_class(tok->name, tok->name_len);
    tok->text = NULL;
    tok->len = 0;
    if (!(tok->cls & HTML_RAW)) return p;
    const char *close = find_end_tag(p, end, tok->name, tok->name_len);
    tok->text = p;
    tok->len = (size_t)((close ? close : end) - p);
    return close ? skip_past_gt(close, end) : end;
}

/* A comment at p ("<!--"): its body, without the delimiters. */
static const char *comment(const char *p, const char *end, struct html_token *tok)
{
    const char *body = p + 4;
    tok->kind = HTML_COMMENT;
    tok->text = body;
    tok->len = 0;
    if (body < end && *body == '>') return body + 1; /* <!--> */
    if (end - body >= 2 && body[0] == '-' && body[1] == '>') return body + 2; /* <!---> */
    const char *ce = memmem(body, (size_t)(end - body), "-->", 3);
    tok->len = (size_t)((ce ? ce : end) - body);
    return ce ? ce + 3 : end;
}

static void text_token(struct html_token *tok, const char *s, size_t n)
{
    tok->kind = HTML_TEXT;
    tok->text = s;
    tok->len = n;
}

bool html_next(struct html_tokenizer *t, struct html_token *tok)
{
    const char *end = t->end;
    while (t->p < end) {
        const char *p = t->p;
        if (*p != '<') {
            const char *lt = memchr(p, '<', (size_t)(end - p));
            t->p = lt ? lt : end;
            text_token(tok, p, (size_t)(t->p - p));
            return true;
        }
        if (end - p < 2) {
            t->p = end;
            text_token(tok, p, (size_t)(end - p));
            return true;
        }
        char n1 = p[1];
        if (n1 == '!' && end - p >= 4 && p[2] == '-' && p[3] == '-') {
            t->p = comment(p, end, tok);
            return true;
        }
        if (n1 == '/' && end - p >= 3 && is_alpha((unsigned char)p[2])) {
            tok->kind = HTML_END;
            parse_name(p + 2, end, tok);
            tok->cls = html_tag_class(tok->name, tok->name_len);
            t->p = skip_past_gt(p, end);
            return true;
        }
        if (is_alpha((unsigned char)n1)) {
            t->p = start_tag(p, end, tok);
            return true;
        }
        if (n1 == '!' || n1 == '/' || n1 == '?') { /* doctype, bogus comments, </ junk> */
            t->p = skip_past_gt(p, end);
            continue;
        }
        t->p = p + 1; /* a lone '<' is text */
        text_token(tok, p, 1);
        return true;
    }
    return false;
}
