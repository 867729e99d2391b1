/* http(s) URL parsing and normalisation. */
#include "net/url.h"

#include "base/str.h"

#include <curl/curl.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Copies a libcurl string into the arena and frees it. */
static const char *take(char *s, struct arena *a)
{
    const char *copy = s ? arena_strdup(a, s) : NULL;
    curl_free(s);
    return copy;
}

static const char *part(CURLU *u, CURLUPart which, struct arena *a)
{
    char *s = NULL;
    if (curl_url_get(u, which, &s, 0) != CURLUE_OK) return NULL;
    return take(s, a);
}

char *url_host_idna(char *host, struct arena *a)
{
    bool ascii = true;
    for (const char *p = host; *p; p++) ascii = ascii && (unsigned char)*p < 0x80;
    if (ascii) return host;
    char *converted = NULL;
    if (idn2_to_ascii_8z(host, &converted, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
        return NULL;
    char *copy = arena_strdup(a, converted);
    free(converted);
    return copy;
}

bool url_parse(const char *url, struct arena *a, struct url_parts *out)
{
    memset(out, 0, sizeof *out);
    CURLU *u = curl_url();
    bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK;
    out->scheme = ok ? part(u, CURLUPART_SCHEME, a) : NULL;
    ok = ok && out->scheme && (!strcmp(out->scheme, "http") || !strcmp(out->scheme, "https"));
    char *host = ok ? (char *)part(u, CURLUPART_HOST, a) : NULL;
    if (host) host = url_host_idna(host, a);
    ok = ok && host && *host;
    if (ok) {
        str_ascii_lower(host);
        out->host = host;
        curl_url_set(u, CURLUPART_HOST, host, 0);
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        const char *path = part(u, CURLUPART_PATH, a), *query = part(u, CURLUPART_QUERY, a);
        const char *port = part(u, CURLUPART_PORT, a);
        out->path = arena_sprintf(a, "%s%s%s", path ? path : "/", query ? "?" : "",
                                  query ? query : "");
        out->origin = arena_sprintf(a, "%s://%s%s%s", out->scheme, host, port ? ":" : "",
                                    port ? port : "");
        out->normal = part(u, CURLUPART_URL, a);
        ok = out->normal != NULL;
    }
    curl_url_cleanup(u);
    return ok;
}

const char *url_resolve(const char *base, const char *ref, struct arena *a)
{
    CURLU *u = curl_url();
    char *out = NULL;
    const char *result = NULL;
    if ((!base || curl_url_set(u, CURLUPART_URL, base, CURLU_URLENCODE) == CURLUE_OK) &&
        curl_url_set(u, CURLUPART_URL, ref, CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK &&
        (!strncasecmp(out, "http://", 7) || !strncasecmp(out, "https://", 8)))
        result = arena_strdup(a, out);
    curl_free(out);
    curl_url_cleanup(u);
    return result;
}
