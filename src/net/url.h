/* URL parsing for http(s) URLs (RFC 3986, through libcurl's URL API).
 * Strings are allocated in the arena. */
#ifndef LEADGEN_NET_URL_H
#define LEADGEN_NET_URL_H

#include "base/mem.h"

#include <stdbool.h>

struct url_parts {
    const char *scheme; /* "http" or "https" */
    const char *host;   /* lower-cased; an internationalised one in its IDNA (xn--) form */
    const char *path;   /* path and query, "/" when empty */
    const char *origin; /* scheme://host[:port] */
    const char *normal; /* the whole URL without fragment and user info */
};

/* False when url is not an absolute http(s) URL with a host. On false,
 * out->scheme is set when a scheme was read, so the caller can say which one
 * was refused. */
bool url_parse(const char *url, struct arena *a, struct url_parts *out);

/* An internationalised host name in its IDNA (xn--) form, which DNS, TLS and
 * libcurl all take (UTS #46 mapping: lower-cased, NFC); an ASCII host is
 * returned as it is; NULL when it is not a valid host name. */
char *url_host_idna(char *host, struct arena *a);

/* Resolves ref against base (RFC 3986 section 5; base may be NULL when ref is
 * absolute), percent-encoding what must be, dropping the fragment. Returns
 * the absolute http(s) URL in the arena, or NULL for anything else. */
const char *url_resolve(const char *base, const char *ref, struct arena *a);

#endif
