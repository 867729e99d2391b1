/* Route matching and the auth/cache/credits pipeline around each handler. */
#include "http/router.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "core/auth.h"
#include "core/cache.h"
#include "core/hotcache.h"
#include "core/webhooks.h"
#include "core/ratelimit.h"

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
/* A page's file is an absolute path; one ending in '/' takes anything one level below
 * it, one ending in '*' every path that starts with what comes before the '*'. */
static bool page_matches(const char *file, const char *url)
{
    size_t n = strlen(file);
    if (file[n - 1] == '*') return strncmp(url, file, n - 1) == 0;
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
 * error, a cache hit, a dry run or an async submission). Never waits on the network. */
static bool prepare(struct request *req);
/* Whether the query string asks for a dry run or an async job. */
static bool wants_no_upstream(struct request *req);

/* What a user whose credits are all held by requests in flight is told to wait. */
enum { HELD_RETRY_S = 5 };

/* 402; when the balance is 0 only because requests in flight hold credits
 * (they settle soon and refund what they do not use), the message says so. */
static bool fail_no_credits(struct request *req)
{
    int64_t held = 0;
    struct err err = {0};
    if (req->store->ops->credits_held(req->store, req->user_id, &held, &err) == RC_OK && held > 0) {
        req->retry_after = HELD_RETRY_S;
        return req_fail(req, E_INSUFFICIENT_CREDITS,
                        "No credits are free right now: requests in progress hold the remaining "
                        "%lld and return what they do not use when they finish. Retry after %d "
                        "seconds.",
                        (long long)held, HELD_RETRY_S);
    }
    struct err no_credits = {.rc = RC_NO_CREDITS};
    return req_fail_rc(req, &no_credits);
}

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
    return fail_no_credits(req);
}

/* Counts the request against its family's per-user limit (core/ratelimit.h).
 * Distinct from the job pool's 429, which counts requests in progress. */
static bool within_rate_limit(struct request *req)
{
    if (ratelimit_take(req->user_id, req->route->endpoint, &req->rate)) return true;
    req->retry_after = req->rate.reset_s ? req->rate.reset_s : 1;
    return req_fail(req, E_RATE_LIMITED,
                    "Rate limit reached: at most %u %s requests per %s for this account. Retry "
                    "after %u seconds.",
                    req->rate.limit, req->rate.family, req->rate.period, req->retry_after);
}

/* Forgets what router_finish did to a request it did not answer, so that it
 * can run again from its parsing. */
static void rewind_run(struct request *req)
{
    json_decref(req->json);
    json_decref(req->data);
    if (req->stream.done) req->stream.done(req->stream.state);
    req->json = req->data = NULL;
    req->stream = (struct req_stream){0};
    req->data_text = req->raw_body = req->raw_type = req->cache_key = req->provider = NULL;
    req->raw_len = 0;
    req->raw_status = req->success_status = 0;
    req->params = NULL;
    req->prepared = false;
    req->reserved = req->cost = req->credits_used = 0;
    req->error = E_NONE;
    req->error_msg[0] = '\0';
    req->retry_after = 0;
}

