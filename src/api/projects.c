/* projects.php: list (with name search and each project's campaigns) and create. */
#include "api/api.h"

#include "base/clock.h"
#include "core/cache.h"

enum { PROJECT_NAME_MAX = 200 };

struct projects_params {
    const char *search, *name;
};

json_t *api_project_json(const struct project *p)
{
    json_t *campaigns = json_array();
    for (size_t i = 0; i < p->campaigns_count; i++)
        json_array_append_new(campaigns, json_pack("{s:I, s:s, s:s}", "id",
                                                   (json_int_t)p->campaigns[i].id, "name",
                                                   p->campaigns[i].name, "status",
                                                   p->campaigns[i].status));
    return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)p->id, "name", p->name, "type",
                     p->type, "campaigns", campaigns);
}

bool api_projects_list_parse(struct request *req)
{
    struct projects_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    return param_string(req, "search", false, PROJECT_NAME_MAX, &p->search);
}

/* The hot-cache key: the normalised search ("" lists all). */
const char *api_projects_list_cache_key(struct request *req)
{
    const struct projects_params *p = req->params;
    const char *parts[] = {p->search};
    return cache_key(&req->arena, "projects", 1, parts);
}

bool api_projects_list_run(struct request *req)
{
    const struct projects_params *p = req->params;
    struct project *list;
    size_t n;
    struct err err = {0};
    if (req->store->ops->project_list(req->store, req->user_id, p->search, &req->arena, &list, &n,
                                      &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *projects = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(projects, api_project_json(&list[i]));
    req->data = json_pack("{s:I, s:o}", "projects_count", (json_int_t)n, "projects", projects);
    return true;
}

bool api_projects_create_parse(struct request *req)
{
    struct projects_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    return param_string(req, "name", true, PROJECT_NAME_MAX, &p->name);
}

bool api_projects_create_run(struct request *req)
{
    const struct projects_params *p = req->params;
    int64_t id;
    struct err err = {0};
    struct store *st = req->store;
    if (st->ops->project_create(st, req->user_id, p->name, clock_now(), &id, &err) != RC_OK) {
        if (err.rc == RC_CONFLICT)
            return req_fail(req, E_INVALID_PARAM, "A project named '%s' already exists.", p->name);
        return req_fail_rc(req, &err);
    }
    struct project created = {.id = id, .name = p->name, .type = ""};
    req->data = api_project_json(&created);
    return true;
}
