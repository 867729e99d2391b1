/* Health check and the OpenAPI document. */
#include "api/api.h"

#include "base/clock.h"
#include "base/log.h"

extern const char openapi_json[];
extern const size_t openapi_json_len;

bool api_healthz_run(struct request *req)
{
    struct err err = {0};
    enum rc rc = req->store->ops->ping(req->store, &err);
    if (rc != RC_OK && store_lock_cut_short()) {
        /* up, but another process holds a lock: answered now, not after it */
        req->data = json_pack("{s:s, s:s}", "store", req->store->ops->name, "state", "busy");
        return true;
    }
    if (rc != RC_OK) {
        log_error("health check: %s", err.msg);
        return req_fail(req, E_UNHEALTHY, "The store is unavailable: %s.", err.msg);
    }
    req->data = json_pack("{s:s, s:s}", "store", req->store->ops->name, "state", "ok");
    return true;
}

bool api_openapi_run(struct request *req)
{
    req->raw_body = openapi_json;
    req->raw_len = openapi_json_len;
    req->data = json_object(); /* the router wants data on success; the raw body is sent */
    return true;
}

json_t *api_datetime_json(int64_t unix_seconds)
{
    char text[20];
    clock_format(unix_seconds, text);
    return json_string(text);
}
