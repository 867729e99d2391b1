/* Email extraction: validation (syntax + a real public suffix from libpsl's
 * built-in list, without the wildcard rule, so logo@2x.png is no address),
 * plain-text scanning around '@', the spelled-out forms, mailto: values,
 * Cloudflare's XOR hex, and inline scripts (literals that are exactly an
 * address, '+'-chained literals, Joomla's addy variables). */
#include <libpsl.h>
#include <string.h>

#include "extract/internal.h"

enum { LOCAL_MAX = 64, DOMAIN_MAX = 253, EMAIL_MAX = 254 };

static bool local_char(unsigned char ch) {
    return ex_is_alnum(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}

static bool domain_char(unsigned char ch) {
    return ex_is_alnum(ch) || ch == '-' || ch == '.';
}

/* The domain (lower-case, NUL-terminated) ends in a real ICANN suffix and is
 * not itself a public suffix. */
static bool domain_has_real_suffix(const char *domain) {
    const psl_ctx_t *psl = psl_builtin();
    if (!psl) return true; /* no list compiled in: syntax checks only */
    const char *tld = strrchr(domain, '.');
    if (!tld) return false;
    if (!psl_is_public_suffix2(psl, tld + 1, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) return false;
    if (psl_is_public_suffix2(psl, domain, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) return false;
    return true;
}

static bool domain_syntax_ok(const char *d, size_t n) {
    if (n < 4 || n > DOMAIN_MAX) return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && d[i] != '.') {
            if (!ex_is_alnum((unsigned char)d[i]) && d[i] != '-') return false;
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > 63) return false;
        if (d[start] == '-' || d[i - 1] == '-') return false;
        labels++;
        if (i == n) {
            /* the TLD: letters, or an IDNA A-label */
            bool alpha = true;
            for (size_t k = start; k < n; k++)
                if (!ex_is_alpha((unsigned char)d[k])) alpha = false;
            if (len < 2 || (!alpha && !ex_istarts(d + start, len, "xn--"))) return false;
        }
        start = i + 1;
    }
    return labels >= 2;
}

bool extract_email_valid(const char *s, size_t len) {
    if (!s || len < 6 || len > EMAIL_MAX) return false;
    const char *at = memchr(s, '@', len);
    if (!at || memchr(at + 1, '@', len - (size_t)(at - s) - 1)) return false;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > LOCAL_MAX) return false;
    if (s[0] == '.' || s[local - 1] == '.') return false;
    for (size_t i = 0; i < local; i++) {
        if (!local_char((unsigned char)s[i])) return false;
        if (s[i] == '.' && s[i + 1] == '.') return false;
    }
    size_t dlen = len - local - 1;
    if (!domain_syntax_ok(at + 1, dlen)) return false;
    char domain[DOMAIN_MAX + 1];
    for (size_t i = 0; i < dlen; i++)
        domain[i] = ex_lower(at[1 + i]);
    domain[dlen] = '\0';
    return domain_has_real_suffix(domain);
}

/* Where the address at s sits in the visible text: its offset when s is in it,
 * else the place of the markup that carried it (a mailto link). */
static void note_spot(struct ex_ctx *c, const char *s, const char *email) {
    struct ex_spots *sp = c->spots;
    if (sp->count == EX_SPOTS_MAX) return;
    bool in_text = c->spot_text && s >= c->spot_text && s < c->spot_text + c->spot_len;
    if (sp->count == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 16;
        sp->items = xrealloc(sp->items, sp->cap * sizeof *sp->items);
    }
    sp->items[sp->count++] =
        (struct ex_spot){in_text ? (size_t)(s - c->spot_text) : c->spot_at, email};
}

const char *ex_email_add(struct ex_ctx *c, const char *s, size_t n) {
    while (n && ex_is_space((unsigned char)*s))
        s++, n--;
    while (n && ex_is_space((unsigned char)s[n - 1]))
        n--;
    if (n > 7 && ex_istarts(s, n, "mailto:")) s += 7, n -= 7;
    if (n > EMAIL_MAX) return NULL;
    char lower[EMAIL_MAX + 1];
    for (size_t i = 0; i < n; i++)
        lower[i] = ex_lower(s[i]);
    lower[n] = '\0';
    size_t seen = ex_list_find(&c->emails, lower);
    const char *email;
    if (seen != (size_t)-1) {
        email = c->emails.items[seen]; /* valid, not junk */
    } else {
        if (!extract_email_valid(s, n) || ex_junk_email(lower, n)) return NULL;
        email = arena_strndup(c->a, lower, n);
        ex_list_add(&c->emails, email, email, NULL);
    }
    if (c->spots) note_spot(c, s, email);
    return email;
}

