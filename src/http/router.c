/* Route matching and the auth/cache/credits pipeline around each handler. */
#include "http/router.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "core/auth.h"
#include "core/cache.h"
#include "core/hotcache.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const api_prefixes[] = {"/v2/api/v1/", "/api/v1/"};

static const char *strip_prefix(const char *url)
{
    for (size_t i = 0; i < sizeof api_prefixes / sizeof api_prefixes[0]; i++)
        if (str_has_prefix(url, api_prefixes[i])) return url + strlen(api_prefixes[i]);
    return NULL;
}

/* Finds the route for req in table; sets not_found or method_not_allowed when none. */
/* A page's file is an absolute path; one ending in '/' takes everything below it. */
static bool page_matches(const char *file, const char *url)
{
    size_t n = strlen(file);
    return file[n - 1] == '/' ? strncmp(url, file, n) == 0 && url[n] && !strchr(url + n, '/')
                              : strcmp(url, file) == 0;
}

static bool match_route(const struct route_table *table, struct request *req)
{
    req->file = strcmp(req->url, "/healthz") == 0 ? "healthz" : strip_prefix(req->url);
    bool path_known = false;
    for (size_t i = 0; i < table->count; i++) {
        const struct route *r = &table->rows[i];
        bool page = r->file[0] == '/';
        if (page ? !page_matches(r->file, req->url) : !req->file || strcmp(r->file, req->file))
            continue;
        if (page) req->file = r->file;
        path_known = true;
        if (r->method == req->method) {
            req->route = r;
            return true;
        }
    }
    if (path_known)
        return req_fail(req, E_METHOD_NOT_ALLOWED, "Method %s is not allowed on %s.",
                        req->method_name, req->url);
    return req_fail(req, E_NOT_FOUND, "No endpoint at %s.", req->url);
}

