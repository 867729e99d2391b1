/* accounts.php and the campaign endpoints: create, list/detail, steps,
 * launch, control, status, recipients. All free; every state change is one
 * store transaction; another user's campaign or account is 404. */
#include "api/api.h"

#include "base/clock.h"
#include "base/json.h"
#include "base/str.h"
#include "campaign/campaign.h"
#include "campaign/steps.h"

#include <string.h>

enum { NAME_MAX_LEN = 200, MAX_SENDING_ACCOUNTS = 20 };

struct campaign_params {
    int64_t id;
    const char *type, *status;
    enum campaign_action action;
    int64_t limit, offset;
    int64_t after_id; /* recipients: keyset paging by lead_id; -1 when not asked */
    struct campaign_new create;
    const char *steps_text;
};

static int64_t day_start(void)
{
    return campaign_day_start(clock_now());
}

static json_t *datetime_or_null(int64_t t)
{
    return t ? api_datetime_json(t) : json_null();
}

static struct campaign_params *params_new(struct request *req)
{
    struct campaign_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    return p;
}

static bool store_failed(struct request *req, const struct err *err)
{
    if (err->rc == RC_CONFLICT) return req_fail(req, E_INVALID_PARAM, "%s", err->msg);
    return req_fail_rc(req, err);
}

/* ---- accounts.php ---------------------------------------------------------- */

/* An account as accounts.php shows it (never its secret): status "active", or
 * "reauth_required" when a Gmail grant was revoked and sending has stopped. */
static json_t *account_json(const struct account *a)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:o}", "id",
                          (json_int_t)a->id, "type", a->type, "email", a->address, "name",
                          a->display_name, "smtp_host", a->smtp_host, "smtp_port",
                          (json_int_t)a->smtp_port, "tls_mode", a->tls_mode, "username",
                          a->username, "imap_host", a->imap_host, "imap_port",
                          (json_int_t)a->imap_port, "daily_limit", (json_int_t)a->daily_limit,
                          "created_at", api_datetime_json(a->created_at));
    bool ok = !a->state || strcmp(a->state, "ok") == 0;
    json_object_set_new(j, "status", json_string(ok ? "active" : "reauth_required"));
    json_object_set_new(j, "status_reason", json_string(ok ? "" : a->state_reason));
    json_object_set_new(j, "window", json_string(a->send_window ? a->send_window : ""));
    json_object_set_new(j, "timezone", json_string(a->timezone ? a->timezone : "UTC"));
    json_object_set_new(j, "min_gap", json_integer((json_int_t)a->min_gap));
    json_object_set_new(j, "max_extra", json_integer((json_int_t)a->max_extra));
    return j;
}

static bool account_type_valid(struct request *req, const char *name, const char *type)
{
    if (!type || !strcmp(type, "gmail") || !strcmp(type, "smtp")) return true;
    return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be 'gmail' or 'smtp'.", name);
}

bool api_accounts_parse(struct request *req)
{
    struct campaign_params *p = params_new(req);
    return param_string(req, "type", false, 16, &p->type) &&
           account_type_valid(req, "type", p->type);
}

bool api_accounts_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    struct account *list;
    size_t n;
    struct err err = {0};
    if (req->store->ops->account_list(req->store, req->user_id, p->type, &req->arena, &list, &n,
                                      &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *accounts = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(accounts, account_json(&list[i]));
    req->data = json_pack("{s:I, s:o}", "accounts_count", (json_int_t)n, "accounts", accounts);
    return true;
}

/* ---- shapes ---------------------------------------------------------------- */

static json_t *stats_json(const struct recipient_stats *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "pending", (json_int_t)s->pending,
                     "in_progress", (json_int_t)s->in_progress, "completed",
                     (json_int_t)s->completed, "replied", (json_int_t)s->replied, "bounced",
                     (json_int_t)s->bounced, "unsubscribed", (json_int_t)s->unsubscribed,
                     "failed", (json_int_t)s->failed);
}

/* The fields Campaign Status names, shared by every campaign shape, and what
 * the sender adds: when it last sent, when it sends next, and why the system
 * set the status (a pause for want of credits). */
static json_t *campaign_core_json(const struct campaign *c)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)c->id, "name", c->name, "status", c->status, "status_reason",
                     c->status_reason ? c->status_reason : "", "daily_limit",
                     (json_int_t)c->daily_limit, "batch_size", (json_int_t)c->batch_size,
                     "sent_today", (json_int_t)c->sent_today, "sent_total",
                     (json_int_t)c->sent_total, "created_at", api_datetime_json(c->created_at),
                     "launched_at", datetime_or_null(c->launched_at), "last_sent_at",
                     datetime_or_null(c->last_sent_at), "next_send_at",
                     datetime_or_null(c->next_send_at));
}

static json_t *campaign_summary_json(const struct campaign *c)
{
    json_t *j = campaign_core_json(c);
    json_t *steps = json_loads(c->steps, 0, NULL);
    json_object_set_new(j, "project_id", json_integer((json_int_t)c->project_id));
    json_object_set_new(j, "steps_count", json_integer((json_int_t)json_array_size(steps)));
    json_object_set_new(j, "recipient_stats", stats_json(&c->stats));
    json_decref(steps);
    return j;
}

