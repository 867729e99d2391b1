/* account.php (balance, usage, webhook secret), jobs.php (async jobs) and
 * webhooks.php (campaign-event subscriptions). */
#include "api/api.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/str.h"
#include "core/webhooks.h"

#include <string.h>

enum { USAGE_DAYS = 30, DAY_S = 86400, JOBS_LIST_MAX = 100, WEBHOOK_URL_MAX = 2048 };

/* ---- account.php ---------------------------------------------------------------- */

static json_t *usage_json(const struct usage_row *rows, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I}", "date", rows[i].date,
                                              "endpoint", rows[i].endpoint, "requests",
                                              (json_int_t)rows[i].requests, "credits",
                                              (json_int_t)rows[i].credits));
    return list;
}

bool api_account_run(struct request *req)
{
    struct store *st = req->store;
    struct user user;
    struct usage_row *rows = NULL;
    size_t n = 0;
    char *secret = NULL;
    struct err err = {0};
    int64_t today = clock_now() / DAY_S * DAY_S;
    if (st->ops->user_get(st, req->user_id, &req->arena, &user, &err) != RC_OK ||
        st->ops->usage_by_day(st, req->user_id, today - (USAGE_DAYS - 1) * DAY_S, &req->arena,
                              &rows, &n, &err) != RC_OK ||
        webhooks_secret(st, req->user_id, &req->arena, &secret, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = json_pack("{s:s, s:I, s:o, s:s}", "email", user.email, "credits",
                          (json_int_t)user.credits, "usage", usage_json(rows, n),
                          "webhook_secret", secret);
    return true;
}

/* ---- jobs.php ------------------------------------------------------------------- */

json_t *api_job_json(const struct async_job *job, bool with_result)
{
    bool finished = job->finished_at > 0;
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "job_id", job->id, "endpoint",
                          job->endpoint, "status", job->status, "created_at",
                          api_datetime_json(job->created_at), "finished_at",
                          finished ? api_datetime_json(job->finished_at) : json_null());
    if (with_result && finished && job->result)
        json_object_set_new(o, "result", json_loads(job->result, 0, NULL));
    return o;
}

struct jobs_params {
    const char *id;
    int64_t limit;
};

bool api_jobs_parse(struct request *req)
{
    struct jobs_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    return param_string(req, "id", false, 64, &p->id) &&
           param_int(req, "limit", false, 20, 1, JOBS_LIST_MAX, &p->limit);
}

bool api_jobs_run(struct request *req)
{
    const struct jobs_params *p = req->params;
    struct err err = {0};
    if (p->id) {
        struct async_job job;
        enum rc rc = req->store->ops->job_get(req->store, req->user_id, p->id, &req->arena, &job,
                                              &err);
        if (rc == RC_NOT_FOUND) return req_fail(req, E_NOT_FOUND, "Job %s not found.", p->id);
        if (rc != RC_OK) return req_fail_rc(req, &err);
        req->data = api_job_json(&job, true);
        return true;
    }
    struct async_job *jobs = NULL;
    size_t n = 0;
    if (req->store->ops->job_list(req->store, req->user_id, p->limit, &req->arena, &jobs, &n,
                                  &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, api_job_json(&jobs[i], false));
    req->data = json_pack("{s:o}", "jobs", list);
    return true;
}

/* ---- webhooks.php --------------------------------------------------------------- */

struct webhook_params {
    const char *url, *events; /* events: comma-separated, validated */
    int64_t id;
};

static bool known_event(const char *name)
{
    for (size_t i = 0; i < webhooks_events_count; i++)
        if (strcmp(name, webhooks_events[i]) == 0) return true;
    return false;
}

static bool read_events(struct request *req, struct webhook_params *p)
{
    json_t *list;
    if (!param_array(req, "events", true, webhooks_events_count, &list)) return false;
    struct buf out;
    buf_init(&out, 0);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v) || !known_event(json_string_value(v))) {
            buf_free(&out);
            return req_fail(req, E_INVALID_PARAM,
                            "Parameter 'events' must list events among: email.sent, "
                            "email.replied, email.bounced, email.unsubscribed, "
                            "campaign.completed.");
        }
        buf_printf(&out, "%s%s", i ? "," : "", json_string_value(v));
    }
    p->events = arena_strdup(&req->arena, out.data);
    buf_free(&out);
    return true;
}

bool api_webhooks_add_parse(struct request *req)
{
    struct webhook_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    if (!param_string(req, "url", true, WEBHOOK_URL_MAX, &p->url)) return false;
    if (!webhooks_url_valid(p->url))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'url' must be an http:// or https:// URL.");
    return read_events(req, p);
}

static json_t *webhook_json(const struct webhook *w)
{
    json_t *events = json_array();
    for (const char *s = w->events; s && *s;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        json_array_append_new(events, json_stringn(s, len));
        s = comma ? comma + 1 : NULL;
    }
    return json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)w->id, "url", w->url, "events",
                     events, "created_at", api_datetime_json(w->created_at));
}

bool api_webhooks_add_run(struct request *req)
{
    const struct webhook_params *p = req->params;
    struct webhook w = {.url = p->url, .events = p->events, .created_at = clock_now()};
    struct err err = {0};
    if (req->store->ops->webhook_add(req->store, req->user_id, p->url, p->events, w.created_at,
                                     &w.id, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = webhook_json(&w);
    return true;
}

bool api_webhooks_list_run(struct request *req)
{
    struct webhook *hooks = NULL;
    size_t n = 0;
    struct err err = {0};
    if (req->store->ops->webhook_list(req->store, req->user_id, &req->arena, &hooks, &n, &err) !=
        RC_OK)
        return req_fail_rc(req, &err);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, webhook_json(&hooks[i]));
    req->data = json_pack("{s:o}", "webhooks", list);
    return true;
}

bool api_webhooks_remove_parse(struct request *req)
{
    struct webhook_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    return param_int(req, "id", true, 0, 1, INT64_MAX, &p->id);
}

bool api_webhooks_remove_run(struct request *req)
{
    const struct webhook_params *p = req->params;
    struct err err = {0};
    if (req->store->ops->webhook_remove(req->store, req->user_id, p->id, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = json_pack("{s:I, s:b}", "id", (json_int_t)p->id, "deleted", true);
    return true;
}