static bool hex4(const char *s) {
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!ex_is_digit(ch) && !((ch | 32) >= 'a' && (ch | 32) <= 'f')) return false;
    }
    return true;
}

void ex_emails_scan(struct ex_ctx *c, const char *s, size_t n) {
    const char *end = s + n, *p = s;
    while (p < end) {
        const char *at = memchr(p, '@', (size_t)(end - p));
        if (!at) return;
        p = at + 1;
        const char *l = at;
        while (l > s && at - l <= LOCAL_MAX && local_char((unsigned char)l[-1]))
            l--;
        if (at - l > LOCAL_MAX) continue;
        /* a JSON/JS escape before the address must not stick to it (\n, \u002F) */
        if (l > s && l[-1] == '\\') {
            if (*l == 'u' && at - l > 5 && hex4(l + 1))
                l += 5;
            else if (at - l > 1)
                l++;
        }
        while (l < at && (*l == '.' || *l == '-' || *l == '+' || *l == '%'))
            l++;
        if (l == at) continue;
        const char *r = at + 1;
        while (r < end && r - at <= DOMAIN_MAX && domain_char((unsigned char)*r))
            r++;
        while (r > at + 1 && (r[-1] == '.' || r[-1] == '-'))
            r--;
        /* try the whole domain, then without trailing labels ("a@b.de.Next") */
        for (int tries = 0; tries < 3 && r > at + 1; tries++) {
            size_t len = (size_t)(r - l);
            if (extract_email_valid(l, len)) {
                ex_email_add(c, l, len);
                p = r;
                break;
            }
            const char *dot = r;
            while (dot > at + 1 && dot[-1] != '.')
                dot--;
            if (dot <= at + 1) break;
            /* icon@empty-site.com.jpg is an asset's file name, not an address */
            if (ex_junk_extension(dot, (size_t)(r - dot))) break;
            r = dot - 1;
        }
    }
}

/* ---- spelled-out forms ---- */

enum at_kind { AT_NONE, AT_BRACKET, AT_UPPER, AT_LOWER };

static char closer(char open) {
    switch (open) {
    case '[':
        return ']';
    case '(':
        return ')';
    case '{':
        return '}';
    case '<':
        return '>';
    default:
        return 0;
    }
}

/* A bracketed word at s[i]: "[ at ]", "(dot)", "{.}"... word is "at" or "dot";
 * returns its length or 0. */
static size_t bracketed(const char *s, size_t n, size_t i, const char *word, char alt) {
    char close = closer(s[i]);
    if (!close) return 0;
    size_t j = i + 1;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    size_t wl = strlen(word);
    if (j + wl <= n && ex_istarts(s + j, n - j, word))
        j += wl;
    else if (j < n && s[j] == alt)
        j++;
    else
        return 0;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    if (j < n && s[j] == close) return j + 1 - i;
    return 0;
}

static size_t skip_blanks(const char *s, size_t n, size_t i) {
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || (s[i] == '\xC2' && i + 1 < n && s[i + 1] == '\xA0')))
        i += s[i] == '\xC2' ? 2 : 1;
    return i;
}

/* A dot token at s[i]; *strong is set for forms prose cannot contain. */
static size_t dot_token(const char *s, size_t n, size_t i, enum at_kind kind, bool *strong) {
    if (i < n && s[i] == '.') {
        *strong = false;
        return 1;
    }
    size_t j = skip_blanks(s, n, i);
    if (j < n) {
        size_t b = bracketed(s, n, j, "dot", '.');
        if (b) {
            *strong = true;
            return skip_blanks(s, n, j + b) - i;
        }
    }
    if (i + 5 <= n && s[i] == ' ' && s[i + 4] == ' ') {
        if (memcmp(s + i + 1, "DOT", 3) == 0 && kind != AT_LOWER) {
            *strong = true;
            return 5;
        }
        if (memcmp(s + i + 1, "dot", 3) == 0 && kind == AT_BRACKET) {
            *strong = false;
            return 5;
        }
    }
    return 0;
}

