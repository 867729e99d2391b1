/* suppression.php: the user's do-not-contact list. Addresses and whole
 * domains on it are never added as leads, left out at launch and refused at
 * every send; the sender's unsubscribes land here too. */
#include "api/api.h"

#include "base/clock.h"
#include "base/str.h"
#include "leads/leads.h"

#include <string.h>

enum { SUPPRESSION_MAX_ITEMS = 10000 };

struct suppression_params {
    const char **values; /* lower-cased addresses and domains */
    size_t count;
};

/* "Example.COM" or "@example.com" -> "example.com"; NULL when not a domain name. */
static const char *domain_value(struct arena *a, const char *in)
{
    char *d = str_trim(arena_strdup(a, in));
    if (*d == '@') d++;
    str_ascii_lower(d);
    return lead_email_valid(arena_sprintf(a, "x@%s", d)) ? d : NULL;
}

static const char *email_value(struct arena *a, const char *in)
{
    char *e = str_trim(arena_strdup(a, in));
    str_ascii_lower(e);
    return lead_email_valid(e) ? e : NULL;
}

/* Appends the valid items of body array `name` to p; a wrong item is a 400 naming it. */
static bool take_items(struct request *req, const char *name,
                       const char *(*value_of)(struct arena *, const char *),
                       struct suppression_params *p, json_t *items)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *v = json_is_string(item) ? value_of(&req->arena, json_string_value(item))
                                             : NULL;
        if (!v)
            return req_fail(req, E_INVALID_PARAM, "Parameter '%s[%zu]' is not a valid %s.", name,
                            i, value_of == email_value ? "email address" : "domain name");
        p->values[p->count++] = v;
    }
    return true;
}

bool api_suppression_change_parse(struct request *req)
{
    struct suppression_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    json_t *emails, *domains;
    if (!param_array(req, "emails", false, SUPPRESSION_MAX_ITEMS, &emails) ||
        !param_array(req, "domains", false, SUPPRESSION_MAX_ITEMS, &domains))
        return false;
    size_t n = json_array_size(emails) + json_array_size(domains);
    if (n == 0)
        return req_fail(req, E_MISSING_PARAM,
                        "Parameter 'emails' or 'domains' is required (a non-empty array).");
    p->values = arena_alloc(&req->arena, n * sizeof *p->values);
    return take_items(req, "emails", email_value, p, emails) &&
           take_items(req, "domains", domain_value, p, domains);
}

bool api_suppression_add_run(struct request *req)
{
    const struct suppression_params *p = req->params;
    int64_t added = 0;
    struct err err = {0};
    if (req->store->ops->suppression_add(req->store, req->user_id, p->values, p->count, "manual",
                                         clock_now(), &added, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = json_pack("{s:I}", "added", (json_int_t)added);
    return true;
}

bool api_suppression_remove_run(struct request *req)
{
    const struct suppression_params *p = req->params;
    int64_t removed = 0;
    struct err err = {0};
    if (req->store->ops->suppression_remove(req->store, req->user_id, p->values, p->count,
                                            &removed, &err) != RC_OK)
        return req_fail_rc(req, &err);
    req->data = json_pack("{s:I}", "removed", (json_int_t)removed);
    return true;
}

bool api_suppression_list_run(struct request *req)
{
    struct suppression *list;
    size_t n;
    struct err err = {0};
    if (req->store->ops->suppression_list(req->store, req->user_id, &req->arena, &list, &n,
                                          &err) != RC_OK)
        return req_fail_rc(req, &err);
    json_t *emails = json_array(), *domains = json_array();
    for (size_t i = 0; i < n; i++) {
        bool email = strchr(list[i].value, '@') != NULL;
        json_array_append_new(email ? emails : domains,
                              json_pack("{s:s, s:s, s:o}", email ? "email" : "domain",
                                        list[i].value, "reason", list[i].reason, "created_at",
                                        api_datetime_json(list[i].created_at)));
    }
    req->data = json_pack("{s:I, s:o, s:o}", "total", (json_int_t)n, "emails", emails, "domains",
                          domains);
    return true;
}
