/* Which origins may call the API from a browser, and the headers they get. */
#include "http/cors.h"

#include <string.h>

bool cors_allowed(const char *list, const char *origin)
{
    if (!list || !*list || !origin || !*origin) return false;
    size_t len = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',') p++;
        size_t n = strcspn(p, ", ");
        if ((n == 1 && *p == '*') || (n == len && strncmp(p, origin, n) == 0)) return true;
        p += n;
    }
    return false;
}

int cors_headers(const char *origin, bool preflight, struct cors_header out[CORS_MAX_HEADERS])
{
    int n = 0;
    /* the origin itself rather than "*": answers depend on it, so caches must vary */
    out[n++] = (struct cors_header){"Access-Control-Allow-Origin", origin};
    out[n++] = (struct cors_header){"Vary", "Origin"};
    if (!preflight) {
        out[n++] = (struct cors_header){"Access-Control-Expose-Headers",
                                        "X-Request-Id, Retry-After"};
        return n;
    }
    out[n++] = (struct cors_header){"Access-Control-Allow-Methods",
                                    "GET, POST, PUT, DELETE, OPTIONS"};
    out[n++] = (struct cors_header){"Access-Control-Allow-Headers",
                                    "Content-Type"};
    out[n++] = (struct cors_header){"Access-Control-Max-Age", "86400"};
    return n;
}
