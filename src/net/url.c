/* http(s) URL parsing and normalisation. */
#include "net/url.h"

#include "base/str.h"
#include "net/curl_api.h"

#include <string.h>
#include <strings.h>

/* Copies a libcurl string into the arena and frees it. */
static const char *take(const struct curl_api *c, char *s, struct arena *a)
{
    const char *copy = s ? arena_strdup(a, s) : NULL;
    c->free(s);
    return copy;
}

static const char *part(const struct curl_api *c, CURLU *u, CURLUPart which, struct arena *a)
{
    char *s = NULL;
    if (c->url_get(u, which, &s, 0) != CURLUE_OK) return NULL;
    return take(c, s, a);
}

bool url_parse(const char *url, struct arena *a, struct url_parts *out)
{
    memset(out, 0, sizeof *out);
    const struct curl_api *c = curl_api();
    if (!c) return false;
    CURLU *u = c->url();
    bool ok = c->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK;
    out->scheme = ok ? part(c, u, CURLUPART_SCHEME, a) : NULL;
    ok = ok && out->scheme && (!strcmp(out->scheme, "http") || !strcmp(out->scheme, "https"));
    char *host = ok ? (char *)part(c, u, CURLUPART_HOST, a) : NULL;
    ok = ok && host && *host;
    if (ok) {
        str_ascii_lower(host);
        out->host = host;
        c->url_set(u, CURLUPART_HOST, host, 0);
        c->url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        c->url_set(u, CURLUPART_USER, NULL, 0);
        c->url_set(u, CURLUPART_PASSWORD, NULL, 0);
        const char *path = part(c, u, CURLUPART_PATH, a), *query = part(c, u, CURLUPART_QUERY, a);
        const char *port = part(c, u, CURLUPART_PORT, a);
        out->path = arena_sprintf(a, "%s%s%s", path ? path : "/", query ? "?" : "",
                                  query ? query : "");
        out->origin = arena_sprintf(a, "%s://%s%s%s", out->scheme, host, port ? ":" : "",
                                    port ? port : "");
        out->normal = part(c, u, CURLUPART_URL, a);
        ok = out->normal != NULL;
    }
    c->url_cleanup(u);
    return ok;
}

const char *url_resolve(const char *base, const char *ref, struct arena *a)
{
    const struct curl_api *c = curl_api();
    if (!c) return NULL;
    CURLU *u = c->url();
    char *out = NULL;
    const char *result = NULL;
    if ((!base || c->url_set(u, CURLUPART_URL, base, CURLU_URLENCODE) == CURLUE_OK) &&
        c->url_set(u, CURLUPART_URL, ref, CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        c->url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        c->url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK &&
        (!strncasecmp(out, "http://", 7) || !strncasecmp(out, "https://", 8)))
        result = arena_strdup(a, out);
    c->free(out);
    c->url_cleanup(u);
    return result;
}