static size_t label_len(const char *s, size_t n, size_t i) {
    size_t j = i;
    while (j < n && j - i < 63 && (ex_is_alnum((unsigned char)s[j]) || s[j] == '-'))
        j++;
    return j - i;
}

static void spelled_one(struct ex_ctx *c, const char *s, size_t n, size_t at_start, size_t at_end,
                        enum at_kind kind, struct ex_buf *out) {
    /* local part: a run of local characters just before the token */
    size_t k = at_start;
    while (kind == AT_BRACKET && k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    size_t lend = k;
    while (k > 0 && lend - k < LOCAL_MAX && local_char((unsigned char)s[k - 1]))
        k--;
    while (k < lend && (s[k] == '.' || s[k] == '-'))
        k++;
    if (k == lend) return;
    out->len = 0;
    ex_buf_add(out, s + k, lend - k);
    ex_buf_putc(out, '@');
    size_t i = at_end;
    if (kind == AT_BRACKET) i = skip_blanks(s, n, i);
    size_t l = label_len(s, n, i);
    if (!l) return;
    ex_buf_add(out, s + i, l);
    i += l;
    bool any_strong = false;
    size_t labels = 1;
    while (i < n && labels < 16) {
        bool strong = false;
        size_t d = dot_token(s, n, i, kind, &strong);
        if (!d) break;
        size_t l2 = label_len(s, n, i + d);
        if (!l2) break;
        any_strong |= strong;
        ex_buf_putc(out, '.');
        ex_buf_add(out, s + i + d, l2);
        i += d + l2;
        labels++;
    }
    if (kind != AT_BRACKET && !any_strong) return;
    ex_email_add(c, out->data, out->len);
}

void ex_emails_scan_spelled(struct ex_ctx *c, const char *s, size_t n) {
    struct ex_buf out = {0};
    for (size_t i = 0; i + 3 < n; i++) {
        char ch = s[i];
        if (ch == '[' || ch == '(' || ch == '{' || ch == '<') {
            size_t b = bracketed(s, n, i, "at", '@');
            if (b) {
                spelled_one(c, s, n, i, i + b, AT_BRACKET, &out);
                i += b - 1;
            }
        } else if (ch == ' ' && i + 4 < n && s[i + 3] == ' ') {
            if (s[i + 1] == 'A' && s[i + 2] == 'T')
                spelled_one(c, s, n, i, i + 4, AT_UPPER, &out);
            else if (s[i + 1] == 'a' && s[i + 2] == 't')
                spelled_one(c, s, n, i, i + 4, AT_LOWER, &out);
        }
    }
    ex_buf_free(&out);
}

/* ---- mailto:, Cloudflare, ROT13 hrefs ---- */

static void scan_list(struct ex_ctx *c, const char *s, size_t n) {
    struct ex_buf dec = {0};
    ex_url_decode(s, n, &dec);
    if (dec.len) ex_emails_scan(c, dec.data, dec.len);
    ex_buf_free(&dec);
}

void ex_emails_mailto(struct ex_ctx *c, const char *s, size_t n) {
    const char *q = memchr(s, '?', n);
    size_t addr_len = q ? (size_t)(q - s) : n;
    if (addr_len) scan_list(c, s, addr_len);
    if (!q) return;
    const char *p = q + 1, *end = s + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pend = amp ? amp : end;
        size_t plen = (size_t)(pend - p);
        if (ex_istarts(p, plen, "to="))
            scan_list(c, p + 3, plen - 3);
        else if (ex_istarts(p, plen, "cc="))
            scan_list(c, p + 3, plen - 3);
        else if (ex_istarts(p, plen, "bcc="))
            scan_list(c, p + 4, plen - 4);
        p = amp ? amp + 1 : end;
    }
}

