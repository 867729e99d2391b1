/* libmicrohttpd glue: request bodies with a 1 MiB cap, the fast path on the
 * event threads, suspend/resume around job-pool work, and the access log. */
#include "http/server.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "core/jobs.h"
#include "http/cors.h"
#include "http/router.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_BODY = 1 << 20 };
/* What a refused request is told to wait: long enough for a crawl's pages to come in. */
enum { RETRY_AFTER_S = 5 };
/* The longest an event thread waits for a store lock another process holds;
 * a request that needs longer runs on the job pool (store_lock_bound). */
enum { EVENT_LOCK_WAIT_MS = 5 };
/* libmicrohttpd answers a request line or header block that outgrows the
 * connection's memory with its own HTML page (0.9.75 has no hook for it): the
 * memory is set well above these limits, which are answered in the API's
 * envelope, so only requests beyond CONNECTION_MEMORY still get MHD's page. */
enum { MAX_URI = 8 * 1024, MAX_HEADERS = 16 * 1024, CONNECTION_MEMORY = 32 * 1024 };
/* How often the slow-client guard looks at the connections. */
enum { GUARD_PERIOD_MS = 250 };

/* One per TCP connection: the slow-client guard's view of it. */
struct conn_watch {
    int fd;
    double phase_start_ms; /* connection start, or end of its last request */
    bool in_request;       /* headers are in: the request's own pace applies */
    uint64_t ticket;       /* its request's job while that may still be waiting; else 0 */
    struct conn_watch *prev, *next;
};

struct server {
    struct MHD_Daemon *daemon;
    struct store *store;
    struct jobs *jobs;
    struct route_table routes;
    unsigned user_inflight;
    bool access_log;
    const char *cors_origins; /* NULL: no CORS headers at all */
    double deadline_ms; /* for a request's headers, and for its body */
    pthread_mutex_t watch_lock;
    struct conn_watch *watched;
    pthread_t guard;
    pthread_mutex_t guard_lock; /* with guard_wake: server_stop wakes the guard at once */
    pthread_cond_t guard_wake;
    _Atomic bool stopping;
    bool starting;         /* MHD_start_daemon runs: its messages explain a failure */
    char start_error[512]; /* libmicrohttpd's last message while starting */
};

enum conn_state { CS_READING, CS_WORKING, CS_READY };

struct conn_ctx {
    struct request req;
    struct server *srv;
    struct MHD_Connection *conn;
    struct buf body;
    enum conn_state state;
    double started_ms;
    int status;
    bool dropped; /* its client left while the job waited: closed without an answer */
};

/* ---- request set-up ------------------------------------------------------- */

static enum http_method method_of(const char *m)
{
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) return M_GET;
    if (strcmp(m, "POST") == 0) return M_POST;
    if (strcmp(m, "PUT") == 0) return M_PUT;
    if (strcmp(m, "DELETE") == 0) return M_DELETE;
    return M_OTHER;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct request *req = cls;
    /* %00 decodes to a NUL that would silently cut the value short */
    if ((key && memchr(key, 0, key_size)) || (value && memchr(value, 0, value_size)))
        if (!req->nul_arg) req->nul_arg = arena_strdup(&req->arena, key ? key : "");
    req_add_arg(req, key, value);
    return MHD_YES;
}

/* The client's address as text (rate limits, licence checks and login throttling
 * count by it). */
static const char *client_address(struct MHD_Connection *conn, struct arena *a)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char text[INET6_ADDRSTRLEN] = "";
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text,
                  sizeof text);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text,
                  sizeof text);
    return arena_strdup(a, text);
}

static struct conn_ctx *ctx_new(struct server *srv, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
    struct conn_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->srv = srv;
    ctx->conn = conn;
    ctx->started_ms = clock_mono_ms();
    buf_init(&ctx->body, MAX_BODY);
    struct request *req = &ctx->req;
    arena_init(&req->arena);
    req->store = srv->store;
    req->method = method_of(method);
    req->method_name = arena_strdup(&req->arena, method);
    req->url = arena_strdup(&req->arena, url);
    str_fast_random_hex(8, req->request_id);
    req->client = client_address(conn, &req->arena);
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_arg, req);
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth) req->authorization = arena_strdup(&req->arena, auth);
    const char *mcp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "MCP-Protocol-Version");
    if (mcp) req->mcp_version = arena_strdup(&req->arena, mcp);
    const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    req->content_type = type ? arena_strdup(&req->arena, type) : NULL;
    const char *cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");
    if (cookie) req->cookie = arena_strdup(&req->arena, cookie);
    return ctx;
}

