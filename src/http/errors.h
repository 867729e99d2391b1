/* The reference's error codes (spec/api-reference.txt, "Error Handling"):
 * each has one row in the table in errors.c with its machine-readable code
 * and HTTP status. An error body is {"status":"error","code":...,"message":...}. */
#ifndef LEADGEN_HTTP_ERRORS_H
#define LEADGEN_HTTP_ERRORS_H

enum api_error {
    E_NONE = 0,
    E_MISSING_PARAM,
    E_INVALID_PARAM,
    E_INVALID_CODE,
    E_MISSING_API_KEY,
    E_INVALID_API_KEY,
    E_INSUFFICIENT_CREDITS,
    E_NOT_FOUND,
    E_METHOD_NOT_ALLOWED,
    E_PAYLOAD_TOO_LARGE,
    E_URI_TOO_LONG,
    E_HEADERS_TOO_LARGE,
    E_RATE_LIMITED,
    E_DB_ERROR,
    E_SEARCH_ERROR,
    E_CRAWL_ERROR,
    E_API_ERROR,
    E_AUTH_ERROR,
    E_NOT_CONFIGURED,
    E_BUSY,
    E_UNHEALTHY, /* GET /healthz when the store cannot serve */
    E_INTERNAL,
    E_COUNT /* not an error: the number of rows in the table */
};

/* The HTTP status of e (200 for E_NONE). */
int errors_status(enum api_error e);
/* The code sent in the body, e.g. "missing_param" ("" for E_NONE). */
const char *errors_code(enum api_error e);

#endif
