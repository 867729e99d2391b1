/* crawl.php: a site's emails, phones, social profiles and metadata. 1 credit
 * per unique email on the site's domain (at most 15), at least 1 when anything
 * is found; cached 14 days per normalised URL. */
#include "api/api.h"

#include "core/privacy.h"
#include "crawl/crawl.h"
#include "crawl/result.h"
#include "finder/finder.h"

struct crawl_params {
    const char *input; /* as given: the answer's domain echoes its spelling of the path */
    const char *url;
    bool implied;
};

bool api_crawl_parse(struct request *req)
{
    struct crawl_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    const char *domain;
    if (!param_string(req, "domain", true, 2048, &domain)) return false;
    p->input = domain;
    struct err err = {0};
    if (crawl_normalize(domain, &req->arena, &p->url, &p->implied, &err) != RC_OK)
        return req_fail(req, E_INVALID_PARAM, "%s", err.msg);
    return true;
}

const char *api_crawl_cache_key(struct request *req)
{
    const struct crawl_params *p = req->params;
    return arena_sprintf(&req->arena, "crawl\x1f%s", p->url);
}

/* Spellings that normalise alike share one cache entry; each is echoed as given. */
void api_crawl_from_cache(struct request *req)
{
    const struct crawl_params *p = req->params;
    const char *stored = json_string_value(json_object_get(req->data, "domain"));
    if (!stored) return;
    json_object_set_new(req->data, "domain",
                        json_string(crawl_domain_echo(p->input, stored, &req->arena)));
}

bool api_crawl_run(struct request *req)
{
    const struct crawl_params *p = req->params;
    struct crawl_result r;
    struct err err = {0};
    enum rc rc = crawl_site(p->url, p->implied, &req->arena, &r, &err);
    if (rc == RC_FORBIDDEN)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'domain': %s.", err.msg);
    if (rc != RC_OK) return req_fail(req, E_CRAWL_ERROR, "Could not fetch %s: %s", p->url, err.msg);
    r.domain = crawl_domain_echo(p->input, r.url, &req->arena);
    req->data = crawl_result_json(&r);
    /* erased addresses leave the answer before it is billed, cached or remembered */
    if (privacy_scrub_answer(req->store, req->data, &err) != RC_OK) return req_fail_rc(req, &err);
    req->cost = crawl_data_cost(req->data);
    finder_record_sightings(req->store, "crawl", req->data, NULL);
    finder_record_people(req->store, &r, req->data); /* the finder's, not the answer's */
    return true;
}
