/* verify.php: email verification, 0 credits. Each address's result is
 * cached for a day in the shared response cache so repeated checks do not
 * hammer mail servers; an `unknown` result only for 15 minutes, so that a
 * greylisting server's second chance is taken. The addresses not cached are
 * checked together (verify/verify.h). With lead_ids, valid sets a lead's
 * `verified` to 1 and invalid to -1; risky and unknown leave it alone. */
#include "api/api.h"

#include "base/str.h"
#include "core/cache.h"
#include "verify/verify.h"

#include <string.h>

enum { EMAIL_INPUT_MAX = 1024, RESULT_TTL = 86400, UNKNOWN_TTL = 900 };

struct verify_params {
    size_t n;
    const char **given;  /* as sent: echoed in each result */
    const char **emails; /* trimmed: what is checked */
    int64_t *lead_ids;   /* NULL when absent */
};

static bool read_emails(struct request *req, json_t *list, struct verify_params *p)
{
    p->n = json_array_size(list);
    p->given = arena_alloc(&req->arena, p->n * sizeof *p->given);
    p->emails = arena_alloc(&req->arena, p->n * sizeof *p->emails);
    for (size_t i = 0; i < p->n; i++) {
        json_t *v = json_array_get(list, i);
        if (!json_is_string(v))
            return req_fail(req, E_INVALID_PARAM, "Parameter 'emails' must hold strings; "
                                                  "emails[%zu] is not one.", i);
        if (json_string_length(v) > EMAIL_INPUT_MAX)
            return req_fail(req, E_INVALID_PARAM, "emails[%zu] is longer than %d bytes.", i,
                            EMAIL_INPUT_MAX);
        p->given[i] = json_string_value(v);
        p->emails[i] = str_trim(arena_strdup(&req->arena, p->given[i]));
    }
    return true;
}

/* A lead id: a positive JSON integer or a string of decimal digits. */
static bool lead_id(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) *out = (int64_t)json_integer_value(v);
    else if (!json_is_string(v) || !str_parse_int64(json_string_value(v), out)) return false;
    return *out > 0;
}

static bool read_lead_ids(struct request *req, json_t *list, struct verify_params *p)
{
    if (json_array_size(list) != p->n)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'lead_ids' must hold one lead id per "
                                              "email (%zu ids for %zu emails).",
                        json_array_size(list), p->n);
    p->lead_ids = arena_alloc(&req->arena, p->n * sizeof *p->lead_ids);
    for (size_t i = 0; i < p->n; i++)
        if (!lead_id(json_array_get(list, i), &p->lead_ids[i]))
            return req_fail(req, E_INVALID_PARAM, "lead_ids[%zu] must be a positive integer.", i);
    int64_t missing = 0;
    struct err err = {0};
    enum rc rc = req->store->ops->leads_owned(req->store, req->user_id, p->lead_ids, p->n,
                                              &missing, &err);
    if (rc == RC_NOT_FOUND)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'lead_ids': lead %lld is not one of "
                                              "your leads.", (long long)missing);
    return rc == RC_OK || req_fail_rc(req, &err);
}

bool api_verify_parse(struct request *req)
{
    struct verify_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    json_t *emails, *ids;
    if (!param_array(req, "emails", true, VERIFY_MAX, &emails) ||
        !param_array(req, "lead_ids", false, VERIFY_MAX, &ids) || !read_emails(req, emails, p))
        return false;
    return !ids || read_lead_ids(req, ids, p);
}

static const char *result_key(struct request *req, const char *email)
{
    return verify_cache_key(email, &req->arena);
}

/* A cached result, or false. */
static bool from_cache(struct request *req, size_t i, struct verify_outcome *out)
{
    const struct verify_params *p = req->params;
    struct err err = {0};
    json_t *hit = NULL;
    if (cache_get(req->store, result_key(req, p->emails[i]), &hit, &err) != RC_OK) return false;
    if (!verify_status_parse(json_string_value(json_object_get(hit, "status")), &out->status)) {
        json_decref(hit); /* unreadable: checked again and overwritten */
        return false;
    }
    json_object_set_new(hit, "email", json_string(p->given[i]));
    out->result = hit;
    return true;
}

/* Checks the addresses the cache did not have and caches their results. */
static void check_misses(struct request *req, struct verify_outcome *out)
{
    const struct verify_params *p = req->params;
    const char **misses = arena_alloc(&req->arena, p->n * sizeof *misses);
    size_t *slot = arena_alloc(&req->arena, p->n * sizeof *slot), n = 0;
    for (size_t i = 0; i < p->n; i++)
        if (!from_cache(req, i, &out[i])) {
            slot[n] = i;
            misses[n++] = p->emails[i];
        }
    if (n == 0) return;
    struct verify_outcome *fresh = arena_alloc(&req->arena, n * sizeof *fresh);
    verify_run(misses, n, &api_options()->verify, fresh);
    for (size_t k = 0; k < n; k++) {
        struct err err = {0};
        int64_t ttl = fresh[k].status == VERIFY_UNKNOWN ? UNKNOWN_TTL : RESULT_TTL;
        cache_put(req->store, result_key(req, misses[k]), "verify", fresh[k].result, ttl, &err);
        json_object_set_new(fresh[k].result, "email", json_string(p->given[slot[k]]));
        out[slot[k]] = fresh[k];
    }
}

static bool update_leads(struct request *req, const struct verify_outcome *out)
{
    const struct verify_params *p = req->params;
    if (!p->lead_ids) return true;
    int *values = arena_alloc(&req->arena, p->n * sizeof *values);
    for (size_t i = 0; i < p->n; i++)
        values[i] = out[i].status == VERIFY_VALID ? 1 : out[i].status == VERIFY_INVALID ? -1 : 0;
    struct err err = {0};
    if (req->store->ops->leads_set_verified(req->store, req->user_id, p->lead_ids, values, p->n,
                                            &err) != RC_OK)
        return req_fail_rc(req, &err);
    return true;
}

bool api_verify_run(struct request *req)
{
    const struct verify_params *p = req->params;
    struct verify_outcome *out = arena_alloc(&req->arena, p->n * sizeof *out);
    check_misses(req, out);
    bool ok = update_leads(req, out);
    json_t *results = json_array();
    for (size_t i = 0; i < p->n; i++) json_array_append_new(results, out[i].result);
    if (!ok) {
        json_decref(results);
        return false;
    }
    req->data = json_pack("{s:o}", "results", results);
    return true;
}
