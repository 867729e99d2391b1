/* ads.php: live ads with a permanent history and landing-page contact data.
 * Never served from the response cache: every request searches afresh. */
#include "api/api.h"

#include "core/privacy.h"

#include "ads/ads.h"
#include "finder/finder.h"

#include <string.h>
#include <strings.h>

struct ads_params {
    struct ads_query q;
    const struct serp_chain *providers;
};

static bool parse_bool(struct request *req, const char *name, bool fallback, bool *out)
{
    const char *v;
    if (!param_string(req, name, false, 8, &v)) return false;
    *out = fallback;
    if (!v) return true;
    static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i])) return *out = true, true;
        if (!strcasecmp(v, no[i])) return *out = false, true;
    }
    return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must be true or false.", name);
}

/* The configured search providers that have their keys; 503 not_configured otherwise. */
static bool configured_provider(struct request *req, struct ads_params *p)
{
    struct err err = {0};
    p->q.serp = &api_options()->serp;
    p->providers = serp_provider_choose(p->q.serp, &req->arena, &err);
    return p->providers ? true : req_fail(req, E_NOT_CONFIGURED, "%s", err.msg);
}

bool api_ads_parse(struct request *req)
{
    struct ads_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    const char *se;
    if (!param_string(req, "query", true, 500, &p->q.query) ||
        !param_string(req, "se", false, 16, &se) ||
        !param_int(req, "page", false, 0, 0, 100, &p->q.page) ||
        !parse_bool(req, "include_history", true, &p->q.include_history))
        return false;
    if (!serp_engine_from_name(se ? se : "google", &p->q.engine))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'se' must be one of: google, bing.");
    return configured_provider(req, p);
}

/* The contacts of this search's ads (history was recorded when it was fresh). */
static void record_contacts(struct request *req)
{
    size_t i;
    json_t *ad;
    json_array_foreach(json_object_get(req->data, "results"), i, ad)
    {
        if (!json_is_true(json_object_get(ad, "is_active"))) continue;
        finder_record_sightings(req->store, "ad", json_object_get(ad, "contact_data"),
                                json_string_value(json_object_get(ad, "url")));
    }
}

bool api_ads_run(struct request *req)
{
    const struct ads_params *p = req->params;
    struct err err = {0};
    enum rc rc = ads_run(req->store, p->providers, &p->q, &req->arena, &req->data, &req->cost,
                         &req->provider, &err);
    if (rc == RC_UPSTREAM) return req_fail(req, E_SEARCH_ERROR, "%s", err.msg);
    if (rc != RC_OK) return req_fail_rc(req, &err);
    if (privacy_scrub_answer(req->store, req->data, &err) != RC_OK) return req_fail_rc(req, &err);
    record_contacts(req);
    return true;
}
