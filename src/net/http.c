/* libcurl multi-interface fetching with caps, resolve pins and the
 * private-address guard. A single fetch is a batch of one, so there is one
 * code path for every outbound HTTP request. */
#include "net/http.h"

#include "base/mem.h"
#include "net/guard.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { DEFAULT_TIMEOUT_MS = 30000, DEFAULT_MAX_BYTES = 8 << 20, HEADERS_MAX = 64 << 10 };

static struct http_net_options net_options;

void http_configure(const struct http_net_options *o)
{
    net_options = *o;
}

enum rc http_init(struct err *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_set(err, RC_IO, "libcurl initialisation failed");
    return RC_OK;
}

struct transfer {
    CURL *h;
    struct curl_slist *headers;
    struct buf *body;
    bool truncate; /* keep the first limit bytes of an oversized body */
    struct net_guard guard; /* refused: the guard blocked the address */
};

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct transfer *t = userdata;
    struct buf *b = t->body;
    if (buf_append(b, data, size * n)) return size * n;
    if (t->truncate && b->len < b->limit) {
        size_t room = b->limit - b->len;
        buf_append(b, data, room);
        b->too_big = true;
    }
    return 0; /* aborts the transfer */
}

/* Header lines of the last response only: a status line starts a new one (100 Continue). */
static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    struct buf *h = userdata;
    if (size * n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        buf_reset(h);
        return size * n;
    }
    if (size * n > 2) buf_append(h, data, size * n); /* past the cap: dropped, not fatal */
    return size * n;
}

static bool transfer_setup(struct transfer *t, const struct http_request *req,
                           struct http_response *resp, struct curl_slist *pins)
{
    buf_init(&resp->body, req->max_bytes ? req->max_bytes : DEFAULT_MAX_BYTES);
    buf_init(&resp->headers, HEADERS_MAX);
    resp->status = 0;
    t->h = curl_easy_init();
    if (!t->h) return false;
    for (const char *const *h = req->headers; h && *h; h++)
        t->headers = curl_slist_append(t->headers, *h);
    CURL *h = t->h;
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(h, CURLOPT_RESOLVE, pins);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    t->body = &resp->body;
    t->truncate = req->truncate;
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_USERAGENT, req->user_agent ? req->user_agent : "leadgen/1.0");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (req->cookies) {
        curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""); /* engine on, no file */
        if (*req->cookies) curl_easy_setopt(h, CURLOPT_COOKIE, req->cookies);
    }
    if (req->max_redirects > 0) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)req->max_redirects);
    }
    if (req->keep_headers) {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp->headers);
    }
    if (req->guard_private && !net_options.allow_private) {
        net_guard_apply(h, &t->guard);
    }
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    return true;
}

static enum rc transfer_result(struct transfer *t, CURLcode cc, const struct http_request *req,
                               struct http_response *resp, struct err *err)
{
    if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && t->truncate && resp->body.too_big)) {
        curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &resp->status);
        char *final = NULL;
        curl_easy_getinfo(t->h, CURLINFO_EFFECTIVE_URL, &final);
        if (final) snprintf(resp->final_url, sizeof resp->final_url, "%s", final);
        char *type = NULL;
        curl_easy_getinfo(t->h, CURLINFO_CONTENT_TYPE, &type);
        if (type) snprintf(resp->content_type, sizeof resp->content_type, "%s", type);
        return RC_OK;
    }
    const char *what = req->log_url ? req->log_url : req->url;
    if (t->guard.refused)
        return err_set(err, RC_FORBIDDEN, "%s resolves to a private or local address", what);
    if (resp->body.too_big)
        return err_set(err, RC_UPSTREAM, "%s: response larger than %zu bytes", what,
                       resp->body.limit);
    if (cc == CURLE_OPERATION_TIMEDOUT) return err_set(err, RC_UPSTREAM, "%s: timed out", what);
    return err_set(err, RC_UPSTREAM, "%s: %s", what, curl_easy_strerror(cc));
}

static void transfer_cleanup(struct transfer *t)
{
    curl_easy_cleanup(t->h);
    curl_slist_free_all(t->headers);
}

/* Adds transfer i to the multi handle, or records why it could not start. */
static void start_one(CURLM *m, struct transfer *t, size_t i, const struct http_request *reqs,
                      struct http_response *resps, struct err *errs, struct curl_slist *pins,
                      enum rc *rcs)
{
    if (!transfer_setup(&t[i], &reqs[i], &resps[i], pins)) {
        rcs[i] = err_set(&errs[i], RC_IO, "libcurl: cannot create a handle");
        return;
    }
    curl_easy_setopt(t[i].h, CURLOPT_PRIVATE, (void *)&t[i]);
    curl_multi_add_handle(m, t[i].h);
}

void http_fetch_all(const struct http_request *reqs, size_t n, unsigned parallel,
                    struct http_response *resps, struct err *errs, enum rc *rcs)
{
    struct transfer *t = xcalloc(n ? n : 1, sizeof *t);
    /* LEADGEN_RESOLVE, curl's --resolve syntax */
    struct curl_slist *pins = net_resolve_pins(net_options.resolve);
    CURLM *m = curl_multi_init();
    size_t next = 0, running = 0;
    for (size_t i = 0; i < n; i++) rcs[i] = RC_OK;
    if (!parallel) parallel = 1;
    while (next < n || running > 0) {
        while (next < n && running < parallel) {
            start_one(m, t, next, reqs, resps, errs, pins, rcs);
            if (t[next++].h) running++;
        }
        int still;
        curl_multi_perform(m, &still);
        CURLMsg *msg;
        int left;
        bool finished = false;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            struct transfer *done;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&done);
            size_t i = (size_t)(done - t);
            rcs[i] = transfer_result(done, msg->data.result, &reqs[i], &resps[i], &errs[i]);
            curl_multi_remove_handle(m, done->h);
            running--;
            finished = true;
        }
        /* a freed slot is refilled at once, not after the next wait */
        bool refill = finished && next < n;
        if (running > 0 && !refill) curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (size_t i = 0; i < n; i++) transfer_cleanup(&t[i]);
    curl_multi_cleanup(m);
    curl_slist_free_all(pins);
    free(t);
}

enum rc http_fetch(const struct http_request *req, struct http_response *resp, struct err *err)
{
    enum rc rc;
    struct err local = {0};
    http_fetch_all(req, 1, 1, resp, err ? err : &local, &rc);
    return rc;
}

void http_response_free(struct http_response *resp)
{
    buf_free(&resp->body);
    buf_free(&resp->headers);
}
