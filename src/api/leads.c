/* leads.php: list a project's leads (JSON pages, or the whole project as a
 * streamed CSV), and add up to 500 at once as JSON or up to 50,000 as CSV,
 * with per-project case-insensitive deduplication, names derived from
 * emails, and suppressed or erased addresses refused. */
#include "api/api.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/str.h"
#include "leads/csv.h"
#include "leads/leads.h"

#include <stdlib.h>
#include <string.h>

enum { LEADS_MAX_ADD = 500, LEADS_MAX_LIMIT = 500, LEAD_FIELD_MAX = 2000, CSV_PAGE = 1000 };

struct leads_params {
    int64_t project_id, limit, offset;
    int64_t after_id; /* keyset paging: leads with a greater id; -1 when not asked */
    bool csv;           /* GET: format=csv; POST: a text/csv body */
    struct lead *leads; /* valid leads to add */
    size_t count;
    int64_t invalid;
    const struct csv_rejected *rejected; /* CSV rows refused, with why */
    size_t rejected_count;
};

static bool parse_project_id(struct request *req, struct leads_params *p)
{
    return param_int(req, "project_id", true, 0, 1, INT64_MAX, &p->project_id);
}

bool api_leads_list_parse(struct request *req)
{
    struct leads_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    const char *format;
    if (!parse_project_id(req, p) || !param_string(req, "format", false, 8, &format))
        return false;
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'format' must be json or csv.");
    p->csv = format && strcmp(format, "csv") == 0;
    return param_paging(req, LEADS_MAX_LIMIT, &p->limit, &p->offset, &p->after_id);
}

static json_t *lead_json(const struct lead *l)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o}", "id",
                     (json_int_t)l->id, "email", l->email, "firstname", l->firstname, "lastname",
                     l->lastname, "company", l->company, "website", l->website, "phones",
                     l->phones, "description", l->description, "verified", l->verified,
                     "source", l->source ? l->source : "", "created_at",
                     api_datetime_json(l->created_at));
}

/* ---- the CSV export: pages of leads pulled as the client reads ------------ */

struct csv_export {
    struct store *store;
    int64_t user_id, project_id, after_id;
    struct buf pending; /* rendered rows not yet handed out */
    size_t sent;        /* bytes of pending already handed out */
    bool finished;      /* no more pages */
};

/* Renders the next page into pending; false on a store failure. */
static bool export_page(struct csv_export *x)
{
    struct arena a;
    arena_init(&a);
    struct lead *leads;
    size_t n = 0;
    struct err err = {0};
    bool ok = x->store->ops->leads_after(x->store, x->user_id, x->project_id, x->after_id,
                                         CSV_PAGE, &a, &leads, &n, &err) == RC_OK;
    buf_reset(&x->pending);
    x->sent = 0;
    for (size_t i = 0; ok && i < n; i++) csv_lead_row(&x->pending, &leads[i]);
    if (ok && n) x->after_id = leads[n - 1].id;
    x->finished = ok && n < CSV_PAGE;
    arena_cleanup(&a);
    return ok;
}

static long export_read(void *state, char *out, size_t max)
{
    struct csv_export *x = state;
    if (x->sent == x->pending.len) {
        if (x->finished) return 0;
        if (!export_page(x)) return -1;
        if (x->pending.len == 0) return 0;
    }
    size_t n = x->pending.len - x->sent;
    if (n > max) n = max;
    memcpy(out, x->pending.data + x->sent, n);
    x->sent += n;
    return (long)n;
}

static void export_done(void *state)
{
    struct csv_export *x = state;
    buf_free(&x->pending);
    free(x);
}

static bool leads_csv_run(struct request *req, const struct leads_params *p)
{
    struct project project;
    struct err err = {0};
    if (req->store->ops->project_get(req->store, req->user_id, p->project_id, &req->arena,
                                     &project, &err) != RC_OK)
        return req_fail_rc(req, &err);
    struct csv_export *x = xcalloc(1, sizeof *x);
    *x = (struct csv_export){.store = req->store, .user_id = req->user_id,
                             .project_id = p->project_id};
    buf_init(&x->pending, 0);
    csv_leads_header(&x->pending);
    req->stream = (struct req_stream){.read = export_read, .done = export_done, .state = x};
    req->raw_type = "text/csv; charset=utf-8";
    return true;
}

