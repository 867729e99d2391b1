/* Error recording and the parameter readers every handler uses. */
#include "http/request.h"

#include "base/json.h"

#include "base/log.h"
#include "base/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool req_fail(struct request *req, enum api_error e, const char *fmt, ...)
{
    if (req->error != E_NONE) return false;
    req->error = e;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->error_msg, sizeof req->error_msg, fmt, ap);
    va_end(ap);
    str_utf8_scrub(req->error_msg); /* messages quote paths and values from the client */
    return false;
}

bool req_fail_rc(struct request *req, const struct err *err)
{
    switch (err->rc) {
    case RC_NOT_FOUND: return req_fail(req, E_NOT_FOUND, "%s", err->msg);
    case RC_INVALID:
    case RC_CONFLICT: return req_fail(req, E_INVALID_PARAM, "%s", err->msg);
    case RC_NO_CREDITS:
        return req_fail(req, E_INSUFFICIENT_CREDITS, "Your account has no credits remaining.");
    case RC_DB:
        log_error("store: %s (request %s)", err->msg, req->request_id);
        return req_fail(req, E_DB_ERROR, "Internal database error.");
    default: return req_fail(req, E_INTERNAL, "Internal error.");
    }
}

void req_add_header(struct request *req, const char *name, const char *value)
{
    if (req->nheaders == REQ_MAX_HEADERS) return;
    req->headers[req->nheaders++] = (struct resp_header){arena_strdup(&req->arena, name),
                                                         arena_strdup(&req->arena, value)};
}

const char *req_query(const struct request *req, const char *name)
{
    for (size_t i = 0; i < req->nargs; i++)
        if (strcmp(req->args[i].name, name) == 0) return req->args[i].value;
    return NULL;
}

/* A raw (non-JSON) body leaves the parameters in the query string, and so does
 * a DELETE without a body (DELETE webhooks.php?id=N). */
static bool from_body(const struct request *req)
{
    bool with_body = req->method == M_POST || req->method == M_PUT ||
                     (req->method == M_DELETE && req->body_len > 0);
    return with_body && req->json;
}

/* The value of name from the query or body; NULL when absent or JSON null. */
static json_t *body_value(const struct request *req, const char *name)
{
    json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    return json_is_null(v) ? NULL : v;
}

/* Records that a reader was asked for name (the route-parameter unit test). */
static void note_read(struct request *req, const char *name)
{
    if (req->params_read) json_array_append_new(req->params_read, json_string(name));
}

bool param_string(struct request *req, const char *name, bool required, size_t max_len,
                  const char **out)
{
    note_read(req, name);
    const char *raw = NULL;
    if (from_body(req)) {
        json_t *v = body_value(req, name);
        if (v && !json_is_string(v))
            return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be a string.", name);
        raw = v ? json_string_value(v) : NULL;
    } else {
        raw = req_query(req, name);
        if (raw && !str_utf8_valid(raw, strlen(raw)))
            return req_fail(req, E_INVALID_PARAM, "Parameter '%s' is not valid UTF-8.", name);
    }
    char *s = raw ? str_trim(arena_strdup(&req->arena, raw)) : NULL;
    if (!s || !*s) {
        *out = NULL;
        return required ? req_fail(req, E_MISSING_PARAM, "Missing required parameter '%s'.", name)
                        : true;
    }
    if (strlen(s) > max_len)
        return req_fail(req, E_INVALID_PARAM, "Parameter '%s' is longer than %zu bytes.", name,
                        max_len);
    *out = s;
    return true;
}

/* Reads an integer given as a JSON integer or as decimal text; *present is
 * false when absent or empty. */
static bool read_int(struct request *req, const char *name, int64_t *out, bool *present)
{
    const char *text = NULL;
    *present = false;
    if (from_body(req)) {
        json_t *v = body_value(req, name);
        if (!v) return true;
        if (json_is_integer(v)) {
            *out = (int64_t)json_integer_value(v);
            *present = true;
            return true;
        }
        if (!json_is_string(v))
            return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be an integer.", name);
        text = json_string_value(v);
    } else {
        text = req_query(req, name);
    }
    if (!text || !*text) return true;
    if (!str_parse_int64(text, out))
        return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be an integer.", name);
    *present = true;
    return true;
}

bool param_int(struct request *req, const char *name, bool required, int64_t fallback, int64_t min,
               int64_t max, int64_t *out)
{
    bool present;
    note_read(req, name);
    if (!read_int(req, name, out, &present)) return false;
    if (!present) {
        if (required)
            return req_fail(req, E_MISSING_PARAM, "Missing required parameter '%s'.", name);
        *out = fallback;
        return true;
    }
    if (*out < min || *out > max)
        return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be between %lld and %lld.",
                        name, (long long)min, (long long)max);
    return true;
}

bool param_paging(struct request *req, int64_t max_limit, int64_t *limit, int64_t *offset,
                  int64_t *after_id)
{
    if (!param_int(req, "limit", false, 100, 1, max_limit, limit) ||
        !param_int(req, "offset", false, 0, 0, INT64_MAX / 2, offset) ||
        !param_int(req, "after_id", false, -1, 0, INT64_MAX / 2, after_id))
        return false;
    if (*after_id >= 0 && *offset > 0)
        return req_fail(req, E_INVALID_PARAM,
                        "Parameters 'offset' and 'after_id' cannot be combined; use one.");
    return true;
}

bool param_array(struct request *req, const char *name, bool required, size_t max_items,
                 json_t **out)
{
    note_read(req, name);
    json_t *v = from_body(req) ? body_value(req, name) : NULL;
    *out = NULL;
    if (!v)
        return required ? req_fail(req, E_MISSING_PARAM, "Missing required parameter '%s'.", name)
                        : true;
    if (!json_is_array(v))
        return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be an array.", name);
    if (json_array_size(v) == 0 && required)
        return req_fail(req, E_MISSING_PARAM, "Parameter '%s' must not be empty.", name);
    if (json_array_size(v) > max_items)
        return req_fail(req, E_INVALID_PARAM, "Parameter '%s' holds more than %zu items.", name,
                        max_items);
    *out = v;
    return true;
}

void req_add_arg(struct request *req, const char *name, const char *value)
{
    if (req->nargs == req->args_cap) {
        size_t cap = req->args_cap ? req->args_cap * 2 : 8;
        struct query_arg *grown = arena_alloc(&req->arena, cap * sizeof *grown);
        if (req->nargs) memcpy(grown, req->args, req->nargs * sizeof *grown);
        req->args = grown;
        req->args_cap = cap;
    }
    req->args[req->nargs++] = (struct query_arg){arena_strdup(&req->arena, name),
                                                 arena_strdup(&req->arena, value ? value : "")};
}

const char *req_arg_text(struct request *req, const json_t *v)
{
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_true(v)) return "1";
    if (json_is_false(v)) return "0";
    const char *text = arena_json_dumps(&req->arena, v, JSON_ENCODE_ANY | JSON_COMPACT);
    return text ? text : "";
}
