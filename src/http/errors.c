/* The error table: the reference's codes and statuses in one place, read by
 * the one function that writes error bodies (router_response). */
#include "http/errors.h"

static const struct {
    int status;
    const char *code;
} error_table[E_COUNT] = {
    [E_NONE] = {200, ""},
    [E_MISSING_PARAM] = {400, "missing_param"},
    [E_INVALID_PARAM] = {400, "invalid_param"},
    [E_INVALID_CODE] = {400, "invalid_code"},
    [E_MISSING_API_KEY] = {401, "missing_api_key"},
    [E_INVALID_API_KEY] = {401, "invalid_api_key"},
    [E_INSUFFICIENT_CREDITS] = {402, "insufficient_credits"},
    [E_NOT_FOUND] = {404, "not_found"},
    [E_METHOD_NOT_ALLOWED] = {405, "method_not_allowed"},
    [E_PAYLOAD_TOO_LARGE] = {413, "payload_too_large"},
    [E_URI_TOO_LONG] = {414, "uri_too_long"},
    [E_HEADERS_TOO_LARGE] = {431, "headers_too_large"},
    [E_RATE_LIMITED] = {429, "rate_limited"},
    [E_DB_ERROR] = {500, "db_error"},
    [E_SEARCH_ERROR] = {502, "search_error"},
    [E_CRAWL_ERROR] = {502, "crawl_error"},
    [E_API_ERROR] = {502, "api_error"},
    [E_AUTH_ERROR] = {503, "auth_error"},
    [E_NOT_CONFIGURED] = {503, "not_configured"},
    [E_BUSY] = {503, "busy"},
    [E_UNHEALTHY] = {503, "unhealthy"},
    [E_INTERNAL] = {500, "internal_error"},
};

int errors_status(enum api_error e)
{
    return error_table[e].status;
}

const char *errors_code(enum api_error e)
{
    return error_table[e].code;
}
