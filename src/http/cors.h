/* CORS for browser clients: off unless LEADGEN_CORS_ORIGINS lists origins
 * (comma-separated, exact "scheme://host[:port]", or "*"). A listed origin
 * gets Access-Control-Allow-Origin on every answer and its preflight
 * (OPTIONS with Access-Control-Request-Method) a 204 with the allowed
 * methods, headers and max age; any other origin gets no CORS header. */
#ifndef LEADGEN_HTTP_CORS_H
#define LEADGEN_HTTP_CORS_H

#include <stdbool.h>

struct cors_header {
    const char *name, *value;
};

enum { CORS_MAX_HEADERS = 5 };

/* Whether origin (the request's Origin header, may be NULL) is allowed by list. */
bool cors_allowed(const char *list, const char *origin);
/* The headers for an allowed origin's answer (preflight: the full set);
 * returns how many were written to out. */
int cors_headers(const char *origin, bool preflight, struct cors_header out[CORS_MAX_HEADERS]);

#endif