static void ctx_free(struct conn_ctx *ctx)
{
    if (ctx->req.stream.done) ctx->req.stream.done(ctx->req.stream.state); /* never sent */
    json_decref(ctx->req.json);
    json_decref(ctx->req.data);
    buf_free(&ctx->body);
    arena_cleanup(&ctx->req.arena);
    free(ctx);
}

/* ---- responses ------------------------------------------------------------ */

static void add_credit_headers(struct MHD_Response *resp, const struct request *req)
{
    char n[24];
    if (!req->balance_known) return;
    snprintf(n, sizeof n, "%lld", (long long)req->balance);
    MHD_add_response_header(resp, "X-Credits-Remaining", n);
    if (!router_billable(req)) return;
    snprintf(n, sizeof n, "%lld", (long long)req->credits_used);
    MHD_add_response_header(resp, "X-Credits-Used", n);
}

static void add_rate_headers(struct MHD_Response *resp, const struct rate_state *rate)
{
    char n[16];
    snprintf(n, sizeof n, "%u", rate->limit);
    MHD_add_response_header(resp, "X-RateLimit-Limit", n);
    snprintf(n, sizeof n, "%u", rate->remaining);
    MHD_add_response_header(resp, "X-RateLimit-Remaining", n);
    snprintf(n, sizeof n, "%u", rate->reset_s);
    MHD_add_response_header(resp, "X-RateLimit-Reset", n);
}

/* The CORS headers when the request's Origin is listed (http/cors.h). */
static void add_cors(const struct conn_ctx *ctx, struct MHD_Response *resp, bool preflight)
{
    const char *origin = MHD_lookup_connection_value(ctx->conn, MHD_HEADER_KIND, "Origin");
    if (!cors_allowed(ctx->srv->cors_origins, origin)) return;
    struct cors_header h[CORS_MAX_HEADERS];
    int n = cors_headers(origin, preflight, h);
    for (int i = 0; i < n; i++) MHD_add_response_header(resp, h[i].name, h[i].value);
}

/* A listed origin's preflight: 204 with the CORS headers, before routing. */
static bool is_preflight(const struct server *srv, struct MHD_Connection *conn,
                         const char *method)
{
    return strcmp(method, "OPTIONS") == 0 &&
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                       "Access-Control-Request-Method") &&
           cors_allowed(srv->cors_origins,
                        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin"));
}

static enum MHD_Result answer_preflight(struct conn_ctx *ctx)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    add_cors(ctx, resp, true);
    ctx->status = MHD_HTTP_NO_CONTENT;
    ctx->state = CS_READY;
    enum MHD_Result r = MHD_queue_response(ctx->conn, MHD_HTTP_NO_CONTENT, resp);
    MHD_destroy_response(resp);
    return r;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct req_stream *s = cls;
    long n = s->read(s->state, out, max);
    if (n > 0) return n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_done(void *cls)
{
    struct req_stream *s = cls;
    s->done(s->state);
    free(s);
}

/* The request's stream (which the response now owns), or its buffered answer. */
static struct MHD_Response *response_of(struct conn_ctx *ctx)
{
    struct request *req = &ctx->req;
    size_t len;
    char *body = router_response(req, &ctx->status, &len);
    if (!req->stream.read || req->error != E_NONE)
        return MHD_create_response_from_buffer_with_free_callback(len, body, free);
    free(body);
    struct req_stream *s = xmalloc(sizeof *s);
    *s = req->stream;
    req->stream = (struct req_stream){0};
    return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s,
                                             stream_done);
}

