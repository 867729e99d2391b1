/* Holds every route's parse function to the route's parameter rows (router.h:
 * struct route_param), which the MCP inputSchema is made from: with every
 * described parameter given, the parse reads exactly those names and accepts
 * them; an unknown one is never read; a required one left out is
 * missing_param; wrong types, out-of-range integers and values outside the
 * choices are invalid_param naming the parameter. */
#include "test.h"

#include "api/api.h"
#include "base/json.h"
#include "http/router.h"

#include <stdlib.h>

static const char UNKNOWN[] = "zz_not_a_parameter";

struct outcome {
    enum api_error error;
    char msg[256];
    json_t *read; /* the names the parse asked for */
};

static json_t *example_of(const struct route_param *p)
{
    if (p->example) return json_loads(p->example, JSON_DECODE_ANY, NULL);
    switch (p->type) {
    case PT_STRING:
        return p->choices ? json_stringn(p->choices, strcspn(p->choices, "|")) : json_string("Ann");
    case PT_INTEGER: return json_integer(p->min);
    case PT_BOOLEAN: return json_true();
    case PT_ARRAY: break;
    }
    return json_array();
}

/* A query-string value as a client would spell it. */
static const char *as_text(struct request *req, json_t *v)
{
    if (json_is_string(v)) return arena_strdup(&req->arena, json_string_value(v));
    if (json_is_true(v)) return "1";
    if (json_is_false(v)) return "0";
    char *text = json_dumps(v, JSON_ENCODE_ANY);
    const char *copy = arena_strdup(&req->arena, text);
    free(text);
    return copy;
}

static void set_param(struct request *req, const char *name, json_t *v)
{
    if (req->method != M_GET) {
        json_object_set(req->json, name, v);
        return;
    }
    if (json_is_null(v)) return;
    req->args[req->nargs++] = (struct query_arg){name, as_text(req, v)};
}

/* Runs r's parse with every described parameter at its example, except skip
 * (left out) and name (given value instead), plus an unknown one. */
static const struct route_param *described(const struct route *r, const char *name);

/* Whether a and b may not be given together (route_param.excludes). */
static bool exclusive(const struct route *r, const char *a, const char *b)
{
    const struct route_param *pa = described(r, a), *pb = described(r, b);
    return (pa && pa->excludes && strcmp(pa->excludes, b) == 0) ||
           (pb && pb->excludes && strcmp(pb->excludes, a) == 0);
}

static struct outcome parse_with(struct store *st, const struct route *r, const char *skip,
                                 const char *name, json_t *value)
{
    struct request req = {0};
    arena_init(&req.arena);
    req.store = st;
    req.route = r;
    req.method = r->method;
    req.user_id = 1;
    strcpy(req.request_id, "params");
    req.args = arena_alloc(&req.arena, 32 * sizeof *req.args);
    req.json = r->method == M_GET ? NULL : json_object();
    req.params_read = json_array();
    for (const struct route_param *p = r->params; p && p->name; p++) {
        if (skip && strcmp(p->name, skip) == 0) continue;
        /* the parameter under test goes alone, without the ones it excludes; with no
         * parameter under test, the first of an exclusive pair is given */
        if (name && strcmp(p->name, name) != 0 && exclusive(r, p->name, name)) continue;
        if (!name && p->excludes && described(r, p->excludes)) continue;
        json_t *v = name && strcmp(p->name, name) == 0 ? json_incref(value) : example_of(p);
        set_param(&req, p->name, v);
        json_decref(v);
    }
    json_t *unknown = json_string("1");
    set_param(&req, UNKNOWN, unknown);
    json_decref(unknown);
    if (req.json) { /* the body the JSON came in, as the router would have read it */
        req.body = arena_json_dumps(&req.arena, req.json, JSON_COMPACT);
        req.body_len = strlen(req.body);
    }
    r->parse(&req);
    struct outcome o = {.error = req.error, .read = req.params_read};
    snprintf(o.msg, sizeof o.msg, "%s", req.error_msg);
    json_decref(req.json);
    json_decref(req.data);
    arena_cleanup(&req.arena);
    return o;
}

static bool param_error(enum api_error e)
{
    return e == E_MISSING_PARAM || e == E_INVALID_PARAM;
}

static bool was_read(json_t *read, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(read, i, v) if (strcmp(json_string_value(v), name) == 0) return true;
    return false;
}

