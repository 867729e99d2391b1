/* search.php (Lead Search) and recipes.php. A search asks the configured
 * providers (LEADGEN_SEARCH_PROVIDER, in order until one answers) for one page of Google or Bing results
 * and returns them with the emails and phones found in their titles and
 * snippets. Credits: 10 when more than 7 results come back, else 1 per unique
 * email (0 without results); cached 7 days by the router on query, recipe
 * code, engine, page and results_per_page. */
#include "api/api.h"

#include "core/cache.h"
#include "core/privacy.h"
#include "finder/finder.h"
#include "serp/serp.h"

#include <stdio.h>
#include <string.h>

enum {
    QUERY_MAX = 500,
    CODE_MAX = 32,
    PAGE_MAX = 1000,
    PER_PAGE_MAX = 100,
    FULL_PAGE = 7,  /* more results than this cost the flat rate */
    FLAT_COST = 10,
};

struct search_params {
    struct serp_query q;
    const char *query; /* as asked, whitespace collapsed */
    const char *code;  /* the recipe, or NULL */
    const struct serp_chain *providers;
};

/* Runs of whitespace become one space (the query is trimmed already). */
static char *collapse_spaces(struct arena *a, const char *s)
{
    char *out = arena_alloc(a, strlen(s) + 1), *o = out;
    for (; *s; s++) {
        bool space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
                     *s == '\v';
        if (!space)
            *o++ = *s;
        else if (o > out && o[-1] != ' ')
            *o++ = ' ';
    }
    *o = '\0';
    return out;
}

/* The template with every "{query}" replaced by query. */
static char *expand(struct arena *a, const char *tmpl, const char *query)
{
    static const char mark[] = "{query}";
    size_t n = 0, ql = strlen(query), ml = sizeof mark - 1;
    for (const char *p = tmpl; (p = strstr(p, mark)); p += ml) n++;
    char *out = arena_alloc(a, strlen(tmpl) + n * ql + 1), *o = out;
    for (const char *p = tmpl;;) {
        const char *hit = strstr(p, mark);
        size_t len = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(o, p, len);
        o += len;
        if (!hit) break;
        memcpy(o, query, ql);
        o += ql;
        p = hit + ml;
    }
    *o = '\0';
    return out;
}

static bool code_valid(const char *code)
{
    for (const char *p = code; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
    return true;
}

/* Applies the recipe `code` to the query (400 invalid_code when unknown). */
static bool apply_recipe(struct request *req, struct search_params *p)
{
    if (!code_valid(p->code))
        return req_fail(req, E_INVALID_CODE,
                        "Recipe code '%s' is not valid: codes are lower-case letters, digits and "
                        "'_'; GET recipes.php lists them.",
                        p->code);
    struct recipe r;
    struct err err = {0};
    enum rc rc = req->store->ops->recipe_get(req->store, p->code, &req->arena, &r, &err);
    if (rc == RC_NOT_FOUND)
        return req_fail(req, E_INVALID_CODE,
                        "Unknown recipe code '%s'; GET recipes.php lists them.", p->code);
    if (rc != RC_OK) return req_fail_rc(req, &err);
    p->q.query = expand(&req->arena, r.template, p->query);
    return true;
}

static bool choose_provider(struct request *req, struct search_params *p)
{
    struct err err = {0};
    p->q.opt = &api_options()->serp;
    p->providers = serp_provider_choose(p->q.opt, &req->arena, &err);
    return p->providers ? true : req_fail(req, E_NOT_CONFIGURED, "%s", err.msg);
}

bool api_search_parse(struct request *req)
{
    struct search_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    const char *query, *se;
    if (!param_string(req, "query", true, QUERY_MAX, &query) ||
        !param_string(req, "se", false, 16, &se) ||
        !param_int(req, "page", false, 0, 0, PAGE_MAX, &p->q.page) ||
        !param_int(req, "results_per_page", false, 10, 1, PER_PAGE_MAX, &p->q.per_page) ||
        !param_string(req, "code", false, CODE_MAX, &p->code))
        return false;
    if (se && !serp_engine_from_name(se, &p->q.engine))
        return req_fail(req, E_INVALID_PARAM,
                        "Parameter 'se' must be one of: google, bing.");
    if (!se) p->q.engine = SERP_GOOGLE;
    p->query = p->q.query = collapse_spaces(&req->arena, query);
    if (p->code && !apply_recipe(req, p)) return false;
    return choose_provider(req, p);
}

const char *api_search_cache_key(struct request *req)
{
    const struct search_params *p = req->params;
    char page[24], per_page[24];
    snprintf(page, sizeof page, "%lld", (long long)p->q.page);
    snprintf(per_page, sizeof per_page, "%lld", (long long)p->q.per_page);
    const char *parts[] = {p->query, p->code ? p->code : "", serp_engine_name(p->q.engine), page,
                           per_page};
    return cache_key(&req->arena, "search", 5, parts);
}

/* ---- the answer ----------------------------------------------------------------- */

/* A JSON string; "" for text that jansson refuses (it never should be). */
static json_t *str(const char *s)
{
    json_t *v = json_string(s ? s : "");
    return v ? v : json_string("");
}

static json_t *strings(const char *const *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, str(items[i]));
    return list;
}

