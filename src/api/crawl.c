/* crawl.php: a site's emails, phones, social profiles and metadata. 1 credit
 * per unique email on the site's domain (at most 15), at least 1 when anything
 * is found; cached 14 days per normalised URL. */
#include "api/api.h"

#include "crawl/crawl.h"

enum { CRAWL_MAX_CREDITS = 15 };

struct crawl_params {
    const char *url;
    bool implied;
};

static json_t *strings_json(const char *const *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, json_string(items[i]));
    return list;
}

json_t *api_crawl_data_json(const struct crawl_result *r)
{
    const struct extract_result *m = &r->merged;
    return json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:s}, s:o, s:o, s:o, s:o}", "domain", r->url,
                     "pages_crawled", r->pages_crawled, "metadata", "title", m->title,
                     "description", m->description, "keywords", m->keywords, "image", m->image,
                     "emails", strings_json(r->site_emails, r->site_emails_count), "all_emails",
                     strings_json(m->emails, m->emails_count), "phones",
                     strings_json(m->phones, m->phones_count), "social_links",
                     strings_json(m->social, m->social_count));
}

int64_t api_crawl_cost(const struct crawl_result *r)
{
    const struct extract_result *m = &r->merged;
    int64_t cost = (int64_t)r->site_emails_count;
    if (cost > CRAWL_MAX_CREDITS) cost = CRAWL_MAX_CREDITS;
    if (cost == 0 && (m->emails_count || m->phones_count || m->social_count)) cost = 1;
    return cost;
}

bool api_crawl_parse(struct request *req)
{
    struct crawl_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    const char *domain;
    if (!param_string(req, "domain", true, 2048, &domain)) return false;
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

bool api_crawl_run(struct request *req)
{
    const struct crawl_params *p = req->params;
    struct crawl_result r;
    struct err err = {0};
    enum rc rc = crawl_site(p->url, p->implied, &req->arena, &r, &err);
    if (rc == RC_FORBIDDEN)
        return req_fail(req, E_INVALID_PARAM, "Parameter 'domain': %s.", err.msg);
    if (rc != RC_OK) return req_fail(req, E_CRAWL_ERROR, "Could not fetch %s: %s", p->url, err.msg);
    req->data = api_crawl_data_json(&r);
    req->cost = api_crawl_cost(&r);
    return true;
}