static json_t *campaign_detail_json(const struct campaign *c)
{
    json_t *j = campaign_summary_json(c);
    json_t *steps = json_loads(c->steps, 0, NULL);
    json_object_set_new(j, "steps", steps ? steps : json_array());
    json_t *accounts = json_array();
    for (size_t i = 0; i < c->accounts_count; i++)
        json_array_append_new(accounts, json_pack("{s:s, s:I, s:s, s:s}", "type",
                                                  c->accounts[i].type, "id",
                                                  (json_int_t)c->accounts[i].id, "email",
                                                  c->accounts[i].address, "name",
                                                  c->accounts[i].display_name));
    json_object_set_new(j, "sending_accounts", accounts);
    return j;
}

static bool load_campaign(struct request *req, int64_t id, struct campaign *out)
{
    struct err err = {0};
    if (req->store->ops->campaign_get(req->store, req->user_id, id, day_start(), &req->arena, out,
                                      &err) != RC_OK)
        return req_fail_rc(req, &err);
    return true;
}

static bool respond_detail(struct request *req, int64_t id)
{
    struct campaign c;
    if (!load_campaign(req, id, &c)) return false;
    req->data = campaign_detail_json(&c);
    return true;
}

/* ---- campaigns.php --------------------------------------------------------- */

bool api_campaigns_list_parse(struct request *req)
{
    struct campaign_params *p = params_new(req);
    return param_int(req, "id", false, 0, 1, INT64_MAX, &p->id);
}

bool api_campaigns_list_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    if (p->id) return respond_detail(req, p->id);
    struct campaign *list;
    size_t n;
    struct err err = {0};
    if (req->store->ops->campaign_list(req->store, req->user_id, day_start(), &req->arena, &list,
                                       &n, &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *campaigns = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(campaigns, campaign_summary_json(&list[i]));
    req->data = json_pack("{s:I, s:o}", "campaigns_count", (json_int_t)n, "campaigns", campaigns);
    return true;
}

/* Validates the steps parameter and keeps it as compact JSON text. */
static bool parse_steps(struct request *req, const char **text)
{
    json_t *steps;
    if (!param_array(req, "steps", true, STEPS_MAX + 1, &steps)) return false;
    char why[512];
    if (!steps_validate(steps, 0, false, why, sizeof why))
        return req_fail(req, E_INVALID_PARAM, "Parameter %s.", why);
    *text = arena_json_dumps(&req->arena, steps, JSON_COMPACT);
    return true;
}

static bool parse_sending_accounts(struct request *req, struct campaign_new *c)
{
    json_t *list;
    if (!param_array(req, "sending_accounts", true, MAX_SENDING_ACCOUNTS, &list)) return false;
    struct campaign_account_ref *refs = arena_alloc(&req->arena, json_array_size(list) * sizeof *refs);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *type = json_string_value(json_object_get(item, "type"));
        json_t *id = json_object_get(item, "id");
        int64_t id_value = 0; /* an integer, or a decimal string like every integer */
        if (json_is_integer(id))
            id_value = (int64_t)json_integer_value(id);
        else if (json_is_string(id) && !str_parse_int64(json_string_value(id), &id_value))
            id_value = 0;
        if (!json_is_object(item) || !type || id_value < 1)
            return req_fail(req, E_INVALID_PARAM,
                            "Parameter 'sending_accounts[%zu]' must be {\"type\": \"gmail|smtp\", "
                            "\"id\": N}.", i);
        char name[48];
        snprintf(name, sizeof name, "sending_accounts[%zu].type", i);
        if (!account_type_valid(req, name, type)) return false;
        refs[i] = (struct campaign_account_ref){arena_strdup(&req->arena, type), id_value};
    }
    c->accounts = refs;
    c->accounts_count = json_array_size(list);
    return true;
}

bool api_campaigns_create_parse(struct request *req)
{
    struct campaign_params *p = params_new(req);
    struct campaign_new *c = &p->create;
    return param_string(req, "name", true, NAME_MAX_LEN, &c->name) &&
           param_int(req, "project_id", true, 0, 1, INT64_MAX, &c->project_id) &&
           parse_sending_accounts(req, c) && parse_steps(req, &c->steps) &&
           param_int(req, "daily_limit", false, 50, 1, 10000, &c->daily_limit) &&
           param_int(req, "batch_size", false, 5, 1, 500, &c->batch_size);
}

bool api_campaigns_create_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    int64_t id;
    struct err err = {0};
    if (req->store->ops->campaign_create(req->store, req->user_id, &p->create, clock_now(), &id,
                                         &err) != RC_OK)
        return store_failed(req, &err);
    return respond_detail(req, id);
}

/* ---- steps, launch, control ------------------------------------------------ */

static bool parse_campaign_id(struct request *req, struct campaign_params *p)
{
    return param_int(req, "campaign_id", true, 0, 1, INT64_MAX, &p->id);
}

