/* leads.php: list a project's leads, and add up to 500 at once with
 * per-project case-insensitive deduplication and names derived from emails. */
#include "api/api.h"

#include "base/clock.h"
#include "base/str.h"
#include "leads/leads.h"

#include <string.h>

enum { LEADS_MAX_ADD = 500, LEADS_MAX_LIMIT = 500, LEAD_FIELD_MAX = 2000 };

struct leads_params {
    int64_t project_id, limit, offset;
    struct lead *leads; /* valid leads to add */
    size_t count;
    int64_t invalid;
};

static bool parse_project_id(struct request *req, struct leads_params *p)
{
    return param_int(req, "project_id", true, 0, 1, INT64_MAX, &p->project_id);
}

bool api_leads_list_parse(struct request *req)
{
    struct leads_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    return parse_project_id(req, p) &&
           param_int(req, "limit", false, 100, 1, LEADS_MAX_LIMIT, &p->limit) &&
           param_int(req, "offset", false, 0, 0, INT64_MAX / 2, &p->offset);
}

static json_t *lead_json(const struct lead *l)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o}", "id",
                     (json_int_t)l->id, "email", l->email, "firstname", l->firstname, "lastname",
                     l->lastname, "company", l->company, "website", l->website, "phones",
                     l->phones, "description", l->description, "verified", l->verified,
                     "created_at", api_datetime_json(l->created_at));
}

bool api_leads_list_run(struct request *req)
{
    const struct leads_params *p = req->params;
    struct lead *leads;
    size_t n;
    int64_t total;
    struct err err = {0};
    if (req->store->ops->leads_list(req->store, req->user_id, p->project_id, p->limit, p->offset,
                                    &req->arena, &leads, &n, &total, &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, lead_json(&leads[i]));
    req->data = json_pack("{s:I, s:I, s:I, s:I, s:o}", "project_id", (json_int_t)p->project_id,
                          "total", (json_int_t)total, "limit", (json_int_t)p->limit, "offset",
                          (json_int_t)p->offset, "leads", list);
    return true;
}

/* Reads optional string field `name` of lead i; wrong types are a 400. */
static bool lead_field(struct request *req, json_t *obj, size_t i, const char *name,
                       const char **out)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v || json_is_null(v)) return true;
    if (!json_is_string(v))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'leads[%zu].%s' must be a string.", i,
                        name);
    char *s = str_trim(arena_strdup(&req->arena, json_string_value(v)));
    if (strlen(s) > LEAD_FIELD_MAX)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'leads[%zu].%s' is longer than %d bytes.",
                        i, name, LEAD_FIELD_MAX);
    *out = *s ? s : NULL;
    return true;
}

static bool parse_lead(struct request *req, json_t *obj, size_t i, struct lead *l, bool *valid)
{
    if (!json_is_object(obj))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'leads[%zu]' must be an object.", i);
    if (!lead_field(req, obj, i, "email", &l->email) ||
        !lead_field(req, obj, i, "firstname", &l->firstname) ||
        !lead_field(req, obj, i, "lastname", &l->lastname) ||
        !lead_field(req, obj, i, "company", &l->company) ||
        !lead_field(req, obj, i, "website", &l->website) ||
        !lead_field(req, obj, i, "phones", &l->phones) ||
        !lead_field(req, obj, i, "description", &l->description))
        return false;
    *valid = l->email && lead_email_valid(l->email);
    if (!*valid) return true;
    const char *first, *last;
    lead_names_from_email(l->email, &req->arena, &first, &last);
    if (!l->firstname) l->firstname = first;
    if (!l->lastname) l->lastname = last;
    return true;
}

bool api_leads_add_parse(struct request *req)
{
    struct leads_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    json_t *items;
    if (!parse_project_id(req, p) || !param_array(req, "leads", true, LEADS_MAX_ADD, &items))
        return false;
    p->leads = arena_alloc(&req->arena, json_array_size(items) * sizeof *p->leads);
    size_t i;
    json_t *obj;
    json_array_foreach(items, i, obj)
    {
        bool valid;
        if (!parse_lead(req, obj, i, &p->leads[p->count], &valid)) return false;
        if (valid) p->count++;
        else p->invalid++;
    }
    return true;
}

bool api_leads_add_run(struct request *req)
{
    const struct leads_params *p = req->params;
    struct leads_added added;
    struct err err = {0};
    if (req->store->ops->leads_add(req->store, req->user_id, p->project_id, p->leads, p->count,
                                   clock_now(), &added, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = json_pack("{s:I, s:I, s:I, s:I, s:I}", "project_id", (json_int_t)p->project_id,
                          "added", (json_int_t)added.added, "duplicates",
                          (json_int_t)added.duplicates, "invalid", (json_int_t)p->invalid,
                          "leads_count", (json_int_t)added.total);
    return true;
}
