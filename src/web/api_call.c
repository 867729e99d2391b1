/* Pages act through the API's own routes, as the signed-in user: the router does the
 * checks, credits and caching exactly as for an API call, so no rule has a second copy
 * here. The answers are kept in the page request's data object (freed with it). */
#include "web/web_int.h"

#include "api/api.h"
#include "base/json.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

/* Keeps v until the page request ends; returns it. */
static json_t *keep(struct web *w, json_t *v)
{
    if (!w->req->data) w->req->data = json_object();
    json_object_set_new(w->req->data,
                        arena_sprintf(w->a, "call%zu", json_object_size(w->req->data)), v);
    return v;
}

/* Runs file as the signed-in user on req (initialised here; the caller cleans it up):
 * query's members become the query string, body (of type) the request body. */
static void run_route(struct web *w, struct request *req, enum http_method method, const char *file,
                      json_t *query, const char *body, size_t len, const char *type)
{
    *req = (struct request){0};
    arena_init(&req->arena);
    req->store = w->req->store;
    req->method = method;
    req->method_name = method == M_GET ? "GET" : method == M_PUT ? "PUT" : "POST";
    req->url = arena_sprintf(&req->arena, "/api/v1/%s", file);
    req->user_id = w->user_id;
    req->preauthenticated = true;
    req->content_type = type;
    memcpy(req->request_id, w->req->request_id, sizeof req->request_id);
    const char *key;
    json_t *v;
    json_object_foreach(query, key, v) req_add_arg(req, key, req_arg_text(req, v));
    if (body) {
        req->body = arena_strndup(&req->arena, body, len);
        req->body_len = len;
    }
    if (router_begin(&(struct route_table){api_routes, api_routes_count}, req) == ROUTER_ASYNC)
        router_finish(req);
}

static void cleanup(struct request *req)
{
    if (req->stream.done) req->stream.done(req->stream.state);
    json_decref(req->json);
    json_decref(req->data);
    arena_cleanup(&req->arena);
}

/* The answer's data object, kept with the page; else NULL and *error. */
static json_t *answer_data(struct web *w, struct request *req, const char **error)
{
    int status = 0;
    size_t len = 0;
    char *text = router_response(req, &status, &len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    json_t *data = NULL;
    if (req->error == E_NONE && json_is_object(json_object_get(doc, "data"))) {
        data = keep(w, json_incref(json_object_get(doc, "data")));
        *error = NULL;
    } else {
        *error = arena_strdup(w->a, req->error != E_NONE ? req->error_msg : "Unexpected answer.");
    }
    json_decref(doc);
    return data;
}

const char *api_str(json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));
    return s ? s : "";
}

long long api_int(json_t *obj, const char *name)
{
    return (long long)json_integer_value(json_object_get(obj, name));
}

json_t *web_api(struct web *w, enum http_method method, const char *file, json_t *args,
                const char **error)
{
    struct request req;
    bool get = method == M_GET;
    const char *body = get ? NULL : arena_json_dumps(w->a, args, JSON_COMPACT);
    const char *text = get ? NULL : body ? body : "{}";
    run_route(w, &req, method, file, get ? args : NULL, text, text ? strlen(text) : 0,
              get ? NULL : "application/json");
    json_decref(args);
    json_t *data = answer_data(w, &req, error);
    cleanup(&req);
    return data;
}

json_t *web_api_raw(struct web *w, enum http_method method, const char *file, json_t *query,
                    const char *body, size_t len, const char *type, const char **error)
{
    struct request req;
    run_route(w, &req, method, file, query, body, len, type);
    json_decref(query);
    json_t *data = answer_data(w, &req, error);
    cleanup(&req);
    return data;
}

bool web_api_stream(struct web *w, const char *file, json_t *query, const char **error)
{
    struct request req;
    run_route(w, &req, M_GET, file, query, NULL, 0, NULL);
    json_decref(query);
    bool streamed = req.error == E_NONE && req.stream.read;
    if (streamed) {
        web_security_headers(w->req);
        w->req->stream = req.stream;
        w->req->raw_type = arena_strdup(w->a, req.raw_type);
        if (!w->req->data) w->req->data = json_object();
        req.stream = (struct req_stream){0};
    } else {
        *error = arena_strdup(w->a, req.error != E_NONE ? req.error_msg : "Unexpected answer.");
    }
    cleanup(&req);
    return streamed;
}