static bool listed(json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static json_t *result_json(const struct serp_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "position", json_integer(r->position));
    json_object_set_new(o, "title", str(r->title));
    json_object_set_new(o, "url", str(r->url));
    json_object_set_new(o, "snippet", str(r->snippet));
    json_object_set_new(o, "emails", strings(r->emails, r->emails_count));
    json_object_set_new(o, "phones", strings(r->phones, r->phones_count));
    return o;
}

/* Every result's emails, then phones (one per normalised number), in order. */
static void merged(const struct serp_page *page, json_t *emails, json_t *phones)
{
    json_t *seen = json_array();
    for (size_t i = 0; i < page->results_count; i++) {
        const struct serp_result *r = &page->results[i];
        for (size_t k = 0; k < r->emails_count; k++)
            if (!listed(emails, r->emails[k])) json_array_append_new(emails, str(r->emails[k]));
        for (size_t k = 0; k < r->phones_count; k++) {
            if (listed(seen, r->phones_normalized[k])) continue;
            json_array_append_new(seen, str(r->phones_normalized[k]));
            json_array_append_new(phones, str(r->phones[k]));
        }
    }
    json_decref(seen);
}

static int64_t search_cost(size_t results, size_t unique_emails)
{
    if (results > FULL_PAGE) return FLAT_COST;
    return unique_emails < FLAT_COST ? (int64_t)unique_emails : FLAT_COST;
}

bool api_search_run(struct request *req)
{
    const struct search_params *p = req->params;
    struct serp_page page;
    struct err err = {0};
    const struct serp_provider *served;
    if (serp_search_chain(p->providers, &p->q, &req->arena, &page, &served, &err) != RC_OK)
        return req_fail(req, E_SEARCH_ERROR, "Search failed: %s", err.msg);
    req->provider = served->name;
    json_t *results = json_array(), *emails = json_array(), *phones = json_array();
    for (size_t i = 0; i < page.results_count; i++)
        json_array_append_new(results, result_json(&page.results[i]));
    merged(&page, emails, phones);
    json_t *d = json_object();
    json_object_set_new(d, "query", str(p->query));
    json_object_set_new(d, "code", p->code ? str(p->code) : json_null());
    json_object_set_new(d, "search_query", str(p->q.query));
    json_object_set_new(d, "search_engine", str(serp_engine_name(p->q.engine)));
    json_object_set_new(d, "page", json_integer(p->q.page));
    json_object_set_new(d, "results_per_page", json_integer(p->q.per_page));
    json_object_set_new(d, "results_count", json_integer((json_int_t)page.results_count));
    json_object_set_new(d, "results", results);
    json_object_set_new(d, "emails", emails);
    json_object_set_new(d, "phones", phones);
    json_object_set_new(d, "provider", str(served->name));
    req->data = d;
    if (privacy_scrub_answer(req->store, d, &err) != RC_OK) return req_fail_rc(req, &err);
    req->cost = search_cost(page.results_count, json_array_size(emails));
    finder_record_sightings(req->store, "search", d, NULL);
    return true;
}

bool api_recipes_run(struct request *req)
{
    struct recipe *list;
    size_t n;
    struct err err = {0};
    if (req->store->ops->recipe_list(req->store, &req->arena, &list, &n, &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *recipes = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", str(list[i].code));
        json_object_set_new(o, "name", str(list[i].name));
        json_object_set_new(o, "template", str(list[i].template));
        json_object_set_new(o, "description", str(list[i].description));
        json_array_append_new(recipes, o);
    }
    req->data = json_object();
    json_object_set_new(req->data, "recipes_count", json_integer((json_int_t)n));
    json_object_set_new(req->data, "recipes", recipes);
    return true;
}