static enum MHD_Result send_response(struct conn_ctx *ctx)
{
    struct request *req = &ctx->req;
    struct MHD_Response *resp = response_of(ctx);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            req->raw_type && req->error == E_NONE
                                ? req->raw_type
                                : "application/json; charset=utf-8");
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    add_credit_headers(resp, req);
    add_cors(ctx, resp, false);
    for (size_t i = 0; i < req->nheaders; i++)
        MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
    if (req->error == E_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
                                router_allowed(&ctx->srv->routes, req));
    if (req->rate.limit) add_rate_headers(resp, &req->rate);
    if (req->error != E_NONE && req->retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", req->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    enum MHD_Result r = MHD_queue_response(ctx->conn, (unsigned)ctx->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static void run_job(void *arg)
{
    struct conn_ctx *ctx = arg;
    store_lock_bound(0); /* a job thread may wait for another process's lock */
    router_finish(&ctx->req);
    ctx->state = CS_READY;
    MHD_resume_connection(ctx->conn);
}

static void drop_job(void *arg)
{
    struct conn_ctx *ctx = arg;
    ctx->dropped = true;
    ctx->status = 499; /* for the access log, as nginx writes a client that closed first */
    ctx->state = CS_READY;
    MHD_resume_connection(ctx->conn);
}

/* ---- slow-client guard ---------------------------------------------------- */

/* MHD's timeout is an idle timeout, so a client sending one byte per second
 * would hold a connection for ever (slowloris). The guard closes connections
 * whose request headers take longer than the client timeout; bodies get the
 * same deadline in on_request. Suspended requests (upstream work) are exempt. */

static struct conn_watch *watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static void watch_set(struct server *srv, struct MHD_Connection *conn, bool in_request)
{
    struct conn_watch *w = watch_of(conn);
    if (!w) return;
    pthread_mutex_lock(&srv->watch_lock);
    w->in_request = in_request;
    w->phase_start_ms = clock_mono_ms();
    w->ticket = 0;
    pthread_mutex_unlock(&srv->watch_lock);
}

static void watch_ticket(struct server *srv, struct MHD_Connection *conn, uint64_t ticket)
{
    struct conn_watch *w = watch_of(conn);
    if (!w) return;
    pthread_mutex_lock(&srv->watch_lock);
    w->ticket = ticket;
    pthread_mutex_unlock(&srv->watch_lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct server *srv = cls;
    pthread_mutex_lock(&srv->watch_lock);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_watch *w = xcalloc(1, sizeof *w);
        w->fd = info ? info->connect_fd : -1;
        w->phase_start_ms = clock_mono_ms();
        w->next = srv->watched;
        if (w->next) w->next->prev = w;
        srv->watched = w;
        *socket_context = w;
    } else if (*socket_context) {
        /* MHD closes the socket after this returns, so the guard (which holds
         * the lock while it shuts sockets down) never touches a reused fd */
        struct conn_watch *w = *socket_context;
        if (w->prev) w->prev->next = w->next;
        else srv->watched = w->next;
        if (w->next) w->next->prev = w->prev;
        free(w);
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&srv->watch_lock);
}

/* MHD does not watch a suspended connection, so a client that hangs up while
 * its request waits for a job thread goes unnoticed there: the guard polls
 * those sockets and takes their jobs out of the queue (nothing run, nothing
 * charged). Called with watch_lock held; returns how many tickets it wrote. */
static size_t find_hangups(struct server *srv, uint64_t **tickets)
{
    size_t n = 0, gone = 0;
    for (struct conn_watch *w = srv->watched; w; w = w->next) n += w->ticket && w->fd >= 0;
    if (!n) return 0;
    struct pollfd *fds = xcalloc(n, sizeof *fds);
    struct conn_watch **of = xcalloc(n, sizeof *of);
    n = 0;
    for (struct conn_watch *w = srv->watched; w; w = w->next)
        if (w->ticket && w->fd >= 0) {
            fds[n] = (struct pollfd){.fd = w->fd, .events = POLLRDHUP};
            of[n++] = w;
        }
    *tickets = xcalloc(n, sizeof **tickets);
    if (poll(fds, n, 0) > 0)
        for (size_t i = 0; i < n; i++)
            if (fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
                (*tickets)[gone++] = of[i]->ticket;
                of[i]->ticket = 0;
            }
    free(fds);
    free(of);
    return gone;
}

/* One look at the watched connections: slow clients cut off, gone ones' jobs dropped. */
static void guard_pass(struct server *srv)
{
    double now = clock_mono_ms();
    uint64_t *tickets = NULL;
    pthread_mutex_lock(&srv->watch_lock);
    for (struct conn_watch *w = srv->watched; w; w = w->next)
        if (!w->in_request && w->fd >= 0 && now - w->phase_start_ms > srv->deadline_ms) {
            shutdown(w->fd, SHUT_RDWR);
            w->phase_start_ms = now + 1e9; /* once is enough */
        }
    size_t gone = find_hangups(srv, &tickets);
    pthread_mutex_unlock(&srv->watch_lock);
    /* outside the lock: a dropped job resumes its connection, and MHD then
     * reports the close to on_connection, which takes the lock */
    for (size_t i = 0; i < gone; i++) jobs_cancel(srv->jobs, tickets[i]);
    free(tickets);
}

static void guard_init(struct server *srv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* wall-clock steps do not stretch it */
    pthread_cond_init(&srv->guard_wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&srv->guard_lock, NULL);
}

static void guard_destroy(struct server *srv)
{
    pthread_cond_destroy(&srv->guard_wake);
    pthread_mutex_destroy(&srv->guard_lock);
}

/* A pass every GUARD_PERIOD_MS; the wait is a timed condition wait rather than a sleep so
 * that stopping does not wait out the period (a test suite stops hundreds of servers). */
static void *guard_loop(void *arg)
{
    struct server *srv = arg;
    pthread_mutex_lock(&srv->guard_lock);
    while (!srv->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += GUARD_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&srv->guard_wake, &srv->guard_lock, &until);
        if (srv->stopping) break;
        pthread_mutex_unlock(&srv->guard_lock);
        guard_pass(srv);
        pthread_mutex_lock(&srv->guard_lock);
    }
    pthread_mutex_unlock(&srv->guard_lock);
    return NULL;
}