enum router_step router_begin(const struct route_table *table, struct request *req)
{
    if (!match_route(table, req)) return ROUTER_DONE;
    if (req->nul_arg) {
        req_fail(req, E_INVALID_PARAM, "Parameter '%s' contains a NUL byte.", req->nul_arg);
        return ROUTER_DONE;
    }
    if (!req->route->public && !req->preauthenticated && !authenticate_local(req))
        return ROUTER_DONE;
    if (req->auth_pending && !auth_remote_admit(req->client, req->api_key)) {
        req->retry_after = 60;
        req_fail(req, E_RATE_LIMITED,
                 "Too many licence checks of unknown API keys from this address. Retry after 60 "
                 "seconds.");
        return ROUTER_DONE;
    }
    if (req->auth_pending) return ROUTER_ASYNC;
    if (!req->route->public && !within_rate_limit(req)) return ROUTER_DONE;
    /* a cached answer of an upstream route is served here, on the event thread,
     * without the job-pool round trip that only real upstream work needs; so
     * are dry runs and async submissions, which do no upstream work either */
    if (req->route->upstream && (req->route->cache_ttl || wants_no_upstream(req)) && prepare(req))
        return ROUTER_DONE;
    if (req->route->upstream) return worth_queueing(req) ? ROUTER_ASYNC : ROUTER_DONE;
    router_finish(req);
    if (req->error != E_DB_ERROR || !store_lock_cut_short()) return ROUTER_DONE;
    /* another process holds the store's lock, and this thread may not wait for
     * it: nothing was written (store_lock_bound), so the job pool runs it again */
    rewind_run(req);
    return ROUTER_ASYNC;
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
    if (rc == RC_OK && (req->route->marks_cached || req->route->from_cache)) {
        req->data = json_loads(text, 0, NULL);
        if (json_is_object(req->data)) {
            if (req->route->marks_cached) json_object_set_new(req->data, "cached", json_true());
            if (req->route->from_cache) req->route->from_cache(req);
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
    const char *text = arena_json_dumps(&req->arena, req->data, JSON_COMPACT);
    struct err err = {0};
    if (!text || cache_put_text(req->store, key, req->route->endpoint, text, req->route->cache_ttl,
                                &err) != RC_OK)
        log_warn("cache write failed: %s", err.msg);
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
    const char *text = arena_json_dumps(&req->arena, req->data, JSON_COMPACT);
    if (!text) return;
    hotcache_put(req->user_id, slot->key, slot->generation, text);
    req->data_text = text; /* serialised once */
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
        if (err.rc == RC_NO_CREDITS) fail_no_credits(req);
        else req_fail_rc(req, &err);
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

/* ---- the generic parameters: dry_run, no_cache, async, webhook_url ---------- */

static void (*job_queued_hook)(void);

void router_on_job_queued(void (*wake)(void))
{
    job_queued_hook = wake;
}

bool router_billable(const struct request *req)
{
    return req->route && req->route->max_credits > 0;
}

/* A parameter from the query string, else (POST/PUT) from the JSON body as text. */
static const char *generic_param(struct request *req, const char *name)
{
    const char *v = req_query(req, name);
    json_t *j = v || !req->json ? NULL : json_object_get(req->json, name);
    if (json_is_string(j)) return json_string_value(j);
    if (json_is_true(j)) return "1";
    if (json_is_false(j)) return "0";
    if (json_is_integer(j)) return arena_sprintf(&req->arena, "%lld", (long long)json_integer_value(j));
    return j ? "?" : v;
}

static bool read_flag(struct request *req, const char *name, bool *out)
{
    const char *v = generic_param(req, name);
    *out = false;
    if (!v || !*v || strcmp(v, "0") == 0 || strcmp(v, "false") == 0) return true;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) return *out = true;
    return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be 0 or 1.", name);
}

static bool wants_no_upstream(struct request *req)
{
    const char *dry = req_query(req, "dry_run"), *async = req_query(req, "async");
    return (dry && strcmp(dry, "0") != 0) || (async && strcmp(async, "0") != 0);
}

static bool read_generic(struct request *req)
{
    if (!read_flag(req, "dry_run", &req->dry_run) || !read_flag(req, "no_cache", &req->no_cache) ||
        !read_flag(req, "async", &req->async))
        return false;
    req->webhook_url = generic_param(req, "webhook_url");
    if (req->webhook_url && !*req->webhook_url) req->webhook_url = NULL;
    if (req->async && !req->route->async_ok)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'async' is not supported on %s.",
                        req->route->file);
    if (req->webhook_url && !req->async)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'webhook_url' needs async=1.");
    if (req->webhook_url && (strlen(req->webhook_url) > 2048 || !webhooks_url_valid(req->webhook_url)))
        return req_fail(req, E_INVALID_PARAM,
                        "Parameter 'webhook_url' must be an http:// or https:// URL.");
    return true;
}

/* A dry run: the parameters were checked; says what a real call could cost. */
static void answer_dry_run(struct request *req)
{
    bool cached = false;
    if (req->route->cache_ttl && req->route->cache_key) {
        struct err err = {0};
        char *text = NULL;
        cached = cache_get_text(req->store, req->route->cache_key(req), &req->arena, &text,
                                &err) == RC_OK;
    }
    req->data = json_pack("{s:b, s:b, s:I}", "dry_run", true, "cached", cached, "max_credits",
                          (json_int_t)req->route->max_credits);
}

/* The request as the job will replay it: query and body without the async parameters. */
static char *job_args(struct request *req)
{
    static const char *const dropped[] = {"api_key", "async", "webhook_url"};
    json_t *query = json_array();
    for (size_t i = 0; i < req->nargs; i++) {
        bool drop = false;
        for (size_t d = 0; d < sizeof dropped / sizeof dropped[0]; d++)
            drop = drop || strcmp(req->args[i].name, dropped[d]) == 0;
        if (!drop)
            json_array_append_new(query, json_pack("[s, s]", req->args[i].name, req->args[i].value));
    }
    json_t *body = req->json ? json_deep_copy(req->json) : json_null();
    if (json_is_object(body))
        for (size_t d = 0; d < sizeof dropped / sizeof dropped[0]; d++)
            json_object_del(body, dropped[d]);
    json_t *doc = json_pack("{s:o, s:o}", "query", query, "body", body);
    char *text = arena_json_dumps(&req->arena, doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

static void queue_async(struct request *req)
{
    char id[25];
    str_random_hex(12, id);
    struct async_job job = {.id = id, .user_id = req->user_id, .endpoint = req->route->endpoint,
                            .file = req->route->file, .method = (int)req->method,
                            .args = job_args(req), .webhook_url = req->webhook_url,
                            .created_at = clock_now()};
    struct err err = {0};
    if (req->store->ops->job_create(req->store, &job, &err) != RC_OK) {
        req_fail_rc(req, &err);
        return;
    }
    if (job_queued_hook) job_queued_hook();
    req->data = json_pack("{s:s, s:s}", "job_id", id, "status", "queued");
    req->success_status = 202;
}

/* Parse and cache lookup, or a dry run or async submission in their place. */
static bool prepare(struct request *req)
{
    req->prepared = true;
    if (!decode_body(req) || !read_generic(req) || (req->route->parse && !req->route->parse(req)))
        return true;
    if (req->dry_run && req->route->max_credits > 0) {
        answer_dry_run(req);
        return true;
    }
    if (req->async) {
        queue_async(req);
        return true;
    }
    if (req->no_cache) {
        if (req->route->cache_ttl && req->route->cache_key)
            req->cache_key = req->route->cache_key(req);
        return false;
    }
    return cache_lookup(req, &req->cache_key);
}

void router_finish(struct request *req)
{
    if (req->auth_pending) {
        struct err err = {0};
        req->auth_pending = false;
        if (!apply_auth(req, auth_remote(req->store, req->api_key, &req->user_id, &err), &err) ||
            !within_rate_limit(req))
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
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!body) /* messages are scrubbed to UTF-8, so only exhaustion gets here */
        body = xstrdup("{\"status\":\"error\",\"code\":\"internal_error\","
                       "\"message\":\"Internal error.\"}");
    *len = strlen(body);
    return body;
}

/* X-Credits-Remaining: every answer to an authenticated user carries the balance. */
static void read_balance(struct request *req)
{
    struct err err = {0};
    req->balance_known = req->route && !req->route->public && req->user_id > 0 &&
                         req->store->ops->credits_balance(req->store, req->user_id, &req->balance,
                                                          &err) == RC_OK;
}

char *router_response(struct request *req, int *status, size_t *len)
{
    read_balance(req);
    if (req->error != E_NONE) {
        *status = errors_status(req->error);
        return error_body(req, len);
    }
    *status = req->success_status ? req->success_status : 200;
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