static int hexnib(unsigned char ch) {
    if (ex_is_digit(ch)) return ch - '0';
    ch |= 32;
    return (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : -1;
}

void ex_emails_cloudflare(struct ex_ctx *c, const char *hex, size_t n) {
    size_t digits = 0;
    while (digits < n && hexnib((unsigned char)hex[digits]) >= 0)
        digits++;
    if (digits < 4 || digits % 2 || digits > 4096) return;
    struct ex_buf raw = {0}, dec = {0};
    int key = hexnib((unsigned char)hex[0]) * 16 + hexnib((unsigned char)hex[1]);
    for (size_t i = 2; i + 1 < digits; i += 2) {
        int b = hexnib((unsigned char)hex[i]) * 16 + hexnib((unsigned char)hex[i + 1]);
        ex_buf_putc(&raw, (char)(b ^ key));
    }
    ex_entity_decode(raw.data, raw.len, &dec, true);
    if (!dec.len) goto out;
    const char *q = memchr(dec.data, '?', dec.len);
    size_t len = q ? (size_t)(q - dec.data) : dec.len;
    if (len > 7 && ex_istarts(dec.data, len, "mailto:")) {
        ex_emails_mailto(c, dec.data + 7, dec.len - 7);
    } else if (len) {
        ex_emails_scan(c, dec.data, len);
    }
out:
    ex_buf_free(&raw);
    ex_buf_free(&dec);
}

void ex_emails_rot13_href(struct ex_ctx *c, const char *s, size_t n) {
    const char *m = ex_ifind(s, n, "znvygb:");
    if (!m) return;
    const char *p = m + 7, *end = s + n;
    const char *e = p;
    while (e < end && (local_char((unsigned char)*e) || *e == '@'))
        e++;
    if (e == p || e - p > EMAIL_MAX) return;
    char buf[EMAIL_MAX + 1];
    size_t len = (size_t)(e - p);
    memcpy(buf, p, len);
    ex_rot13(buf, len);
    ex_emails_scan(c, buf, len);
}

/* ---- inline scripts ---- */

/* Finds the closing quote of the literal opened at s[i] and returns its index;
 * returns 0 when it is not a plausible literal (unterminated, or a ' or "
 * literal that spans a line: a quote seen out of step), with *stop set to where
 * the scan gave up, so callers resume there and no byte is scanned twice. */
static size_t literal_end(const char *s, size_t n, size_t i, size_t *stop) {
    char q = s[i];
    *stop = n;
    for (size_t j = i + 1; j < n; j++) {
        char ch = s[j];
        if (ch == '\\') {
            j++;
        } else if (ch == q) {
            return j;
        } else if (ch == '\n' && q != '`') {
            *stop = j;
            return 0;
        }
    }
    *stop = n;
    return 0;
}

static bool is_ident(unsigned char ch) {
    return ex_is_alnum(ch) || ch == '_' || ch == '$';
}

enum { VALUE_MAX = 512 };

/* Appends the decoded literal s[i] .. s[close] to val. */
static void add_literal(const char *s, size_t i, size_t close, struct ex_buf *val) {
    const char *raw = s + i + 1;
    size_t len = close - i - 1;
    if (val->len + len > VALUE_MAX * 4) return;
    if (memchr(raw, '\\', len))
        ex_js_unescape(raw, len, val);
    else
        ex_buf_add(val, raw, len);
}

/* A literal's value counts when it is exactly an address, or for each mailto: in it
 * (a link's href "mailto:a@b.de?subject=...", markup for document.write). */
static void check_value(struct ex_ctx *c, const struct ex_buf *val) {
    if (!val->len || val->len > VALUE_MAX) return;
    struct ex_buf dec = {0};
    const char *v = val->data;
    size_t n = val->len;
    if (memchr(v, '&', n)) {
        ex_entity_decode(v, n, &dec, false);
        v = dec.data;
        n = dec.len;
    }
    if (memchr(v, '@', n)) {
        const char *m = ex_ifind(v, n, "mailto:");
        if (!m) ex_email_add(c, v, n);
        for (const char *end = v + n; m; m = ex_ifind(m, (size_t)(end - m), "mailto:")) {
            m += 7;
            size_t len = 0;
            while (m + len < end && !strchr("?\"'> \t\n<", m[len]))
                len++;
            ex_email_add(c, m, len);
        }
    }
    ex_buf_free(&dec);
}

static size_t skip_js_space(const char *s, size_t n, size_t i) {
    while (i < n && ex_is_space((unsigned char)s[i]))
        i++;
    return i;
}

static unsigned address_markers(const char *s, size_t n);
static void script_literals(struct ex_ctx *c, const char *s, size_t n, int depth);

enum { JSON_DEPTH_MAX = 2 };

/* A literal that holds a JSON document (JSON.parse('{"email":"..."}'), Next.js's
 * self.__next_f.push([1,"{\"email\":...}"])) has its own literals read in turn, one
 * level of escapes deeper. True when s[i] .. s[close] is such a literal. */
static bool json_literal(struct ex_ctx *c, const char *s, size_t i, size_t close, int depth) {
    const char *raw = s + i + 1;
    size_t len = close - i - 1;
    if (len < 2 || (raw[0] != '{' && raw[0] != '[')) return false;
    if (depth >= JSON_DEPTH_MAX || !address_markers(raw, len)) return true;
    struct ex_buf doc = {0};
    ex_js_unescape(raw, len, &doc);
    script_literals(c, doc.data, doc.len, depth + 1);
    ex_buf_free(&doc);
    return true;
}

/* Evaluates a chain of literals ('a' + 'b' + ...) starting at s[i]; returns the
 * index after it, or i + 1 when s[i] opens no plausible literal. */
static size_t literal_chain(struct ex_ctx *c, const char *s, size_t n, size_t i,
                            struct ex_buf *val, int depth) {
    val->len = 0;
    size_t stop = 0;
    size_t close = literal_end(s, n, i, &stop);
    if (!close) return stop > i ? stop : i + 1;
    if (json_literal(c, s, i, close, depth)) return close + 1;
    for (;;) {
        add_literal(s, i, close, val);
        size_t j = skip_js_space(s, n, close + 1);
        if (j >= n || s[j] != '+') {
            check_value(c, val);
            return close + 1;
        }
        j = skip_js_space(s, n, j + 1);
        if (j >= n || (s[j] != '\'' && s[j] != '"')) {
            check_value(c, val);
            return close + 1;
        }
        size_t next = literal_end(s, n, j, &stop);
        if (!next) {
            check_value(c, val);
            return close + 1;
        }
        i = j;
        close = next;
    }
}

/* Joomla's cloak: var addyNNN = '...' + '&#64;'; addyNNN = addyNNN + '...' + '&#46;' + '...';
 * Evaluates each assignment to an identifier that starts with "addy". */
static void joomla_addy(struct ex_ctx *c, const char *s, size_t n) {
    struct ex_buf val = {0};
    char var[80] = "";
    struct ex_buf prev = {0}; /* value of var */
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), "addy", 4);
        if (!hit) break;
        size_t i = (size_t)(hit - s);
        p = hit + 4;
        if (i > 0 && is_ident((unsigned char)s[i - 1])) continue;
        size_t j = i;
        while (j < n && is_ident((unsigned char)s[j]))
            j++;
        size_t name_len = j - i;
        if (name_len >= sizeof var) continue;
        size_t k = skip_js_space(s, n, j);
        if (k >= n || s[k] != '=' || (k + 1 < n && s[k + 1] == '=')) continue;
        k = skip_js_space(s, n, k + 1);
        val.len = 0;
        bool any = false;
        for (;;) {
            if (k < n && (s[k] == '\'' || s[k] == '"')) {
                size_t stop = 0;
                size_t close = literal_end(s, n, k, &stop);
                if (!close) {
                    k = stop; /* resume after the failed literal */
                    break;
                }
                add_literal(s, k, close, &val);
                k = close + 1;
                any = true;
            } else if (k < n && is_ident((unsigned char)s[k])) {
                size_t e = k;
                while (e < n && is_ident((unsigned char)s[e]))
                    e++;
                if (e - k != strlen(var) || memcmp(s + k, var, e - k) != 0) break;
                ex_buf_add(&val, prev.data ? prev.data : "", prev.len);
                k = e;
                any = true;
            } else {
                break;
            }
            k = skip_js_space(s, n, k);
            if (k >= n || s[k] != '+') break;
            k = skip_js_space(s, n, k + 1);
        }
        if (!any) {
            if (s + k > p) p = s + k;
            continue;
        }
        memcpy(var, s + i, name_len);
        var[name_len] = '\0';
        prev.len = 0;
        ex_buf_add(&prev, val.data, val.len);
        check_value(c, &val);
        p = s + k;
    }
    ex_buf_free(&val);
    ex_buf_free(&prev);
}

