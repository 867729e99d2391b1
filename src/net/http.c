/* libcurl easy-interface wrapper with caps and resolve pins. */
#include "net/http.h"

#include "config.h"

#include <curl/curl.h>
#include <string.h>

enum { DEFAULT_TIMEOUT_MS = 30000, DEFAULT_MAX_BYTES = 8 << 20 };

enum rc net_global_init(struct err *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_set(err, RC_IO, "libcurl initialisation failed");
    return RC_OK;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct buf *b = userdata;
    return buf_append(b, data, size * n) ? size * n : 0; /* 0 aborts the transfer */
}

/* LEADGEN_RESOLVE is "host:port:addr[,host:port:addr]", curl's --resolve syntax. */
static struct curl_slist *resolve_pins(void)
{
    const char *spec = config_get("LEADGEN_RESOLVE");
    if (!spec || !*spec) return NULL;
    struct curl_slist *list = NULL;
    char item[512];
    for (const char *p = spec; *p;) {
        size_t n = strcspn(p, ",");
        if (n > 0 && n < sizeof item) {
            memcpy(item, p, n);
            item[n] = '\0';
            list = curl_slist_append(list, item);
        }
        p += n;
        if (*p == ',') p++;
    }
    return list;
}

static struct curl_slist *header_list(const char *const *headers)
{
    struct curl_slist *list = NULL;
    for (; headers && *headers; headers++) list = curl_slist_append(list, *headers);
    return list;
}

enum rc http_fetch(const struct http_request *req, struct http_response *resp, struct err *err)
{
    buf_init(&resp->body, req->max_bytes ? req->max_bytes : DEFAULT_MAX_BYTES);
    resp->status = 0;
    CURL *h = curl_easy_init();
    if (!h) return err_set(err, RC_IO, "libcurl: cannot create a handle");
    struct curl_slist *headers = header_list(req->headers), *pins = resolve_pins();
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_RESOLVE, pins);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp->body);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "leadgen/1.0");
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    CURLcode cc = curl_easy_perform(h);
    enum rc rc = RC_OK;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    } else if (resp->body.too_big) {
        rc = err_set(err, RC_UPSTREAM, "%s: response larger than %zu bytes", req->url,
                     resp->body.limit);
    } else {
        rc = err_set(err, RC_UPSTREAM, "%s: %s", req->url, curl_easy_strerror(cc));
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    curl_slist_free_all(pins);
    return rc;
}

void http_response_free(struct http_response *resp)
{
    buf_free(&resp->body);
}
