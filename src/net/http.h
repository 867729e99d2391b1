/* Outbound HTTP through libcurl: the one place that knows timeouts, response
 * size caps and LEADGEN_RESOLVE pins. Blocking; safe to call from any thread
 * after net_global_init. The response body is owned by the caller (buf_free). */
#ifndef LEADGEN_NET_HTTP_H
#define LEADGEN_NET_HTTP_H

#include "base/buf.h"
#include "base/rc.h"

#include <stddef.h>

struct http_request {
    const char *method; /* "GET" when NULL */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;           /* sent as is; NULL for none */
    size_t body_len;
    long timeout_ms;    /* whole transfer; 0 means 30 s */
    size_t max_bytes;   /* response body cap; 0 means 8 MiB */
};

struct http_response {
    long status;
    struct buf body;
};

enum rc net_global_init(struct err *err);
/* RC_OK once any HTTP status arrives (check resp->status); RC_UPSTREAM when the
 * exchange failed (connect, timeout, oversized body), with the reason in err. */
enum rc http_fetch(const struct http_request *req, struct http_response *resp, struct err *err);
void http_response_free(struct http_response *resp);

#endif