enum { MARK_AT = 1, MARK_ENTITY = 2, MARK_ESCAPE = 4 };

/* Could the script hold an address: '@' (MARK_AT), an entity-encoded one
 * (&#64; &#x40; &commat;: MARK_ENTITY, which Joomla's cloak always uses) or a
 * JS-escaped one (\u0040 \x40)? One memchr pass per marker byte. */
static unsigned address_markers(const char *s, size_t n) {
    unsigned m = memchr(s, '@', n) ? MARK_AT : 0;
    const char *end = s + n;
    for (const char *p = s; (p = memchr(p, '&', (size_t)(end - p))) != NULL; p++) {
        size_t rest = (size_t)(end - p);
        if (ex_istarts(p, rest, "&#64") || ex_istarts(p, rest, "&#x40") ||
            ex_istarts(p, rest, "&commat")) {
            m |= MARK_ENTITY;
            break;
        }
    }
    if (m) return m;
    for (const char *p = s; (p = memchr(p, '\\', (size_t)(end - p))) != NULL; p++) {
        size_t rest = (size_t)(end - p);
        if (ex_istarts(p, rest, "\\u0040") || ex_istarts(p, rest, "\\x40") ||
            ex_istarts(p, rest, "\\u{40}") || ex_istarts(p, rest, "\\100"))
            return MARK_ESCAPE;
    }
    return 0;
}

