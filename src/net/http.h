/* Outbound HTTP through libcurl: the one place that knows timeouts, response
 * size caps and LEADGEN_RESOLVE pins. Blocking; safe to call from any thread
 * once http_init has run. The response body is owned by the caller
 * (http_response_free). */
#ifndef LEADGEN_NET_HTTP_H
#define LEADGEN_NET_HTTP_H

#include "base/buf.h"
#include "base/rc.h"

#include <stdbool.h>
#include <stddef.h>

struct http_request {
    const char *method; /* "GET" when NULL */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;           /* sent as is; NULL for none */
    size_t body_len;
    long timeout_ms;    /* whole transfer; 0 means 30 s */
    size_t max_bytes;   /* response body cap; 0 means 8 MiB */
    bool truncate;      /* past max_bytes: keep what fits and succeed (pages), not fail */
    int max_redirects;  /* 0: redirects are not followed */
    const char *user_agent; /* NULL: "leadgen/1.0" */
    const char *log_url;    /* shown in errors instead of url (hides keys in query strings) */
    /* Non-NULL: cookies ("a=1; b=2", may be "") sent with the request, and
     * cookies set during its redirects kept and sent on, in one Cookie header
     * (libcurl's in-memory cookie engine; nothing persists): consent interstitials. */
    const char *cookies;
    /* A user-supplied target: refuse loopback, private, link-local and similar
     * addresses at connect time unless LEADGEN_ALLOW_PRIVATE_TARGETS=1.
     * Operator-configured upstreams (LEADGEN_*_URL) are trusted and not guarded. */
    bool guard_private;
    /* Keep the final response's header lines in resp->headers (a relay). */
    bool keep_headers;
};

/* Process-wide outbound policy, set once at start-up before any fetch (until then:
 * no pins, private targets refused). */
struct http_net_options {
    const char *resolve; /* LEADGEN_RESOLVE: "host:port:address[,...]", or NULL */
    bool allow_private;  /* LEADGEN_ALLOW_PRIVATE_TARGETS: guarded requests may reach them */
};
void http_configure(const struct http_net_options *o);

struct http_response {
    long status;
    struct buf body;
    char final_url[2048];    /* after redirects */
    char content_type[128];
    /* With keep_headers: the final response's "Name: value\r\n" lines (64 KiB at most). */
    struct buf headers;
};

/* Initialises libcurl (curl_global_init); called once at start-up, before any
 * thread starts, so a broken libcurl stops the program there. */
enum rc http_init(struct err *err);

/* Runs n requests concurrently, at most `parallel` at a time, and fills
 * resps[i], errs[i] and rcs[i] as http_fetch would. errs must hold n zeroed
 * records. Every resps[i] must be freed, whatever rcs[i] says. */
void http_fetch_all(const struct http_request *reqs, size_t n, unsigned parallel,
                    struct http_response *resps, struct err *errs, enum rc *rcs);
/* RC_OK once any HTTP status arrives (check resp->status); RC_UPSTREAM when the
 * exchange failed (connect, timeout, oversized body), RC_FORBIDDEN when the
 * private-address guard refused the target; the reason is in err. */
enum rc http_fetch(const struct http_request *req, struct http_response *resp, struct err *err);
void http_response_free(struct http_response *resp);

#endif