/* ---- access log ----------------------------------------------------------- */

/* The query string as received, with the api_key value replaced. */
static void append_query(struct buf *line, const struct request *req)
{
    struct buf q;
    buf_init(&q, 4096);
    for (size_t i = 0; i < req->nargs; i++) {
        if (i) buf_puts(&q, "&");
        buf_puts(&q, req->args[i].name);
        buf_puts(&q, "=");
        buf_puts(&q, strcmp(req->args[i].name, "api_key") == 0 ? "[redacted]" : req->args[i].value);
    }
    if (q.data) str_utf8_scrub(q.data); /* the log line must stay JSON */
    json_t *s = json_stringn(q.data ? q.data : "", q.len);
    char *quoted = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    buf_puts(line, quoted ? quoted : "\"\"");
    free(quoted);
    json_decref(s);
    buf_free(&q);
}

static void access_log(struct conn_ctx *ctx)
{
    const struct request *req = &ctx->req;
    char ts[21];
    clock_format_iso(clock_now(), ts);
    struct buf line;
    buf_init(&line, 0);
    json_t *url = json_string(req->url);
    char *url_text = url ? json_dumps(url, JSON_ENCODE_ANY) : NULL;
    buf_printf(&line,
               "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"%s\","
               "\"method\":\"%s\",\"path\":%s,\"query\":",
               ts, req->request_id, req->method_name, url_text ? url_text : "\"\"");
    append_query(&line, req);
    buf_printf(&line, ",\"status\":%d,\"ms\":%.2f,\"user_id\":%lld,\"credits\":%lld",
               ctx->status, clock_mono_ms() - ctx->started_ms, (long long)req->user_id,
               (long long)req->credits_used);
    /* provider names are fixed words: no escaping needed */
    if (req->provider) buf_printf(&line, ",\"provider\":\"%s\"", req->provider);
    buf_puts(&line, "}\n");
    log_access(line.data, line.len);
    free(url_text);
    json_decref(url);
    buf_free(&line);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct server *srv = cls;
    struct conn_ctx *ctx = *con_cls;
    watch_set(srv, conn, false);
    if (!ctx) return;
    if (srv->access_log) access_log(ctx);
    ctx_free(ctx);
    *con_cls = NULL;
}

/* ---- admission ------------------------------------------------------------ */

/* Whose share of the pool a request uses: its user, or for a key only the
 * licence service knows yet, the key (hashed, high bit set to stay apart). */