/* Whether the request's Content-Type names the route's raw body type. */
static bool raw_body_of(const struct route *r, const char *content_type)
{
    size_t n = r->raw_type ? strlen(r->raw_type) : 0;
    return n && content_type && strncasecmp(content_type, r->raw_type, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

size_t router_body_limit(const struct route_table *table, const char *url,
                         enum http_method method, const char *content_type)
{
    const char *file = strip_prefix(url);
    for (size_t i = 0; file && i < table->count; i++) {
        const struct route *r = &table->rows[i];
        if (r->method == method && strcmp(r->file, file) == 0 && raw_body_of(r, content_type))
            return r->raw_max_body;
    }
    return 0;
}

const char *router_allowed(const struct route_table *table, struct request *req)
{
    static const struct {
        enum http_method m;
        const char *name;
    } names[] = {{M_GET, "GET"}, {M_POST, "POST"}, {M_PUT, "PUT"}, {M_DELETE, "DELETE"}};
    char *out = arena_alloc(&req->arena, 32);
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++)
        for (size_t i = 0; req->file && i < table->count; i++) {
            const struct route *r = &table->rows[i];
            if (r->method == names[n].m && strcmp(r->file, req->file) == 0) {
                if (*out) strcat(out, ", ");
                strcat(out, names[n].name);
                break;
            }
        }
    return out;
}

static bool apply_auth(struct request *req, enum auth_result result, const struct err *err)
{
    switch (result) {
    case AUTH_OK: return true;
    case AUTH_NEEDS_REMOTE: req->auth_pending = true; return true;
    case AUTH_INVALID:
        return req_fail(req, E_INVALID_API_KEY, "API key is invalid, expired, or user could not be resolved.");
    case AUTH_UNAVAILABLE:
        return req_fail(req, E_AUTH_ERROR, "License verification service unavailable. Retry later.");
    case AUTH_STORE_ERROR: break;
    }
    log_error("auth: %s", err->msg);
    return req_fail(req, E_DB_ERROR, "Internal database error.");
}

static bool authenticate_local(struct request *req)
{
    req->api_key = req_query(req, "api_key");
    if (!req->api_key || !*req->api_key)
        return req_fail(req, E_MISSING_API_KEY, "The api_key parameter was not provided.");
    struct err err = {0};
    return apply_auth(req, auth_local(req->store, req->api_key, &req->user_id, &err), &err);
}

/* Parse and cache lookup; true when that already answers the request (an
 * error or a cache hit). Never waits on the network. */
static bool prepare(struct request *req);

/* A billable request from a user with no credits left is refused before it
 * takes a job slot, after its parameters are checked as they would be on the
 * pool; run_billed's reservation stays the one check that counts. */
static bool worth_queueing(struct request *req)
{
    if (req->route->max_credits <= 0) return true;
    int64_t balance = 1;
    struct err err = {0};
    if (req->store->ops->credits_balance(req->store, req->user_id, &balance, &err) != RC_OK)
        return true; /* the reservation reports the store's failure */
    if (balance > 0) return true;
    if (!req->prepared && prepare(req)) return false;
    struct err no_credits = {.rc = RC_NO_CREDITS};
    return req_fail_rc(req, &no_credits);
}

enum router_step router_begin(const struct route_table *table, struct request *req)
{
    if (!match_route(table, req)) return ROUTER_DONE;
    if (req->nul_arg) {
        req_fail(req, E_INVALID_PARAM, "Parameter '%s' contains a NUL byte.", req->nul_arg);
        return ROUTER_DONE;
    }
    if (!req->route->public && !authenticate_local(req)) return ROUTER_DONE;
    if (req->auth_pending) return ROUTER_ASYNC;
    /* a cached answer of an upstream route is served here, on the event thread,
     * without the job-pool round trip that only real upstream work needs */
    if (req->route->upstream && req->route->cache_ttl && prepare(req)) return ROUTER_DONE;
    if (req->route->upstream) return worth_queueing(req) ? ROUTER_ASYNC : ROUTER_DONE;
    router_finish(req);
    return ROUTER_DONE;
}

static bool decode_body(struct request *req)
{
    /* pages read their own (form) bodies; only the API speaks JSON */
    if (!(req->method & (M_POST | M_PUT | M_DELETE)) || req->route->file[0] == '/') return true;
    if (raw_body_of(req->route, req->content_type)) return true; /* parse reads req->body */
    if (req->body_len == 0) {
        req->json = json_object();
        return true;
    }
    json_error_t jerr;
    req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req->json)
        return req_fail(req, E_INVALID_PARAM, "Request body is not valid JSON: %s (line %d).",
                        jerr.text, jerr.line);
    if (!json_is_object(req->json))
        return req_fail(req, E_INVALID_PARAM, "Request body must be a JSON object.");
    return true;
}

static bool cache_lookup(struct request *req, const char **key)
{
    *key = NULL;
    if (!req->route->cache_ttl || !req->route->cache_key) return false;
    *key = req->route->cache_key(req);
    struct err err = {0};
    char *text = NULL;
    enum rc rc = cache_get_text(req->store, *key, &req->arena, &text, &err);
    if (rc == RC_OK && req->route->marks_cached) {
        req->data = json_loads(text, 0, NULL);
        if (json_is_object(req->data)) {
            json_object_set_new(req->data, "cached", json_true());
            return true;
        }
        json_decref(req->data); /* unreadable entry: a miss, overwritten below */
        req->data = NULL;
        return false;
    }
    if (rc == RC_OK) {
        req->data_text = text;
        return true;
    }
    if (rc != RC_NOT_FOUND) log_warn("cache read failed, treating as a miss: %s", err.msg);
    return false;
}

static void cache_store(struct request *req, const char *key)
{
    char *text = json_dumps(req->data, JSON_COMPACT);
    struct err err = {0};
    if (!text || cache_put_text(req->store, key, req->route->endpoint, text, req->route->cache_ttl,
                                &err) != RC_OK)
        log_warn("cache write failed: %s", err.msg);
    free(text);
}

/* The in-process answer cache of hot_cache routes. The store's generation is
 * read before the run: an answer that raced a write is stored under the old
 * generation, so it is never served. */
