/* One API request as handlers see it: parameters in, data or an error out.
 * Everything allocated for a request lives in req->arena and is freed with
 * it; a handler never frees. Parameter helpers write the reference's error
 * (missing_param / invalid_param, naming the parameter) and return false, so
 * a handler can simply `if (!param_...(...)) return false;`. */
#ifndef LEADGEN_HTTP_REQUEST_H
#define LEADGEN_HTTP_REQUEST_H

#include "base/mem.h"
#include "base/rc.h"
#include "core/ratelimit.h"
#include "http/errors.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum http_method { M_GET = 1, M_POST = 2, M_PUT = 4, M_DELETE = 8, M_OTHER = 16 };

struct query_arg {
    const char *name, *value;
};

struct route;

/* A success answer streamed in pieces (any size): read fills up to max bytes
 * and returns how many, 0 at the end, or -1 on a failure (the connection is
 * then cut). done releases state; the server calls it exactly once. */
struct req_stream {
    long (*read)(void *state, char *out, size_t max);
    void (*done)(void *state);
    void *state; /* the handler's, heap-allocated: it outlives the request */
};

/* A response header a page adds (Location, Set-Cookie, its security policy). */
struct resp_header {
    const char *name, *value;
};
enum { REQ_MAX_HEADERS = 10 };

struct request {
    struct arena arena;
    struct store *store;
    enum http_method method;
    const char *method_name;
    const char *url;  /* path without the query string */
    const char *file; /* path below the API prefix, e.g. "projects.php" */
    const struct route *route;
    struct query_arg *args;
    size_t nargs, args_cap;
    const char *nul_arg; /* a query parameter whose name or value held a NUL byte */
    const char *body;
    size_t body_len;
    const char *content_type; /* the request's Content-Type header, or NULL */
    json_t *json; /* the parsed body of POST/PUT, a JSON object; NULL for a raw body */
    const char *api_key;
    const char *client; /* the client's address, as text */
    int64_t user_id;
    char request_id[17];
    void *params; /* what the route's parse step produced */
    /* outcome */
    json_t *data;         /* success: the `data` object (owned) */
    const char *data_text; /* success served from cache: the stored JSON text */
    const char *raw_body;  /* a non-enveloped document (the OpenAPI JSON, a page) */
    size_t raw_len;
    const char *raw_type;  /* its Content-Type; NULL: JSON */
    int raw_status;        /* its status; 0: 200 */
    struct req_stream stream; /* with raw_type: the answer comes from here instead */
    bool auth_pending;     /* the licence service must be asked (blocking) */
    bool prepared;         /* parsed and cache-checked already (router_begin) */
    const char *cache_key; /* the response-cache key when the route caches, else NULL */
    int64_t reserved;     /* credits held for this request: the most run may cost */
    int64_t cost;         /* credits the run step says the work cost */
    int64_t credits_used; /* credits actually deducted */
    const char *provider; /* the search provider that answered (access log), or NULL */
    enum api_error error;
    char error_msg[256];
    unsigned retry_after; /* seconds for a Retry-After header; 0: none */
    /* automation (the router's generic parameters and headers) */
    const char *authorization; /* the Authorization header (POST /mcp), or NULL */
    const char *mcp_version;   /* the MCP-Protocol-Version header (POST /mcp), or NULL */
    bool preauthenticated; /* user_id is set by the caller (a stored async job): no api_key */
    bool dry_run, no_cache, async;
    const char *webhook_url; /* with async: where the finished job is POSTed */
    int success_status;      /* 0: 200; 202 for a queued async job */
    bool balance_known;      /* an authenticated answer: X-Credits-Remaining = balance */
    int64_t balance;
    struct rate_state rate; /* X-RateLimit-* headers when its family is limited */
    /* pages (the web dashboard): what they read beyond the query and body, and the
     * headers they add to the answer */
    const char *cookie;      /* the Cookie header, or NULL */
    struct resp_header headers[REQ_MAX_HEADERS];
    size_t nheaders;
    json_t *params_read; /* unit tests: when set, each name the param_* readers are asked for */
};

/* Records an error (first wins) and returns false. */
bool req_fail(struct request *req, enum api_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Maps a store failure to the reference's error: RC_DB is 500 db_error. */
bool req_fail_rc(struct request *req, const struct err *err);

/* Adds a response header (copied into the arena); past REQ_MAX_HEADERS it is dropped. */
void req_add_header(struct request *req, const char *name, const char *value);

/* Appends a query-string argument, copied into the request's arena. */
void req_add_arg(struct request *req, const char *name, const char *value);
/* A JSON value as a client writes it in a query string (strings as they are,
 * booleans 1 and 0, anything else compact JSON), in the request's arena. */
const char *req_arg_text(struct request *req, const json_t *v);

/* Raw query-string value or NULL. */
const char *req_query(const struct request *req, const char *name);

/* Parameters come from the query string for GET and from the JSON body for
 * POST, PUT and DELETE (from the query string when the body is not JSON).
 * Strings are trimmed, must be valid UTF-8 and at most max_len
 * bytes; an empty string counts as missing. *out is NULL when optional and absent. */
bool param_string(struct request *req, const char *name, bool required, size_t max_len,
                  const char **out);
/* Integers accept a JSON integer or a string of decimal digits, within [min, max]. */
bool param_int(struct request *req, const char *name, bool required, int64_t fallback, int64_t min,
               int64_t max, int64_t *out);
/* A list's paging: limit (1 to max_limit, 100 by default), offset (0 by default) and
 * after_id (keyset paging past that id; -1 when not asked); offset and after_id together
 * are refused. */
bool param_paging(struct request *req, int64_t max_limit, int64_t *limit, int64_t *offset,
                  int64_t *after_id);
/* A JSON array from the body (POST/PUT only). */
bool param_array(struct request *req, const char *name, bool required, size_t max_items,
                 json_t **out);

#endif