static uint64_t owner_of(const struct request *req)
{
    if (!req->auth_pending) return (uint64_t)req->user_id;
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (const char *p = req->api_key; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h | (1ULL << 63);
}

/* Suspends the connection and queues the rest of the pipeline on the job
 * pool, or answers 429 / 503 when the user or the class of work is full. */
static enum MHD_Result queue_job(struct server *srv, struct conn_ctx *ctx)
{
    struct request *req = &ctx->req;
    struct job job = {.cls = req->auth_pending ? JOB_LICENCE : req->route->job,
                      .owner = owner_of(req), .run = run_job, .dropped = drop_job, .arg = ctx};
    uint64_t ticket = 0;
    ctx->state = CS_WORKING;
    MHD_suspend_connection(ctx->conn);
    enum jobs_admit verdict = jobs_submit(srv->jobs, &job, &ticket);
    if (verdict == JOBS_ADMITTED) {
        if (ticket) watch_ticket(srv, ctx->conn, ticket);
        return MHD_YES;
    }
    if (verdict == JOBS_OWNER_FULL)
        req_fail(req, E_RATE_LIMITED,
                 "Too many requests in progress for this account (at most %u at once). Retry "
                 "after %d seconds.",
                 srv->user_inflight, RETRY_AFTER_S);
    else
        req_fail(req, E_BUSY,
                 "The server is busy: too many %s requests are waiting. Retry after %d seconds.",
                 jobs_class_name(job.cls), RETRY_AFTER_S);
    req->retry_after = RETRY_AFTER_S;
    ctx->state = CS_READY; /* answered once MHD takes the connection back */
    MHD_resume_connection(ctx->conn);
    return MHD_YES;
}

/* ---- the access handler --------------------------------------------------- */

static size_t uri_size(const struct request *req)
{
    size_t n = strlen(req->url);
    for (size_t i = 0; i < req->nargs; i++)
        n += strlen(req->args[i].name) + strlen(req->args[i].value) + 2; /* ? or &, = */
    return n;
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       size_t key_size, const char *value, size_t value_size)
{
    (void)kind, (void)key, (void)value;
    *(size_t *)cls += key_size + value_size + 4; /* ": " and CRLF */
    return MHD_YES;
}

static size_t headers_size(struct MHD_Connection *conn)
{
    size_t n = 0;
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, add_header_size, &n);
    return n;
}

static bool declared_too_large(struct MHD_Connection *conn, size_t limit)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    int64_t n;
    return cl && str_parse_int64(cl, &n) && (uint64_t)n > limit;
}

static const char *too_large_msg(const struct conn_ctx *ctx, char out[64])
{
    snprintf(out, 64, "Request body is larger than %zu MiB.", ctx->body.limit >> 20);
    return out;
}

static enum MHD_Result fail_now(struct conn_ctx *ctx, enum api_error e, const char *msg)
{
    req_fail(&ctx->req, e, "%s", msg);
    ctx->state = CS_READY;
    return send_response(ctx);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct server *srv = cls;
    struct conn_ctx *ctx = *con_cls;
    char too_large[64];
    if (!ctx) {
        *con_cls = ctx = ctx_new(srv, conn, url, method);
        watch_set(srv, conn, true);
        size_t route_limit = router_body_limit(&srv->routes, url, ctx->req.method,
                                               ctx->req.content_type);
        if (route_limit > MAX_BODY) ctx->body.limit = route_limit;
        if (uri_size(&ctx->req) > MAX_URI)
            return fail_now(ctx, E_URI_TOO_LONG, "The request URI is longer than 8 KiB.");
        if (headers_size(conn) > MAX_HEADERS)
            return fail_now(ctx, E_HEADERS_TOO_LARGE,
                            "The request's header fields are larger than 16 KiB.");
        if (declared_too_large(conn, ctx->body.limit))
            return fail_now(ctx, E_PAYLOAD_TOO_LARGE, too_large_msg(ctx, too_large));
        if (is_preflight(srv, conn, method)) return answer_preflight(ctx);
        return MHD_YES;
    }
    if (ctx->state == CS_READY) return ctx->dropped ? MHD_NO : send_response(ctx);
    if (*upload_data_size && clock_mono_ms() - ctx->started_ms > srv->deadline_ms)
        return MHD_NO; /* a body trickling in slower than the client timeout */
    if (*upload_data_size) {
        buf_append(&ctx->body, upload_data, *upload_data_size); /* past the cap: dropped, flagged */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->body.too_big)
        return fail_now(ctx, E_PAYLOAD_TOO_LARGE, too_large_msg(ctx, too_large));
    ctx->req.body = ctx->body.data;
    ctx->req.body_len = ctx->body.len;
    store_lock_bound(EVENT_LOCK_WAIT_MS);
    if (router_begin(&srv->routes, &ctx->req) == ROUTER_DONE) {
        ctx->state = CS_READY;
        return send_response(ctx);
    }
    return queue_job(srv, ctx);
}

/* ---- lifecycle ------------------------------------------------------------ */

static bool parse_listen(const char *listen, struct sockaddr_storage *addr, struct err *err)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        err_set(err, RC_INVALID, "LEADGEN_LISTEN must be host:port, got '%s'", listen);
        return false;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *h = host;
    if (*h == '[' && h[strlen(h) - 1] == ']') { /* [::1]:8080 */
        h[strlen(h) - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM},
                    *res;
    int gai = getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res);
    if (gai != 0) {
        err_set(err, RC_INVALID, "LEADGEN_LISTEN '%s': %s", listen, gai_strerror(gai));
        return false;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return true;
}