struct hot_slot {
    const char *key; /* NULL when the route is not hot-cached */
    uint64_t generation;
};

static bool hot_lookup(struct request *req, struct hot_slot *slot)
{
    const struct route *r = req->route;
    *slot = (struct hot_slot){0};
    if (!r->hot_cache) return false;
    slot->key = arena_sprintf(&req->arena, "%s\x1f%d\x1f%s", r->file, (int)r->method,
                              r->cache_key ? r->cache_key(req) : "");
    slot->generation = req->store->ops->generation(req->store);
    return hotcache_get(req->user_id, slot->key, slot->generation, &req->arena, &req->data_text);
}

static void hot_store(struct request *req, const struct hot_slot *slot)
{
    char *text = json_dumps(req->data, JSON_COMPACT);
    if (!text) return;
    hotcache_put(req->user_id, slot->key, slot->generation, text);
    req->data_text = arena_strdup(&req->arena, text); /* serialised once */
    free(text);
}

/* Reserve, run, settle: errors release the whole reservation. */
static void run_billed(struct request *req)
{
    const struct route *r = req->route;
    int64_t reserved = 0, reservation = 0;
    struct err err = {0};
    if (r->max_credits > 0 &&
        req->store->ops->credits_reserve(req->store, req->user_id, r->endpoint, r->max_credits,
                                         req->request_id, &reserved, &reservation, &err) != RC_OK) {
        req_fail_rc(req, &err);
        return;
    }
    req->reserved = reserved;
    bool ok = r->run(req);
    if (ok && !req->data && !req->stream.read)
        ok = req_fail(req, E_INTERNAL, "Handler produced no data.");
    if (r->max_credits > 0) {
        int64_t charged = 0;
        if (req->store->ops->credits_settle(req->store, reservation, ok ? req->cost : 0, &charged,
                                            &err) != RC_OK) {
            log_error("settling reservation %lld: %s", (long long)reservation, err.msg);
            req_fail(req, E_DB_ERROR, "Internal database error.");
            return;
        }
        req->credits_used = charged;
    }
}

static bool prepare(struct request *req)
{
    req->prepared = true;
    if (!decode_body(req) || (req->route->parse && !req->route->parse(req))) return true;
    return cache_lookup(req, &req->cache_key);
}

void router_finish(struct request *req)
{
    if (req->auth_pending) {
        struct err err = {0};
        req->auth_pending = false;
        if (!apply_auth(req, auth_remote(req->store, req->api_key, &req->user_id, &err), &err))
            return;
    }
    if (!req->prepared && prepare(req)) return;
    struct hot_slot hot;
    if (hot_lookup(req, &hot)) return;
    run_billed(req);
    if (req->error != E_NONE) return;
    if (req->cache_key) cache_store(req, req->cache_key);
    if (hot.key) hot_store(req, &hot);
}

static int append_json(const char *text, size_t n, void *data)
{
    return buf_append(data, text, n) ? 0 : -1;
}

static char *error_body(struct request *req, size_t *len)
{
    json_t *doc = json_pack("{s:s, s:s, s:s}", "status", "error", "code",
                            errors_code(req->error), "message", req->error_msg);
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    *len = strlen(body);
    return body;
}

char *router_response(struct request *req, int *status, size_t *len)
{
    if (req->error != E_NONE) {
        *status = errors_status(req->error);
        return error_body(req, len);
    }
    *status = 200;
    if (req->raw_body) {
        if (req->raw_status) *status = req->raw_status;
        *len = req->raw_len;
        return memcpy(xmalloc(req->raw_len), req->raw_body, req->raw_len);
    }
    struct buf body; /* serialised once, straight into the response buffer */
    buf_init(&body, 0);
    buf_printf(&body, "{\"status\":\"success\",\"credits_used\":%lld,\"data\":",
               (long long)req->credits_used);
    if (req->data_text) buf_puts(&body, req->data_text);
    else json_dump_callback(req->data, append_json, &body, JSON_COMPACT);
    buf_puts(&body, "}");
    *len = body.len;
    return body.data;
}
