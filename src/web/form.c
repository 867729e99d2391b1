/* Form bodies (application/x-www-form-urlencoded, or multipart/form-data for a file
 * upload) and the Cookie header. */
#include "web/web_int.h"

#include "base/str.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of a form component ('+' is a space); a NUL byte ends it. */
static char *decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '+')
            *o++ = ' ';
        else if (s[i] == '%' && i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 &&
                 (lo = hex_digit(s[i + 2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

void form_parse(struct arena *a, const char *body, size_t len, struct form *out)
{
    *out = (struct form){0};
    if (!body || !len) return;
    size_t fields = 1;
    for (size_t i = 0; i < len; i++)
        fields += body[i] == '&';
    out->fields = arena_alloc(a, fields * sizeof *out->fields);
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (!amp) amp = end;
        const char *eq = memchr(p, '=', (size_t)(amp - p));
        const char *name_end = eq ? eq : amp;
        if (name_end > p) {
            char *value = eq ? decode(a, eq + 1, (size_t)(amp - eq - 1)) : arena_strdup(a, "");
            out->fields[out->count++] =
                (struct form_field){decode(a, p, (size_t)(name_end - p)), value};
        }
        p = amp + 1;
    }
}

/* A part's name from its headers (Content-Disposition: form-data; name="..."). */
static const char *part_name(struct arena *a, const char *headers, size_t len)
{
    const char *h = arena_strndup(a, headers, len), *p = strstr(h, "name=\"");
    if (!p) return NULL;
    p += 6;
    const char *end = strchr(p, '"');
    return end ? arena_strndup(a, p, (size_t)(end - p)) : NULL;
}

/* RFC 7578: parts between "--boundary" lines, each headers, a blank line and the value
 * (a NUL byte in a value ends it, as in form_parse). */
static void multipart_parse(struct arena *a, const char *body, size_t len, const char *boundary,
                            struct form *out)
{
    const char *delim = arena_sprintf(a, "\r\n--%s", boundary);
    size_t dlen = strlen(delim), fields = 0;
    const char *end = body + len;
    for (const char *p = body; (p = memmem(p, (size_t)(end - p), delim + 2, dlen - 2)); p++)
        fields++;
    out->fields = arena_alloc(a, (fields + 1) * sizeof *out->fields);
    const char *p = memmem(body, len, delim + 2, dlen - 2);
    while (p) {
        p += dlen - 2;
        if (end - p < 2 || memcmp(p, "--", 2) == 0) break;
        const char *headers = p + 2,
                   *blank = memmem(headers, (size_t)(end - headers), "\r\n\r\n", 4);
        if (!blank) break;
        const char *value = blank + 4, *next = memmem(value, (size_t)(end - value), delim, dlen);
        if (!next) break;
        const char *name = part_name(a, headers, (size_t)(blank - headers));
        if (name && out->count < fields)
            out->fields[out->count++] =
                (struct form_field){name, arena_strndup(a, value, (size_t)(next - value))};
        p = next + 2;
    }
}

void form_parse_request(struct arena *a, struct request *req, struct form *out)
{
    const char *type = req->content_type, *b;
    if (type && strncasecmp(type, "multipart/form-data", 19) == 0 &&
        (b = strstr(type, "boundary=")) && req->body) {
        *out = (struct form){0};
        b += 9;
        size_t n = strcspn(b, "; ");
        if (*b == '"') b++, n = strcspn(b, "\"");
        if (n && n <= 70) multipart_parse(a, req->body, req->body_len, arena_strndup(a, b, n), out);
        return;
    }
    form_parse(a, req->body, req->body_len, out);
}

const char *form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->fields[i].name, name) == 0) {
            char *v = str_trim((char *)f->fields[i].value);
            return *v ? v : NULL;
        }
    return NULL;
}

const char *cookie_get(struct request *req, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = req->cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        if (!end) end = p + strlen(p);
        if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 && p[n] == '=')
            return arena_strndup(&req->arena, p + n + 1, (size_t)(end - p) - n - 1);
        p = end;
    }
    return NULL;
}

size_t form_values(const struct form *f, const char *name, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count && n < max; i++)
        if (strcmp(f->fields[i].name, name) == 0) out[n++] = f->fields[i].value;
    return n;
}

const char *url_escape(struct arena *a, const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    const char *copy = arena_strdup(a, e ? e : "");
    curl_free(e);
    return copy;
}