/* libmicrohttpd's own messages go through the log, in its format. */
__attribute__((format(printf, 2, 0))) static void on_mhd_message(void *cls, const char *fmt,
                                                                 va_list ap)
{
    struct server *srv = cls;
    char msg[sizeof srv->start_error];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    if (srv->starting) memcpy(srv->start_error, msg, sizeof msg);
    log_warn("libmicrohttpd: %s", msg);
}

/* The address actually bound, "host:port" or "[v6]:port", numerically. */
static void describe_addr(const struct sockaddr_storage *addr, char *out, size_t len)
{
    char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
    socklen_t size = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
    getnameinfo((const struct sockaddr *)addr, size, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(out, len, addr->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

struct server *server_start(struct store *st, const struct server_options *opt, struct err *err)
{
    struct sockaddr_storage addr = {0};
    if (!parse_listen(opt->listen, &addr, err)) return NULL;
    struct server *srv = xcalloc(1, sizeof *srv);
    srv->store = st;
    srv->routes = opt->routes;
    srv->access_log = opt->access_log;
    srv->cors_origins = opt->cors_origins;
    struct jobs_limits limits = {.threads = opt->workers, .per_owner = opt->user_inflight};
    memcpy(limits.queued, opt->queued, sizeof limits.queued);
    srv->jobs = jobs_new(&limits);
    srv->user_inflight = opt->user_inflight;
    srv->deadline_ms = opt->client_timeout * 1000.0;
    pthread_mutex_init(&srv->watch_lock, NULL);
    guard_init(srv);
    unsigned threads = opt->threads;
    if (!threads) {
        /* one core is left for job threads, SQLite and the kernel's network work:
         * on 2 cores two event threads plus a local client oversubscribe the CPU
         * and stretch tail latency (see docs/BENCHMARKS.md), while one thread
         * already answers ~100,000 requests/s */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 1 ? (unsigned)cores - 1 : 1;
    }
    /* options that are passed only when they apply: MHD warns on stderr about a
     * thread pool of one, and a per-address limit of 0 would refuse everyone */
    struct MHD_OptionItem optional[3] = {{MHD_OPTION_END, 0, NULL}};
    size_t n_optional = 0;
    if (threads > 1)
        optional[n_optional++] =
            (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
    if (opt->max_connections_per_ip)
        optional[n_optional++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                                         opt->max_connections_per_ip, NULL};
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_TURBO | MHD_USE_ERROR_LOG;
    srv->starting = true;
    if (addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        /* first, so that MHD's messages about the options that follow use it too */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_message, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_ARRAY, optional, MHD_OPTION_CONNECTION_LIMIT,
        opt->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, opt->client_timeout, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
    srv->starting = false;
    if (!srv->daemon) {
        char where[NI_MAXHOST + NI_MAXSERV + 4];
        describe_addr(&addr, where, sizeof where);
        err_set(err, RC_IO, "cannot listen on %s (LEADGEN_LISTEN=%s): %s", where, opt->listen,
                *srv->start_error ? srv->start_error : "address in use, or not permitted");
        jobs_stop(srv->jobs);
        jobs_free(srv->jobs);
        guard_destroy(srv);
        pthread_mutex_destroy(&srv->watch_lock);
        free(srv);
        return NULL;
    }
    pthread_create(&srv->guard, NULL, guard_loop, srv);
    return srv;
}

uint16_t server_port(const struct server *srv)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void server_stop(struct server *srv)
{
    if (!srv) return;
    /* No MHD_quiesce_daemon: with an epoll thread pool it races the workers
     * over the listen socket and can abort (libmicrohttpd 0.9.75). Requests
     * that arrive while stopping run their jobs inline instead. */
    pthread_mutex_lock(&srv->guard_lock);
    srv->stopping = true;
    pthread_cond_signal(&srv->guard_wake);
    pthread_mutex_unlock(&srv->guard_lock);
    pthread_join(srv->guard, NULL);
    guard_destroy(srv);
    jobs_stop(srv->jobs); /* suspended connections resume as their jobs finish */
    MHD_stop_daemon(srv->daemon);
    jobs_free(srv->jobs);
    pthread_mutex_destroy(&srv->watch_lock);
    free(srv);
}
