/* The MCP server (Model Context Protocol, revisions 2025-06-18 and 2025-03-26): JSON-RPC over
 * stdio (`leadgen mcp`) or Streamable HTTP (POST /mcp). Each tool is a route
 * of the API; its inputSchema comes from the route's parameter rows (the ones
 * a unit test holds the parse functions to), and a call is a request through
 * the router, so auth, credits and the cache are the REST pipeline's. */
#include "api/api.h"

#include "base/json.h"
#include "base/str.h"
#include "core/auth.h"

#include <stdlib.h>
#include <string.h>

/* The revisions spoken, newest first: what 2025-06-18 added (structuredContent) is
 * extra to a 2025-03-26 client, which is also what a request without the
 * MCP-Protocol-Version header is taken to speak. */
static const char *const PROTOCOLS[] = {"2025-06-18", "2025-03-26"};
enum { PROTOCOLS_COUNT = sizeof PROTOCOLS / sizeof PROTOCOLS[0] };

static bool protocol_spoken(const char *version)
{
    for (size_t i = 0; version && i < PROTOCOLS_COUNT; i++)
        if (strcmp(version, PROTOCOLS[i]) == 0) return true;
    return false;
}

/* A tool is a route; its parameters are the route's (router.h: struct route_param),
 * with one variant: a tool may make one of them required, or leave some out. */
struct tool {
    const char *name, *file;
    enum http_method method;
    const char *description;
    const char *require; /* a route parameter this tool needs, or NULL */
    const char *omit;    /* route parameters this tool does not offer, "a|b", or NULL */
};

#define TOOL(n, f, m, d) .name = n, .file = f, .method = m, .description = d

static const struct tool tools[] = {
    {TOOL("search", "search.php", M_GET, "Lead Search: Google/Bing results with contact data.")},
    {TOOL("crawl", "crawl.php", M_GET, "Crawl a website for emails, phones and social links.")},
    {TOOL("find_email", "find.php", M_GET, "Find a person's email address at a company domain.")},
    {TOOL("domain_search", "domain.php", M_GET,
     "What leadgen knows of a company's addresses: emails, pattern, mail provider.")},
    {TOOL("ads", "ads.php", M_GET, "Ad Spy: search ads for a query, with contact data.")},
    {TOOL("places_search", "places/search.php", M_GET, "Google Places text search with details.")},
    {TOOL("place_reviews", "places/reviews.php", M_GET, "Up to 5 Google reviews of a place.")},
    {TOOL("verify_emails", "verify.php", M_POST, "Verify email addresses (DNS, SMTP probe).")},
    {TOOL("projects_list", "projects.php", M_GET, "List projects.")},
    {TOOL("project_create", "projects.php", M_POST, "Create a project.")},
    /* a CSV answer is a file download, not a tool result */
    {TOOL("leads_list", "leads.php", M_GET, "List a project's leads."), .omit = "format"},
    {TOOL("leads_add", "leads.php", M_POST, "Add leads to a project.")},
    {TOOL("accounts_list", "accounts.php", M_GET, "List sending accounts.")},
    {TOOL("campaigns_list", "campaigns.php", M_GET, "List campaigns."), .omit = "id"},
    {TOOL("campaign_get", "campaigns.php", M_GET, "One campaign."), .require = "id"},
    {TOOL("campaign_create", "campaigns.php", M_POST, "Create a campaign.")},
    {TOOL("campaign_update_steps", "campaigns/steps.php", M_PUT, "Replace a campaign's steps.")},
    {TOOL("campaign_launch", "campaigns/launch.php", M_POST, "Launch a campaign.")},
    {TOOL("campaign_control", "campaigns/control.php", M_POST,
          "Pause, resume or cancel a campaign.")},
    {TOOL("campaign_status", "campaigns/status.php", M_GET, "A campaign's status and counts.")},
    {TOOL("campaign_recipients", "campaigns/recipients.php", M_GET, "A campaign's recipients.")},
    {TOOL("generate_emails", "campaigns/generate.php", M_POST,
     "Generate a campaign's emails with AI.")},
    {TOOL("recipes_list", "recipes.php", M_GET, "Lead Search recipes.")},
    {TOOL("account", "account.php", M_GET, "Balance, 30-day usage and webhook secret.")},
};
enum { TOOLS_COUNT = sizeof tools / sizeof tools[0] };