/* A page by keyset: one lead more than asked for tells whether another page follows. */
static enum rc leads_keyset_page(struct request *req, const struct leads_params *p,
                                 struct lead **leads, size_t *n, int64_t *total, bool *more,
                                 struct err *err)
{
    struct project project;
    enum rc rc = req->store->ops->project_get(req->store, req->user_id, p->project_id,
                                              &req->arena, &project, err);
    if (rc != RC_OK) return rc;
    *total = project.leads_count;
    rc = req->store->ops->leads_after(req->store, req->user_id, p->project_id, p->after_id,
                                      p->limit + 1, &req->arena, leads, n, err);
    *more = rc == RC_OK && *n > (size_t)p->limit;
    if (*more) *n = (size_t)p->limit;
    return rc;
}

bool api_leads_list_run(struct request *req)
{
    const struct leads_params *p = req->params;
    if (p->csv) return leads_csv_run(req, p);
    struct lead *leads;
    size_t n;
    int64_t total;
    bool more;
    struct err err = {0};
    enum rc rc;
    if (p->after_id >= 0) {
        rc = leads_keyset_page(req, p, &leads, &n, &total, &more, &err);
    } else {
        rc = req->store->ops->leads_list(req->store, req->user_id, p->project_id, p->limit,
                                         p->offset, &req->arena, &leads, &n, &total, &err);
        more = p->offset + (int64_t)n < total;
    }
    if (rc != RC_OK) return req_fail_rc(req, &err);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, lead_json(&leads[i]));
    json_t *next = more && n ? json_integer((json_int_t)leads[n - 1].id) : json_null();
    req->data = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "project_id",
                          (json_int_t)p->project_id, "total", (json_int_t)total, "limit",
                          (json_int_t)p->limit, "offset", (json_int_t)p->offset, "leads", list,
                          "next_after_id", next);
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
        !lead_field(req, obj, i, "description", &l->description) ||
        !lead_field(req, obj, i, "source", &l->source))
        return false;
    *valid = l->email && lead_email_valid(l->email);
    if (!*valid) return true;
    const char *first, *last;
    lead_names_from_email(l->email, &req->arena, &first, &last);
    if (!l->firstname) l->firstname = first;
    if (!l->lastname) l->lastname = last;
    return true;
}

/* A text/csv body (the router left req->json NULL): the rows become leads. */
static bool parse_csv(struct request *req, struct leads_params *p)
{
    struct csv_import in;
    struct err err = {0};
    if (csv_leads_read(req->body ? req->body : "", req->body_len, &req->arena, &in, &err) != RC_OK)
        return req_fail(req, E_INVALID_PARAM, "%s", err.msg);
    struct csv_rejected *rejected = arena_alloc(&req->arena, sizeof in.rejected);
    memcpy(rejected, in.rejected, sizeof in.rejected);
    *p = (struct leads_params){.project_id = p->project_id, .csv = true, .leads = in.leads,
                               .count = in.count, .invalid = in.invalid, .rejected = rejected,
                               .rejected_count = in.rejected_count};
    return true;
}

bool api_leads_add_parse(struct request *req)
{
    struct leads_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    json_t *items;
    if (!parse_project_id(req, p)) return false;
    if (!req->json) return parse_csv(req, p);
    if (!param_array(req, "leads", true, LEADS_MAX_ADD, &items)) return false;
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
    if (leads_add(req->store, req->user_id, p->project_id, p->leads, p->count, clock_now(),
                  &req->arena, &added, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "project_id",
                          (json_int_t)p->project_id, "added", (json_int_t)added.added,
                          "duplicates", (json_int_t)added.duplicates, "invalid",
                          (json_int_t)p->invalid, "suppressed", (json_int_t)added.suppressed,
                          "leads_count", (json_int_t)added.total);
    if (p->csv) {
        json_t *rejected = json_array();
        for (size_t i = 0; i < p->rejected_count; i++)
            json_array_append_new(rejected, json_pack("{s:I, s:s}", "row",
                                                      (json_int_t)p->rejected[i].row, "reason",
                                                      p->rejected[i].reason));
        json_object_set_new(req->data, "rejected", rejected);
    }
    return true;
}