/* Every literal (or '+' chain of them) of a script that may hold an address. */
static void script_literals(struct ex_ctx *c, const char *s, size_t n, int depth) {
    struct ex_buf val = {0};
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\'' || ch == '`') {
            i = literal_chain(c, s, n, i, &val, depth);
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '/') {
            const char *nl = memchr(s + i, '\n', n - i);
            i = nl ? (size_t)(nl - s) + 1 : n;
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '*') {
            const char *e = memmem(s + i + 2, n - i - 2, "*/", 2);
            i = e ? (size_t)(e - s) + 2 : n;
        } else {
            i++;
        }
    }
    ex_buf_free(&val);
}

void ex_emails_script(struct ex_ctx *c, const char *s, size_t n, bool literals) {
    unsigned marks = address_markers(s, n);
    if (!marks) return;
    if ((marks & MARK_ENTITY) && memmem(s, n, "addy", 4)) joomla_addy(c, s, n);
    if (literals) script_literals(c, s, n, 0);
}

size_t extract_emails_from_text(const char *text, size_t len, struct arena *a, const char ***out) {
    struct ex_ctx c = {.a = a};
    if (text && len) {
        ex_emails_scan(&c, text, len);
        ex_emails_scan_spelled(&c, text, len);
    }
    size_t count = c.emails.count;
    *out = ex_list_export(&c.emails, a, NULL);
    ex_list_free(&c.emails);
    return count;
}

bool extract_email_on_site(const char *email, const char *host) {
    const char *at = email ? strrchr(email, '@') : NULL;
    if (!at || !host || !*host) return false;
    char d[DOMAIN_MAX + 1], h[DOMAIN_MAX + 1];
    size_t dn = strlen(at + 1), hn = strlen(host);
    if (dn > DOMAIN_MAX || hn > DOMAIN_MAX) return false;
    for (size_t i = 0; i <= dn; i++)
        d[i] = ex_lower(at[1 + i]);
    for (size_t i = 0; i <= hn; i++)
        h[i] = ex_lower(host[i]);
    if (hn && h[hn - 1] == '.') h[--hn] = '\0';
    if (strcmp(d, h) == 0) return true;
    const psl_ctx_t *psl = psl_builtin();
    if (!psl) return false;
    const char *rd = psl_registrable_domain(psl, d), *rh = psl_registrable_domain(psl, h);
    return rd && rh && strcmp(rd, rh) == 0;
}