static const struct route *tool_route(const struct tool *t)
{
    for (size_t i = 0; i < api_routes_count; i++)
        if (api_routes[i].method == t->method && strcmp(api_routes[i].file, t->file) == 0)
            return &api_routes[i];
    return NULL;
}

static bool names(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, name, n) == 0) return true;
        p = p[len] ? p + len + 1 : NULL;
    }
    return false;
}

static const char *const type_names[] = {"string", "integer", "boolean", "array"};

static json_t *param_schema(const struct route_param *p)
{
    json_t *schema = json_pack("{s:s, s:s}", "type", type_names[p->type], "description",
                               p->description ? p->description : "");
    if (p->type == PT_INTEGER && p->min < p->max) {
        json_object_set_new(schema, "minimum", json_integer(p->min));
        if (p->max < INT64_MAX) json_object_set_new(schema, "maximum", json_integer(p->max));
    }
    if (p->choices) {
        json_t *list = json_array();
        for (const char *c = p->choices; *c;) {
            size_t len = strcspn(c, "|");
            json_array_append_new(list, json_stringn(c, len));
            c += len + (c[len] == '|');
        }
        json_object_set_new(schema, "enum", list);
    }
    return schema;
}

/* The generic parameters the router reads, as far as the route honours them. */
static void add_generic(const struct route *r, json_t *props)
{
    if (r->max_credits > 0)
        json_object_set_new(props, "dry_run",
                            json_pack("{s:s, s:s}", "type", "boolean", "description",
                                      "check the parameters and the most it could cost; "
                                      "nothing is run or billed"));
    if (r->cache_ttl && r->cache_key)
        json_object_set_new(props, "no_cache",
                            json_pack("{s:s, s:s}", "type", "boolean", "description",
                                      "skip the cache read (the answer is fetched and billed)"));
    if (r->async_ok) {
        json_object_set_new(props, "async",
                            json_pack("{s:s, s:s}", "type", "boolean", "description",
                                      "queue as a job and answer its job_id at once"));
        json_object_set_new(props, "webhook_url",
                            json_pack("{s:s, s:s}", "type", "string", "description",
                                      "with async: where the finished job is POSTed"));
    }
}

static json_t *tool_json(const struct tool *t)
{
    const struct route *r = tool_route(t);
    json_t *props = json_object(), *required = json_array();
    for (const struct route_param *p = r && r->params ? r->params : NULL; p && p->name; p++) {
        if (names(t->omit, p->name)) continue;
        json_object_set_new(props, p->name, param_schema(p));
        if (p->required || (t->require && strcmp(t->require, p->name) == 0))
            json_array_append_new(required, json_string(p->name));
    }
    if (r) add_generic(r, props);
    return json_pack("{s:s, s:s, s:{s:s, s:o, s:o}}", "name", t->name, "description",
                     t->description, "inputSchema", "type", "object", "properties", props,
                     "required", required);
}

bool api_mcp_tools_routed(void)
{
    for (size_t i = 0; i < TOOLS_COUNT; i++)
        if (!tool_route(&tools[i])) return false;
    return true;
}

static const struct tool *tool_named(const char *name)
{
    for (size_t i = 0; name && i < TOOLS_COUNT; i++)
        if (strcmp(tools[i].name, name) == 0) return &tools[i];
    return NULL;
}

/* ---- a tool call through the router ---------------------------------------------- */


static json_t *call_tool(const struct tool *t, json_t *args, const char *api_key,
                         struct store *st)
{
    struct request req = {0};
    arena_init(&req.arena);
    req.store = st;
    req.method = t->method;
    req.method_name = t->method == M_GET ? "GET" : t->method == M_PUT ? "PUT" : "POST";
    req.url = arena_sprintf(&req.arena, "/api/v1/%s", t->file);
    str_fast_random_hex(8, req.request_id);
    req_add_arg(&req, "api_key", api_key ? api_key : "");
    const char *key;
    json_t *v;
    if (t->method == M_GET) {
        json_object_foreach(args, key, v) req_add_arg(&req, key, req_arg_text(&req, v));
    } else {
        req.body = json_is_object(args) ? arena_json_dumps(&req.arena, args, JSON_COMPACT) : "{}";
        req.body_len = req.body ? strlen(req.body) : 0;
    }
    if (router_begin(&(struct route_table){api_routes, api_routes_count}, &req) == ROUTER_ASYNC)
        router_finish(&req);
    int status = 0;
    size_t len = 0;
    char *text = router_response(&req, &status, &len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    json_t *result;
    if (req.error == E_NONE) {
        json_t *data = json_object_get(doc, "data");
        const char *data_text = arena_json_dumps(&req.arena, data, JSON_COMPACT);
        result = json_pack("{s:[{s:s, s:s}], s:O, s:b}", "content", "type", "text", "text",
                           data_text ? data_text : "null", "structuredContent", data, "isError",
                           false);
    } else {
        char *msg = arena_sprintf(&req.arena, "%s: %s", errors_code(req.error), req.error_msg);
        result = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", msg,
                           "isError", true);
    }
    json_decref(doc);
    json_decref(req.json);
    json_decref(req.data);
    arena_cleanup(&req.arena);
    return result;
}

