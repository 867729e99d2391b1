/* Pages in any charset to UTF-8 (glibc iconv). Bytes that already form valid
 * UTF-8 are taken as UTF-8 whatever the page declares: pages that say
 * iso-8859-1 but are UTF-8 are common, while Latin-1 text with non-ASCII
 * letters is almost never valid UTF-8 by accident. */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "base/str.h"
#include "extract/internal.h"

enum { SNIFF_BYTES = 4096, CHARSET_MAX = 40 };

/* Reads a charset name after "charset=" at p; returns its length. */
static size_t charset_token(const char *p, const char *end, char *out) {
    while (p < end && (*p == ' ' || *p == '"' || *p == '\''))
        p++;
    size_t n = 0;
    while (p < end && n < CHARSET_MAX - 1 &&
           (ex_is_alnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == ':' || *p == '.'))
        out[n++] = ex_lower(*p++);
    out[n] = '\0';
    return n;
}

static bool find_charset(const char *s, size_t n, char *out) {
    const char *hit = ex_ifind(s, n, "charset=");
    if (!hit) return false;
    return charset_token(hit + 8, s + n, out) > 0;
}

static bool is_utf8_name(const char *cs) {
    return strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0 ||
           strcmp(cs, "unicode-1-1-utf-8") == 0;
}

/* Appends s with each invalid UTF-8 sequence replaced by U+FFFD. */
static void repair_utf8(const char *s, size_t n, struct ex_buf *out) {
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] < 0x80)
            j++;
        ex_buf_add(out, s + i, j - i);
        i = j;
        if (i >= n) break;
        size_t len = 1;
        unsigned char b = (unsigned char)s[i];
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b >= 0xE0 && b <= 0xEF)
            len = 3;
        else if (b >= 0xF0 && b <= 0xF4)
            len = 4;
        if (len > 1 && i + len <= n && str_utf8_valid(s + i, len)) {
            ex_buf_add(out, s + i, len);
            i += len;
        } else {
            ex_utf8_put(out, 0xFFFD);
            i++;
        }
    }
}

/* str_utf8_valid with an 8-bytes-at-a-time skip over ASCII. */
static bool utf8_valid(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        while (i < n && (unsigned char)s[i] < 0x80)
            i++;
        if (i >= n) break;
        size_t j = i + 1;
        while (j < n && j - i < 4 && ((unsigned char)s[j] & 0xC0) == 0x80)
            j++;
        if (!str_utf8_valid(s + i, j - i)) return false;
        i = j;
    }
    return true;
}

void extract_to_utf8(const char *body, size_t len, const char *content_type, struct arena *a,
                     const char **out, size_t *out_len) {
    if (!body) body = "", len = 0;
    if (utf8_valid(body, len)) {
        *out = body;
        *out_len = len;
        return;
    }
    char cs[CHARSET_MAX] = "";
    if (!(content_type && find_charset(content_type, strlen(content_type), cs)))
        if (!find_charset(body, len < SNIFF_BYTES ? len : SNIFF_BYTES, cs)) cs[0] = '\0';
    /* WHATWG: these labels all mean windows-1252 */
    if (!cs[0] || strcmp(cs, "iso-8859-1") == 0 || strcmp(cs, "latin1") == 0 ||
        strcmp(cs, "us-ascii") == 0 || strcmp(cs, "ascii") == 0 || strcmp(cs, "iso8859-1") == 0 ||
        strcmp(cs, "l1") == 0)
        strcpy(cs, "windows-1252");

    struct ex_buf buf = {0};
    iconv_t cd = is_utf8_name(cs) ? (iconv_t)-1 : iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1 && !is_utf8_name(cs)) cd = iconv_open("UTF-8", "WINDOWS-1252");
    if (cd == (iconv_t)-1) {
        repair_utf8(body, len, &buf);
    } else {
        ex_buf_grow(&buf, len + len / 2 + 16);
        char *in = (char *)body;
        size_t in_left = len;
        while (in_left) {
            if (buf.cap - buf.len < 16) ex_buf_grow(&buf, buf.cap);
            char *o = buf.data + buf.len;
            size_t o_left = buf.cap - buf.len - 1;
            size_t r = iconv(cd, &in, &in_left, &o, &o_left);
            buf.len = (size_t)(o - buf.data);
            if (r != (size_t)-1) break;
            if (errno == E2BIG) {
                ex_buf_grow(&buf, buf.cap);
            } else { /* EILSEQ, EINVAL: one bad byte */
                ex_utf8_put(&buf, 0xFFFD);
                in++;
                in_left--;
            }
        }
        iconv_close(cd);
        if (buf.data) buf.data[buf.len] = '\0';
    }
    char *copy = arena_alloc(a, buf.len + 1);
    if (buf.len) memcpy(copy, buf.data, buf.len);
    *out = copy;
    *out_len = buf.len;
    ex_buf_free(&buf);
}