static const struct route_param *described(const struct route *r, const char *name)
{
    for (const struct route_param *p = r->params; p && p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}

/* Fails loudly with the route and parameter in the log. */
static bool expect(bool ok, const struct route *r, const char *param, const char *what,
                   const struct outcome *o)
{
    if (!ok)
        fprintf(stderr, "    %s %s %s: %s (%s: %s)\n", r->file,
                r->method == M_GET ? "GET" : r->method == M_POST ? "POST"
                                         : r->method == M_PUT  ? "PUT"
                                                               : "DELETE",
                what, param ? param : "", o ? errors_code(o->error) : "", o ? o->msg : "");
    return ok;
}

/* The parse rejects value for p with invalid_param naming p. */
static bool rejects(struct store *st, const struct route *r, const struct route_param *p,
                    json_t *value)
{
    struct outcome o = parse_with(st, r, NULL, p->name, value);
    json_decref(value);
    bool ok = o.error == E_INVALID_PARAM && strstr(o.msg, p->name);
    json_decref(o.read);
    return expect(ok, r, p->name, "accepts a value the row rules out", &o);
}

static bool accepts(struct store *st, const struct route *r, const struct route_param *p,
                    json_t *value)
{
    struct outcome o = parse_with(st, r, NULL, p->name, value);
    json_decref(value);
    bool ok = !param_error(o.error);
    json_decref(o.read);
    return expect(ok, r, p->name, "refuses a value the row allows", &o);
}

static bool check_types(struct store *st, const struct route *r, const struct route_param *p)
{
    bool body = r->method != M_GET;
    switch (p->type) {
    case PT_INTEGER:
        if (!rejects(st, r, p, json_string("abc"))) return false;
        if (p->min < p->max) {
            if (!accepts(st, r, p, json_integer(p->min)) ||
                !accepts(st, r, p, json_integer(p->max)))
                return false;
            if (p->min > INT64_MIN && !rejects(st, r, p, json_integer(p->min - 1))) return false;
            if (p->max < INT64_MAX && !rejects(st, r, p, json_integer(p->max + 1))) return false;
        }
        return true;
    case PT_STRING:
        if (body && !rejects(st, r, p, json_integer(5))) return false;
        for (const char *c = p->choices; c && *c;) {
            size_t len = strcspn(c, "|");
            if (!accepts(st, r, p, json_stringn(c, len))) return false;
            c += len + (c[len] == '|');
        }
        return !p->choices || rejects(st, r, p, json_string("zz-not-a-choice"));
    case PT_BOOLEAN: return rejects(st, r, p, json_string("maybe"));
    case PT_ARRAY: return !body || rejects(st, r, p, json_string("x"));
    }
    return true;
}

static bool check_route(struct store *st, const struct route *r)
{
    if (!expect(r->params != NULL, r, NULL, "has a parse function but no parameter rows", NULL))
        return false;
    struct outcome all = parse_with(st, r, NULL, NULL, NULL);
    bool ok = expect(!param_error(all.error), r, NULL, "refuses its own examples", &all);
    for (const struct route_param *p = r->params; ok && p->name; p++)
        ok = expect(was_read(all.read, p->name), r, p->name, "described but never read", &all);
    size_t i;
    json_t *v;
    json_array_foreach(all.read, i, v) if (ok) ok =
        expect(described(r, json_string_value(v)) != NULL, r, json_string_value(v),
               "read but not described", &all);
    json_decref(all.read);
    for (const struct route_param *p = r->params; ok && p->name; p++) {
        struct outcome o = parse_with(st, r, p->name, NULL, NULL);
        ok = p->required ? expect(o.error == E_MISSING_PARAM && strstr(o.msg, p->name), r,
                                  p->name, "required but not refused when missing", &o)
                         : expect(!param_error(o.error), r, p->name,
                                  "optional but refused when missing", &o);
        json_decref(o.read);
        ok = ok && check_types(st, r, p);
    }
    return ok;
}

TEST(route_params_match_every_parse_function)
{
    struct store *st = test_store_fresh("route_params");
    CHECK(st);
    bool ok = true;
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct route *r = &api_routes[i];
        if (r->parse) ok = check_route(st, r) && ok;
        else ok = expect(!r->params, r, NULL, "has parameter rows but no parse", NULL) && ok;
    }
    store_close(st);
    CHECK(ok);
}

TEST(route_params_unknown_parameter_is_never_read)
{
    struct store *st = test_store_fresh("route_params_unknown");
    CHECK(st);
    bool read = false;
    for (size_t i = 0; i < api_routes_count; i++) {
        if (!api_routes[i].parse) continue;
        struct outcome o = parse_with(st, &api_routes[i], NULL, NULL, NULL);
        read = read || was_read(o.read, UNKNOWN);
        json_decref(o.read);
    }
    store_close(st);
    CHECK(!read);
}

/* Every MCP tool is a route, and its inputSchema lists that route's rows. */
TEST(mcp_tools_take_their_schema_from_the_routes)
{
    CHECK(api_mcp_tools_routed());
    const char msg[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
    char *out = api_mcp_handle(msg, sizeof msg - 1, "unused", NULL);
    json_t *doc = json_loads(out, 0, NULL);
    free(out);
    json_t *tools = json_object_get(json_object_get(doc, "result"), "tools");
    CHECK(json_array_size(tools) >= 24);
    size_t i;
    json_t *t;
    char search_se[16] = "", find_required[16] = "";
    json_int_t page_max = 0;
    json_array_foreach(tools, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        json_t *schema = json_object_get(t, "inputSchema");
        json_t *props = json_object_get(schema, "properties");
        if (strcmp(name, "search") == 0) {
            json_t *se = json_object_get(json_object_get(props, "se"), "enum");
            snprintf(search_se, sizeof search_se, "%s", json_string_value(json_array_get(se, 1)));
            page_max = json_integer_value(
                json_object_get(json_object_get(props, "page"), "maximum"));
        }
        if (strcmp(name, "find_email") == 0)
            snprintf(find_required, sizeof find_required, "%s",
                     json_string_value(json_array_get(json_object_get(schema, "required"), 2)));
    }
    json_decref(doc);
    CHECK_STR(search_se, "bing");
    CHECK_INT(page_max, 1000);
    CHECK_STR(find_required, "last_name");
}