/* ---- JSON-RPC ---------------------------------------------------------------------- */

static json_t *rpc_error(json_t *id, int code, const char *message)
{
    return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                     "error", "code", code, "message", message);
}

static json_t *rpc_result(json_t *id, json_t *result)
{
    return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

static json_t *dispatch(json_t *msg, const char *api_key, struct store *st)
{
    json_t *id = json_object_get(msg, "id");
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *params = json_object_get(msg, "params");
    if (!method) return id ? rpc_error(id, -32600, "Invalid Request") : NULL;
    if (!id) return NULL; /* a notification (notifications/initialized, ...): no answer */
    if (strcmp(method, "initialize") == 0) { /* the client's revision if spoken, else ours */
        const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
        return rpc_result(id, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}}", "protocolVersion",
                                        protocol_spoken(asked) ? asked : PROTOCOLS[0],
                                        "capabilities", "tools", "listChanged", false,
                                        "serverInfo", "name", "leadgen", "version", "1.0.0"));
    }
    if (strcmp(method, "ping") == 0) return rpc_result(id, json_object());
    if (strcmp(method, "tools/list") == 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < TOOLS_COUNT; i++) json_array_append_new(list, tool_json(&tools[i]));
        return rpc_result(id, json_pack("{s:o}", "tools", list));
    }
    if (strcmp(method, "tools/call") == 0) {
        const struct tool *t = tool_named(json_string_value(json_object_get(params, "name")));
        if (!t) return rpc_error(id, -32602, "Unknown tool");
        return rpc_result(id, call_tool(t, json_object_get(params, "arguments"), api_key, st));
    }
    return rpc_error(id, -32601, "Method not found");
}

/* The answer to one JSON-RPC message, or NULL for a notification. */
static json_t *answer_of(const char *text, size_t len, const char *api_key, struct store *st)
{
    json_t *msg = json_loadb(text, len, 0, NULL);
    json_t *answer = json_is_object(msg) ? dispatch(msg, api_key, st)
                                         : rpc_error(NULL, -32700, "Parse error");
    json_decref(msg);
    return answer;
}

char *api_mcp_handle(const char *text, size_t len, const char *api_key, struct store *st)
{
    json_t *answer = answer_of(text, len, api_key, st);
    char *out = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    json_decref(answer);
    return out;
}

bool api_mcp_run(struct request *req)
{
    const char *auth = req->authorization;
    if (!auth || !str_has_prefix(auth, "Bearer ") || !auth[7])
        return req_fail(req, E_MISSING_API_KEY,
                        "MCP needs the API key as 'Authorization: Bearer KEY'.");
    int64_t user_id = 0;
    struct err err = {0};
    enum auth_result who = auth_local(req->store, auth + 7, &user_id, &err);
    if (who == AUTH_INVALID)
        return req_fail(req, E_INVALID_API_KEY,
                        "API key is invalid, expired, or user could not be resolved.");
    if (who == AUTH_STORE_ERROR) return req_fail_rc(req, &err);
    if (req->mcp_version && !protocol_spoken(req->mcp_version))
        return req_fail(req, E_INVALID_PARAM,
                        "MCP-Protocol-Version '%s' is not spoken here: use %s or %s.",
                        req->mcp_version, PROTOCOLS[0], PROTOCOLS[1]);
    json_t *answer = answer_of(req->body ? req->body : "", req->body_len, auth + 7, req->store);
    req->data = json_object();
    if (!answer) {
        req->raw_status = 202;
        req->raw_body = "{}"; /* an acknowledged notification */
        req->raw_len = 2;
        return true;
    }
    req->raw_body = arena_json_dumps(&req->arena, answer, JSON_COMPACT);
    json_decref(answer);
    if (!req->raw_body) return req_fail(req, E_INTERNAL, "The MCP answer could not be written.");
    req->raw_len = strlen(req->raw_body);
    return true;
}
