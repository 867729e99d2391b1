/* String validation and normalisation helpers. */
#include "base/str.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <wctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (at most avail bytes), or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t more;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) more = 1, min = 0x80, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) more = 2, min = 0x800, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) more = 3, min = 0x10000, c &= 0x07;
    else return 0;
    if (avail <= more) return 0;
    for (size_t i = 1; i <= more; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    return more + 1;
}

void str_utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        size_t n = utf8_sequence(p, left);
        if (n == 0) {
            *p = '?';
            n = 1;
        }
        p += n;
        left -= n;
    }
}

bool str_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    while (len) {
        size_t n = utf8_sequence(p, len);
        if (n == 0) return false;
        p += n;
        len -= n;
    }
    return true;
}

bool str_parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s)) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s) return false;
    *out = (int64_t)v;
    return true;
}

static locale_t utf8_locale;
static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Encodes code point c as UTF-8 at out; returns the byte count. */
static size_t utf8_put(uint32_t c, char *out)
{
    if (c < 0x80) return out[0] = (char)c, 1;
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

char *str_casefold(struct arena *a, const char *s)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, utf8_locale_init);
    size_t len = strlen(s);
    char *out = arena_alloc(a, len * 2 + 1), *o = out; /* a lower-case form is at most 2x */
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_sequence(p, strlen((const char *)p));
        if (n <= 1) {
            *o++ = (char)(n == 1 && *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            p++;
            continue;
        }
        uint32_t c = p[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
        for (size_t i = 1; i < n; i++) c = (c << 6) | (p[i] & 0x3F);
        wint_t lower = utf8_locale ? towlower_l((wint_t)c, utf8_locale) : (wint_t)c;
        o += utf8_put((uint32_t)lower, o);
        p += n;
    }
    *o = '\0';
    return out;
}

void str_ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s + ('a' - 'A'));
}

char *str_trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void str_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void str_fast_random_hex(size_t n, char *out)
{
    /* splitmix64 per thread, seeded once from the CSPRNG: request ids need to
     * be unique, not secret, and a system call per request shows in profiles */
    static _Thread_local uint64_t state;
    if (!state) randombytes_buf(&state, sizeof state);
    unsigned char bytes[64];
    if (n > sizeof bytes) n = sizeof bytes;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        for (size_t k = 0; k < 8 && i + k < n; k++) bytes[i + k] = (unsigned char)(z >> (8 * k));
    }
    str_hex(bytes, n, out);
}

void str_random_hex(size_t n, char *out)
{
    unsigned char bytes[64];
    if (n > sizeof bytes) n = sizeof bytes;
    randombytes_buf(bytes, n);
    str_hex(bytes, n, out);
}

void str_printable_line(char *out, size_t size, const char *data, size_t len)
{
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r')) len--;
    if (len >= size) len = size - 1;
    for (size_t i = 0; i < len; i++) out[i] = data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '?';
    out[len] = '\0';
}
