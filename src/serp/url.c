/* URLs in and out of result pages: the engines' redirect links unwrapped to
 * their destination, and the engines' own result-page URLs built. */
#include "serp/internal.h"

#include "base/str.h"
#include "extract/extract.h"

#include <stdio.h>
#include <string.h>

enum { URL_MAX = 4096 };

const char *serp_engine_name(enum serp_engine e)
{
    return e == SERP_BING ? "bing" : "google";
}

bool serp_engine_from_name(const char *name, enum serp_engine *out)
{
    if (name && strcmp(name, "google") == 0) *out = SERP_GOOGLE;
    else if (name && strcmp(name, "bing") == 0) *out = SERP_BING;
    else return false;
    return true;
}

static char lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}

static bool starts_ci(const char *s, const char *lit)
{
    for (; *lit; s++, lit++)
        if (lower(*s) != *lit) return false;
    return true;
}

bool serp_is_http(const char *url)
{
    return url && (starts_ci(url, "http://") || starts_ci(url, "https://")) &&
           url[starts_ci(url, "https://") ? 8 : 7] != '\0';
}

const char *serp_host(const char *url, struct arena *a)
{
    if (!serp_is_http(url)) return "";
    const char *h = strstr(url, "://") + 3;
    size_t n = strcspn(h, "/?#");
    const char *at = memchr(h, '@', n);
    if (at) n -= (size_t)(at + 1 - h), h = at + 1;
    const char *colon = memchr(h, ':', n);
    if (colon && h[0] != '[') n = (size_t)(colon - h);
    char *out = arena_strndup(a, h, n);
    str_ascii_lower(out);
    return out;
}

const char *serp_clean_url(const char *s, size_t n, struct arena *a)
{
    const char *url = extract_html_text(s, n, true, a);
    size_t len = strlen(url);
    if (!len || len > URL_MAX || !serp_is_http(url) || !str_utf8_valid(url, len)) return NULL;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f || url[i] == ' ') return NULL;
    return url;
}

const char *serp_query_param(const char *url, const char *name, struct arena *a)
{
    const char *q = strchr(url, '?');
    if (!q) return NULL;
    size_t nl = strlen(name);
    for (const char *p = q + 1; *p && *p != '#';) {
        size_t len = strcspn(p, "&#");
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
            return arena_strndup(a, p + nl + 1, len - nl - 1);
        p += len;
        if (*p == '&') p++;
    }
    return NULL;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if ((ch | 32) >= 'a' && (ch | 32) <= 'f') return (ch | 32) - 'a' + 10;
    return -1;
}

/* %XX decoded ('+' kept: in a URL it is a plus); NULL when it hides a NUL. */
static char *percent_decode(const char *s, struct arena *a)
{
    if (!s) return NULL;
    size_t n = strlen(s), o = 0;
    char *out = arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            if (!out[o++]) return NULL;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int b64val(char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

/* Standard or URL-safe base64, padding optional (percent-encoded '=' too). */
static char *base64_decode(const char *s, struct arena *a)
{
    size_t n = strlen(s), o = 0;
    char *out = arena_alloc(a, n + 1);
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' || (s[i] == '%' && strncmp(s + i, "%3D", 3) == 0)) break;
        int v = b64val(s[i]);
        if (v < 0) return NULL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    return memchr(out, '\0', o) ? NULL : out;
}

static const char *usable(const char *url, struct arena *a)
{
    return url ? serp_clean_url(url, strlen(url), a) : NULL;
}

/* Google: /url?q=DEST (or url=DEST), and aclk?...&adurl=DEST. */
static const char *unwrap_google(const char *href, struct arena *a)
{
    const char *v = NULL;
    if (strstr(href, "/url?") || strncmp(href, "url?", 4) == 0) {
        v = serp_query_param(href, "q", a);
        if (!v || !*v) v = serp_query_param(href, "url", a);
    } else if (strstr(href, "/aclk?")) {
        v = serp_query_param(href, "adurl", a);
    }
    return v && *v ? usable(percent_decode(v, a), a) : NULL;
}

/* Bing: /ck/a?...&u=a1<base64url of DEST>; aclick?...&u=<base64 of %-encoded DEST>. */
static const char *unwrap_bing(const char *href, struct arena *a)
{
    const char *u = serp_query_param(href, "u", a);
    if (!u || !*u) return NULL;
    u = percent_decode(u, a);
    if (!u) return NULL;
    if (strstr(href, "/ck/a?")) {
        if (strncmp(u, "a1", 2) != 0) return NULL;
        return usable(base64_decode(u + 2, a), a);
    }
    const char *dest = percent_decode(base64_decode(u, a), a);
    if (!dest) return NULL;
    /* sitelinks carry "www.example.com/path" without a scheme */
    if (!serp_is_http(dest) && *dest && !strstr(dest, "://") && !strchr(" /?#", dest[0]))
        dest = arena_sprintf(a, "https://%s", dest);
    return usable(dest, a);
}

const char *serp_unwrap_url(const char *href, struct arena *a)
{
    if (!href) return NULL;
    bool bing = strstr(href, "bing.com/ck/a?") || strstr(href, "bing.com/aclick?") ||
                strncmp(href, "/ck/a?", 6) == 0 || strncmp(href, "/aclick?", 8) == 0;
    return bing ? unwrap_bing(href, a) : unwrap_google(href, a);
}

char *serp_query_encode(const char *s, struct arena *a)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), o = 0;
    char *out = arena_alloc(a, n * 3 + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else if (ch == ' ') {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
    return out;
}

char *serp_engine_url(enum serp_engine e, const char *base, const char *query, int64_t offset,
                      int count, struct arena *a)
{
    const char *sep = strchr(base, '?') ? "&" : "?";
    const char *q = serp_query_encode(query, a);
    if (e == SERP_BING)
        return arena_sprintf(a, "%s%sq=%s&first=%lld&count=%d", base, sep, q,
                             (long long)offset + 1, count);
    return arena_sprintf(a, "%s%sq=%s&start=%lld&hl=en", base, sep, q, (long long)offset);
}