bool api_campaign_steps_parse(struct request *req)
{
    struct campaign_params *p = params_new(req);
    return parse_campaign_id(req, p) && parse_steps(req, &p->steps_text);
}

bool api_campaign_steps_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    struct err err = {0};
    if (campaign_replace_steps(req->store, req->user_id, p->id, p->steps_text, &err) != RC_OK)
        return store_failed(req, &err);
    return respond_detail(req, p->id);
}

bool api_campaign_id_parse(struct request *req)
{
    return parse_campaign_id(req, params_new(req));
}

bool api_campaign_launch_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    int64_t recipients = 0, now = clock_now();
    struct err err = {0};
    if (campaign_launch(req->store, req->user_id, p->id, now, &recipients, &err) != RC_OK)
        return store_failed(req, &err);
    req->data = json_pack("{s:I, s:s, s:I, s:o}", "campaign_id", (json_int_t)p->id, "status",
                          "active", "recipients", (json_int_t)recipients, "launched_at",
                          api_datetime_json(now));
    return true;
}

bool api_campaign_control_parse(struct request *req)
{
    struct campaign_params *p = params_new(req);
    const char *action;
    if (!parse_campaign_id(req, p) || !param_string(req, "action", true, 16, &action))
        return false;
    if (!campaign_control_action(action, &p->action))
        return req_fail(req, E_INVALID_PARAM, "%s", CAMPAIGN_CONTROL_ACTIONS_MSG);
    return true;
}

bool api_campaign_control_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    const char *status = NULL;
    struct err err = {0};
    if (campaign_apply(req->store, req->user_id, p->id, p->action, "", clock_now(), &status,
                       &err) != RC_OK)
        return store_failed(req, &err);
    req->data = json_pack("{s:I, s:s, s:s}", "campaign_id", (json_int_t)p->id, "action",
                          campaign_action_name(p->action), "status", status);
    return true;
}

/* ---- status, recipients ---------------------------------------------------- */

bool api_campaign_status_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    struct campaign c;
    if (!load_campaign(req, p->id, &c)) return false;
    req->data = json_pack("{s:o, s:o}", "campaign", campaign_core_json(&c), "recipient_stats",
                          stats_json(&c.stats));
    return true;
}

static const char *const recipient_states[] = {
    "pending", "in_progress", "completed", "replied", "bounced", "unsubscribed", "failed"};

bool api_campaign_recipients_parse(struct request *req)
{
    struct campaign_params *p = params_new(req);
    if (!parse_campaign_id(req, p) || !param_string(req, "status", false, 32, &p->status) ||
        !param_paging(req, 500, &p->limit, &p->offset, &p->after_id))
        return false;
    for (size_t i = 0; p->status && i < sizeof recipient_states / sizeof *recipient_states; i++)
        if (!strcmp(p->status, recipient_states[i])) return true;
    return !p->status ||
           req_fail(req, E_INVALID_PARAM,
                    "Parameter 'status' must be one of: pending, in_progress, completed, replied, "
                    "bounced, unsubscribed, failed.");
}

/* The page asked for; *more tells whether another follows (keyset: one
 * recipient more than asked for is read). */
static enum rc recipients_page(struct request *req, const struct campaign_params *p,
                               struct recipient **list, size_t *n, int64_t *total, bool *more,
                               struct err *err)
{
    struct store *st = req->store;
    if (p->after_id < 0) {
        enum rc rc = st->ops->campaign_recipients(st, req->user_id, p->id, p->status, p->limit,
                                                  p->offset, &req->arena, list, n, total, err);
        *more = rc == RC_OK && p->offset + (int64_t)*n < *total;
        return rc;
    }
    enum rc rc = st->ops->campaign_recipients_after(st, req->user_id, p->id, p->status,
                                                    p->after_id, p->limit + 1, &req->arena, list,
                                                    n, total, err);
    *more = rc == RC_OK && *n > (size_t)p->limit;
    if (*more) *n = (size_t)p->limit;
    return rc;
}

bool api_campaign_recipients_run(struct request *req)
{
    const struct campaign_params *p = req->params;
    struct recipient *list;
    size_t n;
    int64_t total;
    bool more;
    struct err err = {0};
    if (recipients_page(req, p, &list, &n, &total, &more, &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:s, s:I, s:o, s:o, s:I, s:s}", "lead_id",
                             (json_int_t)list[i].lead_id, "email", list[i].email, "status",
                             list[i].status, "current_step", (json_int_t)list[i].current_step,
                             "last_sent_at", datetime_or_null(list[i].last_sent_at),
                             "next_send_at", datetime_or_null(list[i].next_send_at), "attempts",
                             (json_int_t)list[i].attempts, "reason",
                             list[i].reason ? list[i].reason : ""));
    json_t *next = more && n ? json_integer((json_int_t)list[n - 1].lead_id) : json_null();
    req->data = json_pack("{s:I, s:o, s:I, s:I, s:I, s:o}", "campaign_id", (json_int_t)p->id,
                          "recipients", items, "total", (json_int_t)total, "limit",
                          (json_int_t)p->limit, "offset", (json_int_t)p->offset,
                          "next_after_id", next);
    return true;
}
